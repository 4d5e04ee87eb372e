"""Shopper memory as the chat uses it: intent per turn stored with the transcript, blockers and
hand-off reasons in the turn meta, two visits with one shopper id, consent, forget; the insights route.

    python -m pytest tests/test_memory.py -q
"""

import sqlite3

import pytest

from assistant.state import DialogueState
from ui.config import ServeConfig
from ui.memory import ShopperMemory
from ui.profiles import ProfileStore
from ui.transcripts import TranscriptStore


def reply(action, state, products=(), text="..."):
    return {"text": text, "action": action, "state": state, "products": list(products)}


CARD = {"id": "d1", "name": "SilentWash 45", "brand": "Bosch", "price": 549.0, "currency": "EUR",
        "category": "dishwasher", "sizes": {"width_cm": 45.0}, "alternative": False}


@pytest.fixture
def memory(tmp_path):
    store = TranscriptStore(tmp_path / "t.sqlite3")
    return ShopperMemory(store, ProfileStore(store, retention_days=90))


def test_intent_is_stored_every_turn_and_survives_a_restart(memory, tmp_path):
    state = {"category": "dishwasher", "budget_max": 600}
    memory.record("s1", "a dishwasher under 600", reply("recommend", state, [CARD]))
    memory.record("s1", "compare the first two", reply("compare", state, [CARD]))
    fresh = ShopperMemory(memory.store, memory.profiles)            # a restarted server
    _, meta = fresh.record("s1", "does it come with free delivery?", reply("policy", state))
    assert meta["intent"]["stage"] == "deciding"
    assert [t["meta"]["intent"]["stage"] for t in memory.store.turns("s1")] == ["browsing", "comparing", "deciding"]
    _, meta = fresh.record("s1", "", reply("handoff", state))
    assert meta["intent"]["stage"] == "deciding" and meta["handoff_reason"] == "asked (button)"


def test_no_match_turn_keeps_its_blocker(memory):
    state = {"category": "dishwasher", "budget_max": 400, "max_width_cm": 45}
    alt = {**CARD, "price": 449.0, "alternative": True}
    _, meta = memory.record("s1", "a 45 cm dishwasher under 400", reply("no_match", state, [alt]))
    assert meta["blocker"]["key"] == "budget_max" and meta["blocker"]["nearest"]["value"] == 449.0
    # The restructured reply: no products, the nearest options apart as ``alternatives``.
    _, meta = memory.record("s3", "a 45 cm dishwasher under 400", {**reply("no_match", state), "alternatives": [alt]})
    assert meta["blocker"]["key"] == "budget_max" and meta["blocker"]["nearest"]["id"] == "d1"
    given = {"key": "max_width_cm", "limit": 45, "nearest": {"value": 59.8, "unit": "cm"}}
    _, meta = memory.record("s2", "x", {**reply("no_match", state, [alt]), "blocker": given})
    assert meta["blocker"] == given


def test_two_visits_same_shopper_chips_offered_not_applied(memory):
    first = memory.start("visit-1", None)
    assert first["ask_consent"] and not first["consented"]
    shopper = memory.consent("visit-1")
    state = {"category": "dishwasher", "room": "kitchen", "max_width_cm": 60, "excluded_brands": ["Samsung"]}
    memory.record("visit-1", "a dishwasher for a 60 cm kitchen gap, not Samsung", reply("recommend", state, [CARD]))

    second = memory.start("visit-2", shopper)
    assert second["consented"] and not second["ask_consent"]
    assert second["offer"] == "Last time: kitchen gap 60 cm, not Samsung — use these?"
    assert second["chips"] == [("kitchen gap 60 cm", "room:kitchen"), ("not Samsung", "not:samsung")]
    assert memory.accept(shopper, [], DialogueState()) == DialogueState()     # offered, not applied
    assert memory.accept(shopper, ["not:samsung"], DialogueState()).to_dict() == {"excluded_brands": ["Samsung"]}


def test_without_consent_nothing_is_kept(memory, tmp_path):
    memory.start("visit-1", "sa-someone-0001")          # an id, but no agreement
    memory.record("visit-1", "a dishwasher, not Samsung", reply("recommend", {"excluded_brands": ["Samsung"]}))
    assert memory.start("visit-2", "sa-someone-0001")["chips"] == []
    with sqlite3.connect(tmp_path / "t.sqlite3") as con:
        assert con.execute("SELECT COUNT(*) FROM shoppers").fetchone()[0] == 0
        assert con.execute("SELECT COUNT(*) FROM profile_facts").fetchone()[0] == 0


def test_page_consent_and_forget_me(memory, tmp_path):
    shopper = "shop-account-77"
    assert memory.start("v1", shopper, page_consent=True)["consented"]
    memory.record("v1", "a sofa, not IKEA", reply("recommend", {"category": "sofa", "excluded_brands": ["IKEA"]}))
    counts = memory.forget("v1", None)
    assert counts["shoppers"] == 1 and counts["turns"] == 1
    with sqlite3.connect(tmp_path / "t.sqlite3") as con:
        for table in ("shoppers", "profile_facts", "shopper_sessions", "turns", "sessions"):
            assert con.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0, table


def test_insights_route_needs_the_token(tmp_path):
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from ui.insights_page import add_insights_route

    store = TranscriptStore(tmp_path / "t.sqlite3")
    store.add_turn("s1", "a dishwasher under 400", "None fits.", {"category": "dishwasher", "budget_max": 400},
                   [{**CARD, "price": 449.0, "alternative": True}], "no_match")
    token = "t0ken-for-the-insights-page"
    app = FastAPI()
    add_insights_route(app, ServeConfig(insights_token=token), store)
    client = TestClient(app)
    assert client.get("/insights/").status_code == 401
    assert client.get("/insights/?token=wrong-token-of-some-length").status_code == 401
    ok = client.get(f"/insights/?token={token}")
    assert ok.status_code == 200 and ok.text.count("<img") == 6 and "nearest 449" in ok.text
    assert client.get("/insights/", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    off = FastAPI()
    add_insights_route(off, ServeConfig(), store)
    assert TestClient(off).get(f"/insights/?token={token}").status_code == 404
    with pytest.raises(ValueError, match="16 characters"):
        ServeConfig(insights_token="short").validate()
