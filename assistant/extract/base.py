"""The Extractor interface: one user message in, the new cumulative DialogueState out."""

from __future__ import annotations

from typing import Any

from assistant.state import DialogueState


class Extractor:
    """``update(state, history, user_message, allow_lm=True) -> DialogueState``. ``history`` is the chat so
    far as ``[{"role": ..., "content": ...}]``; extractors may read the last assistant turn from it.
    ``allow_lm=False``: the caller knows the turn cannot be shopping (a comparison, a policy question), so an
    extractor must not spend an LM call on it (rules only; an LM-only extractor keeps the state)."""

    name = "base"

    def update(self, state: DialogueState, history: list[dict[str, Any]], user_message: str, *,
               allow_lm: bool = True) -> DialogueState:
        raise NotImplementedError
