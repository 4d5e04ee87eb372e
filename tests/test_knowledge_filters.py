"""Hard constraints: the Chroma ``where`` and the Python check say the same thing (no Chroma here)."""

from __future__ import annotations

import random

import pytest

from assistant.state import DialogueState
from knowledge.bench import random_state, synthetic_products
from knowledge.chunking import Document, chunk_text
from knowledge.filters import state_to_where, violations
from knowledge.retrieve import CatalogRetriever
from knowledge.schema import Product

PRODUCTS = synthetic_products(200, seed=3)


def _match(meta: dict, where: dict | None) -> bool:
    """A tiny evaluator of Chroma's where language, to check state_to_where without a store."""
    if where is None:
        return True
    if "$and" in where:
        return all(_match(meta, w) for w in where["$and"])
    (key, cond), = where.items()
    value = meta.get(key)
    if not isinstance(cond, dict):
        return value == cond
    (op, arg), = cond.items()
    if op == "$in":
        return value in arg
    if op == "$nin":
        return value not in arg
    if value is None:
        return False
    return {"$gte": value >= arg, "$lte": value <= arg}[op]


def _meta(p: Product) -> dict:
    from knowledge.config import IngestConfig
    from knowledge.ingest import product_items

    return product_items(p, IngestConfig())[0].metadata


def test_where_shapes():
    assert state_to_where(DialogueState()) is None
    assert state_to_where(DialogueState(features=("quiet",), room="kitchen")) is None  # soft only
    assert state_to_where(DialogueState(category="sofa")) == {"category": "sofa"}
    where = state_to_where(DialogueState(category="sofa", budget_max=800, brands=("IKEA",), excluded_brands=("LG",)))
    assert where == {"$and": [{"category": "sofa"}, {"price": {"$lte": 800.0}}, {"brand_lc": {"$in": ["ikea"]}},
                              {"brand_lc": {"$nin": ["lg"]}}]}


def test_unknown_size_fails_a_size_limit():
    p = Product(id="x", name="X", brand="B", category="sofa", price=100, width_cm=None)
    assert violations(p, DialogueState(max_width_cm=200)) == ["max_width_cm"]
    assert violations(p, DialogueState(max_height_cm=200)) == ["max_height_cm"]
    assert violations(p, DialogueState(brands=("b",), category="sofa")) == []
    assert violations(p, DialogueState(excluded_brands=("b",))) == ["excluded_brands"]


def test_where_and_violations_agree_on_random_states():
    rng = random.Random(7)
    metas = [(p, _meta(p)) for p in PRODUCTS]
    nonempty = 0
    for _ in range(300):
        state = random_state(rng, PRODUCTS)
        where = state_to_where(state)
        by_where = {p.id for p, m in metas if _match(m, where)}
        by_python = {p.id for p, _ in metas if not violations(p, state)}
        assert by_where == by_python, state
        nonempty += bool(by_python)
    assert 30 < nonempty < 300  # the states both keep and empty results


def test_catalog_retriever_respects_every_constraint():
    r = CatalogRetriever(PRODUCTS)
    rng = random.Random(11)
    for _ in range(200):
        state = random_state(rng, PRODUCTS)
        res = r.retrieve(state, "quiet", k=5)
        for hit in res.products:
            assert violations(hit.product, state) == [], (state, hit.product)
        if not res.products:
            assert res.blocker and (res.nearest or res.blocker in ("category", "catalog"))


@pytest.mark.parametrize("state, key", [
    ({"category": "sofa", "budget_max": 100}, "budget_max"),  # cheaper things exist elsewhere
    ({"category": "sofa", "brands": ["Samsung"]}, "brands"),
    ({"category": "sofa", "max_width_cm": 5}, "max_width_cm"),
])
def test_blocker_and_nearest(state, key):
    res = CatalogRetriever(PRODUCTS).retrieve(DialogueState.from_dict(state), "", k=3)
    assert res.products == () and res.blocker == key and res.nearest
    assert all(h.product.category == "sofa" for h in res.nearest)
    if key == "budget_max":
        cheapest = min(p.price for p in PRODUCTS if p.category == "sofa")
        assert res.nearest[0].product.price == cheapest
        from assistant.dialogue.texts import en
        state_ = DialogueState.from_dict(state)
        assert f"{cheapest:,.0f}" in en.blocker(res.blocker, state_, [h.product for h in res.nearest])
    if key == "max_width_cm":
        widths = [h.product.width_cm for h in res.nearest]
        assert widths == sorted(widths)


def test_category_not_carried_is_the_blocker():
    only_sofas = [p for p in PRODUCTS if p.category == "sofa"]
    res = CatalogRetriever(only_sofas).retrieve(DialogueState(category="dishwasher", budget_max=500))
    from assistant.dialogue.texts import en
    state = DialogueState(category="dishwasher", budget_max=500)
    assert res.blocker == "category" and "dishwasher" in en.blocker(res.blocker, state, [])


def test_policy_documents_not_products():
    docs = [Document("policies/returns.md", "You can return any item within 30 days for a refund.", "Returns",
                     "policy", source="policies/returns.md"),
            Document("guides/sofa.md", "How to choose a sofa: seat depth, fabric, frame.", "Sofa guide", "guide")]
    chunks = CatalogRetriever(PRODUCTS, docs).retrieve_documents("can I return it for a refund?", k=1)
    assert [c.doc_type for c in chunks] == ["policy"]


def test_chunks_overlap_and_cover_the_text():
    words = [f"w{i}" for i in range(400)]
    chunks = chunk_text(" ".join(words), chunk_chars=100, overlap_chars=30)
    assert all(len(c) <= 100 for c in chunks)
    seen = [w for c in chunks for w in c.split()]
    assert set(seen) == set(words)
    assert len(seen) > len(words)  # overlap repeats words at the borders
    assert chunk_text("short text", 100, 30) == ["short text"]


def test_index_agrees_with_violations_and_sorts_nearest():
    """knowledge.index (the in-memory columns the Chroma retriever counts with) keeps the same rules."""
    from knowledge.index import ProductIndex

    index = ProductIndex.from_metadata(_meta(p) for p in PRODUCTS)
    rng = random.Random(5)
    for _ in range(300):
        state = random_state(rng, PRODUCTS)
        expected = {p.id for p in PRODUCTS if not violations(p, state)}
        assert set(index.ids[index.mask(state)]) == expected, state
        assert index.count(state) == len(expected) and index.has_matches(state) == bool(expected)
    only_sofas = ProductIndex.from_metadata(_meta(p) for p in PRODUCTS if p.category == "sofa")
    assert only_sofas.count(DialogueState(category="dishwasher")) == 0  # a category the store lacks
    assert index.count(DialogueState(brands=("NORDHEM",))) == sum(p.brand == "Nordhem" for p in PRODUCTS)
    sofas = DialogueState(category="sofa")
    cheapest = index.nearest(sofas, "budget_max", 3)
    prices = sorted((p.price, p.id) for p in PRODUCTS if p.category == "sofa")
    assert cheapest == [i for _, i in prices[:3]]
    dearest = index.nearest(sofas, "budget_min", 1)[0]
    assert next(p.price for p in PRODUCTS if p.id == dearest) == prices[-1][0]
    narrow = index.nearest(sofas, "max_width_cm", 4)
    widths = [next(p.width_cm for p in PRODUCTS if p.id == i) for i in narrow]
    assert None not in widths[:1] and widths == sorted(widths, key=lambda w: float("inf") if w is None else w)


def test_soft_preferences_rank_products_with_the_wanted_features_first():
    """Features and room never filter, but they lift products that have them (same bonus on every path)."""
    import numpy as np

    from knowledge.filters import soft_bonus
    from knowledge.index import ProductIndex, StoreIndex

    state = DialogueState(category="dishwasher", features=("quiet", "compact"), room="kitchen")
    index = ProductIndex.from_metadata(_meta(p) for p in PRODUCTS)
    bonus = index.bonus(state)
    for p, b in zip(PRODUCTS, bonus):
        assert b == pytest.approx(soft_bonus(p.features, p.rooms, state))
    assert index.bonus(DialogueState(category="sofa")) is None

    loud = Product(id="loud", name="Loud", brand="B", category="dishwasher", price=400, features=("fast",))
    quiet = Product(id="quiet", name="Hush", brand="B", category="dishwasher", price=400,
                    features=("quiet",), rooms=("kitchen",))
    metas = [dict(_meta(p), chunk_index=0) for p in (loud, quiet)]
    closer = np.array([[1.0, 0.0], [0.9, 0.436]], dtype=np.float32)  # the loud one reads closer to the query
    store = StoreIndex.build(["p:loud:0", "p:quiet:0"], metas, closer)
    ranked = [store.products.ids[row] for row, _ in store.search_products(state, np.array([1.0, 0.0]), k=2)]
    assert ranked == ["quiet", "loud"]
    plain = [store.products.ids[row] for row, _ in store.search_products(
        DialogueState(category="dishwasher"), np.array([1.0, 0.0]), k=2)]
    assert plain == ["loud", "quiet"]  # without the soft preferences, the closer text wins
    hits = CatalogRetriever([loud, quiet]).retrieve(DialogueState(category="dishwasher", features=("quiet",)))
    assert [h.product.id for h in hits.products][0] == "quiet"
