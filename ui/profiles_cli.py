"""Shopper profiles (opt-in memory across visits): forget a shopper, export their data, purge old ones.

    shopassist profiles export SHOPPER_ID [--out data.json]   # everything kept about the shopper, as JSON
    shopassist profiles forget SHOPPER_ID                       # profile, consent and their conversations
    shopassist profiles purge                                   # profiles unused for profile_retention_days
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, text in (("export", "print (or write) the shopper's data as JSON"),
                       ("forget", "delete every row kept about the shopper"),
                       ("purge", "delete profiles unused for the retention period")):
        p = sub.add_parser(name, help=text)
        if name != "purge":
            p.add_argument("shopper_id", metavar="ID")
        if name == "export":
            p.add_argument("--out", type=Path, default=None, help="JSON file (default: stdout)")
        p.add_argument("--db", type=Path, default=None,
                       help="transcript database (default: the serve config's, in the cache dir)")
        p.add_argument("--retention-days", type=float, default=None,
                       help="default: the serve config's profile_retention_days")


def run(args: argparse.Namespace) -> int:
    from ui.config import ServeConfig
    from ui.profiles import ProfileStore
    from ui.transcripts import _write_atomic, open_store

    config = ServeConfig()
    db = args.db or config.transcripts_path()
    if not db.exists():
        raise FileNotFoundError(f"no transcript database at {db}; pass --db")
    days = args.retention_days if args.retention_days is not None else config.profile_retention_days
    profiles = ProfileStore(open_store(db), retention_days=days)   # opening purges expired profiles
    if args.action == "purge":
        print(f"deleted {profiles.purge()} profile(s) unused for {days:g} days")
    elif args.action == "forget":
        counts = profiles.forget(args.shopper_id)
        print(f"forgot {args.shopper_id}: " + ", ".join(f"{n} {t}" for t, n in counts.items()))
        if not counts["shoppers"]:
            print(f"(no profile for {args.shopper_id!r}: nothing was kept)", file=sys.stderr)
    else:
        try:
            data = json.dumps(profiles.export(args.shopper_id), ensure_ascii=False, indent=2) + "\n"
        except KeyError as e:
            print(f"shopassist profiles: error: {e.args[0]}", file=sys.stderr)
            return 1
        if args.out:
            _write_atomic(args.out, lambda f: f.write(data))
            print(f"wrote {args.out}")
        else:
            sys.stdout.write(data)
    return 0
