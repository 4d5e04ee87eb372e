"""Chat with the assistant: the browser chat (default) or the terminal.

    shopassist chat                          # http://127.0.0.1:7860 (builds the demo store on first run)
    shopassist chat --terminal               # the same assistant in this terminal
    shopassist chat --terminal --raw         # the bare LM, no store and no state (debugging)
    shopassist chat --chat_config configs/chat/default.yaml --port 8000
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from assistant.config import add_config_arguments
    from ui.config import ServeConfig

    parser.add_argument("--terminal", action="store_true", help="chat in this terminal instead of the browser")
    parser.add_argument("--raw", action="store_true", help="with --terminal: talk to the bare LM")
    parser.add_argument("--open", action="store_true", help="open the chat in the default browser")
    add_config_arguments(parser, ServeConfig)


def run(args: argparse.Namespace) -> int:
    from assistant.config import config_from_args
    from ui.config import ServeConfig

    if args.raw and not args.terminal:
        raise SystemExit("--raw needs --terminal")
    serve = config_from_args(ServeConfig, args)
    if not args.terminal:
        from ui.server import launch

        print(f"Opening the chat at http://{serve.host}:{serve.port} (Ctrl+C to stop)", flush=True)
        launch(serve, open_browser=args.open)
        return 0
    from assistant.dialogue.config import AssistantConfig
    from assistant.config import load_config
    from assistant.terminal_chat import chat_loop, raw_loop

    if args.raw:
        from assistant.backends import make_backend

        raw_loop(make_backend(load_config(AssistantConfig, serve.chat_config).model))
        return 0
    from assistant.dialogue.manager import ShoppingAssistant

    chat_loop(ShoppingAssistant.from_config(serve.chat_config))
    return 0
