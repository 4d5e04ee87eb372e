"""An ingest killed midway never becomes the live store, and re-running it ends with the right
records, once each.

    python -m pytest tests/test_durability_ingest.py -q

``shopassist ingest`` runs as a subprocess on a generated catalog of a few hundred rows and gets a
SIGKILL as soon as its progress bar appears (the new collection exists and is being filled). Between
the kill and the re-run, a separate process looks at the store: the live collection is the previous
complete one, or none on a first ingest.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}

INSPECT = r"""
import json, sys
from pathlib import Path
from knowledge import store as kstore
from knowledge.config import IngestConfig

client = kstore.open_client(IngestConfig(), Path(sys.argv[1]))
live = kstore.active_collection(client)
out = {"live": None, "orphans": sorted(c.name for c in client.list_collections()
                                       if c.name.startswith(kstore.PREFIX) and (live is None or c.name != live.name))}
if live is not None:
    ids, prices = [], {}
    for page in kstore.iter_all(live, ["metadatas"]):
        ids += page["ids"]
        prices.update({m["product_id"]: m["price"] for m in page["metadatas"] if m.get("doc_type") == "product"})
    out["live"] = {"name": live.name, "count": live.count(), "ids": ids, "prices": prices}
print(json.dumps(out))
"""


def _catalog(path: Path, n: int, version: int) -> dict[str, float]:
    """n products; each version prices them differently so the live store shows which ingest it holds."""
    prices = {}
    with path.open("w") as f:
        for i in range(n):
            price = 100.0 + i + 1000 * version
            prices[f"SKU{i:04d}"] = price
            f.write(json.dumps({"id": f"SKU{i:04d}", "name": f"Test sofa {i}", "brand": f"Brand{i % 7}",
                                "category": "sofa", "price": price,
                                "description": f"Version {version} sofa number {i}, three seats, fabric cover, "
                                               f"washable, for the living room. " * 2}) + "\n")
    return prices


def _ingest_cmd(catalog: Path, store: Path) -> list[str]:
    return [sys.executable, "-m", "assistant.cli", "ingest", "--catalog", str(catalog), "--store", str(store),
            "--prune"]


def _ingest(catalog: Path, store: Path) -> None:
    done = subprocess.run(_ingest_cmd(catalog, store), cwd=ROOT, env=ENV, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]


def _ingest_killed_midway(catalog: Path, store: Path) -> None:
    """SIGKILL the ingest once its progress bar is on screen: the new collection is half built."""
    proc = subprocess.Popen(_ingest_cmd(catalog, store), cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    seen, deadline = b"", time.monotonic() + 240
    try:
        while b"ingest:" not in seen:
            chunk = os.read(proc.stderr.fileno(), 4096)
            assert chunk, f"ingest ended before it was killed: {seen[-1500:].decode(errors='replace')}"
            seen += chunk
            assert time.monotonic() < deadline, "ingest never showed its progress bar"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert b"100%" not in seen, "the ingest had finished before the kill"


def _inspect(store: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", INSPECT, str(store)], cwd=ROOT, env=ENV, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _assert_complete(state: dict, prices: dict[str, float]) -> None:
    live = state["live"]
    assert live is not None, "no live store after a complete ingest"
    assert len(live["ids"]) == len(set(live["ids"])) == live["count"], "duplicate records in the live store"
    assert live["prices"] == prices, "the live store is not the last complete ingest"
    assert live["count"] == len(prices), f"{live['count']} chunks for {len(prices)} one-chunk products"
    assert state["orphans"] == [], f"half-built collections left behind: {state['orphans']}"


@pytest.mark.integration   # four ingests with the real embedding model: minutes on a busy 2-core machine
def test_killed_ingest_is_never_live_and_rerun_is_exact(tmp_path):
    store, v1, v2 = tmp_path / "store", tmp_path / "v1.jsonl", tmp_path / "v2.jsonl"
    prices_v1, prices_v2 = _catalog(v1, 300, version=1), _catalog(v2, 360, version=2)

    # A first ingest killed midway: nothing is live (never a half-built store).
    _ingest_killed_midway(v1, store)
    state = _inspect(store)
    assert state["live"] is None, "a killed first ingest became the live store"
    assert state["orphans"], "the kill came before the new collection existed; the test proved nothing"

    _ingest(v1, store)
    _assert_complete(_inspect(store), prices_v1)

    # A re-ingest killed midway: the previous complete store stays live, untouched.
    _ingest_killed_midway(v2, store)
    state = _inspect(store)
    assert state["orphans"], "the kill came before the new collection existed; the test proved nothing"
    _assert_complete({**state, "orphans": []}, prices_v1)

    _ingest(v2, store)
    _assert_complete(_inspect(store), prices_v2)
