"""The Extractor interface: one user message in, the new cumulative DialogueState out."""

from __future__ import annotations

from typing import Any

from assistant.state import DialogueState


class Extractor:
    """``update(state, history, user_message) -> DialogueState``. ``history`` is the chat so far as
    ``[{"role": ..., "content": ...}]``; extractors may read the last assistant turn from it."""

    name = "base"

    def update(self, state: DialogueState, history: list[dict[str, Any]], user_message: str) -> DialogueState:
        raise NotImplementedError
