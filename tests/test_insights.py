"""Store insights over transcripts: the six sections, unmet demand's blocker and nearest option,
plots, the aggregates-only page and the ``insights`` command.

    python -m pytest tests/test_insights.py -q
"""

import json

from ui.insights import KEYS, blocker_of, compute, plots, render_html
from ui.transcripts import TranscriptStore


def card(pid, price, width, brand="Bosch", category="dishwasher"):
    return {"id": pid, "name": f"{brand} {pid}", "brand": brand, "price": price, "currency": "EUR",
            "category": category, "sizes": {"width_cm": width, "depth_cm": 55.0, "height_cm": 82.0},
            "key_specs": {}, "in_stock": True, "why": {}, "alternative": True}


NARROW_CHEAP = {"category": "dishwasher", "budget_max": 400, "max_width_cm": 45}


def fill(store):
    # Two shoppers ask for a narrow cheap dishwasher; the cheapest narrow one costs 449.
    store.add_turn("a", "a dishwasher 45 cm wide under 400 — mail me at a@b.com", "No dishwasher...", NARROW_CHEAP,
                   [card("d2", 479, 45), card("d1", 449, 44.8)], "no_match")
    store.add_turn("a", "compare them", "Table.", NARROW_CHEAP, [], "compare")
    store.add_turn("a", "I'll take the cheaper one", "Great.", NARROW_CHEAP, [], "smalltalk")
    store.add_turn("b", "narrow dishwasher below 400, 45 cm", "No dishwasher...", NARROW_CHEAP,
                   [card("d1", 449, 44.8)], "no_match")
    store.add_turn("b", "never mind", "OK.", NARROW_CHEAP, [], "smalltalk")
    # A fridge that must fit a 50 cm gap: the narrowest is 54.5 cm.
    fridge = {"category": "refrigerator", "max_width_cm": 50, "features": ["quiet"], "brands": ["LG"]}
    store.add_turn("c", "an LG fridge 50 cm wide, quiet", "No fridge...", fridge,
                   [card("f1", 899, 60, "LG", "refrigerator"), card("f2", 799, 54.5, "LG", "refrigerator")], "no_match")
    t = store.add_turn("c", "", "I'll pass you to a colleague.", fridge, [], "handoff")
    store.add_feedback("c", t, "up")
    store.add_turn("d", "a sofa", "Here are sofas.", {"category": "sofa"}, [card("s1", 300, 200, "IKEA", "sofa")],
                   "recommend", {"intent": {"stage": "browsing", "score": 0.2, "signals": []}})
    store.add_feedback("d", 0, "down")


def test_six_sections_and_unmet_demand(tmp_path):
    store = TranscriptStore(tmp_path / "t.sqlite3")
    fill(store)
    data = compute(store)
    assert tuple(data) == KEYS
    assert data["conversations"]["total"] == 4 and data["conversations"]["turns"] == 8
    assert data["funnel"]["final"]["ready_to_buy"] == 1 and data["funnel"]["final"]["dropped"] == 1
    assert data["funnel"]["reached"]["comparing"] == 1
    cats = {r["name"]: r["conversations"] for r in data["top_requests"]["categories"]}
    assert cats == {"dishwasher": 2, "refrigerator": 1, "sofa": 1}   # per conversation, not per turn
    assert data["top_requests"]["brands"] == [{"name": "LG", "conversations": 1}]
    first, second = data["unmet_demand"]
    assert (first["blocker"], first["limit"], first["asked"], first["sessions"]) == ("budget_max", 400, 2, 2)
    assert first["nearest"]["value"] == 449 and first["nearest"]["id"] == "d1" and first["gap"] == 49
    assert first["summary"] == "dishwashers, under 400, ≤ 45 cm wide: asked 2 times, nearest 449"
    assert (second["blocker"], second["nearest"]["value"], second["gap"]) == ("max_width_cm", 54.5, 4.5)
    assert second["summary"] == "refrigerators, ≤ 50 cm wide, LG: asked 1 time, nearest 54.5 cm"
    assert data["feedback"]["handoff"]["up_rate"] == 1.0 and data["feedback"]["recommend"]["up_rate"] == 0.0
    assert data["handoffs"] == {"total": 1, "reasons": {"asked (button)": 1}}


def test_a_stored_blocker_wins_and_a_missing_category_is_named():
    stored = {"key": "budget_max", "limit": 400, "nearest": {"value": 449, "unit": "EUR", "name": "x"}}
    turn = {"state": NARROW_CHEAP, "products": [card("d9", 999, 80)], "meta": {"blocker": stored}}
    assert blocker_of(turn) is stored
    turn = {"state": {"category": "bar stool"}, "products": [], "meta": {}}
    assert blocker_of(turn) == {"key": "category", "limit": "bar stool", "nearest": None}


def test_plots_and_page_show_aggregates_only(tmp_path):
    store = TranscriptStore(tmp_path / "t.sqlite3")
    fill(store)
    data = compute(store)
    images = plots(data)
    assert set(images) == set(KEYS)
    assert all(png.startswith(b"\x89PNG") and len(png) > 2000 for png in images.values())
    page = render_html(data, images)
    assert page.count("<img") == 6 and "dishwashers, under 400" in page
    for private in ("a@b.com", "[email]", "never mind", "I'll take the cheaper one"):
        assert private not in page
    empty = compute(TranscriptStore(tmp_path / "empty.sqlite3"))
    assert empty["conversations"]["total"] == 0 and len(plots(empty)) == 6


def test_insights_command(tmp_path, capsys):
    from assistant.cli import main

    db = tmp_path / "t.sqlite3"
    fill(TranscriptStore(db))
    assert main(["insights", "--db", str(db), "--json", "--plots", str(tmp_path / "p"),
                 "--html", str(tmp_path / "p" / "index.html")]) == 0
    data = json.loads(capsys.readouterr().out)
    assert tuple(data) == KEYS and data["unmet_demand"][0]["nearest"]["value"] == 449
    assert sorted(p.name for p in (tmp_path / "p").iterdir()) == sorted([f"{k}.png" for k in KEYS] + ["index.html"])
    assert main(["insights", "--db", str(db), "--since", "2999-01-01", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["conversations"]["total"] == 0
    assert main(["insights", "--db", str(db)]) == 0
    assert "asked 2 times, nearest 449" in capsys.readouterr().out
