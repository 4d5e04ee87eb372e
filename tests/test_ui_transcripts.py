"""Transcript store and its exports (JSONL, CSV, fine-tuning chats), and the export command.

    python -m pytest tests/test_ui_transcripts.py -q
"""

import csv
import json
import sqlite3

import pytest

from ui.transcripts import TranscriptStore, open_store


def _fill(store):
    store.add_turn("s1", "a sofa", "Here are sofas.", {"category": "sofa"}, [{"id": "p1"}], "recommend")
    store.add_turn("s2", "hi", "Hello!", {}, [], "greet")
    store.add_turn("s1", "under 500", "One sofa fits.", {"category": "sofa", "budget_max": 500},
                   [{"id": "p1"}], "recommend")
    store.add_turn("s1", "", "A colleague will take over.", {"category": "sofa"}, [], "handoff")


def test_turns_are_numbered_per_session_and_survive_reopen(tmp_path):
    db = tmp_path / "t.sqlite3"
    store = TranscriptStore(db)
    _fill(store)
    store.add_feedback("s1", 1, "up")
    store.add_feedback("s1", 1, None, "exactly what I needed")   # a comment keeps the thumbs
    store.close()
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    turns = TranscriptStore(db).turns()
    assert [(t["session_id"], t["turn_index"]) for t in turns] == [("s1", 0), ("s1", 1), ("s1", 2), ("s2", 0)]
    assert turns[1]["state"] == {"category": "sofa", "budget_max": 500}
    assert (turns[1]["thumbs"], turns[1]["comment"]) == ("up", "exactly what I needed")
    assert turns[0]["thumbs"] is None


def test_feedback_for_an_unknown_turn_is_refused(tmp_path):
    store = TranscriptStore(tmp_path / "t.sqlite3")
    _fill(store)
    with pytest.raises(KeyError, match="no turn 7"):
        store.add_feedback("s1", 7, "up")
    with pytest.raises(sqlite3.IntegrityError):
        store.add_feedback("s1", 0, "sideways")


def test_open_store_keeps_one_writer_per_file(tmp_path):
    a = open_store(tmp_path / "t.sqlite3")
    assert open_store(tmp_path / "." / "t.sqlite3") is a
    a.close()
    assert open_store(tmp_path / "t.sqlite3") is not a


def test_exports(tmp_path):
    store = TranscriptStore(tmp_path / "t.sqlite3")
    _fill(store)
    store.add_feedback("s1", 1, "up")
    store.add_feedback("s2", 0, "down", "rude")

    assert store.export(tmp_path / "all.jsonl", "jsonl") == 4
    rows = [json.loads(line) for line in (tmp_path / "all.jsonl").read_text().splitlines()]
    assert [r["user_text"] for r in rows] == ["a sofa", "under 500", "", "hi"]

    assert store.export(tmp_path / "all.csv", "csv") == 4
    with open(tmp_path / "all.csv", newline="") as f:
        table = list(csv.DictReader(f))
    assert table[3]["thumbs"] == "down" and table[3]["comment"] == "rude"
    assert json.loads(table[1]["state"]) == {"category": "sofa", "budget_max": 500}

    assert store.export(tmp_path / "ft.jsonl", "finetune") == 1
    (chat,) = [json.loads(line) for line in (tmp_path / "ft.jsonl").read_text().splitlines()]
    assert chat == {"messages": [{"role": "user", "content": "a sofa"},
                                 {"role": "assistant", "content": "Here are sofas."},
                                 {"role": "user", "content": "under 500"},
                                 {"role": "assistant", "content": "One sofa fits."}]}
    assert not list(tmp_path.glob(".*.tmp")), "no temp file left behind"


def test_failed_export_keeps_the_old_file(tmp_path):
    store = TranscriptStore(tmp_path / "t.sqlite3")
    out = tmp_path / "out.jsonl"
    out.write_text("previous export\n")
    with pytest.raises(ValueError, match="unknown export format"):
        store.export(out, "xml")
    assert out.read_text() == "previous export\n"


def test_export_command(tmp_path, capsys):
    from assistant.cli import main

    db = tmp_path / "t.sqlite3"
    store = open_store(db)
    _fill(store)
    store.add_feedback("s1", 0, "up")
    out = tmp_path / "liked.jsonl"
    assert main(["transcripts", "export", "--format", "finetune", "--out", str(out), "--db", str(db)]) == 0
    assert "wrote 1 record" in capsys.readouterr().out
    assert json.loads(out.read_text())["messages"][0] == {"role": "user", "content": "a sofa"}
    assert main(["transcripts", "export", "--out", str(out), "--db", str(tmp_path / "missing.sqlite3")]) == 2
    assert "no transcript database" in capsys.readouterr().err
