"""The hybrid extractor (default): rules first, the LM only for what the rules could not read.

Precedence, per turn:
1. The rules' update is always applied; rules own numbers, units, brands, negations,
   exclusions, removals and clearing. The LM never touches those.
2. The LM is asked only when the rules look incomplete: they found nothing in a message that is
   not small talk or a question about a shown product, or no category is known yet.
3. From the LM's (validated) update we take only a category or room the rules did not set, and
   added features, and each only when it is grounded: some word of the value, or of a lexicon
   phrase for it, shares a 4-letter stem with a word of the message. An untrained model that
   invents values therefore changes nothing.
"""

from __future__ import annotations

import re

from assistant.extract.base import Extractor
from assistant.extract.llm import LLMExtractor
from assistant.extract.rules import RulesExtractor
from assistant.lexicon import CATEGORY_TERMS, FEATURE_TERMS, ROOM_TERMS
from assistant.state import UNSET, DialogueState, StateUpdate
from assistant.tracker import apply_update

_SMALL_TALK = re.compile(
    r"^\W*(?:hi|hello|hey|thanks?|thank you|thx|cheers|ok(?:ay)?|cool|great|perfect|nice|got it|sounds good|bye|good\s+\w+|你好|谢谢)\b"
    r"|\b(?:the|this|that)\s+(?:first|second|third|last|other|\w+)\s+one\b|第.款|这款|\bhow\s+(?:much|loud|big)\b",
    re.IGNORECASE)
_WORDS = re.compile(r"[a-z]{4,}|[^\x00-\x7f]{2,}")


def _stems(text: str) -> set[str]:
    return {w[:4] for w in _WORDS.findall(text.lower())}


def _phrases_for(value: str, terms: dict[str, str]) -> list[str]:
    return [value] + [t for t, v in terms.items() if v == value]


def grounded(value: str, terms: dict[str, str], message_stems: set[str], message: str) -> bool:
    for phrase in _phrases_for(value, terms):
        if not phrase.isascii() and phrase in message:
            return True
        if _stems(phrase) & message_stems:
            return True
    return False


class HybridExtractor(Extractor):
    name = "hybrid"

    def __init__(self, backend, rules: RulesExtractor | None = None):
        self.rules = rules or RulesExtractor()
        self.llm = LLMExtractor(backend)
        self.lm_calls = 0

    def needs_lm(self, state: DialogueState, update: StateUpdate, message: str) -> bool:
        if _SMALL_TALK.search(message) and update.is_empty():
            return False
        no_category = state.category is None and update.category is UNSET
        return update.is_empty() or no_category

    def update(self, state: DialogueState, history: list, user_message: str, *,
               allow_lm: bool = True) -> DialogueState:
        ruled = self.rules.propose(state, user_message)
        if not allow_lm or not self.needs_lm(state, ruled, user_message):
            return apply_update(state, ruled)
        self.lm_calls += 1
        lm = self.llm.propose(state, history, user_message).update
        stems = _stems(user_message)
        extra: dict = {}
        if ruled.category is UNSET and lm.category not in (UNSET, None) and \
                grounded(lm.category, CATEGORY_TERMS, stems, user_message):
            extra["category"] = lm.category
        if ruled.room is UNSET and lm.room not in (UNSET, None) and grounded(lm.room, ROOM_TERMS, stems, user_message):
            extra["room"] = lm.room
        features = tuple(f for f in lm.add_features if f not in ruled.remove_features and f not in ruled.add_features
                         and grounded(f, FEATURE_TERMS, stems, user_message))
        if features:
            extra["add_features"] = ruled.add_features + features
        return apply_update(state, ruled if not extra else StateUpdate(**{**_fields(ruled), **extra}))


def _fields(update: StateUpdate) -> dict:
    return {k: getattr(update, k) for k in update.__dataclass_fields__}
