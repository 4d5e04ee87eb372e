"""Build a vector store from a catalog (CSV or JSONL) and a folder of Markdown documents.

    shopassist ingest --catalog ../shared/data/ikea_sa_2020.csv --mapping knowledge/examples/ikea_sa_2020.yaml --store /tmp/ikea
    shopassist ingest --catalog knowledge/demo/catalog.jsonl --docs knowledge/demo/docs --store /tmp/demo --prune

Every skipped row is printed with its line number and reason; the exit status is 1 when any row
was skipped, 0 when every row was ingested (merged duplicates and rows the mapping excludes count as handled).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from assistant.config import add_config_arguments, config_from_args
from knowledge.config import IngestConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--catalog", type=Path, help="catalog file (.csv or .jsonl)")
    parser.add_argument("--mapping", type=Path, help="column mapping YAML (default: columns named like Product fields)")
    parser.add_argument("--docs", type=Path, help="folder of Markdown documents (guides, FAQs, policies)")
    parser.add_argument("--prune", action="store_true", help="remove products/documents no longer in the input")
    add_config_arguments(parser, IngestConfig)


def run(args: argparse.Namespace) -> int:
    from knowledge.ingest import ingest_files

    if args.catalog is None and args.docs is None:
        print("shopassist ingest: give --catalog FILE and/or --docs DIR", file=sys.stderr)
        return 2
    cfg = config_from_args(IngestConfig, args)
    load, report = ingest_files(args.catalog, args.mapping, args.docs, cfg, prune=args.prune)
    for error in load.errors:
        print(f"{args.catalog}: skipped {error}", file=sys.stderr)
    print(f"rows read {load.rows}: ingested {len(load.products)}, merged duplicates {load.merged}, "
          f"excluded by mapping {len(load.excluded)}, skipped {len(load.errors)}")
    print(f"store {report.collection}: {report.products} products, {report.chunks} chunks "
          f"(embedded {report.embedded}, reused {report.reused}, carried over {report.carried}, pruned {report.pruned})")
    return 1 if load.errors else 0
