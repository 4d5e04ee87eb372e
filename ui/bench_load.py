"""Load benchmark: N simulated shoppers chat at once with `shopassist serve` through gradio_client.

    python -m ui.bench_load                        # 8 shoppers, 60 s, the default model
    python -m ui.bench_load --shoppers 4 --duration 30 --model mock --json
    python -m ui.bench_load --model mock --keep-db out/bench.sqlite3 && shopassist insights --db out/bench.sqlite3
    make bench-load ARGS="--concurrency_limit 1"

Starts the server on a free loopback port with a throw-away transcript database, first runs one
shopper alone (the baseline), then N together, each holding multi-turn conversations (a new session
per conversation). Reports turns/s, p50/p95 turn latency, time to first streamed token, errors, the
server's peak RSS, and p95 under load as a multiple of the single-shopper p95. A benchmark, not a
test: it prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

# Conversations a shopper works through, in order, cycling. Written for this benchmark (not the dev set).
from assistant.dialogue.bench import CONVERSATIONS  # one list: the in-process bench sends the same
from assistant.dialogue.texts import for_language

T = for_language("en")


@dataclass
class TurnResult:
    shoppers: int
    latency_s: float
    ttft_s: float | None     # first streamed reply text; None when the reply never streamed
    error: str | None = None


@dataclass
class Phase:
    shoppers: int
    duration_s: float
    turns: list[TurnResult] = field(default_factory=list)

    def summary(self) -> dict[str, float | int | None]:
        ok = [t for t in self.turns if t.error is None]
        lat = sorted(t.latency_s for t in ok)
        ttft = sorted(t.ttft_s for t in ok if t.ttft_s is not None)
        return {"shoppers": self.shoppers, "turns": len(ok), "errors": len(self.turns) - len(ok),
                "turns_per_s": round(len(ok) / self.duration_s, 3),
                "p50_s": _pct(lat, 50), "p95_s": _pct(lat, 95),
                "ttft_p50_s": _pct(ttft, 50), "ttft_p95_s": _pct(ttft, 95)}


def _pct(values: list[float], q: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 3)
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1], 3)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, workdir: Path, args: argparse.Namespace) -> subprocess.Popen:
    """`shopassist serve` on loopback, its transcripts in ``workdir``; returns once /healthz answers."""
    cmd = [sys.executable, "-m", "assistant.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
           "--transcripts_db", str(workdir / "transcripts.sqlite3"),
           "--concurrency_limit", str(args.concurrency_limit), "--queue_max_size", str(args.queue_max_size)]
    if args.model == "mock" or args.store:
        import yaml

        config = yaml.safe_load(args.chat_config.read_text()) if args.chat_config else {}
        if args.model == "mock":
            config.setdefault("model", {})["backend"] = "mock"
        if args.store:
            config.setdefault("store", {})["dir"] = str(args.store)
        chat_config = workdir / "chat.yaml"
        chat_config.write_text(yaml.safe_dump(config))
        cmd += ["--chat_config", str(chat_config)]
    elif args.chat_config:
        cmd += ["--chat_config", str(args.chat_config)]
    log = open(workdir / "server.log", "w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"})
    deadline = time.monotonic() + args.startup_timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited ({proc.returncode}); see {workdir / 'server.log'}:\n"
                               + (workdir / "server.log").read_text()[-3000:])
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError(f"the server did not answer /healthz within {args.startup_timeout} s")


def peak_rss_mb(pid: int) -> float:
    """The process's high-water mark of resident memory (Linux VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _reply_text(output) -> str:
    """The last assistant message in a streamed chat update (outputs: box, chatbot, ...)."""
    history = output[1] if isinstance(output, (list, tuple)) and len(output) > 1 else None
    if not isinstance(history, list) or not history or not isinstance(history[-1], dict):
        return ""
    last = history[-1]
    if last.get("role") != "assistant":
        return ""
    content = last.get("content")
    if isinstance(content, list):
        return "".join(b.get("text", "") for b in content if isinstance(b, dict))
    return content or ""


# Asks the demo catalog cannot meet (for the store insights' unmet demand), then a way forward.
UNMET_CONVERSATIONS = [
    ["a dishwasher no wider than 45 cm under 400", "ok, under 550 then", "is it in stock?", "great, I'll take it"],
    ["a fridge that fits a 55 cm gap, any price", "never mind, thanks"],
    ["a sofa under 400", "compare the first two", "what about delivery?"],
]


def shopper(url: str, index: int, shoppers: int, stop_at: float, out: list[TurnResult], lock: threading.Lock) -> None:
    """Hold conversations until ``stop_at``; a turn started before it is finished and counted."""
    from gradio_client import Client

    conversation = index
    while time.monotonic() < stop_at:
        client = Client(url, verbose=False, download_files=False, analytics_enabled=False)   # a new session
        cycle = CONVERSATIONS + UNMET_CONVERSATIONS
        for message in cycle[conversation % len(cycle)]:
            if time.monotonic() >= stop_at:
                break
            start, first, error = time.monotonic(), None, None
            try:
                job = client.submit(message, api_name="/chat")
                for output in job:
                    if first is None and _reply_text(output):
                        first = time.monotonic() - start
                final = job.outputs()[-1] if job.outputs() else None
                if final is None or not _reply_text(final):
                    error = "no reply text"
                elif _reply_text(final).startswith(T.ERROR_TEXT[:30]):
                    error = "server error reply"
            except Exception as e:   # a benchmark counts failures; it does not stop on them
                error = f"{type(e).__name__}: {e}"[:200]
            with lock:
                out.append(TurnResult(shoppers, time.monotonic() - start, first, error))
        client.close()
        conversation += shoppers


def run_phase(url: str, shoppers: int, duration_s: float) -> Phase:
    phase, lock = Phase(shoppers, duration_s), threading.Lock()
    stop_at = time.monotonic() + duration_s
    started = time.monotonic()
    threads = [threading.Thread(target=shopper, args=(url, i, shoppers, stop_at, phase.turns, lock), daemon=True)
               for i in range(shoppers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    phase.duration_s = time.monotonic() - started   # includes the turns finished after the deadline
    return phase


def table(rows: list[dict]) -> str:
    keys = list(rows[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join("—" if r[k] is None else str(r[k]) for k in keys) + " |" for r in rows]
    return "\n".join(lines)


def keep_db(db: Path, out: Path) -> None:
    """A consistent copy of the (WAL) database, written by SQLite's backup API."""
    import sqlite3

    out.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(db) as src, sqlite3.connect(out) as dst:
        src.backup(dst)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--shoppers", type=int, default=8, help="concurrent shoppers (default 8)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (default 60)")
    parser.add_argument("--baseline", type=float, default=None,
                        help="seconds of the single-shopper baseline (default: half of --duration)")
    parser.add_argument("--model", choices=("default", "mock"), default="default",
                        help="the real default model, or a mock LM (measures the server and retrieval alone)")
    parser.add_argument("--chat_config", type=Path, default=None, help="the assistant's chat config (real model)")
    parser.add_argument("--store", type=Path, default=None, help="a store built by `shopassist ingest` (default: the demo store)")
    parser.add_argument("--concurrency_limit", type=int, default=2, help="server: replies generated at once")
    parser.add_argument("--queue_max_size", type=int, default=64, help="server: waiting requests before refusing")
    parser.add_argument("--startup_timeout", type=float, default=300.0, help="seconds to wait for the server")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.add_argument("--keep-db", type=Path, default=None, metavar="FILE",
                        help="copy the run's transcript database here (for `shopassist insights --db FILE`)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="shopassist-bench-load-") as tmp:
        port = free_port()
        server = start_server(port, Path(tmp), args)
        url = f"http://127.0.0.1:{port}/chat/"
        try:
            run_phase(url, 1, min(10.0, args.duration / 4))   # warm-up: first loads, caches (not reported)
            single = run_phase(url, 1, args.baseline or args.duration / 2)
            loaded = run_phase(url, args.shoppers, args.duration)
            rss = peak_rss_mb(server.pid)
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        if args.keep_db:
            keep_db(Path(tmp) / "transcripts.sqlite3", args.keep_db)
        rows = [single.summary(), loaded.summary()]
        base, under = rows[0]["p95_s"], rows[1]["p95_s"]
        result = {"model": args.model, "concurrency_limit": args.concurrency_limit,
                  "queue_max_size": args.queue_max_size, "phases": rows, "server_peak_rss_mb": round(rss, 1),
                  "p95_ratio": round(under / base, 2) if base and under else None,
                  "errors": [t.error for t in single.turns + loaded.turns if t.error][:10]}
    if args.json:
        print(json.dumps(result))
    else:
        print(table(rows))
        print(f"\nserver peak RSS {result['server_peak_rss_mb']} MB; p95 under load = {result['p95_ratio']}× "
              f"the single-shopper p95 (target ≤ 4×); model {args.model}, concurrency_limit "
              f"{args.concurrency_limit}, queue_max_size {args.queue_max_size}")
        for e in result["errors"]:
            print("error:", e)
    return 0


if __name__ == "__main__":
    sys.exit(main())
