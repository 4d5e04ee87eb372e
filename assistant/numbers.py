"""Budgets and sizes from free text: the spec's number rules, deterministic.

    >>> read_numbers("fridge under 1.2k, fits a 30 inch wide spot")
    Numbers(budget_min=UNSET, budget_max=1200, sizes={'max_width_cm': 76}, bare_price=None, negative=[])

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
    r"(?:\s?(?P<unit>centimet(?:er|re)s?\b|cm(?![a-z])|millimet(?:er|re)s?\b|mm(?![a-z])|met(?:er|re)s?\b|m\b(?!²)|米|inch(?:es)?\b|f(?:ee|oo)t\b|ft\b|in\b(?!\s+(?:the|a|an|my|our)\b)"
    r"|\"|''|”|元|块|dollars?\b|bucks\b|usd\b|eur(?:os?)?\b|rmb\b|quid\b|pounds?\b))?",
    re.IGNORECASE)

_LENGTH = {"cm": 1.0, "centimeter": 1.0, "centimetre": 1.0, "mm": 0.1, "m": 100.0, "meter": 100.0, "metre": 100.0, "米": 100.0, "millimeter": 0.1, "millimetre": 0.1,
           "inch": 2.54, "in": 2.54, "foot": 30.48, "feet": 30.48, "ft": 30.48, '"': 2.54, "''": 2.54, "”": 2.54}

_DIMS = [("max_width_cm", r"wide|wider|width|across|gap|spot|space|opening|niche|alcove|宽"),
         ("max_height_cm", r"tall|taller|height|high|higher|高"),
         ("max_depth_cm", r"deep|deeper|depth|深")]
_DIM_AFTER = [(k, re.compile(rf"^\s*(?:an?\s+|wide\s+)?(?:{w})(?![a-z])", re.I)) for k, w in _DIMS]
_DIM_BEFORE = [(k, re.compile(rf"(?:{w})(?![a-z])[^\d,.;!?]{{0,16}}$", re.I)) for k, w in _DIMS]
# Numbers that count something else: not a price, not a size.
_OTHER_AFTER = re.compile(
    r"^\s*(?:-?\s?(?:kg|kilos?|l|lit(?:er|re)s?|w|watts?|kw|db|years?|yrs?|months?|weeks?|days?|people|persons?"
    r"|seats?|seater|kids|children|drawers?|doors?|burners?|zones?|stars?|hours?|hrs?|minutes?|mins?|nights?"
    r"|pieces?|pcs|rpm|btu|sq|m2|m²|square|gb|hz|p|x|%|st|nd|rd|th|of them|岁|个|人|年|升|度|寸)(?![a-z]))", re.I)
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
_PAST_BEFORE = re.compile(r"(?:past|beyond|higher than)\s*$", re.I)
# "nothing over X", "can't go past X", "won't spend more than X": a negated floor word is a ceiling (and back).
_NEGATED = re.compile(r"(?:\bnothing|\bnot|\bnever|n'?t|\bcannot|\bno)\b[\w\s']{0,24}$", re.I)
_TOO_MUCH_AFTER = re.compile(r"^\s*(?:\w+\s+)?(?:is|are|'s|would be)\s+(?:too|out|off|over|a\s+no|not\b|beyond|my\s+limit)",
                             re.I)
_CAP_BEFORE = re.compile(r"(?:cap(?:ped)?(?:\s+it)?\s+at|ceiling\s+(?:of|is)|limit\s+(?:of|is)|stop\s+at)\s*$", re.I)
_LIMIT_AFTER = re.compile(r"^\s*(?:is|'s)\s+(?:my|the|our)\s+(?:limit|max|maximum|ceiling)", re.I)
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
    """What the numbers of one message say. ``bare_price``: a price with no bound word ("make it 800").
    ``negative``: numbers written with a minus sign ("-300"), never read as a price or size, kept so the
    caller can refuse them. ``placed``: the numbers a cue gave a slot ("under 600" -> 600, "24 inches wide"
    -> 61), so a second reader (the hybrid's LM) cannot move them."""

    budget_min: Any = UNSET
    budget_max: Any = UNSET
    sizes: dict[str, int] = field(default_factory=dict)
    bare_price: int | float | None = None
    negative: list = field(default_factory=list)
    placed: list = field(default_factory=list)  # numbers (as written, after units) given a slot by a cue


def _clause_before(text: str, start: int) -> str:
    before = text[max(0, start - 40):start]
    cuts = list(_CLAUSE_END.finditer(before))
    return before[cuts[-1].end():] if cuts else before


def _value(m: re.Match) -> float:
    v = float(m["num"].replace(",", ""))
    mult = (m["mult"] or "").lower()
    return v * (1000 if mult in ("k", "千", "grand") else 10000 if mult == "万" else 1)


_ZH_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_ZH_UNIT = {"十": 10, "百": 100, "千": 1000, "万": 10000}
# A run must start with a digit (so "千万别" is not a number) and hold a unit above ten (so "十分" stays a word).
_ZH_RUN = re.compile(r"[零〇一二两三四五六七八九十][零〇一二两三四五六七八九十百千万]*")
_MIXED = re.compile(r"(\d+)\s?([千万])([一二两三四五六七八九\d])(?![\d十百千万])")  # "1万5", "3千5"
_METRE_CM = re.compile(r"(\d)\s?米\s?(\d{1,2})(?!\d)")  # "1米8" -> 180cm


def _zh_value(run: str) -> int | None:
    total = section = digit = 0
    last_unit = 1
    for ch in run:
        if ch in _ZH_DIGIT:
            digit = _ZH_DIGIT[ch]
        else:
            unit = _ZH_UNIT[ch]
            if unit == 10000:
                total += (section + digit) * unit
                section, digit = 0, 0
            else:
                section += (digit or 1) * unit
                digit = 0
            last_unit = unit
    if digit and last_unit >= 100 and run[-1] in _ZH_DIGIT and run[-2:-1] and run[-2] in _ZH_UNIT:
        digit *= last_unit // 10  # "两千五" = 2500
    return total + section + digit


def _zh_sub(m: re.Match) -> str:
    run = m.group(0)
    if not any(c in "百千万" for c in run):
        return run
    return str(_zh_value(run))


_WORD_NUM = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen".split())}
_WORD_NUM.update({w: 10 * i for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)})
_W = "|".join(sorted(_WORD_NUM, key=len, reverse=True))
_EN_RUN = re.compile(rf"\b(?:(a|an|{_W})(?:[\s-]+({_W}))?)\s+(hundred|thousand|grand)\b"
                     rf"(?:\s+(?:and\s+)?({_W})\s+hundred\b)?", re.I)


# "two metres", "sixty centimetres", "fifty quid": a number word with no multiplier counts only before a unit.
_EN_UNIT_RUN = re.compile(
    rf"\b({_W})(?:[\s-]({_W}))?(?=\s*(?:cm\b|centimet|mm\b|millimet|met(?:er|re)s?\b|m\b|inch|f(?:ee|oo)t\b|ft\b"
    rf"|quid\b|pounds?\b|dollars?\b|bucks\b|euros?\b))", re.I)


def _en_unit_sub(m: re.Match) -> str:
    a, b = _WORD_NUM[m.group(1).lower()], _WORD_NUM[m.group(2).lower()] if m.group(2) else 0
    return str(a + b) if a >= 20 and 0 < b < 10 else m.group(0) if b else str(a)


# "a metre eighty", "1 metre 80": metres then centimetres, as "1米8" in Chinese.
_A_METRE = re.compile(r"\b(?:a|one)\s+(?=met(?:er|re)\b)", re.I)
_METRE_AND_CM = re.compile(rf"(?<![\d.])(\d)\s?(?:m|met(?:er|re)s?)\s+(?:and\s+)?(\d{{1,2}}|{_W})\b"
                           rf"(?!\s*(?:cm|centimet|mm|millimet|%|kg|quid|pounds?|dollars?|euros?|bucks)|[.,]\d)", re.I)


def _metre_and_cm(m: re.Match) -> str:
    cm = m.group(2)
    cm = int(cm) if cm.isdigit() else _WORD_NUM[cm.lower()]
    return f"{int(m.group(1)) * 100 + cm}cm"


def _en_sub(m: re.Match) -> str:
    a = 1 if m.group(1).lower() in ("a", "an") else _WORD_NUM[m.group(1).lower()]
    if m.group(2):
        a += _WORD_NUM[m.group(2).lower()]
    v = a * (100 if m.group(3).lower() == "hundred" else 1000)
    if m.group(4):
        v += _WORD_NUM[m.group(4).lower()] * 100
    return str(v)


def normalise(text: str) -> str:
    """Number words and Chinese numerals as digits: "两千到三千" -> "2000到3000", "two grand" -> "2000"."""
    text = _METRE_CM.sub(lambda m: f"{int(m.group(1)) * 100 + int(m.group(2).ljust(2, '0'))}cm", text)
    text = _ZH_RUN.sub(_zh_sub, text)
    text = _MIXED.sub(lambda m: str(int(m.group(1)) * (1000 if m.group(2) == "千" else 10000)
                                    + int(_ZH_DIGIT.get(m.group(3), m.group(3) if m.group(3).isdigit() else 0))
                                    * (100 if m.group(2) == "千" else 1000)), text)
    text = _EN_RUN.sub(_en_sub, text)
    text = _EN_UNIT_RUN.sub(_en_unit_sub, text)
    text = _METRE_AND_CM.sub(_metre_and_cm, _A_METRE.sub("1 ", text))
    return text


def _mentions(text: str) -> list[_Mention]:
    out = []
    for m in _NUM.finditer(text):
        before = text[max(0, m.start() - 2):m.start()]
        if before.endswith(("-", "−")) and not re.search(r"[\w.]\s*[-−]$", before) and not m["cur"]:
            out.append(_Mention(m.start() - 1, m.end(), -_value(m), (m["unit"] or "").strip(), False))
            continue
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
    text = normalise(text)
    mentions = _mentions(text)
    prices: list[_Mention] = []
    for m in mentions:
        if m.value < 0:
            out.negative.append(_plain(m.value))
            continue
        key = _size_key(text, m)
        factor = m.length_factor
        if factor is not None or (key and not m.currency and m.unit == ""):
            if key is None:
                if _SCREEN_AFTER.search(text[m.end:m.end + 20]):
                    continue  # "a 55 inch TV": the screen, not a space limit
                key = "max_width_cm"
            out.sizes[key] = round_half_up(m.value * (factor or 1.0))
            out.placed.append(out.sizes[key])
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
                out.placed += [_plain(m.value), _plain(nxt.value), out.budget_min, out.budget_max]
                i += 2
                continue
        placed = True
        if _AROUND_BEFORE.search(before) or _AROUND_AFTER.search(after):
            out.budget_min, out.budget_max = round_half_up(m.value * 0.9), round_half_up(m.value * 1.1)
        elif _CAP_BEFORE.search(before) or _LIMIT_AFTER.search(text[m.end:m.end + 30]):
            out.budget_max = _plain(m.value)
        elif (cue := _MAX_BEFORE.search(before)) or _MAX_AFTER.search(after):
            negated = cue is not None and _NEGATED.search(before[:cue.start()])
            setattr(out, "budget_min" if negated else "budget_max", _plain(m.value))
        elif (cue := _MIN_BEFORE.search(before) or _PAST_BEFORE.search(before)) or _MIN_AFTER.search(after):
            negated = cue is not None and (_NEGATED.search(before[:cue.start()])
                                           or _TOO_MUCH_AFTER.search(text[m.end:m.end + 30]))
            setattr(out, "budget_max" if negated else "budget_min", _plain(m.value))
        elif re.search(r"(?:\bnot|rather than|instead of)\s*$", before, re.I) and out.sizes:
            pass  # "150 cm wide, not 120": the old size being corrected, not a price
        else:
            out.bare_price = _plain(m.value)
            placed = False
        if placed:
            out.placed.append(_plain(m.value))
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
    for m in _mentions(normalise(text)):
        factor = m.length_factor
        value = f"{round_half_up(m.value * factor)}cm" if factor is not None else str(_plain(m.value))
        if value not in out:
            out.append(value)
    return out
