"""Export chat transcripts and feedback (JSONL, CSV, or liked turns as fine-tuning data).

    shopassist transcripts export --format jsonl --out transcripts.jsonl
    shopassist transcripts export --format finetune --out liked.jsonl   # then: shopassist finetune --extra-data liked.jsonl
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    export = sub.add_parser("export", help="write every turn (or the liked ones as chats) to a file")
    export.add_argument("--format", choices=("jsonl", "csv", "finetune"), default="jsonl",
                        help="finetune = thumbs-up turns as chat `messages` JSONL")
    export.add_argument("--out", type=Path, required=True, help="output file (written atomically)")
    export.add_argument("--db", type=Path, default=None,
                        help="transcript database (default: the serve config's, in the cache dir)")


def run(args: argparse.Namespace) -> int:
    from ui.config import ServeConfig
    from ui.transcripts import open_store

    db = args.db or ServeConfig().transcripts_path()
    if not db.exists():
        raise FileNotFoundError(f"no transcript database at {db}; chat in the browser first or pass --db")
    n = open_store(db).export(args.out, args.format)
    print(f"wrote {n} record(s) to {args.out}")
    return 0
