"""Transcripts and feedback in SQLite, and their exports (JSONL, CSV, fine-tuning messages).

    from ui.transcripts import open_store
    store = open_store("transcripts.sqlite3")
    turn = store.add_turn("session-1", "a quiet fridge", "Here are two...", state, products, "recommend")
    store.add_feedback("session-1", turn, "up", "spot on")
    store.export("out.jsonl", "jsonl")

E-mails, phone numbers and street addresses are redacted (``assistant.redact``) before a turn's
texts or a comment are written. ``meta`` holds what a turn knows beyond its text (the purchase
intent, a no-match turn's blocker and nearest option).

WAL lets readers (an export) run while the server writes; a process keeps one writer connection
per file behind a lock because SQLite allows one writer at a time anyway.
"""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator, Literal

from assistant.redact import redact

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    session_id TEXT PRIMARY KEY,
    started REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS turns (
    session_id TEXT NOT NULL REFERENCES sessions(session_id),
    turn_index INTEGER NOT NULL,
    user_text TEXT NOT NULL,
    reply_text TEXT NOT NULL,
    state_json TEXT NOT NULL,
    products_json TEXT NOT NULL,
    action TEXT NOT NULL,
    time REAL NOT NULL,
    meta_json TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (session_id, turn_index)
);
CREATE TABLE IF NOT EXISTS feedback (
    session_id TEXT NOT NULL,
    turn_index INTEGER NOT NULL,
    thumbs TEXT CHECK (thumbs IN ('up', 'down') OR thumbs IS NULL),
    comment TEXT NOT NULL DEFAULT '',
    time REAL NOT NULL,
    PRIMARY KEY (session_id, turn_index),
    FOREIGN KEY (session_id, turn_index) REFERENCES turns(session_id, turn_index)
);
"""

ExportFormat = Literal["jsonl", "csv", "finetune"]
CSV_FIELDS = ("session_id", "turn_index", "time", "user_text", "reply_text", "action", "state", "products",
              "thumbs", "comment", "meta")


class TranscriptStore:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # One connection shared by the server's worker threads; the lock serialises its use.
        self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=10.0)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        with self._lock, self._db:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA busy_timeout=10000")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(SCHEMA)
            columns = {r["name"] for r in self._db.execute("PRAGMA table_info(turns)")}
            if "meta_json" not in columns:   # a database written before turns had meta
                self._db.execute("ALTER TABLE turns ADD COLUMN meta_json TEXT NOT NULL DEFAULT '{}'")

    def close(self) -> None:
        with self._lock:
            self._db.close()
        _STORES.pop(self.path.resolve(), None)

    # --- writing ---------------------------------------------------------------------------
    def add_turn(self, session_id: str, user_text: str, reply_text: str, state: dict[str, Any],
                 products: list[dict[str, Any]], action: str, meta: dict[str, Any] | None = None) -> int:
        """Append one turn (texts redacted); returns its index within the session (0, 1, ...)."""
        with self._lock, self._db:
            self._db.execute("INSERT OR IGNORE INTO sessions VALUES (?, ?)", (session_id, time.time()))
            (index,) = self._db.execute("SELECT COUNT(*) FROM turns WHERE session_id = ?", (session_id,)).fetchone()
            self._db.execute("INSERT INTO turns (session_id, turn_index, user_text, reply_text, state_json, "
                             "products_json, action, time, meta_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             (session_id, index, redact(user_text), redact(reply_text),
                              json.dumps(state, ensure_ascii=False), json.dumps(products, ensure_ascii=False),
                              action, time.time(), json.dumps(meta or {}, ensure_ascii=False)))
        return index

    def add_feedback(self, session_id: str, turn_index: int, thumbs: Literal["up", "down"] | None,
                     comment: str | None = None) -> None:
        """Thumbs and/or a comment for one turn; a later call updates what it gives."""
        with self._lock, self._db:
            if self._db.execute("SELECT 1 FROM turns WHERE session_id = ? AND turn_index = ?",
                                (session_id, turn_index)).fetchone() is None:
                raise KeyError(f"no turn {turn_index} in session {session_id!r}")
            self._db.execute(
                "INSERT INTO feedback VALUES (?, ?, ?, ?, ?) ON CONFLICT (session_id, turn_index) DO UPDATE SET "
                "thumbs = COALESCE(excluded.thumbs, thumbs), "
                "comment = CASE WHEN excluded.comment = '' THEN comment ELSE excluded.comment END, "
                "time = excluded.time",
                (session_id, turn_index, thumbs, redact(comment or ""), time.time()))

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """The writer connection inside one transaction, for the other tables of this database
        (shopper profiles): one writer per file, so they share this lock."""
        with self._lock, self._db:
            yield self._db

    # --- reading ---------------------------------------------------------------------------
    def turns(self, session_id: str | None = None, since: float | None = None) -> list[dict[str, Any]]:
        """Turns with their feedback, oldest session first, in turn order; ``since``: sessions
        started at or after this Unix time."""
        sql = ("SELECT t.*, f.thumbs, f.comment FROM turns t LEFT JOIN feedback f "
               "USING (session_id, turn_index) JOIN sessions s USING (session_id)")
        where, args = [], ()
        if session_id is not None:
            where.append("t.session_id = ?")
            args += (session_id,)
        if since is not None:
            where.append("s.started >= ?")
            args += (since,)
        if where:
            sql += " WHERE " + " AND ".join(where)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY s.started, t.session_id, t.turn_index", args).fetchall()
        return [{"session_id": r["session_id"], "turn_index": r["turn_index"], "time": r["time"],
                 "user_text": r["user_text"], "reply_text": r["reply_text"], "action": r["action"],
                 "state": json.loads(r["state_json"]), "products": json.loads(r["products_json"]),
                 "thumbs": r["thumbs"], "comment": r["comment"] or "", "meta": json.loads(r["meta_json"])}
                for r in rows]

    # --- export ----------------------------------------------------------------------------
    def export(self, out: str | Path, fmt: ExportFormat = "jsonl") -> int:
        """Write every turn (``jsonl``/``csv``) or the liked turns as fine-tuning chats
        (``finetune``); returns the number of records. The file appears whole or not at all."""
        turns = self.turns()
        if fmt == "jsonl":
            records = [json.dumps(t, ensure_ascii=False) + "\n" for t in turns]
            _write_atomic(out, lambda f: f.writelines(records))
        elif fmt == "csv":
            records = turns
            _write_atomic(out, lambda f: _write_csv(f, turns))
        elif fmt == "finetune":
            records = [json.dumps({"messages": m}, ensure_ascii=False) + "\n" for m in finetune_chats(turns)]
            _write_atomic(out, lambda f: f.writelines(records))
        else:
            raise ValueError(f"unknown export format {fmt!r}; expected jsonl, csv or finetune")
        return len(records)


def finetune_chats(turns: Iterable[dict[str, Any]]) -> list[list[dict[str, str]]]:
    """One chat per thumbs-up turn: the session's earlier turns as context, that reply last.
    Turns without a user message (a hand-off) are left out of the context."""
    chats, history, session = [], [], None
    for t in turns:
        if t["session_id"] != session:
            session, history = t["session_id"], []
        if not t["user_text"]:
            continue
        history = history + [{"role": "user", "content": t["user_text"]},
                             {"role": "assistant", "content": t["reply_text"]}]
        if t["thumbs"] == "up":
            chats.append(history)
    return chats


def _write_csv(f, turns: list[dict[str, Any]]) -> None:
    writer = csv.DictWriter(f, fieldnames=CSV_FIELDS)
    writer.writeheader()
    for t in turns:
        writer.writerow({**t, "state": json.dumps(t["state"], ensure_ascii=False),
                         "products": json.dumps(t["products"], ensure_ascii=False),
                         "meta": json.dumps(t["meta"], ensure_ascii=False)})


def _write_atomic(out: str | Path, write) -> None:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            write(f)
        os.replace(tmp, out)
    except BaseException:
        os.unlink(tmp)
        raise


_STORES: dict[Path, TranscriptStore] = {}
_STORES_LOCK = threading.Lock()


def open_store(path: str | Path) -> TranscriptStore:
    """The process's one store (one writer connection) for this file."""
    key = Path(path).resolve()
    with _STORES_LOCK:
        if key not in _STORES:
            _STORES[key] = TranscriptStore(path)
        return _STORES[key]
