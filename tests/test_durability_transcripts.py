"""Transcripts survive a SIGKILL mid-write: every turn the writer acknowledged is still there after a
restart, and the database passes ``PRAGMA integrity_check``.

    python -m pytest tests/test_durability_transcripts.py -q

The writer is a separate process using ``ui.transcripts`` exactly as the server does (one store, several
worker threads). It prints ``ACK session index text`` only after ``add_turn`` returned, i.e. after the
commit; the test kills it while the threads are still writing and compares the database with the ACKs.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

WRITER = r"""
import sys, threading
from ui.transcripts import open_store

store = open_store(sys.argv[1])
prefix = sys.argv[2]
print_lock = threading.Lock()

def shopper(n):
    session = f"{prefix}-s{n}"
    for i in range(100000):
        text = f"{session} message {i} " + "x" * (i % 500)   # varying sizes: pages split differently
        index = store.add_turn(session, text, "reply " * 20, {"category": "sofa", "budget_max": 500 + i},
                               [{"id": f"p{i}", "name": "Sofa", "price": 499.0}], "recommend")
        with print_lock:
            print("ACK", session, index, i, flush=True)

threads = [threading.Thread(target=shopper, args=(n,), daemon=True) for n in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
"""


def _run_and_kill(db: Path, script: Path, prefix: str, acks_before_kill: int) -> list[tuple[str, int, int]]:
    """Start the writer, SIGKILL it once it has acknowledged enough turns; return the ACKs it printed."""
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.Popen([sys.executable, str(script), str(db), prefix], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=root,
                            env={**os.environ, "PYTHONPATH": str(root)})
    acks: list[tuple[str, int, int]] = []
    deadline = time.monotonic() + 60
    try:
        while len(acks) < acks_before_kill:
            line = proc.stdout.readline()
            if not line:
                raise AssertionError(f"writer exited early: {proc.stderr.read()[-2000:]}")
            _, session, index, i = line.split()
            acks.append((session, int(index), int(i)))
            assert time.monotonic() < deadline, "writer too slow"
        proc.send_signal(signal.SIGKILL)   # mid-write: the threads are inside add_turn right now
    finally:
        proc.kill()
        rest, _ = proc.communicate()
    # Lines already in the pipe were acknowledged before the kill too.
    for line in rest.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[0] == "ACK":
            acks.append((parts[1], int(parts[2]), int(parts[3])))
    assert proc.returncode == -signal.SIGKILL
    return acks


def _check(db: Path, acks: list[tuple[str, int, int]]) -> dict[str, int]:
    from ui.transcripts import TranscriptStore

    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store = TranscriptStore(db)   # a restart: opening recovers the WAL
    try:
        rows = {(t["session_id"], t["turn_index"]): t for t in store.turns()}
    finally:
        store.close()
    for session, index, i in acks:
        row = rows.get((session, index))
        assert row is not None, f"acknowledged turn {session}#{index} lost after SIGKILL"
        assert row["user_text"].startswith(f"{session} message {i} ")
        assert row["state"]["budget_max"] == 500 + i
    counts: dict[str, int] = {}   # session -> its highest turn index
    for session, index in rows:
        counts[session] = max(counts.get(session, -1), index)
    for session, top in counts.items():   # no holes: indexes 0..top all present
        assert all((session, j) in rows for j in range(top + 1)), f"hole in {session}"
    return counts


def test_sigkill_mid_write_loses_no_committed_turn(tmp_path):
    db = tmp_path / "transcripts.sqlite3"
    script = tmp_path / "writer.py"
    script.write_text(WRITER)

    first = _run_and_kill(db, script, "a", acks_before_kill=150)
    assert len({s for s, _, _ in first}) == 4, "all four writer threads were running"
    counts = _check(db, first)

    # Restart and keep writing into the same file (sessions continue their numbering), kill again.
    second = _run_and_kill(db, script, "a", acks_before_kill=60)
    for session, index, i in second:
        if i == 0:   # the restarted writer's first turn in a session appends after the old ones
            assert index == counts.get(session, -1) + 1
    _check(db, first + second)
