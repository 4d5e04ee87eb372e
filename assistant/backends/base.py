"""The backend contract every LLM engine implements.

    backend.generate([{"role": "user", "content": "hi"}], max_new_tokens=20) -> Iterator[str]

The iterator yields text pieces as they are decoded and ends at EOS or the token limit. It must
not compute the whole reply before yielding the first piece (the chat streams it).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Iterator, Protocol, TypedDict, runtime_checkable


class Message(TypedDict):
    role: str  # "system" | "user" | "assistant"
    content: str


@dataclass(frozen=True)
class GenerationOptions:
    """THE generation settings: ``model.generation`` in every config, the defaults of every backend, and the
    per-call overrides of ``generate(messages, **opts)``. ``temperature == 0`` means greedy decoding.

    ``json_schema`` (a JSON schema dict) constrains decoding so the reply is JSON matching it: llama.cpp
    compiles it to a grammar per request, transformers applies xgrammar's logits processor, the openai
    backend sends ``response_format``; the mock ignores it."""

    max_new_tokens: int = field(default=160, metadata={"help": "most tokens one reply may add"})
    temperature: float = field(default=0.0, metadata={"help": "0 = greedy"})
    top_p: float = 0.9
    repetition_penalty: float = 1.1
    stop: tuple[str, ...] = field(default=(), metadata={"help": "extra stop strings (the turn end is always one)"})
    json_schema: dict | None = field(default=None, metadata={"help": "JSON schema the reply must follow"})

    def validate(self) -> None:
        # ValueError: the config loader reports it as a ConfigError naming the section.
        if self.max_new_tokens < 1:
            raise ValueError("generation.max_new_tokens must be at least 1")
        if self.temperature < 0:
            raise ValueError("generation.temperature must be >= 0")
        if not 0 < self.top_p <= 1:
            raise ValueError("generation.top_p must be in (0, 1]")
        if self.repetition_penalty <= 0:
            raise ValueError("generation.repetition_penalty must be > 0")
        if self.json_schema is not None and not isinstance(self.json_schema, dict):
            raise ValueError("generation.json_schema must be a JSON schema object (a mapping)")

    def merged(self, **opts) -> "GenerationOptions":
        """A copy with ``opts`` applied (None = keep); unknown names and bad values fail."""
        known = {f.name for f in fields(self)}
        unknown = set(opts) - known
        if unknown:
            raise TypeError(f"unknown generation option(s) {sorted(unknown)}; known: {sorted(known)}")
        if "stop" in opts and opts["stop"] is not None:
            opts["stop"] = tuple([opts["stop"]] if isinstance(opts["stop"], str) else opts["stop"])
        out = replace(self, **{k: v for k, v in opts.items() if v is not None})
        out.validate()
        return out

    def with_stop(self, *stop: str) -> "GenerationOptions":
        """A copy whose stop strings also include ``stop`` (e.g. the chat format's end of turn)."""
        return replace(self, stop=tuple(dict.fromkeys(self.stop + tuple(s for s in stop if s))))


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
