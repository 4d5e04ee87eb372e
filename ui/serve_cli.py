"""Serve the browser chat and its embed pages (FastAPI + Gradio) on a host and port.

    shopassist serve --host 127.0.0.1 --port 7860
    shopassist serve --config configs/serve/default.yaml --chat_config configs/chat/default.yaml
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from assistant.config import add_config_arguments
    from ui.config import ServeConfig

    parser.add_argument("--open", action="store_true", help="open the chat in the default browser")
    add_config_arguments(parser, ServeConfig)


def run(args: argparse.Namespace) -> int:
    from assistant.config import config_from_args
    from ui.server import launch
    from ui.config import ServeConfig

    launch(config_from_args(ServeConfig, args), open_browser=args.open)
    return 0
