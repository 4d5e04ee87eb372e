"""The LM extractor: the model proposes a StateUpdate as compact JSON; we parse, repair, validate.

    ex = LLMExtractor(make_backend(ModelConfig()))
    ex.update(DialogueState(), [], "a quiet couch")   # ex.last.raw / ex.last.valid_json for reports

Never trusted raw: the JSON is cut out of code fences or trailing text, synonyms are mapped to
canonical values (assistant.lexicon), and whatever still breaks the schema is dropped key by key.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from assistant.extract.base import Extractor
from assistant.lexicon import CATEGORY_TERMS, FEATURE_TERMS, ROOM_TERMS
from assistant.prompts import state_messages
from assistant.state import DialogueState, StateError, StateUpdate, update_json_schema
from assistant.tracker import apply_update

MAX_NEW_TOKENS = 48  # a compact update fits; CPU decode is ~16-29 tokens/s


@dataclass
class LMProposal:
    raw: str
    valid_json: bool  # the text held a JSON object (before any repair)
    update: StateUpdate
    dropped: list[str]  # keys rejected by validation



def _first_object(text: str) -> dict | None:
    """The first JSON object in ``text``, tolerating ``` fences and trailing words."""
    decoder = json.JSONDecoder()
    for m in re.finditer(r"\{", text):
        try:
            obj, _ = decoder.raw_decode(text[m.start():])
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict):
            return obj
    return None


def _canon(value: Any, terms: dict[str, str]) -> Any:
    if isinstance(value, str):
        v = value.strip().lower()
        return terms.get(v, v)
    return value


def _repair(key: str, value: Any) -> Any:
    """Map synonyms onto canonical values and numbers in strings onto numbers, where that is unambiguous."""
    if key == "category":
        return _canon(value, CATEGORY_TERMS)
    if key == "room":
        return _canon(value, ROOM_TERMS)
    if key in ("+features", "-features"):
        value = [value] if isinstance(value, str) else value
        return [_canon(v, FEATURE_TERMS) for v in value] if isinstance(value, list) else value
    if key in ("brands", "+brands", "-brands", "+excluded_brands") and isinstance(value, str):
        return [value]
    if key.startswith(("budget", "max_")) and isinstance(value, str):
        digits = value.replace(",", "").replace("$", "").strip()
        return float(digits) if re.fullmatch(r"\d+(\.\d+)?", digits) else value
    return value


def parse_update(raw: str) -> LMProposal:
    obj = _first_object(raw)
    if obj is None:
        return LMProposal(raw, False, StateUpdate(), ["<no JSON object>"])
    good: dict[str, Any] = {}
    dropped: list[str] = []
    for key, value in obj.items():
        value = _repair(str(key), value)
        try:
            StateUpdate.from_dict({key: value})  # validate one key at a time: a bad key loses only itself
        except (StateError, TypeError, ValueError):
            dropped.append(str(key))
            continue
        good[key] = value
    return LMProposal(raw, True, StateUpdate.from_dict(good), dropped)


class LLMExtractor(Extractor):
    name = "llm"

    def __init__(self, backend, max_new_tokens: int = MAX_NEW_TOKENS):
        self.backend = backend
        self.max_new_tokens = max_new_tokens
        self.last: LMProposal | None = None

    def propose(self, state: DialogueState, history: list, user_message: str) -> LMProposal:
        last_assistant = next((m["content"] for m in reversed(history) if m.get("role") == "assistant"), None)
        messages = state_messages(state.to_json(), user_message, last_assistant)
        # Constrained decoding: the reply is schema-valid JSON by construction (the repair below stays for
        # backends that cannot constrain, such as the mock, and for a reply cut at the token limit).
        raw = "".join(self.backend.generate(messages, max_new_tokens=self.max_new_tokens, temperature=0.0,
                                            json_schema=update_json_schema()))
        self.last = parse_update(raw)
        return self.last

    def update(self, state: DialogueState, history: list, user_message: str, *,
               allow_lm: bool = True) -> DialogueState:
        if not allow_lm:
            return state
        return apply_update(state, self.propose(state, history, user_message).update)
