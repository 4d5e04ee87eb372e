"""Search a store with a dialogue state and a query; print the matching products (or the blocker).

    shopassist search --state '{"category": "sofa", "budget_max": 800}' --query "comfy for naps" --k 5 --json
    shopassist search --store /tmp/ikea --state '{"category": "desk"}' --query "small white desk"

The demo store is used (and built on first use) unless --store or a server config says otherwise.
"""

from __future__ import annotations

import argparse
import json

from assistant.config import add_config_arguments, config_from_args
from knowledge.config import IngestConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--state", default="{}", help="dialogue state as JSON (the spec's format)")
    parser.add_argument("--query", default="", help="free-text part of the request")
    parser.add_argument("--k", type=int, default=5, help="how many products")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    add_config_arguments(parser, IngestConfig)


def _hit(hit) -> dict:
    p = hit.product
    return {"id": p.id, "name": p.name, "brand": p.brand, "category": p.category, "price": p.price,
            "currency": p.currency, "width_cm": p.width_cm, "depth_cm": p.depth_cm, "height_cm": p.height_cm,
            "in_stock": p.in_stock, "score": round(hit.score, 4),
            "sources": sorted({p.source, *(c.source for c in hit.chunks)} - {""})}


def run(args: argparse.Namespace) -> int:
    from assistant.state import DialogueState
    from knowledge.retrieve import ChromaRetriever

    state = DialogueState.from_json(args.state)
    cfg = config_from_args(IngestConfig, args)
    result = ChromaRetriever.open(cfg).retrieve(state, args.query, args.k)
    out = {"state": state.to_dict(), "query": args.query, "total_matches": result.total_matches,
           "products": [_hit(h) for h in result.products],
           "blocker": result.blocker,
           "nearest": [_hit(h) for h in result.nearest]}
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    if result.blocker:
        print(f"nothing matches: the {result.blocker} constraint leaves no product; the nearest options:")
    else:
        print(f"{result.total_matches} products match; the best {len(result.products)}:")
    rows = out["products"] or out["nearest"]
    for r in rows:
        size = "x".join(f"{v:g}" if v is not None else "?" for v in (r["width_cm"], r["depth_cm"], r["height_cm"]))
        print(f"{r['score']:6.3f}  {r['price']:>9,.2f} {r['currency']}  {r['brand']:<14} {r['name']}  [{size} cm]")
    return 0
