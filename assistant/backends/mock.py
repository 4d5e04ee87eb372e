"""A mock LLM with queued replies, for dialogue tests (in the spirit of simonw/llm's mock model).

    mock = MockBackend(["{\"category\": \"sofa\"}", "Here are three sofas."])
    "".join(mock.generate([{"role": "user", "content": "hi"}]))  # -> '{"category": "sofa"}'

Each call pops the next reply and streams it word by word; ``calls`` records the messages and
options it was given so tests can assert on prompts. An empty queue raises, so a test that makes
an unexpected LM call fails loudly instead of passing on a default.
"""

from __future__ import annotations

import re
from collections import deque
from typing import Callable, Iterable, Iterator

from assistant.backends.base import GenerationOptions, Message, cut_at_stop


class MockQueueEmpty(AssertionError):
    pass


class MockBackend:
    name = "mock"

    def __init__(self, replies: Iterable[str | Callable[[list[Message]], str]] = (), default: str | None = None):
        self.replies: deque = deque(replies)
        self.default = default
        self.calls: list[tuple[list[Message], GenerationOptions]] = []

    @classmethod
    def from_config(cls, config) -> "MockBackend":
        return cls(default="")

    def queue(self, *replies: str | Callable[[list[Message]], str]) -> "MockBackend":
        self.replies.extend(replies)
        return self

    def generate(self, messages: list[Message], **opts) -> Iterator[str]:
        options = GenerationOptions().merged(**opts)
        self.calls.append(([dict(m) for m in messages], options))
        if self.replies:
            reply = self.replies.popleft()
        elif self.default is not None:
            reply = self.default
        else:
            raise MockQueueEmpty("MockBackend has no queued reply left for this call")
        if callable(reply):
            reply = reply(messages)
        pieces = re.findall(r"\S+\s*|\s+", reply)
        return cut_at_stop(iter(pieces), options.stop)
