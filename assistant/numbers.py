"""Budgets and sizes from free text: the spec's number rules, deterministic.

    >>> read_numbers("fridge under 1.2k, fits a 30 inch wide spot")
    Numbers(budget_min=UNSET, budget_max=1200, sizes={'max_width_cm': 76}, bare_price=None)

Each number is read with its currency, multiplier (k, 千, 万) and unit, then classified: a size
(a length unit or a dimension word next to it), something else (kg, seats, years...) or a price.
Prices take their meaning from the words around them: under/over/around/between.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from assistant.state import UNSET

_NUM = re.compile(
    r"(?<![A-Za-z0-9.,])(?P<cur>[$€£¥]\s?)?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s?(?P<mult>[kK](?![a-zA-Z])|千|万|grand\b))?"
    r"(?:\s?(?P<unit>centimet(?:er|re)s?\b|cm\b|millimet(?:er|re)s?\b|mm\b|inch(?:es)?\b|in\b(?!\s+(?:the|a|an|my|our)\b)"
    r"|\"|''|”|元|块|dollars?\b|bucks\b|usd\b|eur(?:os?)?\b|rmb\b|quid\b|pounds?\b))?",
    re.IGNORECASE)

_LENGTH = {"cm": 1.0, "centimeter": 1.0, "centimetre": 1.0, "mm": 0.1, "millimeter": 0.1, "millimetre": 0.1,
           "inch": 2.54, "in": 2.54, '"': 2.54, "''": 2.54, "”": 2.54}

_DIMS = [("max_width_cm", r"wide|wider|width|across|gap|spot|space|opening|niche|alcove|宽"),
         ("max_height_cm", r"tall|taller|height|high|higher|高"),
         ("max_depth_cm", r"deep|deeper|depth|深")]
_DIM_AFTER = [(k, re.compile(rf"^\s*(?:an?\s+|wide\s+)?(?:{w})(?![a-z])", re.I)) for k, w in _DIMS]
_DIM_BEFORE = [(k, re.compile(rf"(?:{w})(?![a-z])[^\d,.;!?]{{0,16}}$", re.I)) for k, w in _DIMS]
# Numbers that count something else: not a price, not a size.
_OTHER_AFTER = re.compile(
    r"^\s*(?:-?\s?(?:kg|kilos?|l|lit(?:er|re)s?|w|watts?|kw|db|years?|yrs?|months?|weeks?|days?|people|persons?"
    r"|seats?|seater|kids|children|drawers?|doors?|burners?|zones?|stars?|hours?|hrs?|minutes?|mins?|nights?"
    r"|pieces?|pcs|rpm|btu|sq|m2|m²|square|gb|hz|p|x|%|st|nd|rd|th|of them|岁|个|人|年|升|度)(?![a-z]))", re.I)
_SCREEN_AFTER = re.compile(r"^\s*(?:tvs?|televisions?|screens?|displays?|monitors?)\b", re.I)

_MAX_BEFORE = re.compile(
    r"(?:under|below|less than|lower than|cheaper than|at most|no more than|not more than|up to|upto|max(?:imum)?"
    r"|within|tops|no higher than|not over|<=?|≤|不超过|低于|少于|以内)\s*(?:of\s+|about\s+|around\s+)?$", re.I)
_MIN_BEFORE = re.compile(
    r"(?:over|above|more than|at least|from|min(?:imum)?|starting at|no less than|upwards of|>=?|≥|高于|超过|至少)\s*$",
    re.I)
_AROUND_BEFORE = re.compile(
    r"(?:around|about|roughly|approximately|approx\.?|circa|~|ballpark|in the region of|大概|大约|差不多)\s*$", re.I)
_MAX_AFTER = re.compile(r"^\s*(?:max(?:imum)?\b|tops\b|or less\b|or under\b|or below\b|at most\b|以内|以下|之内)", re.I)
_MIN_AFTER = re.compile(r"^\s*(?:or more\b|and up\b|and above\b|upwards\b|or above\b|\+|plus\b|以上|起)", re.I)
_AROUND_AFTER = re.compile(r"^\s*(?:左右|上下|ish\b|or so\b)", re.I)
_RANGE_JOIN = re.compile(r"^\s*(?:-|–|—|~|to|and|至|到)\s*$", re.I)
_BETWEEN = re.compile(r"(?:between|介于)\s*[$€£¥]?\s*$", re.I)
_CLAUSE_END = re.compile(r"[.;!?。；！？\n]|,(?!\d{3})|，")


def round_half_up(x: float) -> int:
    return int(math.floor(x + 0.5))


@dataclass
class _Mention:
    start: int
    end: int
    value: float
    unit: str  # "" for none
    currency: bool

    @property
    def length_factor(self) -> float | None:
        return _LENGTH.get(self.unit.lower().rstrip("s").replace("inche", "inch"))


@dataclass
class Numbers:
    """What the numbers of one message say. ``bare_price``: a price with no bound word ("make it 800")."""

    budget_min: Any = UNSET
    budget_max: Any = UNSET
    sizes: dict[str, int] = field(default_factory=dict)
    bare_price: int | float | None = None


def _clause_before(text: str, start: int) -> str:
    before = text[max(0, start - 40):start]
    cuts = list(_CLAUSE_END.finditer(before))
    return before[cuts[-1].end():] if cuts else before


def _value(m: re.Match) -> float:
    v = float(m["num"].replace(",", ""))
    mult = (m["mult"] or "").lower()
    return v * (1000 if mult in ("k", "千", "grand") else 10000 if mult == "万" else 1)


def _mentions(text: str) -> list[_Mention]:
    out = []
    for m in _NUM.finditer(text):
        out.append(_Mention(m.start(), m.end(), _value(m), (m["unit"] or "").strip(), bool(m["cur"])))
    return out


def _plain(x: float) -> int | float:
    return int(x) if float(x).is_integer() else x


def _size_key(text: str, m: _Mention) -> str | None:
    after, before = text[m.end:m.end + 24], _clause_before(text, m.start)
    for key, rx in _DIM_AFTER:
        if rx.search(after):
            return key
    for key, rx in _DIM_BEFORE:
        if rx.search(before):
            return key
    return None


def read_numbers(text: str) -> Numbers:
    out = Numbers()
    mentions = _mentions(text)
    prices: list[_Mention] = []
    for m in mentions:
        key = _size_key(text, m)
        factor = m.length_factor
        if factor is not None or (key and not m.currency and m.unit == ""):
            if key is None:
                if _SCREEN_AFTER.search(text[m.end:m.end + 20]):
                    continue  # "a 55 inch TV": the screen, not a space limit
                key = "max_width_cm"
            out.sizes[key] = round_half_up(m.value * (factor or 1.0))
            continue
        if not m.currency and not m.unit and _OTHER_AFTER.search(text[m.end:m.end + 16]):
            continue
        if m.value < 10 and not m.currency and not m.unit:
            continue  # "2 kids", "the 1 on the left": too small to be a budget
        prices.append(m)

    i = 0
    while i < len(prices):
        m = prices[i]
        before, after = _clause_before(text, m.start), text[m.end:m.end + 12]
        nxt = prices[i + 1] if i + 1 < len(prices) else None
        if nxt is not None:
            join = text[m.end:nxt.start]
            if _RANGE_JOIN.match(join) and (join.strip().lower() != "and" or _BETWEEN.search(before)):
                lo, hi = sorted((m.value, nxt.value))
                if m.value < 100 and nxt.value >= 1000 and text[m.start:m.end].strip()[-1:].isdigit():
                    lo = m.value * 1000 if m.value * 1000 < hi else lo  # "1-1.5k"
                out.budget_min, out.budget_max = _plain(lo), _plain(hi)
                i += 2
                continue
        if _AROUND_BEFORE.search(before) or _AROUND_AFTER.search(after):
            out.budget_min, out.budget_max = round_half_up(m.value * 0.9), round_half_up(m.value * 1.1)
        elif _MAX_BEFORE.search(before) or _MAX_AFTER.search(after):
            out.budget_max = _plain(m.value)
        elif _MIN_BEFORE.search(before) or _MIN_AFTER.search(after):
            out.budget_min = _plain(m.value)
        else:
            out.bare_price = _plain(m.value)
        i += 1
    return out


def hints(text: str) -> list[str]:
    """The numbers of a message, read exactly and normalised, as the state prompt shows them to the LM.

        >>> hints("a 24 inch wide fridge under 1.2k")
        ['61cm', '1200']

    The deterministic part of the division of labour: the parser owns what a number *is* (units,
    multipliers, currencies, Chinese numerals); the model decides which slot it fills, if any.
    Lengths become whole centimetres with a ``cm`` suffix; everything else is a plain number.
    """
    out: list[str] = []
    for m in _mentions(text):
        factor = m.length_factor
        value = f"{round_half_up(m.value * factor)}cm" if factor is not None else str(_plain(m.value))
        if value not in out:
            out.append(value)
    return out
