"""Store insights from the chat transcripts: conversations, intent funnel, top requests, unmet demand,
feedback per action, hand-off reasons.

    shopassist insights                          # a readable summary
    shopassist insights --since 2026-11-01 --json
    shopassist insights --plots out/insights --html out/insights/index.html
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone
from pathlib import Path


def _date(text: str) -> float:
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=timezone.utc).timestamp()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-01") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", type=_date, default=None, metavar="DATE",
                        help="only conversations started on or after this UTC date (YYYY-MM-DD)")
    parser.add_argument("--json", action="store_true", help="print the six sections as JSON")
    parser.add_argument("--top", type=int, default=10, help="entries per ranked list")
    parser.add_argument("--plots", type=Path, default=None, metavar="DIR", help="write one PNG per section here")
    parser.add_argument("--html", type=Path, default=None, metavar="FILE", help="write the insights page here")
    parser.add_argument("--db", type=Path, default=None,
                        help="transcript database (default: the serve config's, in the cache dir)")


def run(args: argparse.Namespace) -> int:
    from ui.config import ServeConfig
    from ui.insights import compute, plots, render_html
    from ui.transcripts import _write_atomic, open_store

    db = args.db or ServeConfig().transcripts_path()
    if not db.exists():
        raise FileNotFoundError(f"no transcript database at {db}; chat in the browser first or pass --db")
    data = compute(open_store(db), since=args.since, top=args.top)
    if args.plots or args.html:
        images = plots(data)
        if args.plots:
            args.plots.mkdir(parents=True, exist_ok=True)
            for name, png in images.items():
                (args.plots / f"{name}.png").write_bytes(png)
        if args.html:
            page = render_html(data, images)
            _write_atomic(args.html, lambda f: f.write(page))
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    c, f = data["conversations"], data["funnel"]
    print(f"conversations: {c['total']} ({c['turns']} turns) over {len(c['per_day'])} day(s)")
    print("funnel reached: " + ", ".join(f"{k} {v}" for k, v in f["reached"].items())
          + f"; ended dropped {f['final']['dropped']}; mean score {f['mean_score']}")
    for key in ("categories", "features", "brands"):
        rows = data["top_requests"][key][:5]
        print(f"top {key}: " + (", ".join(f"{r['name']} ({r['conversations']})" for r in rows) or "-"))
    print("unmet demand:")
    for r in data["unmet_demand"]:
        print(f"  {r['summary']}")
    rated = {a: v["up_rate"] for a, v in data["feedback"].items() if v["up_rate"] is not None}
    print("thumbs-up rate: " + (", ".join(f"{a} {r:.0%}" for a, r in rated.items()) or "no ratings"))
    print(f"hand-offs: {data['handoffs']['total']} " + json.dumps(data["handoffs"]["reasons"]))
    return 0
