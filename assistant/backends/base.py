"""The backend contract every LLM engine implements.

    backend.generate([{"role": "user", "content": "hi"}], max_new_tokens=20) -> Iterator[str]

The iterator yields text pieces as they are decoded and ends at EOS or the token limit. It must
not compute the whole reply before yielding the first piece (the chat streams it).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Iterator, Protocol, TypedDict, runtime_checkable


class Message(TypedDict):
    role: str  # "system" | "user" | "assistant"
    content: str


@dataclass(frozen=True)
class GenerationOptions:
    """Per-call generation settings. ``temperature == 0`` means greedy decoding."""

    max_new_tokens: int = 160
    temperature: float = 0.0
    top_p: float = 0.9
    repetition_penalty: float = 1.1
    stop: tuple[str, ...] = ()

    def merged(self, **opts) -> "GenerationOptions":
        known = {f.name for f in fields(self)}
        unknown = set(opts) - known
        if unknown:
            raise TypeError(f"unknown generation option(s) {sorted(unknown)}; known: {sorted(known)}")
        if "stop" in opts and opts["stop"] is not None:
            opts["stop"] = tuple(opts["stop"])
        return replace(self, **{k: v for k, v in opts.items() if v is not None})


@runtime_checkable
class LLMBackend(Protocol):
    name: str

    def generate(self, messages: list[Message], **opts) -> Iterator[str]:
        """Stream the assistant's reply to ``messages`` as text pieces."""
        ...


def cut_at_stop(pieces: Iterator[str], stop: tuple[str, ...]) -> Iterator[str]:
    """Yield pieces until any stop string appears; text from the stop string on is dropped.
    Holds back only as many characters as the longest stop string could still need."""
    if not stop:
        yield from pieces
        return
    hold = max(len(s) for s in stop) - 1
    buf = ""
    for piece in pieces:
        buf += piece
        hits = [buf.find(s) for s in stop if s in buf]
        if hits:
            head = buf[: min(hits)]
            if head:
                yield head
            return
        if len(buf) > hold:
            cut = len(buf) - hold
            yield buf[:cut]
            buf = buf[cut:]
    if buf:
        yield buf
