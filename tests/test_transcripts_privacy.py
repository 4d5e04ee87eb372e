"""Stored transcripts: PII redacted on the way in (checked in SQLite), turn meta kept and exported,
an older database gains the meta column.

    python -m pytest tests/test_transcripts_privacy.py -q
"""

import json
import sqlite3

from ui.transcripts import TranscriptStore


def test_pii_never_reaches_the_database(tmp_path):
    db = tmp_path / "t.sqlite3"
    store = TranscriptStore(db)
    turn = store.add_turn("s1", "deliver to 221B Baker Street, call +44 20 7946 0958, a 60 cm fridge under 900",
                          "I'll pass you to a colleague. Last message: \"送到北京市朝阳区建国路88号，手机13812345678\"",
                          {"category": "refrigerator"}, [], "handoff")
    store.add_feedback("s1", turn, "down", "mail me at jo@example.org")
    store.close()
    with sqlite3.connect(db) as con:
        dump = "\n".join(con.iterdump())
    for secret in ("Baker", "7946", "建国路", "13812345678", "jo@example.org"):
        assert secret not in dump
    assert "a 60 cm fridge under 900" in dump and "[phone]" in dump and "[address]" in dump and "[email]" in dump


def test_meta_is_stored_and_exported(tmp_path):
    store = TranscriptStore(tmp_path / "t.sqlite3")
    meta = {"intent": {"stage": "comparing", "score": 0.4, "signals": ["compared"]}}
    store.add_turn("s1", "compare them", "Here is a table.", {"category": "sofa"}, [], "compare", meta)
    store.add_turn("s1", "hi", "Hello!", {}, [], "greet")
    assert [t["meta"] for t in store.turns()] == [meta, {}]
    store.export(tmp_path / "out.jsonl", "jsonl")
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert rows[0]["meta"]["intent"]["stage"] == "comparing"
    store.export(tmp_path / "out.csv", "csv")
    assert "comparing" in (tmp_path / "out.csv").read_text()


def test_an_older_database_gains_the_meta_column(tmp_path):
    db = tmp_path / "old.sqlite3"
    with sqlite3.connect(db) as con:
        con.executescript("""
            CREATE TABLE sessions (session_id TEXT PRIMARY KEY, started REAL NOT NULL);
            CREATE TABLE turns (session_id TEXT NOT NULL, turn_index INTEGER NOT NULL, user_text TEXT NOT NULL,
                reply_text TEXT NOT NULL, state_json TEXT NOT NULL, products_json TEXT NOT NULL,
                action TEXT NOT NULL, time REAL NOT NULL, PRIMARY KEY (session_id, turn_index));
            INSERT INTO sessions VALUES ('old', 1.0);
            INSERT INTO turns VALUES ('old', 0, 'a sofa', 'Here.', '{}', '[]', 'recommend', 1.0);
        """)
    store = TranscriptStore(db)
    store.add_turn("old", "under 500", "One fits.", {}, [], "recommend", {"intent": {"stage": "browsing"}})
    assert [t["meta"] for t in store.turns()] == [{}, {"intent": {"stage": "browsing"}}]


def test_since_keeps_later_sessions(tmp_path):
    store = TranscriptStore(tmp_path / "t.sqlite3")
    store.add_turn("early", "a", "b", {}, [], "greet")
    with store.transaction() as db:
        db.execute("UPDATE sessions SET started = 100 WHERE session_id = 'early'")
    store.add_turn("late", "a", "b", {}, [], "greet")
    assert {t["session_id"] for t in store.turns(since=1000)} == {"late"}
