"""What ``ShoppingAssistant.respond`` returns: the reply the UI, the eval and the API consume.

Text streams through ``reply.stream()``; once consumed, ``reply.text`` holds the final text (after
the grounding guard). Everything else is structured and comes from catalog records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Literal, Protocol

from assistant.state import DialogueState

Action = Literal["greet", "smalltalk", "off_topic", "clarify", "recommend", "more", "cheaper", "no_match",
                 "compare", "product_question", "policy", "handoff", "refused", "error"]


@dataclass
class ProductCard:
    id: str
    name: str
    brand: str
    price: float
    currency: str
    category: str
    sizes: dict[str, float | None]           # width_cm, depth_cm, height_cm
    key_specs: dict[str, Any]
    in_stock: bool
    why: dict[str, str]                      # slot -> reason tied to the shopper's words
    source: str = ""
    alternative: bool = False                # True for the cards of ``Reply.alternatives``


@dataclass
class Citation:
    doc_id: str
    source: str
    chunk_index: int
    title: str = ""
    text: str = ""


@dataclass
class Reply:
    session_id: str
    action: Action
    state: DialogueState
    products: list[ProductCard] = field(default_factory=list)   # every one satisfies ``state``
    citations: list[Citation] = field(default_factory=list)
    comparison: list[dict[str, Any]] | None = None   # rows of a spec table when comparing
    handoff_summary: str | None = None
    # When nothing matches: the nearest options, which break a constraint of ``state`` (shown apart).
    alternatives: list[ProductCard] = field(default_factory=list)
    _pieces: Iterator[str] | None = None
    _text: list[str] = field(default_factory=list)
    _done: bool = False

    def stream(self) -> Iterator[str]:
        if self._done:
            yield from ()
            return
        for piece in self._pieces or iter(()):
            self._text.append(piece)
            yield piece
        self._done = True

    @property
    def text(self) -> str:
        for _ in self.stream():
            pass
        return "".join(self._text)


class AssistantAPI(Protocol):
    """The assistant's public surface, used by the terminal chat, the UI, the HTTP API and the eval."""

    max_message_chars: int   # the one message-length limit (the UI refuses longer messages)

    def respond(self, session_id: str, message: str) -> Reply: ...

    def set_state(self, session_id: str, state: DialogueState) -> Reply:
        """The shopper edited the preference chips: replace the state and search again."""
        ...

    def get_state(self, session_id: str) -> DialogueState: ...

    def handoff(self, session_id: str) -> Reply:
        """Hand the conversation to a person, with a summary of needs and products discussed."""
        ...

    def reset(self, session_id: str) -> None: ...
