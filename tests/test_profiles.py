"""Opt-in shopper profiles: consent first, lasting preferences as chips, forget (checked in SQLite),
export, retention, and the ``profiles`` command.

    python -m pytest tests/test_profiles.py -q
"""

import json
import sqlite3
import time

import pytest

from assistant.state import DialogueState
from ui.profiles import ProfileStore, apply_chips
from ui.transcripts import TranscriptStore

SHOPPER = "shopper-0001"
STATE = {"category": "dishwasher", "room": "kitchen", "max_width_cm": 60, "excluded_brands": ["Samsung"],
         "features": ["quiet"], "budget_max": 600}
CARDS = [{"id": "dw-1", "name": "Quiet 45", "brand": "Bosch", "price": 549.0, "currency": "EUR",
          "category": "dishwasher"}]


@pytest.fixture
def stores(tmp_path):
    transcripts = TranscriptStore(tmp_path / "t.sqlite3")
    return transcripts, ProfileStore(transcripts, retention_days=30)


def _rows_mentioning(db, *needles):
    """Every row of every table whose text holds one of ``needles``."""
    found = []
    with sqlite3.connect(db) as con:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for row in con.execute(f"SELECT * FROM {table}"):
                if any(n in str(v) for v in row for n in needles):
                    found.append((table, row))
    return found


def test_nothing_is_kept_without_consent(tmp_path, stores):
    transcripts, profiles = stores
    assert profiles.remember(SHOPPER, STATE, CARDS, "recommend") is False
    assert profiles.link_session(SHOPPER, "s1") is False
    assert profiles.remember_liked(SHOPPER, CARDS) is False
    assert profiles.get(SHOPPER) is None
    assert _rows_mentioning(tmp_path / "t.sqlite3", SHOPPER, "Samsung") == []


def test_lasting_preferences_come_back_as_chips_applied_only_when_accepted(stores):
    _, profiles = stores
    profiles.consent(SHOPPER, "widget")
    assert profiles.remember(SHOPPER, STATE, CARDS, "recommend")
    profiles.remember_liked(SHOPPER, CARDS)
    p = profiles.get(SHOPPER)
    assert p.rooms == {"kitchen": {"max_width_cm": 60}} and p.excluded_brands == ["Samsung"]
    assert p.budgets == {"dishwasher": {"budget_max": 600}} and p.features == ["quiet"]
    assert [v["id"] for v in p.viewed] == [v["id"] for v in p.liked] == ["dw-1"]
    assert p.offer() == "Last time: kitchen gap 60 cm, not Samsung, dishwasher up to 600, quiet — use these?"
    chips = p.chips()
    fresh = DialogueState()
    assert apply_chips(fresh, chips, []) == fresh
    accepted = apply_chips(fresh, chips, ["not:samsung", "room:kitchen"])
    assert accepted.to_dict() == {"excluded_brands": ["Samsung"], "room": "kitchen", "max_width_cm": 60}


def test_asking_for_a_ruled_out_brand_unrules_it(stores):
    _, profiles = stores
    profiles.consent(SHOPPER)
    profiles.remember(SHOPPER, {"excluded_brands": ["Samsung", "LG"]})
    profiles.remember(SHOPPER, {"brands": ["Samsung"], "excluded_brands": ["LG"]})
    assert profiles.get(SHOPPER).excluded_brands == ["LG"]


def test_forget_removes_every_row_of_the_shopper(tmp_path, stores):
    transcripts, profiles = stores
    profiles.consent(SHOPPER)
    for session in ("visit-1", "visit-2"):
        profiles.link_session(SHOPPER, session)
        turn = transcripts.add_turn(session, "a dishwasher, not Samsung", "Here.", STATE, CARDS, "recommend")
        transcripts.add_feedback(session, turn, "up", "great")
        profiles.remember(SHOPPER, STATE, CARDS, "recommend")
    transcripts.add_turn("someone-else", "a sofa", "Here.", {"category": "sofa"}, [], "recommend")
    counts = profiles.forget(SHOPPER)
    assert counts["turns"] == 2 and counts["feedback"] == 2 and counts["shoppers"] == 1
    assert _rows_mentioning(tmp_path / "t.sqlite3", SHOPPER, "visit-1", "visit-2", "Samsung") == []
    assert [t["session_id"] for t in transcripts.turns()] == ["someone-else"]
    assert profiles.get(SHOPPER) is None and profiles.remember(SHOPPER, STATE) is False


def test_retention_deletes_old_profiles_only(tmp_path, stores):
    transcripts, profiles = stores
    profiles.consent(SHOPPER)
    profiles.consent("shopper-0002")
    profiles.remember(SHOPPER, STATE)
    with transcripts.transaction() as db:
        db.execute("UPDATE shoppers SET last_seen = ? WHERE shopper_id = ?", (time.time() - 31 * 86400, SHOPPER))
    assert profiles.purge() == 1
    assert profiles.get(SHOPPER) is None and profiles.get("shopper-0002") is not None
    assert _rows_mentioning(tmp_path / "t.sqlite3", SHOPPER) == []
    # Opening the store purges too.
    with transcripts.transaction() as db:
        db.execute("UPDATE shoppers SET last_seen = 0")
    ProfileStore(transcripts, retention_days=30)
    assert profiles.get("shopper-0002") is None


def test_export_holds_profile_and_conversations(stores):
    transcripts, profiles = stores
    profiles.consent(SHOPPER)
    profiles.link_session(SHOPPER, "visit-1")
    transcripts.add_turn("visit-1", "call me on +44 20 7946 0958", "Sure.", {}, [], "smalltalk")
    profiles.remember(SHOPPER, STATE, CARDS, "recommend")
    data = profiles.export(SHOPPER)
    assert data["sessions"] == ["visit-1"] and data["turns"][0]["user_text"] == "call me on [phone]"
    assert data["profile"]["excluded_brands"] == ["Samsung"]
    json.dumps(data)
    with pytest.raises(KeyError, match="no profile"):
        profiles.export("shopper-9999")


def test_bad_shopper_id_is_refused(stores):
    _, profiles = stores
    with pytest.raises(ValueError, match="shopper id"):
        profiles.consent("x")
    with pytest.raises(ValueError, match="shopper id"):
        profiles.consent("<script>alert(1)</script>")


def test_profiles_command(tmp_path, capsys):
    from assistant.cli import main

    db = tmp_path / "t.sqlite3"
    transcripts = TranscriptStore(db)
    profiles = ProfileStore(transcripts)
    profiles.consent(SHOPPER)
    profiles.remember(SHOPPER, STATE)
    assert main(["profiles", "export", SHOPPER, "--db", str(db), "--out", str(tmp_path / "me.json")]) == 0
    assert json.loads((tmp_path / "me.json").read_text())["profile"]["rooms"] == {"kitchen": {"max_width_cm": 60}}
    assert main(["profiles", "forget", SHOPPER, "--db", str(db)]) == 0
    assert "1 shoppers" in capsys.readouterr().out
    assert main(["profiles", "export", SHOPPER, "--db", str(db)]) == 1
    assert main(["profiles", "forget", SHOPPER, "--db", str(tmp_path / "missing.sqlite3")]) == 2
