"""The rules extractor: lexicons + number rules, deterministic, no model (well under 5 ms a turn).

    >>> from assistant.state import DialogueState
    >>> RulesExtractor().update(DialogueState(), [], "fridg under 1k, not Samsung").to_dict()
    {'category': 'refrigerator', 'budget_max': 1000, 'excluded_brands': ['Samsung']}

Order inside one message: categories are matched first (longest phrase wins) and masked, so
"office chair" is not also the room "office"; a category word inside a feature phrase ("the covers go in
the washing machine", the "bed" of "a sofa bed") or after a place phrase ("at my desk") is not the category.
Then brands (with the negation in front of them; known makers, and unknown capitalised names in a brand
position: "X or Y", "not X", "a X one", "anything from X", "X's models", "X的"), features (with removal cues),
rooms, numbers (assistant.numbers) and clearing phrases. ``read`` also says what it guessed and which content
words it left unread: the hybrid's gate (assistant/extract/hybrid.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from assistant.extract.base import Extractor
from assistant.lexicon import (AMBIGUOUS_BRANDS, CATEGORY_TERMS, FEATURE_CATEGORY, FEATURE_TERMS, NOT_A_BRAND_AFTER,
                               ORDINARY_CAPITALISED, ROOM_TERMS, STOP_WORDS, ZH_STOP_CHARS, brand_terms, store_brands)
from assistant.numbers import normalise, read_numbers
from assistant.state import UNSET, DialogueState, StateUpdate
from assistant.tracker import apply_update


def _phrase_regex(terms: Iterable[str]) -> re.Pattern:
    # Longest first so "robot vacuum" beats "vacuum". ASCII terms need word edges (tested once per position,
    # outside the alternation, which keeps this fast); Chinese terms cannot have them.
    ordered = sorted(set(terms), key=len, reverse=True)
    ascii_part = "|".join(re.escape(t).replace(r"\ ", r"[\s-]+") for t in ordered if t.isascii())
    other_part = "|".join(re.escape(t) for t in ordered if not t.isascii())
    pattern = rf"(?<![a-z0-9])(?:{ascii_part})(?![a-z0-9])"
    return re.compile(pattern + (f"|{other_part}" if other_part else ""), re.IGNORECASE)


_CATEGORY_RX = _phrase_regex(CATEGORY_TERMS)
_FEATURE_RX = _phrase_regex(FEATURE_TERMS)
_ROOM_RX = _phrase_regex(ROOM_TERMS)

_CLAUSE = re.compile(r"[.;!?。；！？\n]|,(?!\d{3})|，")
# "not X", "no X please", "anything but X", "nothing from X or Y", "不要X": a cue right before a brand list.
_NEGATION = re.compile(
    r"(?:\bnot\b|\bno\b|\bnothing\s+(?:from|by)\b|\banything\s+but\b|\bexcept(?:\s+for)?\b|\bavoid\b|\bwithout\b"
    r"|\bnever\b|\bexclud(?:e|ing)\b|\bdon'?t\s+(?:want|like)\b|\bnon\b|\bstay\s+away\s+from\b|\bskip\b"
    r"|\brather\s+than\b|\binstead\s+of\b|\bnot\s+(?:a|an)\b"
    r"|不要|不想要|除了|别|不考虑)"
    r"(?:\s*(?:any(?:thing)?|from|by|made\s+by|the|brand|brands|of)\b|推荐|买|考虑|选|看|要)*\s*$", re.IGNORECASE)
# "三星的就不考虑了", "海尔不要了", "格力算了": a Chinese rejection right after the brand.
_NEGATION_AFTER = re.compile(r"^\s*(?:的|牌子|品牌)?\s*(?:就|也|都|我|还是)?\s*(?:不要|不考虑|算了|不行|排除|不想要|不喜欢|免了|pass)")
_BRAND_GLUE = re.compile(r"^\s*(?:,|or|and|nor|/|或者|或|和|、)?\s*$", re.IGNORECASE)
# "not Siemens, Bosch only": a brand followed by these words is wanted even right after a negated one.
# "Dyson is too pricey": a complaint, so Dyson is not asked for (nor excluded: the shopper did not rule it out).
_COMPLAINT_AFTER = re.compile(r"^\s*(?:is|are|was|were|'s)\s+(?:too|not|so|really\s+)?\s*(?:pricey|expensive|bad|loud|"
                              r"awful|terrible|overpriced|unreliable)", re.IGNORECASE)
_WANTED_AFTER = re.compile(r"^\W*(?:only|then|instead|is fine|is ok|please|would be|after all)\b", re.IGNORECASE)
# "also LG", "LG too" add to the wanted brands; "too expensive" does not.
_ADD_CUE = re.compile(r"\b(?:also|as well|additionally)\b|\btoo\b(?=\s*(?:[.,!?]|$))|还有|也", re.IGNORECASE)
_FEATURE_REMOVAL = re.compile(
    r"(?:doesn'?t|does not|don'?t|do not|no longer|won'?t)\s+(?:need|have|care about)(?:\s+to\s+be)?"
    r"|\bforget(?:\s+about)?|\bdrop\b|\bskip\b|\bnever\s*mind\b|\bno\s+need\s+for\b|\bnot\s+bothered\s+about\b"
    r"|\bnot\s+necessarily\b|shouldn'?t\s+be|doesn'?t\s+have\s+to\s+be|不需要|不用|不要|去掉"
    # "no leather", "without an ice maker": only right before the feature, so "no more than 400, quiet" keeps quiet
    r"|\b(?:not|no|without|never)\s+(?:an?\s+|the\s+|any\s+|too\s+)?$|\b(?:rather\s+than|instead\s+of)\s+$",
    re.IGNORECASE)
_CLEAR_BUDGET = re.compile(
    r"\bany\s+price\b|\b(?:budget|price|cost)\s+(?:doesn'?t|does not|won'?t)\s+matter|\bforget\s+(?:about\s+)?the\s+"
    r"(?:budget|price)|\bno\s+budget\b|\bdrop\s+the\s+(?:budget|price)|\bprice\s+is\s+no\s+(?:object|issue)"
    r"|\bwhatever\s+it\s+costs\b|\bmoney\s+is\s+no\s+object\b|\b(?:budget|price)\s+is\s+flexible\b"
    r"|预算不限|不限预算|价格不限|多少钱都行",
    re.IGNORECASE)
_CLEAR_SIZE = re.compile(r"\b(?:size|dimensions?)\s+(?:doesn'?t|does not)\s+matter|\bforget\s+the\s+(?:size|dimensions?)"
                         r"|尺寸不限", re.IGNORECASE)
_ANY_BRAND = re.compile(r"\bany\s+brand\b|\bbrand\s+(?:doesn'?t|does not)\s+matter|品牌不限", re.IGNORECASE)


# A category word after a place phrase names where something goes, not what to buy: "at my desk", "next to
# the bed", "on the sofa", "for the TV" (but "looking for the best fridge" is shopping).
_LOCATIVE = re.compile(
    r"(?:\b(?:at|on|onto|next\s+to|beside|by|under|underneath|behind|near|above|below|against|opposite"
    r"|in\s+front\s+of|on\s+top\s+of|sits\s+on|off)\s+(?:my|the|our|your|his|her|their)\s+(?:[a-z]+\s+)?)$",
    re.IGNORECASE)
# "a stand for the TV": "for the X" is a place only when something else is being bought ("for the oven,
# under 1k" names the oven itself).
_FOR_THE = re.compile(r"\bfor\s+(?:my|the|our|your|his|her|their)\s+$", re.IGNORECASE)

# Brands outside the lexicon: a capitalised name (a Latin-letter name in Chinese text) in a brand position.
_CAP_NAME = re.compile(r"(?<![\w'&.-])[A-Z][A-Za-z]*[a-z][A-Za-z]*(?:['&-][A-Za-z]+)*(?![\w'&-])|(?<![\w'&.-])[A-Z]{2,}(?![\w'&-])")
_LATIN_NAME = re.compile(r"(?<![A-Za-z0-9'&.-])[A-Za-z][A-Za-z'&-]*[A-Za-z](?![A-Za-z0-9'&-])")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_BRAND_BEFORE = re.compile(
    r"(?:\bfrom|\bby|\bmade\s+by|\bbrand(?:ed)?|\bmake|\bprefer|\bfan\s+of|\bswear\s+by|\bstick\s+with|\bgo\s+with"
    r"|\bwant|\blike|\blove|\btrust|\bconsider(?:ing)?|\bbut|\bthan|\bof)\s+(?:an?\s+|the\s+|some\s+)?$", re.IGNORECASE)
_A_BEFORE = re.compile(r"\b(?:an?|the)\s+$", re.IGNORECASE)
_ONE_AFTER = re.compile(r"^\s+(?:ones?|models?|version|brand|make)\b", re.IGNORECASE)
_POSSESSIVE_AFTER = re.compile(r"^'s\s+(?:\w+\s+)?(?:models?|ones?|range|stuff|products?|machines?|line|kit|gear)\b",
                               re.IGNORECASE)
_PAIR_GLUE = re.compile(r"^\s*(?:or|and|nor|/|或者|或|和|、)\s*$", re.IGNORECASE)
_ZH_BRAND_AFTER = re.compile(r"^\s*(?:的|牌|品牌|或者|或|和|、|就不|不要)")
_ZH_BRAND_BEFORE = re.compile(r"(?:要|不要|别|除了|买|选|推荐|喜欢|考虑|或者|或|和|、)\s*$")
_NEXT_WORD = re.compile(r"^[\s-]*([A-Za-z]+)")
_SENTENCE_START = re.compile(r"(?:^|[.!?。！？\n:\"(])[\s\W]*$")
# Words of the lexicons (categories, features, rooms): "Fridge or Freezer" names no maker.
_LEXICON_WORDS = {w for terms in (CATEGORY_TERMS, FEATURE_TERMS, ROOM_TERMS) for t in terms if t.isascii()
                  for w in re.findall(r"[a-z]+", t)}
_UNITS = {"cm", "mm", "kg", "m", "w", "db", "ok", "app", "wifi", "led", "tv", "hepa", "usb", "vs", "ps", "pc"}

_CONTENT = re.compile(r"[a-z][a-z']+|[\u4e00-\u9fff]")


def leftover_words(text: str) -> tuple[str, ...]:
    """The content words of ``text`` (what the rules did not read, already masked): not stop words,
    not numbers, not politeness. Chinese counts per character, leaving out particles and bound words."""
    words = []
    for w in _CONTENT.findall(normalise(text).lower()):
        if w.isascii():
            w = w.strip("'")
            if len(w) >= 3 and w not in STOP_WORDS and w.removesuffix("'s") not in STOP_WORDS:
                words.append(w)
        elif w not in ZH_STOP_CHARS:
            words.append(w)
    # one stray Chinese character ("台", "张") is no content; two or more may be
    if sum(not w.isascii() for w in words) == 1:
        words = [w for w in words if w.isascii()]
    return tuple(words)


@dataclass(frozen=True)
class RulesReading:
    """What the rules made of one message, for the hybrid's gate and merge (assistant/extract/hybrid.py).

    ``guessed``: slots the rules filled without an explicit cue (a bare number, a one-typo category, an
    unknown capitalised name taken as a brand). ``placed``: numbers a cue gave a slot. ``cued_brands``:
    brands (lower case) read with a negation cue. ``leftover``: content words the rules read nothing from."""

    update: StateUpdate
    guessed: frozenset = frozenset()
    placed: tuple = ()
    cued_brands: frozenset = frozenset()
    leftover: tuple = ()


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for a, b in spans:
        chars[a:b] = " " * (b - a)
    return "".join(chars)


def _clause_start(text: str, pos: int) -> int:
    cut = 0
    for m in _CLAUSE.finditer(text, 0, pos):
        cut = m.end()
    return cut


def one_edit(a: str, b: str) -> bool:
    """Exactly one substitution, insertion, deletion or adjacent swap apart ('stnad' ~ 'stand')."""
    if a == b:
        return False
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    return (a[i + 1:] == b[i + 1:] or a[i:] == b[i + 1:] or a[i + 1:] == b[i:]
            or (a[i:i + 2] == b[i:i + 2][::-1] and a[i + 2:] == b[i + 2:]))


# Fuzzy candidates indexed by (first letter, length): a word is compared only with terms it could be 1 edit from.
_FUZZY: dict[tuple[str, int], list[str]] = {}
for _t in CATEGORY_TERMS:
    if _t.isascii() and len(_t) >= 5:
        for _n in (len(_t) - 1, len(_t), len(_t) + 1):
            _FUZZY.setdefault((_t[0], _n), []).append(_t)
# "tv" in "tv stnad": only a word that starts a longer category name is worth a second look.
_HEADS = {t.split()[0] for t in CATEGORY_TERMS if " " in t}
_WORD = re.compile(r"[a-z]+")


def fuzzy_category(text: str, pairs_only: bool = False) -> str | None:
    """A one-typo match ('fridg', 'vacum', 'tv stnad') on a single word or a word pair."""
    words = _WORD.findall(text.lower())
    grams = ([] if pairs_only else words) + [f"{a} {b}" for a, b in zip(words, words[1:])]
    for gram in reversed(grams):  # the last mention wins, as with exact matches
        if len(gram) < 5:
            continue
        for term in _FUZZY.get((gram[0], len(gram)), ()):
            if one_edit(gram, term):
                return CATEGORY_TERMS[term]
    return None


class RulesExtractor(Extractor):
    name = "rules"

    def __init__(self, extra_brands: Iterable[str] | None = None):
        brands = list(extra_brands) if extra_brands is not None else store_brands()
        self.brands = brand_terms(brands)
        self._brand_rx = _phrase_regex(self.brands)

    def propose(self, state: DialogueState, user_message: str) -> StateUpdate:
        """The StateUpdate this message asks for (empty for greetings, thanks, product questions)."""
        return self.read(state, user_message).update

    def read(self, state: DialogueState, user_message: str) -> RulesReading:
        """The update, with what was guessed and what was left unread (for the hybrid)."""
        text = user_message.strip()
        changes: dict = {}
        guessed: set[str] = set()

        # A category word inside a feature phrase ("covers go in the washing machine", the "bed" of "a sofa
        # bed") or after a place phrase ("at my desk") is not the category. "standing desk" is both.
        features_here = [m for m in _FEATURE_RX.finditer(text) if not _CATEGORY_RX.fullmatch(m.group(0))]
        cats, aside = [], []
        for m in _CATEGORY_RX.finditer(text):
            canon = CATEGORY_TERMS[self._key(m.group(0), CATEGORY_TERMS)]
            inside = next((f for f in features_here if f.start() <= m.start() and m.end() <= f.end()), None)
            named = inside is not None and FEATURE_CATEGORY.get(
                FEATURE_TERMS[self._key(inside.group(0), FEATURE_TERMS)]) == canon
            before = text[_clause_start(text, m.start()):m.start()]
            if (inside is not None and not named) or _LOCATIVE.search(before):
                aside.append(m)
            else:
                cats.append(m)
        if len(cats) > 1:  # "a TV stand for the TV": the place goes when another category is named
            place = [m for m in cats if _FOR_THE.search(text[:m.start()])]
            if len(place) < len(cats):
                aside += place
                cats = [m for m in cats if m not in place]
        if cats:
            last = cats[-1]
            # "tv stnad": a typo in the second word of a longer category name.
            head = last.group(0).lower() in _HEADS
            changes["category"] = (head and fuzzy_category(text[last.start():last.end() + 12], pairs_only=True)
                                   or CATEGORY_TERMS[self._key(last.group(0), CATEGORY_TERMS)])
        in_feature = [m for m in cats + aside if any(f.start() <= m.start() and m.end() <= f.end() for f in features_here)]
        rest = _mask(text, [m.span() for m in cats + aside
                            if m not in in_feature and not _FEATURE_RX.fullmatch(m.group(0))])

        mentions = self._brand_mentions(rest, text)
        wanted, excluded = self._brands(rest, mentions)
        if any(guess for *_, guess in mentions):
            guessed.add("brands")
        rest = _mask(rest, [(a, b) for a, b, *_ in mentions])

        add_f, remove_f = [], []
        for m in _FEATURE_RX.finditer(rest):
            feature = FEATURE_TERMS[self._key(m.group(0), FEATURE_TERMS)]
            before = rest[_clause_start(rest, m.start()):m.start()]
            (remove_f if _FEATURE_REMOVAL.search(before[-40:]) else add_f).append(feature)
        feature_spans = [m.span() for m in _FEATURE_RX.finditer(rest)]
        rest = _mask(rest, feature_spans)

        if "category" not in changes and state.category is None:
            # "a sofabed": a feature that names its category, when nothing else does
            named = [FEATURE_CATEGORY[f] for f in add_f if f in FEATURE_CATEGORY]
            if named:
                changes["category"] = named[-1]

        rooms = list(_ROOM_RX.finditer(rest))
        if rooms:
            changes["room"] = ROOM_TERMS[self._key(rooms[-1].group(0), ROOM_TERMS)]
        rest = _mask(rest, [m.span() for m in rooms])

        if "category" not in changes:
            fuzzy = fuzzy_category(rest)
            if fuzzy:
                changes["category"] = fuzzy
                guessed.add("category")
                rest = _mask(rest, [m.span() for m in _WORD.finditer(rest) if len(m.group(0)) >= 4
                                    and fuzzy_category(m.group(0)) == fuzzy])

        nums = read_numbers(text)
        changes.update(nums.sizes)
        for key in ("budget_min", "budget_max"):
            if getattr(nums, key) is not UNSET:
                changes[key] = getattr(nums, key)
        if nums.bare_price is not None and "budget_max" not in changes and "budget_min" not in changes:
            # A correction replaces the bound set last; with only a floor set, that is the floor.
            only_min = state.budget_min is not None and state.budget_max is None
            key = "budget_min" if only_min else "budget_max"
            changes[key] = nums.bare_price
            guessed.add(key)
        for rx in (_CLEAR_BUDGET, _CLEAR_SIZE, _ANY_BRAND):
            rest = _mask(rest, [m.span() for m in rx.finditer(rest)])
        if _CLEAR_BUDGET.search(text):
            changes["budget_min"] = changes["budget_max"] = None
        if _CLEAR_SIZE.search(text):
            changes.update(max_width_cm=None, max_depth_cm=None, max_height_cm=None)

        if _ANY_BRAND.search(text):
            changes["brands"] = ()
        elif wanted:
            if _ADD_CUE.search(text):
                changes["add_brands"] = tuple(wanted)
            else:
                changes["brands"] = tuple(wanted)
        if excluded:
            changes["exclude_brands"] = tuple(excluded)
        if add_f:
            changes["add_features"] = tuple(dict.fromkeys(add_f))
        if remove_f:
            changes["remove_features"] = tuple(f for f in dict.fromkeys(remove_f) if f not in add_f)
        return RulesReading(StateUpdate(**changes), frozenset(guessed), tuple(nums.placed),
                            frozenset(b.lower() for b in excluded), leftover_words(rest))

    def update(self, state: DialogueState, history: list, user_message: str, *,
               allow_lm: bool = True) -> DialogueState:
        return apply_update(state, self.propose(state, user_message))

    # --- helpers ------------------------------------------------------------------------------
    @staticmethod
    def _key(found: str, terms: dict[str, str]) -> str:
        """The lexicon entry a regex match came from (matches may differ in case and in space/hyphen)."""
        low = found.lower()
        if low in terms:
            return low
        return next(t for t in terms if re.fullmatch(re.escape(t).replace(r"\ ", r"[\s-]+"), low, re.I))

    def _brand_mentions(self, text: str, original: str) -> list[tuple[int, int, str, bool]]:
        """(start, end, brand, guessed) for every maker named: known ones (unless the context makes the word
        something else: "sage green", "hay fever", "IKEA-style") and unknown capitalised names in a brand position.
        ``original``: the unmasked message, to see category words after a name ("a Lamona oven")."""
        known = []
        for m in self._brand_rx.finditer(text):
            word = m.group(0)
            nxt = _NEXT_WORD.match(text[m.end():m.end() + 20])
            if word.isascii() and nxt and nxt.group(1).lower() in NOT_A_BRAND_AFTER:
                continue
            if word.lower() in AMBIGUOUS_BRANDS and (word[0].islower() or (
                    _SENTENCE_START.search(text[:m.start()]) and not self._brand_position(text, original, m.start(),
                                                                                           m.end(), []))):
                continue
            known.append((m.start(), m.end(), self.brands[self._key(word, self.brands)], False))
        zh = bool(_CJK.search(text))
        candidates = []
        for m in (_LATIN_NAME if zh else _CAP_NAME).finditer(text):
            word = m.group(0)
            low = word.lower()
            if any(a < m.end() and m.start() < b for a, b, *_ in known):
                continue
            if (low in ORDINARY_CAPITALISED or low in STOP_WORDS or low in _LEXICON_WORDS or low in _UNITS or low in self.brands
                    or low.removesuffix("'s") in ORDINARY_CAPITALISED):
                continue
            nxt = _NEXT_WORD.match(text[m.end():m.end() + 20])
            if nxt and nxt.group(1).lower() in NOT_A_BRAND_AFTER:
                continue
            candidates.append(m)
        others = [(a, b) for a, b, *_ in known] + [m.span() for m in candidates]
        unknown = []
        for m in candidates:
            end = m.end() - 2 if m.group(0).lower().endswith("'s") else m.end()  # "Ercol's models"
            if self._brand_position(text, original, m.start(), end, others, zh,
                                    initial_ok=not _SENTENCE_START.search(text[:m.start()])):
                unknown.append((m.start(), end, text[m.start():end], True))
        return sorted(known + unknown)

    @staticmethod
    def _brand_position(text: str, original: str, start: int, end: int, others: list[tuple[int, int]],
                        zh: bool = False, initial_ok: bool = False) -> bool:
        """Is the name at text[start:end] where a maker is named? "X or Y", "not X", "a X one", "anything from
        X", "made by X", "X's models", "X的". A sentence's first word needs a pair or a possessive."""
        before = text[_clause_start(text, start):start][-30:]
        after = text[end:end + 30]
        glued = any((b <= start and _PAIR_GLUE.match(text[b:start])) or (a >= end and _PAIR_GLUE.match(text[end:a]))
                    for a, b in others if (a, b) != (start, end))
        if glued or _POSSESSIVE_AFTER.match(after) or _WANTED_AFTER.match(after) or (zh and (_ZH_BRAND_AFTER.match(after)
                                                              or _ZH_BRAND_BEFORE.search(before))):
            return True
        if not initial_ok:
            return False
        return bool(_NEGATION.search(before) or _BRAND_BEFORE.search(before)
                    or (_A_BEFORE.search(before) and (_ONE_AFTER.match(after) or _CATEGORY_RX.match(original, end + 1)
                                                      and original[end:end + 1] == " ")))

    def _brands(self, text: str, mentions: list[tuple[int, int, str, bool]]) -> tuple[list[str], list[str]]:
        """Wanted and excluded brands; a negation cue covers the brand list that follows it."""
        wanted, excluded = [], []
        negated_until = -1  # a negated list continues while only glue ("or", ",") separates brands
        prev_end = None
        for start_m, end_m, brand, _ in mentions:
            start = _clause_start(text, start_m)
            before = text[max(start, start_m - 40):start_m]
            glued = (prev_end is not None and prev_end == negated_until and _BRAND_GLUE.match(text[prev_end:start_m])
                     and not _WANTED_AFTER.match(text[end_m:end_m + 16]))
            if _NEGATION.search(before) or glued or _NEGATION_AFTER.match(text[end_m:end_m + 12]):
                excluded.append(brand)
                negated_until = end_m
            elif not _COMPLAINT_AFTER.match(text[end_m:end_m + 30]):
                wanted.append(brand)
            prev_end = end_m
        low_excluded = {b.lower() for b in excluded}
        wanted = [b for b in dict.fromkeys(wanted) if b.lower() not in low_excluded]
        return wanted, list(dict.fromkeys(excluded))
