"""The ``shopassist`` console script: one subcommand per stage, each a thin wrapper.

    shopassist chat                  # browser chat (or --terminal for the terminal chat)
    shopassist ingest --catalog FILE # build a vector store from a catalog
    shopassist eval --dialogues FILE # score the state tracker (and the assistant)
    python -m assistant --help

Each subcommand lives in its own module, which defines ``add_arguments(parser)`` and
``run(args) -> int``; its docstring's first line is the command's help. The table below is the
only place that lists them. Importing a module here must stay cheap (no torch, no model).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

COMMANDS: dict[str, str] = {
    "chat": "assistant.commands.chat",
    "ingest": "knowledge.ingest_cli",
    "search": "knowledge.search_cli",
    "eval": "assistant.evaluate",
    "finetune": "finetune.cli",
    "bench": "assistant.bench",
    "serve": "ui.serve_cli",
    "transcripts": "ui.transcripts_cli",
    "profiles": "ui.profiles_cli",
    "insights": "ui.insights_cli",
    "export-gguf": "assistant.export_gguf",
}


def build_parser(commands: dict[str, str] = COMMANDS) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shopassist", description="Conversational shopping assistant.")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module_name in commands.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as e:
            if e.name and (module_name == e.name or module_name.startswith(e.name + ".")):
                continue  # a stage not built yet in this checkout
            raise
        doc = (module.__doc__ or "").strip().splitlines()
        p = sub.add_parser(name, help=doc[0] if doc else "", description=(module.__doc__ or ""),
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s")
    from assistant.config import ConfigError
    from assistant.probes import MissingDependency

    try:
        return int(args._run(args) or 0)
    except (ConfigError, MissingDependency, FileNotFoundError) as e:
        print(f"shopassist {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
