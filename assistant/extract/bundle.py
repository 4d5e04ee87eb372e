"""Understanding bundle requests, English and Chinese, deterministically (docs/bundles.md).

    >>> p = parse_bundle("Furnish my living room for 2,000: sofa, coffee table and a TV stand")
    >>> p.update.new.to_dict()
    {'items': [{'category': 'sofa'}, {'category': 'coffee table'}, {'category': 'tv stand'}], 'total_max': 2000, 'room': 'living room'}

``parse_bundle(text, bundle)`` returns None when the message is not about a bundle (one product, a greeting);
otherwise a ``BundleParse``: the ``BundleUpdate`` for ``assistant.bundle.apply_bundle_update``, plus the turn's
bundle actions (swap one item, compare two bundles) and the furnishings the store does not sell ("a rug").
Vocabulary comes from ``assistant.lexicon`` and numbers from ``assistant.numbers``; this module adds only
what bundles need: list splitting, totals vs item caps, quantities, shared colour/material, and edit cues.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

from assistant.bundle import BundleItem, BundleState, BundleUpdate, ItemChange
from assistant.lexicon import CATEGORY_TERMS, FEATURE_TERMS, ROOM_TERMS, brand_terms, store_brands
from assistant.numbers import normalise as numbers_normalise
from assistant.numbers import read_numbers
from assistant.state import UNSET


def _phrase_rx(terms: Iterable[str]) -> re.Pattern:
    """Whole phrases, longest first; ASCII ones need word edges, Chinese ones cannot have them."""
    ordered = sorted(set(terms), key=len, reverse=True)
    ascii_part = "|".join(re.escape(t).replace(r"\ ", r"[\s-]+") for t in ordered if t.isascii())
    other = "|".join(re.escape(t) for t in ordered if not t.isascii())
    return re.compile(rf"(?<![a-z0-9])(?:{ascii_part})(?![a-z0-9])" + (f"|{other}" if other else ""), re.I)


def _lookup(found: str, terms: dict[str, str]) -> str:
    low = re.sub(r"[\s-]+", " ", found.lower())
    return terms.get(low) or terms.get(found.lower()) or next(
        v for t, v in terms.items() if re.sub(r"[\s-]+", " ", t) == low)


# Colours as catalogs write them; materials as families (knowledge.bundles matches products against them).
COLOUR_TERMS: dict[str, str] = {
    **{c: c for c in ("black", "white", "grey", "beige", "navy", "green", "walnut", "oak", "natural", "blue",
                      "brown", "red", "yellow", "pink", "cream", "silver", "graphite")},
    "gray": "grey", "dark blue": "navy", "navy blue": "navy",
    "黑色": "black", "白色": "white", "灰色": "grey", "米色": "beige", "藏青色": "navy", "藏青": "navy",
    "海军蓝": "navy", "绿色": "green", "胡桃色": "walnut", "胡桃木色": "walnut", "原木色": "natural",
    "橡木色": "oak", "蓝色": "blue", "棕色": "brown", "红色": "red", "黄色": "yellow", "粉色": "pink", "银色": "silver",
}
MATERIAL_TERMS: dict[str, str] = {
    "solid wood": "solid wood", "real wood": "solid wood", "solid oak": "solid wood", "solid pine": "solid wood",
    "hardwood": "solid wood", "实木": "solid wood", "全实木": "solid wood",
    "wood": "wood", "wooden": "wood", "timber": "wood", "木质": "wood", "木头": "wood", "木制": "wood",
    "leather": "leather", "真皮": "leather", "皮质": "leather", "皮革": "leather",
    "fabric": "fabric", "velvet": "fabric", "boucle": "fabric", "upholstered": "fabric", "布艺": "fabric",
    "glass": "glass", "玻璃": "glass", "metal": "metal", "steel": "metal", "金属": "metal", "钢": "metal",
    "rattan": "rattan", "藤": "rattan", "藤编": "rattan",
}
# Furnishings no canonical category covers: the reply says the store does not sell them.
UNSUPPORTED_TERMS: dict[str, str] = {
    **{w: w.rstrip("s") if w.endswith(("rugs", "lamps", "mirrors", "plants", "cushions", "carpets")) else w
       for w in ("rug", "rugs", "carpet", "carpets", "lamp", "lamps", "floor lamp", "curtains", "mirror", "mirrors",
                 "nightstand", "bedside table", "side table", "plant", "plants", "cushions", "artwork")},
    "地毯": "rug", "台灯": "lamp", "落地灯": "floor lamp", "灯": "lamp", "窗帘": "curtains", "镜子": "mirror",
    "床头柜": "bedside table", "边几": "side table", "绿植": "plant", "抱枕": "cushions",
}
# Bare heads that name a bundle item when exactly one item has them ("another table").
_HEADS = {"table": "table", "tables": "table", "chair": "chair", "chairs": "chair", "stand": "stand",
          "stool": "stool", "stools": "stool", "cabinet": "cabinet", "桌子": "table", "桌": "table", "椅子": "chair",
          "椅": "chair", "柜子": "cabinet"}
# With no bundle open, a bare head takes its meaning from the words around it ("a dining set: table and six
# chairs", "书桌和人体工学椅"): (context pattern, head) -> category, first match wins.
_HEAD_CONTEXT = [
    (re.compile(r"\bdining\b|\bkitchen\b|餐", re.I), "table", "dining table"),
    (re.compile(r"\bdining\b|\bkitchen\b|餐", re.I), "chair", "dining chair"),
    (re.compile(r"\bdesk\b|\bstudy\b|\boffice\b|\bergonomic\b|书桌|书房|办公|人体工学", re.I), "chair", "office chair"),
    (re.compile(r"\bcoffee\b|\bliving room\b|\blounge\b|客厅", re.I), "table", "coffee table"),
    (re.compile(r"\bbar\b|\bcounter\b|吧", re.I), "stool", "bar stool"),
    (re.compile(r"\btv\b|电视", re.I), "stand", "tv stand"),
    (re.compile(r"\bshoes?\b|鞋", re.I), "cabinet", "shoe cabinet"),
]
_HEAD_OF = {"table": ("coffee table", "dining table", "desk"), "chair": ("dining chair", "office chair", "armchair"),
            "stand": ("tv stand",), "stool": ("bar stool",), "cabinet": ("shoe cabinet", "tv stand", "wardrobe")}

_CAT_RX = _phrase_rx(CATEGORY_TERMS)
_FEATURE_RX = _phrase_rx(FEATURE_TERMS)
_ROOM_RX = _phrase_rx(ROOM_TERMS)
_COLOUR_RX = _phrase_rx(COLOUR_TERMS)
_MATERIAL_RX = _phrase_rx(MATERIAL_TERMS)
_UNSUPPORTED_RX = _phrase_rx(UNSUPPORTED_TERMS)
_HEAD_RX = _phrase_rx(_HEADS)

_CLAUSE = re.compile(r"\.(?!\d)|[;:!?。；：！？、\n]|,(?!\d{3})|，|\band\b|\bplus\b|和|及|以及|还有|跟|与")
_BUNDLE_CUE = re.compile(r"\b(?:furnish(?:ing|ed)?|kit(?:ting)? out|bundle|package|set(?:-?up)?|together|total|"
                         r"altogether|all in|in all|combined|overall|whole room|everything)\b"
                         r"|一套|全套|整套|成套|配套|套装|组合|配齐|配一|总共|一共|总价|总预算|合计|加起来", re.I)
_TOTAL_CUE = re.compile(r"\b(?:total|totals|altogether|all in|all-in|in all|combined|overall|for everything|"
                        r"for the lot|for it all|budget|all together)\b|总共|一共|总价|总预算|合计|加起来|整套|全部|预算|"
                        r"总计", re.I)
_SHARED_CUE = re.compile(r"\b(?:all|everything|both|whole|entire|every item|each)\b|都|全部|统一|整套|全", re.I)
_MATCH_COLOUR = re.compile(r"\bmatch(?:ing|es|ed)?\b(?!\s+material)|\bsame colou?r\b|\bcolou?r[- ]matched\b"
                           r"|同色|同一个颜色|颜色统一|颜色一致|颜色要配|颜色搭配", re.I)
_MATCH_MATERIAL = re.compile(r"\bsame material\b|\bmatching material|\bmaterials? (?:should )?match|材质统一|"
                             r"同一种材质|材质一致|同材质", re.I)
_ADD = re.compile(r"\b(?:add|also|plus|throw in|include|too|as well|one more)\b|再加|加一|加个|加上|再来|再要|还要|"
                  r"也要|添", re.I)
_REMOVE = re.compile(r"\b(?:drop|remove|without|skip|take out|leave out|cut|forget(?: about)?|lose|ditch|no|"
                     r"(?:don'?t|do not) (?:need|want)|no need for)\b(?:\s+(?:the|a|an|that|my))?\s*$"
                     r"|(?:不要|去掉|删掉|删除|不需要|拿掉|去除|取消)\s*$", re.I)
_REMOVE_AFTER = re.compile(r"^\s*(?:不要了|就不要了|不用了|算了|去掉|\bafter all\b)", re.I)
_CHEAPER = re.compile(r"\b(?:cheaper|less expensive|lower[- ]priced|more affordable|budget)\s*(?:one\s+)?(?:for\s+the\s+)?$"
                      r"|便宜(?:一)?点的?\s*$|更便宜的?\s*$|便宜的\s*$", re.I)
_ANOTHER = re.compile(r"\b(?:another|different|other|else|swap(?: out)?(?: the)?|change(?: the)?|replace(?: the)?)"
                      r"\s*(?:one\s+)?(?:for\s+the\s+)?$|换(?:一)?(?:个|张|把|款)?\s*$|别的\s*$|其他的?\s*$", re.I)
_BETTER = re.compile(r"\b(?:better|nicer|upgrade(?: the)?|premium|fancier|higher[- ]end|more expensive|pricier)"
                     r"\s*(?:one\s+)?(?:for\s+the\s+)?$|好一?点的?\s*$|更好的\s*$|升级\s*$|贵一?点的?\s*$", re.I)
_COMPARE = re.compile(r"\b(?:compare|comparison|versus|vs\.?|side by side|difference between)\b|对比|比较|比一比", re.I)
_BUNDLE_WORD = re.compile(r"\b(?:bundles?|sets?|options?|two|both|packages?|combos?|ones?)\b|套|方案|组合", re.I)
_CLOSE = re.compile(r"\b(?:forget|cancel|drop|no more)\s+(?:the\s+)?(?:bundle|set|package)\b|不要套装|取消套装|不买一套",
                    re.I)
_CLEAR_TOTAL = re.compile(r"\b(?:forget|drop|no)\s+(?:the\s+)?(?:total|budget)\b|\bany (?:total|price)\b|预算不限|总价不限",
                          re.I)
_NEGATION = re.compile(r"(?:\bnot\b|\bno\b|\bnothing\s+(?:from|by)\b|\banything\s+but\b|\bexcept\b|\bavoid\b|"
                       r"\bwithout\b|\bexclud(?:e|ing)\b|\bnon\b|\bskip\b|不要|不想要|除了|别|不考虑)"
                       r"(?:\s*(?:any(?:thing)?|from|by|the|brand|brands|of)\b)*\s*$", re.I)
_BRAND_GLUE = re.compile(r"^\s*(?:,|or|and|nor|/|或者|或|和|、)?\s*$", re.I)
# Brands that are also ordinary words: only a capitalised spelling names them.
_WORDLIKE_BRANDS = {"purple", "hay", "sage", "candy", "shark", "emma", "habitat", "ge", "knoll", "hoover"}

_EN_NUMBERS = {"a pair of": 2, "pair of": 2, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
               "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
_ZH_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_QTY_BEFORE = re.compile(r"(?:(?P<d>\d{1,2})\s*(?:x\s*)?|(?P<w>a pair of|pair of|one|two|three|four|five|six|seven|"
                         r"eight|nine|ten|eleven|twelve)\s+|(?P<z>[一二两三四五六七八九十]{1,3})\s*)"
                         r"(?:把|张|个|套|台|件|只|组)?\s*$", re.I)


def _zh_int(s: str) -> int:
    """一 -> 1, 十二 -> 12, 二十 -> 20 (small numbers: quantities and budgets like 一万, 五千)."""
    if "十" in s:
        tens, _, ones = s.partition("十")
        return (_ZH_DIGITS.get(tens, 1) if tens else 1) * 10 + (_ZH_DIGITS.get(ones, 0) if ones else 0)
    value = 0
    for ch in s:
        value = value * 10 + _ZH_DIGITS[ch]
    return value


def normalise(text: str) -> str:
    """The shared number normalisation (Chinese numerals, number words: ``assistant.numbers.normalise``), and
    "in total" / "in all" without their "in" (which the number reader would take for inches: "650 in total")."""
    return re.sub(r"\bin (total|all)\b", r"\1", numbers_normalise(text), flags=re.I)


@dataclass(frozen=True)
class BundleParse:
    update: BundleUpdate = field(default_factory=BundleUpdate)
    swap: tuple[str, str] | None = None      # (category, "cheaper" | "another" | "better")
    compare: bool = False
    unsupported: tuple[str, ...] = ()         # furnishings the catalog's categories do not cover ("rug")


@dataclass
class _Mention:
    start: int
    end: int
    value: str
    feature: str | None = None   # a category named by a feature phrase ("sofa bed")


@dataclass
class _Clause:
    start: int
    end: int
    text: str
    cats: list[_Mention] = field(default_factory=list)


def _mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(text)
    for a, b in spans:
        chars[a:b] = " " * (b - a)
    return "".join(chars)


def _clauses(text: str) -> list[_Clause]:
    out, start = [], 0
    for m in _CLAUSE.finditer(text):
        out.append(_Clause(start, m.start(), text[start:m.start()]))
        start = m.end()
    out.append(_Clause(start, len(text), text[start:]))
    return out


def _clause_of(clauses: list[_Clause], pos: int) -> int:
    return next((n for n, c in enumerate(clauses) if c.start <= pos <= c.end), len(clauses) - 1)


class BundleParser:
    """``parse(text, bundle)``; the brand vocabulary is the well-known brands plus the store's own."""

    def __init__(self, extra_brands: Iterable[str] | None = None):
        brands = list(extra_brands) if extra_brands is not None else store_brands()
        self.brands = brand_terms(brands)
        self._brand_rx = _phrase_rx(self.brands)

    # --- the pieces of one message ------------------------------------------------------------
    def _categories(self, text: str) -> list[_Mention]:
        out = []
        for m in _CAT_RX.finditer(text):
            cat = _lookup(m.group(0), CATEGORY_TERMS)
            out.append(_Mention(m.start(), m.end(), cat))
        # "sofa bed", "沙发床": a feature phrase spanning two category words names one item, the first.
        for f in _FEATURE_RX.finditer(text):
            inside = [c for c in out if f.start() <= c.start and c.end <= f.end()]
            if len(inside) > 1:
                out = [c for c in out if c not in inside[1:]]
                inside[0].end, inside[0].feature = f.end(), FEATURE_TERMS[_lookup(f.group(0), FEATURE_TERMS)]
        return out

    def _brand_mentions(self, text: str) -> list[tuple[_Mention, bool]]:
        """(brand, excluded) in order; a negation cue covers the brand list that follows it."""
        out: list[tuple[_Mention, bool]] = []
        negated_until, prev_end = -1, None
        for m in self._brand_rx.finditer(text):
            found = m.group(0)
            if found.lower() in _WORDLIKE_BRANDS and not found[:1].isupper():
                continue
            brand = _lookup(found, self.brands)
            before = text[max(0, m.start() - 30):m.start()]
            glued = prev_end is not None and prev_end == negated_until and _BRAND_GLUE.match(text[prev_end:m.start()])
            negated = bool(_NEGATION.search(before) or glued)
            if negated:
                negated_until = m.end()
            out.append((_Mention(m.start(), m.end(), brand), negated))
            prev_end = m.end()
        return out

    @staticmethod
    def _quantity(text: str, cat: _Mention) -> tuple[int, tuple[int, int] | None]:
        m = _QTY_BEFORE.search(text[max(0, cat.start - 24):cat.start])
        if not m:
            return 1, None
        offset = max(0, cat.start - 24)
        span = (offset + m.start(), offset + m.end())
        if m["d"]:
            n = int(m["d"])
        elif m["w"]:
            n = _EN_NUMBERS[m["w"].lower()]
        else:
            n = _zh_int(m["z"])
        return (n, span) if 1 <= n <= 24 else (1, None)

    # --- the parse ----------------------------------------------------------------------------
    def parse(self, text: str, bundle: BundleState | None = None) -> BundleParse | None:
        text = normalise(text.strip())
        if not text:
            return None
        cats = self._categories(text)
        rest = _mask(text, [(c.start, c.end) for c in cats])
        unsupported_m = list(_UNSUPPORTED_RX.finditer(rest))
        unsupported = tuple(dict.fromkeys(_lookup(m.group(0), UNSUPPORTED_TERMS) for m in unsupported_m))
        rest = _mask(rest, [m.span() for m in unsupported_m])
        # A bare head ("another table") names the open bundle's only item with that head; with no bundle open,
        # the item its context names ("a dining set: table and six chairs").
        named = {c.value for c in cats}
        for m in _HEAD_RX.finditer(rest):
            head = _HEADS[m.group(0).lower()]
            if bundle is not None:
                owners = [c for c in bundle.categories if c in _HEAD_OF[head]]
            else:
                owners = [c for c in _HEAD_OF[head] if c in named] or \
                    [cat for rx, h, cat in _HEAD_CONTEXT if h == head and rx.search(text)][:1]
            if len(owners) == 1:
                cats.append(_Mention(m.start(), m.end(), owners[0]))
        cats.sort(key=lambda c: c.start)
        rest = _mask(rest, [(c.start, c.end) for c in cats])

        distinct = list(dict.fromkeys(c.value for c in cats))
        has_bundle_cue = bool(_BUNDLE_CUE.search(text))
        room_m = list(_ROOM_RX.finditer(rest))

        if bundle is not None:
            if _CLOSE.search(text):
                return BundleParse(BundleUpdate(close=True))
            if _COMPARE.search(text) and (_BUNDLE_WORD.search(rest) or not cats):
                return BundleParse(compare=True)
            swap = self._swap(text, cats)
            if swap:
                return BundleParse(swap=swap)
        new_bundle = len(distinct) >= 2 and (has_bundle_cue or bool(room_m) or bool(read_numbers(rest).bare_price)
                                             or bool(re.search(r"[、]|,|，", text)))
        if bundle is not None and new_bundle and _ADD.search(text) and not has_bundle_cue:
            new_bundle = False  # "add a bookcase and a shoe cabinet": more items for the open bundle
        if not new_bundle and bundle is None:
            if unsupported and (has_bundle_cue or len(distinct) >= 1):
                return BundleParse(unsupported=unsupported)
            return None
        return self._read(text, rest, cats, bundle if not new_bundle else None, unsupported)

    def _swap(self, text: str, cats: list[_Mention]) -> tuple[str, str] | None:
        for c in cats:
            before = text[max(0, c.start - 30):c.start]
            for rx, how in ((_CHEAPER, "cheaper"), (_BETTER, "better"), (_ANOTHER, "another")):
                if rx.search(before):
                    return c.value, how
        return None

    def _read(self, text: str, rest: str, cats: list[_Mention], bundle: BundleState | None,
              unsupported: tuple[str, ...]) -> BundleParse:
        """A new bundle (``bundle`` None) or the changes to the open one."""
        clauses = _clauses(text)
        for c in cats:
            clauses[_clause_of(clauses, c.start)].cats.append(c)
        item_clauses = [n for n, c in enumerate(clauses) if c.cats]
        last_item_clause = item_clauses[-1] if item_clauses else -1

        # Quantities sit right before their category; masked so "4 dining chairs" is no price.
        qty: dict[str, int] = {}
        qty_spans = []
        for c in cats:
            n, span = self._quantity(text, c)
            if span:
                qty[c.value] = n
                qty_spans.append(span)
        rest = _mask(rest, qty_spans)

        # Removals ("drop the TV stand", "不要电视柜了") on an open bundle.
        removed: list[str] = []
        if bundle is not None:
            for c in cats:
                if c.value in bundle.categories and (_REMOVE.search(text[max(0, c.start - 24):c.start])
                                                     or _REMOVE_AFTER.match(text[c.end:c.end + 12])):
                    removed.append(c.value)

        shared: dict = {}
        item_features: dict[str, list[str]] = {}
        item_brands: dict[str, list[str]] = {}
        excluded: list[str] = []
        shared_brands: list[str] = []

        def nearest_cat(pos: int, clause: _Clause) -> str | None:
            if not clause.cats:
                return None
            return min(clause.cats, key=lambda c: (abs(c.start - pos), c.start < pos)).value

        # Brands
        for m, negated in self._brand_mentions(rest):
            if negated:
                excluded.append(m.value)
                continue
            cl = clauses[_clause_of(clauses, m.start)]
            cat = nearest_cat(m.start, cl)
            (item_brands.setdefault(cat, []) if cat else shared_brands).append(m.value)
        rest = _mask(rest, [(m.start, m.end) for m, _ in self._brand_mentions(rest)])

        # Colour and material: shared when said of the whole list, else a material that is a feature joins its item.
        def is_shared(m: re.Match) -> bool:
            n = _clause_of(clauses, m.start())
            cl = clauses[n]
            before = text[cl.start:m.start()]
            return (not cl.cats or bool(_SHARED_CUE.search(cl.text) or _SHARED_CUE.search(text[:cl.start][-12:]))
                    or re.search(r"\bmatching\s*$", before, re.I) is not None
                    or (n == last_item_clause and re.search(r"(?:\bin|\bmade of|用)(?:\s+matching)?\s*$", before, re.I) is not None
                        and m.start() > max(c.end for c in cl.cats)))

        material_spans = []
        for m in _MATERIAL_RX.finditer(rest):
            value = MATERIAL_TERMS[_lookup(m.group(0), MATERIAL_TERMS)]
            if is_shared(m):
                shared["material"] = value
                material_spans.append(m.span())
        rest = _mask(rest, material_spans)
        colour_spans = []
        for m in _COLOUR_RX.finditer(rest):
            if is_shared(m):
                shared["colour"] = COLOUR_TERMS[_lookup(m.group(0), COLOUR_TERMS)]
                colour_spans.append(m.span())
        match = [k for k, rx in (("colour", _MATCH_COLOUR), ("material", _MATCH_MATERIAL)) if rx.search(text)]
        if "colour" in match and re.search(r"\bmatching\s+(?:" + _COLOUR_RX.pattern + "|" + _MATERIAL_RX.pattern + ")",
                                           text, re.I) and not re.search(r"colou?r|颜色|同色", text, re.I):
            match.remove("colour")  # "matching leather": every item leather (the shared material), no colour match
        if "material" in match and "colour" in match and not re.search(r"colou?r|颜色|同色", text, re.I):
            match.remove("colour")
        rest = _mask(rest, colour_spans)

        # Features go to the nearest item of their clause; said of everything, to every item.
        for m in _FEATURE_RX.finditer(rest):
            feature = FEATURE_TERMS[_lookup(m.group(0), FEATURE_TERMS)]
            cl = clauses[_clause_of(clauses, m.start())]
            cat = nearest_cat(m.start(), cl)
            if cat:
                item_features.setdefault(cat, []).append(feature)
            elif _SHARED_CUE.search(cl.text):
                item_features.setdefault("*", []).append(feature)
        for c in cats:  # "standing desk": a category name that also names a feature
            f = c.feature or FEATURE_TERMS.get(text[c.start:c.end].lower())
            if f:
                item_features.setdefault(c.value, []).append(f)
        rest = _mask(rest, [m.span() for m in _FEATURE_RX.finditer(rest)])

        rooms = [ROOM_TERMS[_lookup(m.group(0), ROOM_TERMS)] for m in _ROOM_RX.finditer(rest)]
        if rooms:
            shared["room"] = rooms[0]

        # Numbers, clause by clause: a total, or a cap / size of the one item of its clause.
        total = UNSET
        caps: dict[str, float] = {}
        sizes: dict[str, dict[str, int]] = {}
        has_total_cue = bool(_TOTAL_CUE.search(text))
        prices = []
        for n, cl in enumerate(clauses):
            nums = read_numbers(rest[cl.start:cl.end])
            items_here = list(dict.fromkeys(c.value for c in cl.cats))
            if nums.sizes and items_here:
                sizes.setdefault(items_here[0], {}).update(nums.sizes)
            elif nums.sizes and bundle is not None and len(bundle.items) == 1:
                sizes.setdefault(bundle.items[0].category, {}).update(nums.sizes)
            if nums.budget_min is not UNSET and nums.budget_max is not UNSET:  # around X / A-B: the ceiling
                value = nums.budget_max
            elif nums.budget_max is not UNSET:
                value = nums.budget_max
            elif nums.bare_price is not None:
                value = nums.bare_price
            else:
                continue
            cue = bool(_TOTAL_CUE.search(cl.text)) or (n + 1 < len(clauses) and not clauses[n + 1].cats
                                                       and bool(_TOTAL_CUE.search(clauses[n + 1].text[:12])))
            prices.append((value, cue, items_here))
        if prices:
            totals = [p for p in prices if p[1] or not p[2]]
            if len(prices) == 1 and not prices[0][1] and len(prices[0][2]) == 1 and (
                    bundle is not None and not has_total_cue):
                caps[prices[0][2][0]] = prices[0][0]  # "the sofa under 800" on an open bundle
            elif len(prices) == 1:
                total = prices[0][0]
            else:
                for value, cue, items_here in prices:
                    if not cue and len(items_here) == 1 and (totals or has_total_cue):
                        caps[items_here[0]] = value
                if totals:
                    total = totals[-1][0]
        if _CLEAR_TOTAL.search(text):
            total = None

        def item_for(cat: str) -> BundleItem:
            feats = item_features.get(cat, []) + item_features.get("*", [])
            return BundleItem(category=cat, quantity=qty.get(cat, 1), brands=tuple(item_brands.get(cat, ())),
                              features=tuple(dict.fromkeys(feats)), budget_max=caps.get(cat),
                              **sizes.get(cat, {}))

        ordered = [c for c in dict.fromkeys(c.value for c in cats)]
        if bundle is None:
            new = BundleState(items=tuple(item_for(c) for c in ordered), total_max=None if total is UNSET else total,
                              room=shared.get("room"), brands=tuple(shared_brands), excluded_brands=tuple(excluded),
                              colour=shared.get("colour"), material=shared.get("material"), match=tuple(match))
            return BundleParse(BundleUpdate(new=new), unsupported=unsupported)

        # A new category joins only with an add cue ("add", "also", "再加"); otherwise it is a single-product turn.
        added = [c for c in ordered if c not in bundle.categories and c not in removed] if _ADD.search(text) else []
        changes = []
        for c in ordered:
            if c in bundle.categories and c not in removed:
                ch = ItemChange(category=c, add_features=tuple(dict.fromkeys(item_features.get(c, []))),
                                budget_max=caps.get(c, UNSET),
                                quantity=qty.get(c, UNSET), brands=tuple(item_brands[c]) if c in item_brands else UNSET,
                                **{k: v for k, v in sizes.get(c, {}).items()})
                if ch != ItemChange(category=c):   # naming an item ("is the sofa in stock?") changes nothing
                    changes.append(ch)
        if item_features.get("*"):
            changes += [ItemChange(category=c, add_features=tuple(item_features["*"])) for c in bundle.categories
                        if c not in removed]
        update = BundleUpdate(add=tuple(item_for(c) for c in added), remove=tuple(removed), change=tuple(changes),
                              total_max=total, room=shared.get("room", UNSET), colour=shared.get("colour", UNSET),
                              material=shared.get("material", UNSET), add_match=tuple(match),
                              brands=tuple(shared_brands) if shared_brands else UNSET,
                              exclude_brands=tuple(excluded))
        if update.is_empty() and not unsupported:
            return None
        return BundleParse(update, unsupported=unsupported)


_DEFAULT: BundleParser | None = None


def parse_bundle(text: str, bundle: BundleState | None = None, brands: Iterable[str] | None = None) -> BundleParse | None:
    """One message against the open bundle (None: none open). ``brands``: the store's own brands."""
    global _DEFAULT
    if brands is not None:
        return BundleParser(brands).parse(text, bundle)
    if _DEFAULT is None:
        _DEFAULT = BundleParser()
    return _DEFAULT.parse(text, bundle)


__all__ = ["BundleParse", "BundleParser", "parse_bundle", "normalise", "COLOUR_TERMS", "MATERIAL_TERMS",
           "UNSUPPORTED_TERMS"]
