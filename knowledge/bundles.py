"""Choosing a bundle: one product per item, every item's constraints kept, the sum within the total.

    from knowledge.bundles import solve, source_for
    src = source_for(retriever)                       # a ChromaRetriever (its in-memory index) or CatalogRetriever
    res = solve(bundle_state, src)                    # assistant.bundle.BundleState
    res.bundles[0].lines, res.bundles[0].total, res.bundles[0].remaining
    res.blocker  # when nothing fits: Blocker(item="sofa", constraint="total", over_by=70.97, ...) + res.nearest

The rules are docs/bundles.md's: among bundles where every item keeps its own hard constraints
(``knowledge.filters.violations`` on the item's DialogueState), the items agree on the shared colour /
material / ``match``, and the total (price x quantity, summed) is at most ``total_max``, choose the one with the
most wanted features matched, then the most items suiting the room, then the lowest total, then by ids.

Exact, not greedy: each item's candidates are cut to their Pareto front (match score vs cost: a product
no better and no cheaper than another of the same item and agreement group can be swapped for it in any
bundle without breaking a constraint or lowering the objective), then a depth-first branch-and-bound over
the fronts, bounded by the best score and the cheapest cost still reachable. ``brute_force`` enumerates every
combination of the same candidates; the tests check the two agree.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field, replace
from typing import Iterable, Protocol

from assistant.bundle import BundleItem, BundleState
from assistant.state import DialogueState
from knowledge import filters
from knowledge.schema import Product

# --- shared attributes: colour and material families -------------------------------------------

_COLOUR_FOLD = {"gray": "grey", "navy blue": "navy", "dark blue": "navy"}


def colour_of(p: Product) -> str | None:
    if not p.colour:
        return None
    c = p.colour.strip().lower()
    return _COLOUR_FOLD.get(c, c)


_FAMILY_RULES = [  # (family, pattern on the catalog's material text)
    ("solid wood", r"^solid\b|\bsolid (?:wood|oak|pine|beech|birch|walnut|ash|acacia)\b"),
    ("wood", r"^solid\b|\bsolid\b|veneer|\bash\b|\boak\b|walnut|\bpine\b|beech|birch|acacia|\bwood"),
    ("leather", r"leather"),
    ("fabric", r"fabric|boucle|bouclé|velvet|upholster|linen|cotton"),
    ("glass", r"glass"),
    ("metal", r"steel|metal|iron|alumin"),
    ("rattan", r"rattan|wicker"),
]
_FEATURE_FAMILIES = {"solid wood": ("solid wood", "wood"), "leather": ("leather",), "fabric": ("fabric",)}


def materials_of(p: Product) -> frozenset[str]:
    """The material families a product belongs to, from its ``material`` spec and its material features."""
    out: set[str] = set()
    text = str(p.specs.get("material") or "").lower()
    if text:
        out.update(f for f, rx in _FAMILY_RULES if re.search(rx, text))
    for f in p.features:
        out.update(_FEATURE_FAMILIES.get(f, ()))
    return frozenset(out)


def _known(p: Product, key: str) -> bool:
    return colour_of(p) is not None if key == "colour" else bool(materials_of(p))


# --- where candidates come from ----------------------------------------------------------------

class CandidateSource(Protocol):
    def ranked(self, state: DialogueState, query: str, k: int) -> list[Product]:
        """The ``k`` most relevant products that keep the hard constraints of ``state`` (the retriever's order)."""
        ...

    def matching(self, state: DialogueState) -> list[Product]:
        """Every product that keeps the hard constraints of ``state`` (knowledge.filters.violations)."""
        ...

    def has_matches(self, state: DialogueState) -> bool: ...


class CatalogSource:
    """Products in memory (a list): relevance is the soft bonus (wanted features, room), then price."""

    def __init__(self, products: Iterable[Product]):
        self.products = sorted(products, key=lambda p: (p.category, p.id))
        self._by_cat: dict[str, list[Product]] = {}
        for p in self.products:
            self._by_cat.setdefault(p.category, []).append(p)

    def matching(self, state: DialogueState) -> list[Product]:
        pool = self._by_cat.get(state.category, []) if state.category else self.products
        return [p for p in pool if not filters.violations(p, state)]

    def ranked(self, state: DialogueState, query: str, k: int) -> list[Product]:
        ps = self.matching(state)
        return sorted(ps, key=lambda p: (-filters.soft_bonus(p.features, p.rooms, state), p.price, p.id))[:k]

    def has_matches(self, state: DialogueState) -> bool:
        return bool(self.matching(state))


class RetrieverSource:
    """Any Retriever. Ranking: a ChromaRetriever with the in-memory index ranks by the store's own vectors
    (``_typical``); otherwise ``retrieve`` ranks (Chroma's query, or keywords in memory). For every match,
    a ChromaRetriever's in-memory product index finds them (numpy masks) and the records come from Chroma by id
    once and stay cached (a running store's products do not change); a CatalogRetriever filters its products."""

    def __init__(self, retriever):
        self.retriever = retriever
        self._records: dict[str, Product] = {}
        self._centroids: dict = {}

    def ranked(self, state: DialogueState, query: str, k: int) -> list[Product]:
        if getattr(self.retriever, "memory", False) and state.category:
            found = self._typical(state, k)
        else:
            found = [h.product for h in self.retriever.retrieve(state, query, k=k).products]
        # violations() again: the guarantee rests on the one definition of the constraints, not on the store
        return [p for p in found if not filters.violations(p, state)]

    def _typical(self, state: DialogueState, k: int) -> list[Product]:
        """The store's own vectors rank, no encoder call: closeness to the centroid of the category's products
        (spare parts a catalog files under "beds" sit far from the beds) plus the soft bonus (wanted features,
        room), as the retriever's ranking adds it. A bundle item has no free-text query to embed. Returns the
        ``k`` best and the ``k`` cheapest of the better half (up to 2k products)."""
        import numpy as np

        idx = self.retriever.store_index
        products = idx.products
        allowed = products.mask(state)
        if not allowed.any():
            return []
        if state.category not in self._centroids:
            in_cat = products.category == products.categories[state.category]
            rows = np.flatnonzero((idx.product_row >= 0) & in_cat[np.maximum(idx.product_row, 0)])
            c = idx.vectors[rows].mean(axis=0)
            self._centroids[state.category] = c / (np.linalg.norm(c) or 1.0)
        rows = np.flatnonzero((idx.product_row >= 0) & allowed[np.maximum(idx.product_row, 0)])
        owner = idx.product_row[rows]
        best = np.full(len(products), -np.inf, dtype=np.float32)
        np.maximum.at(best, owner, idx.vectors[rows] @ self._centroids[state.category])
        bonus = products.bonus(state)
        score = best + (bonus if bonus is not None else 0)
        cand = np.flatnonzero(allowed)
        ranked = cand[np.lexsort((products.ids[cand].astype(str), -score[cand]))]
        # the k most typical, then the k cheapest of the more typical half: a tight total still has options
        half = ranked[:max(k, (len(ranked) + 1) // 2)]
        cheap = half[np.lexsort((products.ids[half].astype(str), products.price[half]))][:k]
        order = list(dict.fromkeys([*ranked[:k].tolist(), *cheap.tolist()]))
        ids = [str(i) for i in products.ids[order]]
        self._fetch(ids)
        return [self._records[i] for i in ids if i in self._records]

    def _fetch(self, ids: list[str]) -> None:
        missing = [i for i in ids if i not in self._records]
        for start in range(0, len(missing), 500):
            chunk = missing[start:start + 500]
            got = self.retriever.collection.get(ids=[f"p:{i}:0" for i in chunk], include=["metadatas"])
            for meta in got["metadatas"]:
                p = Product.from_dict(json.loads(meta["product"]))
                self._records[p.id] = p

    def matching(self, state: DialogueState) -> list[Product]:
        if hasattr(self.retriever, "collection"):
            index = self.retriever.index
            ids = [str(i) for i in index.ids[index.mask(state)]]
            self._fetch(ids)
            found = (self._records.get(i) for i in ids)
        else:
            found = getattr(self.retriever, "products", {}).values()
        return sorted((p for p in found if p is not None and not filters.violations(p, state)),
                      key=lambda p: (p.price, p.id))

    def has_matches(self, state: DialogueState) -> bool:
        if hasattr(self.retriever, "collection"):
            return self.retriever.index.has_matches(state)
        return bool(self.matching(state))


IndexSource = RetrieverSource  # the name the bench and older callers use


def source_for(retriever_or_products) -> CandidateSource:
    """A candidate source for a Retriever (Chroma or in memory), a list of products, or a source itself."""
    if isinstance(retriever_or_products, (list, tuple)):
        return CatalogSource(retriever_or_products)
    if hasattr(retriever_or_products, "ranked"):
        return retriever_or_products
    if hasattr(retriever_or_products, "retrieve"):
        return RetrieverSource(retriever_or_products)
    raise TypeError(f"no bundle candidates from {type(retriever_or_products).__name__}")


# --- results -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class BundleLine:
    category: str
    product: Product
    quantity: int = 1
    features_matched: tuple[str, ...] = ()
    suits_room: bool = False

    @property
    def cost(self) -> float:
        return round(self.product.price * self.quantity, 2)


@dataclass(frozen=True)
class Bundle:
    lines: tuple[BundleLine, ...]
    total: float
    total_max: float | None = None
    alternative: bool = False          # the nearest bundle offered when none fits: it breaks the blocker

    @property
    def remaining(self) -> float | None:
        return None if self.total_max is None else round(self.total_max - self.total, 2)

    @property
    def currency(self) -> str:
        return self.lines[0].product.currency if self.lines else ""

    @property
    def features_matched(self) -> int:
        return sum(len(line.features_matched) for line in self.lines)

    @property
    def rooms_matched(self) -> int:
        return sum(line.suits_room for line in self.lines)

    def line(self, category: str) -> BundleLine | None:
        return next((ln for ln in self.lines if ln.category == category), None)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(ln.product.id for ln in self.lines)

    def to_dict(self) -> dict:
        return {"items": [{"category": ln.category, "product": ln.product.to_dict(), "quantity": ln.quantity,
                           "cost": ln.cost, "features_matched": list(ln.features_matched)} for ln in self.lines],
                "total": self.total, "total_max": self.total_max, "remaining": self.remaining,
                "alternative": self.alternative}


@dataclass(frozen=True)
class Blocker:
    """Why no bundle fits, as data (wording it is the dialogue's job, per language)."""

    item: str                  # the category of the blocking item
    constraint: str            # a state key of the item (budget_max, brands, max_width_cm, ...), colour,
                               # material, match, or total
    over_by: float | None = None   # for total: how much the cheapest valid bundle is over the total
    closest: Product | None = None  # the item's closest option (the cheapest for total, narrowest for width...)
    cheapest_total: float | None = None  # for total: what the cheapest valid bundle costs


@dataclass(frozen=True)
class BundleResult:
    bundles: tuple[Bundle, ...] = ()        # best first; a cheaper valid alternative may follow
    blocker: Blocker | None = None
    nearest: Bundle | None = None           # when nothing fits: the closest bundle (marked alternative)
    exempt: tuple[tuple[str, str], ...] = ()  # (item, colour|material): the catalog records none for it
    candidates: dict[str, list[Product]] = field(default_factory=dict, compare=False, repr=False)


# --- the search --------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Cand:
    product: Product
    cost: int            # cents x quantity: integer sums, no float drift at the budget edge
    score: int           # features x weight + room: lexicographic in one integer
    features: tuple[str, ...]
    room: bool


def _cents(x: float) -> int:
    return int(round(x * 100))


def _make_cands(item: BundleItem, state: BundleState, products: list[Product], weight: int) -> list[_Cand]:
    out = []
    for p in products:
        have = set(p.features)
        feats = tuple(f for f in item.features if f in have)
        room = bool(state.room and state.room in p.rooms)
        out.append(_Cand(p, _cents(p.price) * item.quantity, len(feats) * weight + room, feats, room))
    return out


def _front(cands: list[_Cand]) -> list[_Cand]:
    """The Pareto front (higher score, lower cost); among equals the smallest id, as the tie-break wants."""
    ordered = sorted(cands, key=lambda c: (-c.score, c.cost, c.product.id))
    out, best_cost = [], None
    for c in ordered:
        if best_cost is None or c.cost < best_cost:
            out.append(c)
            best_cost = c.cost
    return out


def _key(choice: list[_Cand]) -> tuple:
    """Smaller is better: most score, then lowest total, then ids in item order."""
    return (-sum(c.score for c in choice), sum(c.cost for c in choice), tuple(c.product.id for c in choice))


def _branch_and_bound(lists: list[list[_Cand]], budget: int | None) -> list[_Cand] | None:
    """The best choice (one per list) with total cost <= budget, exactly; None when none fits."""
    n = len(lists)
    if any(not lst for lst in lists):
        return None
    order = sorted(range(n), key=lambda i: len(lists[i]))  # few options first: bounds bite early
    fronts = [sorted(lists[i], key=lambda c: (-c.score, c.cost, c.product.id)) for i in order]
    max_rest = [0] * (n + 1)
    min_rest = [0] * (n + 1)
    for d in range(n - 1, -1, -1):
        max_rest[d] = max_rest[d + 1] + max(c.score for c in fronts[d])
        min_rest[d] = min_rest[d + 1] + min(c.cost for c in fronts[d])
    limit = budget if budget is not None else None
    best: list = [None, None]  # key, choice (in item order)
    picked: list[_Cand | None] = [None] * n

    def dfs(d: int, score: int, cost: int) -> None:
        if limit is not None and cost + min_rest[d] > limit:
            return
        if best[0] is not None:
            bound = score + max_rest[d]
            if bound < -best[0][0] or (bound == -best[0][0] and cost + min_rest[d] > best[0][1]):
                return
        if d == n:
            choice = [None] * n
            for pos, i in enumerate(order):
                choice[i] = picked[pos]
            k = _key(choice)
            if best[0] is None or k < best[0]:
                best[0], best[1] = k, choice
            return
        for c in fronts[d]:
            picked[d] = c
            dfs(d + 1, score + c.score, cost + c.cost)
        picked[d] = None

    dfs(0, 0, 0)
    return best[1]


def _groups(state: BundleState, pools: dict[str, list[_Cand]], exempt: set[tuple[str, str]]):
    """Per agreement group (a shared colour and/or material value when items must match): item -> candidates."""
    keys = list(state.match)
    if not keys:
        yield (), pools
        return
    values: dict[str, set] = {}
    for key in keys:
        vals: set = set()
        for cat, cands in pools.items():
            if (cat, key) in exempt:
                continue
            for c in cands:
                vals.update([colour_of(c.product)] if key == "colour" else materials_of(c.product))
        vals.discard(None)
        values[key] = vals
    keys = [k for k in keys if values[k]]  # every item exempt (the catalog records none): nothing to agree on
    for combo in itertools.product(*(sorted(values[k]) for k in keys)):
        group = {}
        for cat, cands in pools.items():
            keep = cands
            for key, v in zip(keys, combo):
                if (cat, key) in exempt:
                    continue
                keep = [c for c in keep if (colour_of(c.product) == v if key == "colour"
                                            else v in materials_of(c.product))]
            group[cat] = keep
        yield combo, group


def _shared_ok(p: Product, state: BundleState, cat: str, exempt: set[tuple[str, str]]) -> bool:
    if state.colour and (cat, "colour") not in exempt and colour_of(p) != state.colour:
        return False
    if state.material and (cat, "material") not in exempt and state.material not in materials_of(p):
        return False
    return True


def _bundle(state: BundleState, choice: list[_Cand], alternative: bool = False) -> Bundle:
    lines = tuple(BundleLine(item.category, c.product, item.quantity, c.features, c.room)
                  for item, c in zip(state.items, choice))
    total = sum(c.cost for c in choice) / 100
    return Bundle(lines, round(total, 2), state.total_max, alternative)


class BundleSolver:
    """Exact bundle choice over a candidate source; ``solve`` is the module-level shortcut.

    Candidates: each item's ``top_k`` most relevant products (the store's ranking, so a catalog's spare
    parts filed under a category do not win on price alone). When no bundle among them fits the total or
    agrees, the search is repeated with cheaper relevant options added, then over every matching product of
    the catalog, so "nothing fits" and its ``over_by`` are exact over the whole catalog, never an artefact of
    the shortlist.
    """

    def __init__(self, source: CandidateSource, top_k: int = 12):
        self.source = source
        self.top_k = top_k

    def item_products(self, state: BundleState, widen: bool = False) -> dict[str, list[Product]]:
        """Every item's shortlist: its ``top_k`` most relevant products under its own hard constraints and the
        shared colour / material (every such product when the relevant ones have none of that colour or
        material); ``widen`` adds what the source offers beyond the top (the cheaper of the relevant half)."""
        out = {}
        words = " ".join(w for w in (state.colour, state.material) if w)
        for item in state.items:
            st = state.item_state(item)
            ranked = self.source.ranked(st, words, self.top_k * (3 if words else 1))
            if words:
                exempt = self.exemptions(state, {item.category: ranked})
                keep = [p for p in ranked if _shared_ok(p, state, item.category, exempt)]
                if ranked and not keep:
                    keep = [p for p in self.source.matching(st) if _shared_ok(p, state, item.category, exempt)]
                    keep = keep[:self.top_k] or ranked[:self.top_k]  # none at all: the blocker says so
                ranked = keep
            out[item.category] = ranked if widen else ranked[:self.top_k]
        return out

    def all_products(self, state: BundleState) -> dict[str, list[Product]]:
        return {item.category: self.source.matching(state.item_state(item)) for item in state.items}

    def solve(self, state: BundleState, *, products: dict[str, list[Product]] | None = None,
              _nearest: bool = True) -> BundleResult:
        if products is not None:
            return self._solve(state, products, _nearest)
        # The most relevant shortlist that has a bundle: the top, then with cheaper relevant options, then all.
        res, tried = None, None
        for pool in ("top", "wide", "all"):
            products = self.all_products(state) if pool == "all" else self.item_products(state, pool == "wide")
            if tried is not None and all(len(products[c]) <= len(tried[c]) for c in products):
                continue  # nothing new to search
            res, tried = self._solve(state, products, _nearest), products
            if res.bundles or res.blocker is None or res.blocker.constraint not in ("total", "match"):
                return res
        return res

    @staticmethod
    def exemptions(state: BundleState, products: dict[str, list[Product]]) -> set[tuple[str, str]]:
        """Items whose candidates record no colour (material) at all: the shared requirement cannot apply."""
        keys = {k for k in ("colour", "material") if getattr(state, k)} | set(state.match)
        return {(cat, key) for cat, ps in products.items() for key in keys if ps and not any(_known(p, key) for p in ps)}

    def _solve(self, state: BundleState, products: dict[str, list[Product]], _nearest: bool) -> BundleResult:
        if not state.items:
            return BundleResult()
        exempt = self.exemptions(state, products)
        weight = len(state.items) + 1
        # 1. an item with nothing under its own constraints
        for item in state.items:
            if not products[item.category]:
                return self._item_blocked(state, item, products, exempt, _nearest)
        # 2. the shared colour / material
        pools: dict[str, list[_Cand]] = {}
        for item in state.items:
            ok = [p for p in products[item.category] if _shared_ok(p, state, item.category, exempt)]
            if not ok:
                key = "colour" if state.colour and not any(
                    _shared_ok(p, state.replace(material=None), item.category, exempt)
                    for p in products[item.category]) else "material"
                nearest = None
                if _nearest:  # the same bundle without the shared colour (material) for any item
                    res = self.solve(state.replace(**{key: None}), _nearest=False)
                    nearest = replace(res.bundles[0], alternative=True) if res.bundles else None
                closest = nearest.line(item.category).product if nearest else None
                return BundleResult(blocker=Blocker(item.category, key, None, closest), nearest=nearest,
                                    exempt=tuple(sorted(exempt)), candidates=products)
            pools[item.category] = _make_cands(item, state, ok, weight)
        # 3. per agreement group, the exact search
        budget = _cents(state.total_max) if state.total_max is not None else None
        best, best_key, cheapest, any_group = None, None, None, False
        for _, group in _groups(state, pools, exempt):
            lists = [group[item.category] for item in state.items]
            if any(not lst for lst in lists):
                continue
            any_group = True
            choice = _branch_and_bound([_front(lst) for lst in lists], budget)
            if choice is not None and (best_key is None or _key(choice) < best_key):
                best, best_key = choice, _key(choice)
            low = [min(lst, key=lambda c: (c.cost, -c.score, c.product.id)) for lst in lists]
            if cheapest is None or (sum(c.cost for c in low), _key(low)) < (sum(c.cost for c in cheapest), _key(cheapest)):
                cheapest = low
        if not any_group:
            counts = {item.category: len({colour_of(c.product) for c in pools[item.category]})
                      for item in state.items}
            blocking = min(state.items, key=lambda i: counts[i.category]).category
            nearest = self._nearest_without(state, products, exempt, drop_match=True) if _nearest else None
            return BundleResult(blocker=Blocker(blocking, "match"), nearest=nearest,
                                exempt=tuple(sorted(exempt)), candidates=products)
        if best is None:  # 4. the total: even the cheapest valid bundle costs more
            over = (sum(c.cost for c in cheapest) - budget) / 100
            worst = max(range(len(state.items)), key=lambda i: (cheapest[i].cost, -i))
            cat = state.items[worst].category
            return BundleResult(blocker=Blocker(cat, "total", round(over, 2), cheapest[worst].product,
                                                round(sum(c.cost for c in cheapest) / 100, 2)),
                                nearest=_bundle(state, cheapest, alternative=True) if _nearest else None,
                                exempt=tuple(sorted(exempt)), candidates=products)
        bundles = [_bundle(state, best)]
        if cheapest is not None and _branch_and_bound([[c] for c in cheapest], budget) is not None \
                and sum(c.cost for c in cheapest) < sum(c.cost for c in best):
            bundles.append(_bundle(state, cheapest))  # a cheaper valid option, matching fewer wishes
        return BundleResult(bundles=tuple(bundles), exempt=tuple(sorted(exempt)), candidates=products)

    def _item_blocked(self, state, item, products, exempt, with_nearest) -> BundleResult:
        st = state.item_state(item)
        found = filters.find_blocker(st, self.source.has_matches)
        key, relaxed = found if found else ("category", filters.relax(st, "category"))
        order = filters.nearest_order(key)
        alts = self.source.ranked(relaxed, "", self.top_k) if key != "category" else []
        if order:  # the closest on the blocking constraint come from the whole catalog, not the shortlist
            alts = sorted(self.source.matching(relaxed), key=lambda p: (order(p), p.id))[:self.top_k]
        nearest = None
        if with_nearest and alts:
            # closest on the blocking constraint first (the narrowest, the cheapest, ...), else any that fits
            closest = [p for p in alts if order(p) == min(order(q) for q in alts)] if order else alts
            for pool in (closest, alts):
                nearest = self._nearest_without(state, {**products, item.category: pool}, exempt)
                if nearest is not None:
                    break
        closest = nearest.line(item.category).product if nearest else (alts[0] if alts else None)
        return BundleResult(blocker=Blocker(item.category, key, None, closest), nearest=nearest,
                            exempt=tuple(sorted(exempt)), candidates=products)

    def _nearest_without(self, state, products, exempt, drop_match=False) -> Bundle | None:
        relaxed = state.replace(match=()) if drop_match else state
        extra = {k for _, k in exempt}
        if "colour" in extra or "material" in extra:
            # exempting one item from the shared colour / material: drop it from that item's check only
            products = {cat: [p for p in ps if _shared_ok(p, state, cat, exempt)] for cat, ps in products.items()}
            relaxed = relaxed.replace(colour=None, material=None)
        res = self.solve(relaxed, products=products, _nearest=False)
        if res.bundles:
            return replace(res.bundles[0], alternative=True, total_max=state.total_max)
        return res.nearest


def solve(state: BundleState, source, top_k: int = 12) -> BundleResult:
    return BundleSolver(source_for(source), top_k).solve(state)


# --- swapping one item, comparing two bundles --------------------------------------------------

SWAPS = ("cheaper", "another", "better")


def swap(state: BundleState, current: Bundle, category: str, how: str, source, seen: Iterable[str] = (),
         top_k: int = 12) -> Bundle | None:
    """``current`` with the ``category`` item replaced, every other item kept; None when no product qualifies.

    cheaper: a cheaper one (best match, then the closest price below); another: any other not yet ``seen``
    (best match, then cheapest); better: a dearer one that still fits the total (best match, then the next price
    up). The new item keeps its own constraints, the shared colour / material, any ``match`` with the kept items,
    and the total. Chosen among the item's ``3 x top_k`` most relevant products (as the solver's shortlist).
    """
    if how not in SWAPS:
        raise ValueError(f"unknown swap {how!r}; choose one of {SWAPS}")
    src = source_for(source)
    item = next((i for i in state.items if i.category == category), None)
    old = current.line(category)
    if item is None or old is None:
        return None
    st = state.item_state(item)
    words = " ".join(w for w in (state.colour, state.material) if w)
    return _swap_pick(state, current, item, old, src.ranked(st, words, 3 * top_k), how, seen)


def _swap_pick(state, current, item, old, products, how, seen) -> Bundle | None:
    category = item.category
    exempt = BundleSolver.exemptions(state, {category: products})
    others = [ln for ln in current.lines if ln.category != category]
    left = None if state.total_max is None else _cents(state.total_max) - sum(_cents(ln.cost) for ln in others)
    seen = set(seen) | {old.product.id}
    weight = len(state.items) + 1
    cands = []
    for c in _make_cands(item, state, [p for p in products if _shared_ok(p, state, category, exempt)], weight):
        if c.product.id in seen or (left is not None and c.cost > left):
            continue
        if "colour" in state.match and (category, "colour") not in exempt and any(
                colour_of(ln.product) is not None and colour_of(ln.product) != colour_of(c.product) for ln in others):
            continue
        if "material" in state.match and (category, "material") not in exempt and others:
            shared = frozenset.intersection(*(materials_of(ln.product) for ln in others if materials_of(ln.product))) \
                if any(materials_of(ln.product) for ln in others) else None
            if shared is not None and not (shared & materials_of(c.product)):
                continue
        cands.append(c)
    old_cost = _cents(old.cost)
    if how == "cheaper":
        cands = sorted((c for c in cands if c.cost < old_cost), key=lambda c: (-c.score, -c.cost, c.product.id))
    elif how == "better":
        cands = sorted((c for c in cands if c.cost > old_cost), key=lambda c: (-c.score, c.cost, c.product.id))
    else:
        cands = sorted(cands, key=lambda c: (-c.score, c.cost, c.product.id))
    if not cands:
        return None
    c = cands[0]
    lines = tuple(BundleLine(category, c.product, item.quantity, c.features, c.room) if ln.category == category else ln
                  for ln in current.lines)
    total = sum(_cents(ln.cost) for ln in lines) / 100
    return Bundle(lines, round(total, 2), state.total_max)


def compare(a: Bundle, b: Bundle) -> list[dict]:
    """Rows of a side-by-side table (data; the dialogue words it): one per item with the two products (None where
    a bundle has no such item), then the total, what is left and the wishes matched."""
    rows = []
    cats = list(dict.fromkeys([ln.category for ln in a.lines] + [ln.category for ln in b.lines]))
    for cat in cats:
        la, lb = a.line(cat), b.line(cat)
        rows.append({"row": cat,
                     "a": la.product if la else None, "b": lb.product if lb else None,
                     "same": bool(la and lb and la.product.id == lb.product.id)})
    rows.append({"row": "total", "a": a.total, "b": b.total, "same": a.total == b.total})
    rows.append({"row": "remaining", "a": a.remaining, "b": b.remaining, "same": a.remaining == b.remaining})
    rows.append({"row": "features matched", "a": a.features_matched, "b": b.features_matched,
                 "same": a.features_matched == b.features_matched})
    return rows


# --- the reference the tests check against -----------------------------------------------------

def brute_force(state: BundleState, products: dict[str, list[Product]]) -> tuple[Product, ...] | None:
    """Every combination of the items' candidates, checked one by one: the optimum by docs/bundles.md's order."""
    exempt = BundleSolver.exemptions(state, products)
    weight = len(state.items) + 1
    lists = [_make_cands(item, state, [p for p in products[item.category] if _shared_ok(p, state, item.category, exempt)],
                         weight) for item in state.items]
    budget = _cents(state.total_max) if state.total_max is not None else None
    best = None
    for choice in itertools.product(*lists):
        if budget is not None and sum(c.cost for c in choice) > budget:
            continue
        if not _agree(state, [(item.category, c.product) for item, c in zip(state.items, choice)], exempt):
            continue
        if best is None or _key(list(choice)) < _key(best):
            best = list(choice)
    return None if best is None else tuple(c.product for c in best)


def _agree(state: BundleState, chosen: list[tuple[str, Product]], exempt) -> bool:
    for key in state.match:
        held = [p for cat, p in chosen if (cat, key) not in exempt]
        if key == "colour" and len({colour_of(p) for p in held}) > 1:
            return False
        if key == "colour" and any(colour_of(p) is None for p in held):
            return False
        if key == "material" and held and not frozenset.intersection(*(materials_of(p) for p in held)):
            return False
    return True


def check_bundle(state: BundleState, bundle: Bundle, exempt=()) -> list[str]:
    """Every broken promise of ``bundle`` under ``state`` (empty: it keeps them all). Used by the tests."""
    problems = []
    for item in state.items:
        line = bundle.line(item.category)
        if line is None:
            problems.append(f"{item.category}: missing")
            continue
        for v in filters.violations(line.product, state.item_state(item)):
            problems.append(f"{item.category}: {v}")
        if not _shared_ok(line.product, state, item.category, set(exempt)):
            problems.append(f"{item.category}: colour/material")
        if line.quantity != item.quantity:
            problems.append(f"{item.category}: quantity")
    total = sum(_cents(ln.product.price) * ln.quantity for ln in bundle.lines)
    if total != _cents(bundle.total):
        problems.append("total is not the sum")
    if state.total_max is not None and total > _cents(state.total_max) and not bundle.alternative:
        problems.append("over the total")
    if not _agree(state, [(ln.category, ln.product) for ln in bundle.lines], set(exempt)):
        problems.append("items do not match")
    return problems


__all__ = ["Bundle", "BundleLine", "BundleResult", "BundleSolver", "Blocker", "CandidateSource", "CatalogSource",
           "IndexSource", "RetrieverSource", "solve", "swap", "compare", "brute_force", "check_bundle", "source_for", "colour_of",
           "materials_of", "SWAPS"]
