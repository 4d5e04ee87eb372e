"""The hybrid extractor (the chat default): the rules read what is exact, the LM what they could not.

    ex = make_extractor("hybrid", make_backend(ModelConfig()))
    ex.update(DialogueState(category="mattress"), [], "400 is where the decent ones start")  # ex.lm_calls

The combination rule (one rule, applied per slot):

    The rules' reading stands, and the LM is asked only when the rules left content words unread or
    guessed. An LM value is taken only where the rules left the slot empty or only guessed it, and only
    when it is grounded in the message; a slot the rules read from an explicit cue is theirs.

Its terms:
- *guessed*: a bare number with no cue ("make it 800" -> the bound set last), a one-typo category, an
  unknown capitalised name taken as a brand (RulesReading.guessed). A wanted brand the rules read with no
  negation cue is a guess about include vs exclude, so the LM may move it to the excluded brands.
- *unread*: content words left after masking every phrase the rules matched, leaving out stop words and
  politeness (RulesReading.leftover). No LM call otherwise: it costs ~0.3-0.5 s a turn on 2 CPU cores.
- *grounded*: a number is among ``numbers.hints(message)`` and no cue placed it already; a brand is spelled
  in the message (or a Chinese alias of it is); a category, feature or room shares a word stem with the
  message through its name, a lexicon phrase or (features) a word of its field of meaning (lexicon.FEATURE_CUES).
- The LM never clears a slot (``null``): clearing ("any price") is the rules'.
An untrained or confused model therefore changes nothing it cannot point at in the message.
"""

from __future__ import annotations

import re

from assistant.extract.base import Extractor
from assistant.extract.llm import LLMExtractor
from assistant.extract.rules import RulesExtractor, RulesReading
from assistant.lexicon import BRAND_ALIASES, CATEGORY_TERMS, FEATURE_CUES, FEATURE_TERMS, ROOM_TERMS, STOP_WORDS
from assistant.numbers import hints
from assistant.state import NUMBER_KEYS, UNSET, DialogueState, StateUpdate
from assistant.tracker import apply_update

_WORDS = re.compile(r"[a-z]{4,}|[^\x00-\x7f]+")
_PHRASES: dict[str, dict[str, list[str]]] = {}
for _terms in (CATEGORY_TERMS, FEATURE_TERMS, ROOM_TERMS):
    _by_value: dict[str, list[str]] = {}
    for _t, _v in _terms.items():
        _by_value.setdefault(_v, [_v]).append(_t)
    _PHRASES[id(_terms)] = _by_value
for _f, _cues in FEATURE_CUES.items():
    _PHRASES[id(FEATURE_TERMS)].setdefault(_f, [_f]).extend(_cues.split())


def _stems(text: str) -> set[str]:
    return {w[:4] for w in _WORDS.findall(text.lower()) if w.isascii() and w not in STOP_WORDS}


def grounded(value: str, terms: dict[str, str], message_stems: set[str], message: str) -> bool:
    """Some phrase for ``value`` (its name, a lexicon phrase, a cue word) is in the message: Chinese as a
    substring, English by a shared 4-letter stem of a content word."""
    for phrase in _PHRASES[id(terms)].get(value, [value]):
        if not phrase.isascii():
            if phrase in message:
                return True
        elif _stems(phrase) & message_stems:
            return True
    return False


def _spelled(brand: str, message: str) -> bool:
    if re.search(rf"(?<![A-Za-z]){re.escape(brand)}(?![A-Za-z])", message, re.IGNORECASE):
        return True
    return any(alias in message for alias, b in BRAND_ALIASES.items() if b.lower() == brand.lower()
               and not alias.isascii())


def merge(state: DialogueState, reading: RulesReading, lm: StateUpdate, message: str) -> StateUpdate:
    """The combination rule (module docstring): the rules' update, plus the LM's grounded values for slots
    the rules left empty or guessed."""
    ruled = reading.update
    out = {k: getattr(ruled, k) for k in ruled.__dataclass_fields__}
    stems = _stems(message)

    def open_slot(key: str) -> bool:
        return getattr(ruled, key) is UNSET or key in reading.guessed

    # numbers: the parser's hints, not already placed by a cue
    numbers = set(hints(message))
    placed = set(reading.placed)
    moved = set()
    for key in NUMBER_KEYS:
        v = getattr(lm, key)
        if v is UNSET or v is None or not open_slot(key) or v in placed:
            continue
        form = f"{v}cm" if key.startswith("max_") else str(v)
        if form in numbers or (key.startswith("max_") and str(v) in numbers):
            out[key] = v
            moved.add(v)
    for key in reading.guessed & set(NUMBER_KEYS):  # a guessed number the LM put in another slot leaves this one
        if getattr(ruled, key) in moved and getattr(lm, key) != getattr(ruled, key):
            out[key] = UNSET

    for key, terms in (("category", CATEGORY_TERMS), ("room", ROOM_TERMS)):
        v = getattr(lm, key)
        if v not in (UNSET, None) and open_slot(key) and grounded(v, terms, stems, message):
            out[key] = v

    add = [f for f in lm.add_features if f not in ruled.remove_features and f not in ruled.add_features
           and grounded(f, FEATURE_TERMS, stems, message)]
    if add:
        out["add_features"] = ruled.add_features + tuple(add)
    remove = [f for f in lm.remove_features if f in state.features and f not in ruled.add_features
              and f not in ruled.remove_features and grounded(f, FEATURE_TERMS, stems, message)]
    if remove:
        out["remove_features"] = ruled.remove_features + tuple(remove)

    # brands: only names spelled in the message; a negation cue read by the rules is final
    ruled_brands = {b.lower() for b in (ruled.brands if ruled.brands is not UNSET else ()) + ruled.add_brands}
    lm_wanted = (lm.brands if lm.brands is not UNSET else ()) + lm.add_brands
    new_wanted = [b for b in lm_wanted if _spelled(b, message) and b.lower() not in reading.cued_brands
                  and b.lower() not in ruled_brands]
    new_excluded = [b for b in lm.exclude_brands if _spelled(b, message) and b.lower() not in reading.cued_brands]
    if new_excluded:
        gone = {b.lower() for b in new_excluded}
        if out["brands"] is not UNSET:
            out["brands"] = tuple(b for b in out["brands"] if b.lower() not in gone)
        out["add_brands"] = tuple(b for b in out["add_brands"] if b.lower() not in gone)
        out["exclude_brands"] = ruled.exclude_brands + tuple(new_excluded)
    if new_wanted:
        out["add_brands"] = out["add_brands"] + tuple(new_wanted)
    return StateUpdate(**out)


class HybridExtractor(Extractor):
    name = "hybrid"

    def __init__(self, backend, rules: RulesExtractor | None = None):
        self.rules = rules or RulesExtractor()
        self.llm = LLMExtractor(backend)
        self.lm_calls = 0

    @staticmethod
    def needs_lm(reading: RulesReading) -> bool:
        """The gate: content the rules did not read, or a slot they only guessed."""
        return bool(reading.leftover or reading.guessed)

    def update(self, state: DialogueState, history: list, user_message: str, *,
               allow_lm: bool = True) -> DialogueState:
        reading = self.rules.read(state, user_message)
        if not allow_lm or not self.needs_lm(reading):
            return apply_update(state, reading.update)
        self.lm_calls += 1
        lm = self.llm.propose(state, history, user_message).update
        return apply_update(state, merge(state, reading, lm, user_message))
