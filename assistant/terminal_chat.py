"""The terminal chat: a REPL over the assistant (or, with ``raw``, over the bare LM).

    shopassist chat --terminal
    shopassist chat --terminal --raw      # the LM alone, no store, no state (debugging)

Commands inside the chat: /state (what the assistant understood), /reset, /handoff, /quit.
"""

from __future__ import annotations

import sys
import uuid
from typing import Callable, TextIO

from assistant.backends.base import LLMBackend, Message
from assistant.reply import AssistantAPI, Reply

HELP = "Type your message. /state shows what I understood, /reset starts over, /handoff asks for a person, /quit ends."


def _print_reply(reply: Reply, out: TextIO) -> None:
    for piece in reply.stream():
        out.write(piece)
        out.flush()
    out.write("\n")
    for card in reply.products:
        stock = "in stock" if card.in_stock else "out of stock"
        label = " (alternative)" if card.alternative else ""
        out.write(f"  - {card.name} ({card.brand}) {card.price:,.0f} {card.currency}, {stock}{label}\n")
        for slot, why in card.why.items():
            out.write(f"      {slot}: {why}\n")
    if reply.comparison:
        keys = list(reply.comparison[0])
        out.write("  " + " | ".join(keys) + "\n")
        for row in reply.comparison:
            out.write("  " + " | ".join(str(row.get(k, "")) for k in keys) + "\n")
    for c in reply.citations:
        out.write(f"  [source: {c.title or c.doc_id} — {c.source}]\n")


def _read(read: Callable[[str], str], out: TextIO) -> str | None:
    """The next line, or None when the user ended the chat (EOF, Ctrl+C, /quit)."""
    try:
        message = read("you> ")
    except (EOFError, KeyboardInterrupt):
        out.write("\n")
        return None
    return None if message.strip().lower() in ("/quit", "/exit") else message


def chat_loop(assistant: AssistantAPI, read: Callable[[str], str] = input, out: TextIO = sys.stdout) -> None:
    session = uuid.uuid4().hex
    out.write(HELP + "\n")
    while (message := _read(read, out)) is not None:
        command = message.strip().lower()
        if command == "/state":
            out.write(assistant.get_state(session).to_json() + "\n")
            continue
        if command == "/reset":
            assistant.reset(session)
            out.write("(started over)\n")
            continue
        out.write("assistant> ")
        reply = assistant.handoff(session) if command == "/handoff" else assistant.respond(session, message)
        _print_reply(reply, out)


def raw_loop(llm: LLMBackend, read: Callable[[str], str] = input, out: TextIO = sys.stdout,
             system: str | None = None) -> None:
    history: list[Message] = [{"role": "system", "content": system}] if system else []
    while (message := _read(read, out)) is not None:
        history.append({"role": "user", "content": message})
        out.write("lm> ")
        pieces = []
        for piece in llm.generate(history):
            pieces.append(piece)
            out.write(piece)
            out.flush()
        out.write("\n")
        history.append({"role": "assistant", "content": "".join(pieces)})
