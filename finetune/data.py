"""Training dialogues that teach the language of shoppers: English and Chinese, many registers, in context.

    python -m finetune.data --out runs/finetune/data --dialogues 1200 --seed 13

Each dialogue is a walk over the state of ``shared/spec/dialogue-state.md``. Every user turn is built
from one to three *clauses*, each drawn from a paraphrase bank (``finetune.phrases``) together with the
part of the ``StateUpdate`` it means: a category, a need said directly or indirectly ("so it doesn't
wake the baby" -> quiet), a ceiling said as a negation ("nothing over 500 quid"), an exclusion
("三星的就不考虑了"), a size in inches or 米, a distractor that changes nothing ("in sage green")...
The gold state is ``tracker.apply_update`` over those updates, so labels follow the spec's merge rules
by construction. Numbers are written in many forms (digits, "1.2k", "two grand", 三千, 1米8, 24") and
a form is used only when ``assistant.numbers.hints`` reads it back as the labelled value: the
prompt's ``Numbers:`` line and the target always agree, so the model learns to place a number,
never to compute one (except the spec's "around X" ±10%).

Two kinds of example come out of every dialogue, built with ``assistant.prompts`` exactly as the chat
asks at run time:

1. state: ``state_messages(previous state, user turn, last assistant line)`` -> ``StateUpdate.to_json()``
   ("{}" when the turn changes nothing);
2. reply (English dialogues, a smaller share): ``reply_messages(...)`` -> a reply that names only the
   given products at their real prices.

Brands come from the store's catalog (``knowledge``'s ``Product`` records) and from outside it (real
makers, invented ones, Chinese names -> their Latin spelling). Splits are by dialogue *and* by
paraphrase family: every bank keeps every ``HELD_OUT``-th phrasing for the test split only, so the
generated test score measures phrasings the adapter never saw. Sentences of the dev set are never
produced. Same seed, same files.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from pathlib import Path
from typing import Any, Iterable

from assistant.evaluate import language
from assistant.numbers import hints, round_half_up
from assistant.prompts import reply_messages, state_messages
from assistant.state import CATEGORIES, DialogueState, StateUpdate
from assistant.tracker import apply_update
from finetune import phrases as P
from knowledge.schema import Product

SPLITS = ("train", "validation", "test")
HELD_OUT = 5  # every 5th phrasing of a bank is reserved for the test split
def bank(rng: random.Random, options: list[str], split: str) -> str:
    """A phrasing for this split: test draws from the held-out family, train/validation from the rest."""
    held = [o for i, o in enumerate(options) if i % HELD_OUT == HELD_OUT - 1]
    seen = [o for i, o in enumerate(options) if i % HELD_OUT != HELD_OUT - 1]
    pool = held if split == "test" and held else seen or options
    return rng.choice(pool)


# ---- the store -------------------------------------------------------------------------------------

def load_products(path: str | Path) -> list[Product]:
    """The store's products from a catalog JSONL (``Product.to_dict()`` per line, as ``knowledge`` writes it);
    an empty list when the file is missing (the generator then uses outside brands only and no replies)."""
    path = Path(path)
    if not str(path) or not path.is_file():
        return []
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(Product.from_dict(json.loads(line)))
        except (ValueError, KeyError, TypeError) as e:
            raise ValueError(f"{path}:{n}: not a product record ({e})") from None
    return [p for p in out if p.category in CATEGORIES]


def card(p: Product) -> dict[str, Any]:
    specs = {k: v for k, v in p.specs.items() if isinstance(v, (int, float, str))}
    if p.width_cm is not None:
        specs.setdefault("width_cm", p.width_cm)
    return {"id": p.id, "name": p.name, "brand": p.brand, "price": p.price, "currency": p.currency,
            "key_specs": dict(list(specs.items())[:3])}


def load_policy_facts(folder: str | Path) -> list[tuple[str, str]]:
    """(topic, fact sentence) pairs from policy markdown files; a few built-in facts when none exist."""
    facts = []
    for md in sorted(Path(folder).glob("*.md")) if str(folder) and Path(folder).is_dir() else []:
        topic = md.stem.replace("_", " ").replace("-", " ")
        sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", re.sub(r"[#*`>\-]", " ", md.read_text()))
                     if 30 < len(s.strip()) < 220]
        facts.extend((topic, re.sub(r"\s+", " ", s)) for s in sentences[:4])
    return facts or [
        ("returns", "Unused items can be returned within 30 days with the receipt for a full refund."),
        ("delivery", "Standard delivery takes 3 to 5 working days and is free on orders over 500."),
        ("warranty", "Large appliances come with a 2-year manufacturer warranty."),
    ]


# ---- numbers in words ----------------------------------------------------------------------------

_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen " \
        "seventeen eighteen nineteen".split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def words_en(n: int) -> str:
    """0 <= n < 100,000 in English words ("two thousand five hundred"); "fifteen hundred" style is a bank form."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else "-" + _ONES[n % 10])
    if n < 1000:
        return _ONES[n // 100] + " hundred" + ("" if n % 100 == 0 else " and " + words_en(n % 100))
    return words_en(n // 1000) + " thousand" + ("" if n % 1000 == 0 else " " + words_en(n % 1000))


_ZH_DIGITS = "零一二三四五六七八九"


def words_zh(n: int, colloquial: bool = True) -> str:
    """Chinese numerals for 1 <= n < 100,000: 3000 -> 三千, 2500 -> 两千五 (colloquial) / 两千五百, 12000 -> 一万二."""
    if n >= 10000:
        head, rest = divmod(n, 10000)
        tail = ""
        if rest:
            tail = (words_zh(rest, False) if rest >= 1000 else "零" + words_zh(rest, False))
            if colloquial and rest % 1000 == 0:
                tail = _ZH_DIGITS[rest // 1000]
        return ("两" if head == 2 else words_zh(head, False)) + "万" + tail
    units = [(1000, "千"), (100, "百"), (10, "十")]
    out, zero = "", False
    for value, name in units:
        d, n = divmod(n, value)
        if d:
            if zero:
                out += "零"
            digit = "两" if d == 2 and value >= 100 else _ZH_DIGITS[d]
            out += ("" if (value == 10 and d == 1 and not out) else digit) + name
            zero = False
            if colloquial and n and n % (value // 10 or 1) == 0 and value >= 100 and n < value:
                return out + _ZH_DIGITS[n // (value // 10)]
        elif out:
            zero = True
    if n:
        out += ("零" if zero else "") + _ZH_DIGITS[n]
    return out


# ---- surface forms of money and lengths ----------------------------------------------------------

def money_forms(n: int, lang: str) -> list[str]:
    """Ways to write an amount; the bank of forms is split by family like any phrasing."""
    c = f"{n:,}"
    if lang == "zh":
        forms = [f"{n}", f"{n}元", f"{n}块", words_zh(n), f"{words_zh(n)}块", f"{n}块钱", f"{words_zh(n)}元",
                 f"¥{n}", f"{n // 1000}千" if n % 1000 == 0 else f"{n}", f"{n / 10000:g}万" if n % 1000 == 0 and n >= 10000 else f"{n}元"]
        return forms
    forms = [f"{n}", f"${n}", f"${c}", f"{n} dollars", f"{c} quid", f"£{n}", f"{n} bucks", f"€{c}", f"{c}",
             f"{n} euros", f"AUD {n}" if n < 10000 else f"${c}", f"{n} USD"]
    if n % 100 == 0 and n >= 1000:
        forms += [f"{n / 1000:g}k", f"${n / 1000:g}k", f"{n / 1000:g}K"]
    if n % 1000 == 0 and n >= 1000:
        forms += [f"{n // 1000} grand", "a grand" if n == 1000 else f"{words_en(n // 1000)} grand"]
    if n % 100 == 0 and n < 10000:
        forms += [f"{words_en(n)} dollars", words_en(n)]
        if 1000 < n < 10000 and n % 1000:
            forms.append(f"{words_en(n // 100)} hundred")  # "fifteen hundred"
    return forms


def length_forms(cm: int, lang: str) -> list[tuple[str, int]]:
    """(text, value in cm as the spec reads it): cm, m, mm, inches, feet; 米 and 厘米 in Chinese."""
    out = [(f"{cm} cm", cm), (f"{cm}cm", cm)]
    if lang == "zh":
        out += [(f"{cm}厘米", cm), (f"{cm}公分", cm)]
        if cm >= 100 and cm % 10 == 0:
            out += [(f"{cm / 100:g}米", cm), (f"{cm // 100}米{(cm % 100) // 10}" if cm % 100 else f"{cm // 100}米", cm)]
        return out
    out += [(f"{cm} centimetres", cm), (f"{cm * 10}mm", cm), (f"{cm * 10} mm", cm)]
    if cm >= 100 and cm % 10 == 0:
        out += [(f"{cm / 100:g} m", cm), (f"{cm / 100:g}m", cm), (f"{cm / 100:g} metres", cm)]
    inches = round(cm / 2.54)
    out += [(f"{inches} inches", round_half_up(inches * 2.54)), (f'{inches}"', round_half_up(inches * 2.54)),
            (f"{inches} in", round_half_up(inches * 2.54))]
    if inches % 12 == 0:
        out += [(f"{inches // 12} feet", round_half_up(inches * 2.54)), (f"{inches // 12} ft", round_half_up(inches * 2.54))]
    return out


def reads_as(text: str, value: int | float, unit: str = "") -> bool:
    """Whether the deterministic number reader shows ``value`` for ``text`` (what the prompt will show)."""
    want = f"{int(value)}{unit}" if float(value).is_integer() else f"{value}{unit}"
    return want in hints(text)


# ---- typos and register ----------------------------------------------------------------------------

def typo(rng: random.Random, text: str) -> str:
    """One realistic slip in a longer word: a dropped, doubled or swapped letter."""
    words = text.split(" ")
    idx = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha() and w.isascii()]
    if not idx:
        return text
    i = rng.choice(idx)
    w = words[i]
    j = rng.randrange(1, len(w) - 1)
    words[i] = rng.choice([w[:j] + w[j + 1:], w[:j] + w[j] + w[j:], w[:j - 1] + w[j] + w[j - 1] + w[j + 1:]])
    return " ".join(words)


def normalise_sentence(text: str) -> str:
    return re.sub(r"[^\w]+", " ", text.lower()).strip()


def plural(noun: str) -> str:
    if noun.isascii() is False or noun.endswith(("s", "drawers")):
        return noun
    if noun.endswith(("sh", "ch", "x")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


# ---- one dialogue --------------------------------------------------------------------------------

class Clause:
    """A piece of a shopper turn and the update it means (``StateUpdate`` keyword arguments)."""

    def __init__(self, text: str, update: dict[str, Any] | None = None, kind: str = ""):
        self.text, self.update, self.kind = text, dict(update or {}), kind


def _slots(clause: "Clause") -> set[str]:
    """The slots a clause sets; the two budget keys count as one, so a turn never holds a floor and a separate,
    contradicting ceiling ("at least 600 … make it 400")."""
    return {"budget" if k.startswith("budget") else k for k in clause.update}


class DialogueWriter:
    """Writes one dialogue in one language; ``split`` picks the phrasing families."""

    def __init__(self, rng: random.Random, split: str, lang: str, products: list[Product],
                 facts: list[tuple[str, str]]):
        self.rng, self.split, self.lang = rng, split, lang
        self.products, self.facts = products, facts
        self.state = DialogueState()
        self.shown: list[Product] = []
        self.store_brands = sorted({p.brand for p in products})

    def pick(self, options: list[str]) -> str:
        return bank(self.rng, options, self.split)

    def t(self, key: str) -> str:
        """A template of this language's bank ``key``."""
        return self.pick(P.TEMPLATES[self.lang][key])

    # ---- values ----
    def category(self) -> str:
        return self.rng.choice(CATEGORIES)

    def noun(self, category: str) -> str:
        return self.pick(P.CATEGORY_NOUNS[category][self.lang])

    def brand(self, category: str | None) -> tuple[str, str]:
        """(as written, as labelled): the store's brands, outside makers, invented ones, Chinese names."""
        r = self.rng.random()
        store = [p.brand for p in self.products if p.category == category] or self.store_brands
        if self.lang == "zh" and r < 0.45:
            written, latin = self.rng.choice(sorted(P.CHINESE_BRANDS.items()))
            return written, latin
        if r < 0.4 and store:
            b = self.rng.choice(store)
            return b, b
        if r < 0.8:
            b = self.pick(P.OUTSIDE_BRANDS)
            return b, b
        b = invented_brand(self.rng)
        return b, b

    def amount(self, category: str | None) -> int:
        prices = [p.price for p in self.products if p.category == category]
        lo, hi = (min(prices), max(prices)) if prices else (100, 3000)
        if self.lang == "zh":
            lo, hi = lo * 3, hi * 5  # yuan-sized amounts
        raw = self.rng.uniform(lo, hi * 1.2)
        step = self.rng.choice([50, 100, 100, 500, 1000]) if raw >= 1000 else self.rng.choice([10, 50, 50, 100])
        return max(step, int(round(raw / step) * step))

    def money(self, n: int, template: str = "{m}") -> str:
        """``n`` written in a form the number reader reads back as ``n``; digits when none does."""
        for _ in range(4):
            text = template.format(m=self.pick(money_forms(n, self.lang)))
            if reads_as(text, n):
                return text
        return template.format(m=str(n))

    # ---- clauses ----
    def c_category(self, category: str) -> Clause:
        noun = self.noun(category)
        return Clause(self.t("category").format(noun=noun, nouns=plural(noun)), {"category": category}, "category")

    def c_feature(self, category: str | None) -> Clause | None:
        options = [f for f in P.CATEGORY_FEATURES.get(category or "", P.ALL_FEATURES) if f not in self.state.features]
        if not options:
            return None
        f = self.rng.choice(options)
        text = self.pick(P.FEATURE_PHRASES[f][self.lang])
        return Clause(text, {"add_features": (f,)}, "feature")

    def c_room(self, category: str | None) -> Clause:
        rooms = P.CATEGORY_ROOMS.get(category or "", list(P.ROOM_PHRASES))
        room = self.rng.choice(rooms)
        return Clause(self.pick(P.ROOM_PHRASES[room][self.lang]), {"room": room}, "room")

    def c_budget(self, category: str | None) -> Clause:
        kind = self.rng.choices(["max", "min", "range", "around"], weights=[5, 1.5, 2, 1.5])[0]
        n = self.amount(category)
        if kind == "range":
            a = n
            b = a + max(100, self.rng.choice([0.25, 0.5, 1.0]) * a)
            b = int(round(b / 100) * 100)
            template = self.t("budget_range")
            form_a, form_b = self.pick(money_forms(a, self.lang)), self.pick(money_forms(b, self.lang))
            text = template.format(a=form_a, b=form_b)
            if not (reads_as(text, a) and reads_as(text, b)):
                text = template.format(a=a, b=b)
            return Clause(text, {"budget_min": a, "budget_max": b}, "budget")
        text = self.money(n, self.t(f"budget_{kind}"))
        if kind == "max":
            return Clause(text, {"budget_max": n}, "budget")
        if kind == "min":
            return Clause(text, {"budget_min": n}, "budget")
        return Clause(text, {"budget_min": round_half_up(0.9 * n), "budget_max": round_half_up(1.1 * n)}, "budget")

    def c_budget_correct(self) -> Clause | None:
        s = self.state
        if s.budget_max is None:
            return None
        n = int(s.budget_max * self.rng.choice([0.6, 0.8, 1.25, 1.5, 2]) // 50 * 50) or 50
        if n == s.budget_max or (s.budget_min is not None and n < s.budget_min):
            return None
        return Clause(self.money(n, self.t("budget_correct")), {"budget_max": n}, "correct")

    def c_budget_clear(self) -> Clause | None:
        if self.state.budget_max is None and self.state.budget_min is None:
            return None
        return Clause(self.t("budget_clear"), {"budget_min": None, "budget_max": None}, "clear_budget")

    def c_brand(self, category: str | None) -> Clause:
        if self.rng.random() < 0.35:
            (w1, b1), (w2, b2) = self.brand(category), self.brand(category)
            if b1.lower() != b2.lower():
                return Clause(self.t("brand_two").format(b1=w1, b2=w2), {"brands": (b1, b2)}, "brands")
        w, b = self.brand(category)
        return Clause(self.t("brand_one").format(b1=w), {"add_brands": (b,)}, "brands")

    def c_exclude(self, category: str | None) -> Clause:
        wanted = list(self.state.brands)
        if wanted and self.rng.random() < 0.4:
            b = self.rng.choice(wanted)
            w = next((k for k, v in P.CHINESE_BRANDS.items() if v == b), b) if self.lang == "zh" and self.rng.random() < 0.5 else b
        else:
            w, b = self.brand(category)
        return Clause(self.t("exclude").format(b1=w), {"exclude_brands": (b,)}, "exclude")

    def c_reinclude(self) -> Clause | None:
        if not self.state.excluded_brands:
            return None
        b = self.rng.choice(self.state.excluded_brands)
        return Clause(self.t("reinclude").format(b1=b), {"add_brands": (b,)}, "reinclude")

    def c_drop_feature(self) -> Clause | None:
        if not self.state.features:
            return None
        f = self.rng.choice(self.state.features)
        name = self.pick(P.FEATURE_NAMES.get(f, {}).get(self.lang) or [f])
        return Clause(self.t("drop_feature").format(f=name), {"remove_features": (f,)}, "drop_feature")

    def c_size(self) -> Clause:
        key = self.rng.choices(["max_width_cm", "max_height_cm", "max_depth_cm"], weights=[3, 1.2, 1])[0]
        cm = self.rng.choice([40, 45, 50, 55, 60, 60, 65, 70, 75, 80, 85, 90, 100, 120, 140, 150, 160, 180, 200, 220])
        text, value = self.rng.choice(length_forms(cm, self.lang))
        template = self.t(key)
        out = template.format(L=text)
        if not reads_as(out, value, "cm"):
            value = cm
            out = template.format(L=f"{cm} cm" if self.lang == "en" else f"{cm}厘米")
            if not reads_as(out, value, "cm"):
                out = template.format(L=f"{cm}cm")
        return Clause(out, {key: value}, "size")

    def c_size_correct(self) -> Clause | None:
        s = self.state
        keys = [k for k in ("max_width_cm", "max_height_cm", "max_depth_cm") if getattr(s, k) is not None]
        if not keys:
            return None
        key = self.rng.choice(keys)
        cm = getattr(s, key) + self.rng.choice([-15, -10, -5, 5, 10, 20])
        out = self.t("size_correct").format(L=f"{cm}cm" if self.rng.random() < 0.5 else f"{cm} cm",
                                            dim=self.pick(P.DIMENSION_WORDS[key][self.lang]))
        if not reads_as(out, cm, "cm"):
            return None
        return Clause(out, {key: cm}, "size")

    def c_switch(self) -> Clause:
        old = self.state.category
        new = self.rng.choice([c for c in CATEGORIES if c != old])
        noun = self.noun(new)
        return Clause(self.t("switch").format(noun=noun, nouns=plural(noun)), {"category": new}, "switch")

    def c_unchanged(self) -> Clause:
        """Greetings, thanks, policy questions, questions about shown products (even naming a brand or feature)."""
        kinds = ["smalltalk", "policy", "more"]
        if self.shown:
            kinds += ["product", "product", "product"]
        kind = self.rng.choice(kinds)
        if kind == "product":
            p = self.rng.choice(self.shown)
            feature = self.pick(P.FEATURE_NAMES.get(self.rng.choice(P.ALL_FEATURES), {}).get(self.lang) or ["quiet"])
            text = self.t("product_question").format(brand=p.brand, ord=self.pick(P.ORDINALS[self.lang]),
                                                      feature=feature, name=p.name)
        elif kind == "policy":
            text = self.t("policy")
        else:
            text = self.t(kind)
        return Clause(text, {}, "unchanged")

    def c_distractor(self) -> Clause:
        return Clause(self.t("distractor"), {}, "distractor")

    # ---- turns ----
    def first_turn(self) -> list[Clause]:
        if self.rng.random() < 0.1:
            return [self.c_unchanged()] if self.rng.random() < 0.5 else [Clause(self.t("smalltalk"), {}, "unchanged")]
        category = self.category()
        clauses = [self.c_category(category)]
        for _ in range(self.rng.choices([0, 1, 2], weights=[4, 4, 2])[0]):
            maker = self.rng.choices([self.c_feature, self.c_room, self.c_budget, self.c_brand, lambda c: self.c_size()],
                                     weights=[4, 2, 3, 1.5, 1])[0]
            c = maker(category)
            if c is not None and not _slots(c) & {k for x in clauses for k in _slots(x)}:
                clauses.append(c)
        if self.rng.random() < 0.35:  # the category word need not come first: "something quiet, a dishwasher"
            self.rng.shuffle(clauses)
        return clauses

    def next_turn(self) -> list[Clause]:
        cat = self.state.category
        makers = [(lambda: self.c_budget(cat), 3), (lambda: self.c_feature(cat), 3.5), (lambda: self.c_brand(cat), 2),
                  (lambda: self.c_exclude(cat), 2), (self.c_reinclude, 0.7), (self.c_size, 1.3),
                  (self.c_size_correct, 0.5), (lambda: self.c_room(cat), 1.2), (self.c_budget_correct, 1.2),
                  (self.c_budget_clear, 0.7), (self.c_drop_feature, 1.2), (self.c_switch, 1),
                  (self.c_unchanged, 2.6)]
        if cat is None:
            makers.append((lambda: self.c_category(self.category()), 6))
        clauses: list[Clause] = []
        n = self.rng.choices([1, 2], weights=[3, 1])[0]
        for _ in range(12):
            if len(clauses) >= n:
                break
            fn = self.rng.choices([m for m, _ in makers], weights=[w for _, w in makers])[0]
            c = fn()
            if c is None or (clauses and (c.kind == "unchanged" or clauses[0].kind == "unchanged")):
                continue
            if _slots(c) & {k for x in clauses for k in _slots(x)}:
                continue
            clauses.append(c)
        return clauses or [self.c_unchanged()]

    def join(self, clauses: list[Clause]) -> str:
        if self.rng.random() < 0.12 and clauses[0].kind != "unchanged":
            clauses = clauses + [self.c_distractor()]
            if self.rng.random() < 0.5:
                clauses = [clauses[-1]] + clauses[:-1]
        parts = [c.text for c in clauses]
        text = parts[0]
        for p in parts[1:]:
            text = text.rstrip() + self.pick(P.JOINERS[self.lang]) + p
        if self.lang == "en":
            text = text[:1].upper() + text[1:] if self.rng.random() < 0.7 else text.lower()
        return self.roughen(text)

    def roughen(self, text: str) -> str:
        r = self.rng.random()
        if self.lang == "zh":
            if r < 0.3:
                text = text.rstrip("。！!") + self.pick(P.CASUAL_SUFFIX["zh"])
            return text
        if r < 0.15:
            slipped = typo(self.rng, text)
            # A slip may not change what a number reads as ("eighht hundred"): the target copies the Numbers line.
            text = slipped if hints(slipped) == hints(text) else text
        elif r < 0.27:
            text = text.lower().rstrip(".!") + self.pick(P.CASUAL_SUFFIX["en"])
        elif r < 0.33:
            text = self.pick(P.LONG_PREFIX) + " " + text
        return text

    def merge(self, clauses: list[Clause]) -> StateUpdate:
        kwargs: dict[str, Any] = {}
        for c in clauses:
            kwargs.update(c.update)
        return StateUpdate(**kwargs)

    def dialogue(self, n_turns: int, forbidden: set[str]) -> list[dict[str, Any]]:
        turns: list[dict[str, Any]] = []
        last_assistant: str | None = None
        tries = 0
        while len(turns) < n_turns and tries < 50:
            tries += 1
            clauses = self.first_turn() if not turns else self.next_turn()
            text = self.join(clauses)
            if normalise_sentence(text) in forbidden:
                continue
            update = self.merge(clauses)
            before = self.state
            self.state = apply_update(before, update)
            kinds = [c.kind for c in clauses]
            reply = self.respond(kinds, text)
            turns.append({"user": text, "update": update, "previous": before, "state": self.state,
                          "intent": "+".join(kinds), "last_assistant": last_assistant, "reply": reply})
            # The chat prompts with the previous assistant line; the eval files carry none: train on both.
            last_assistant = reply["text"] if reply and self.rng.random() < 0.6 else None
        return turns

    # ---- assistant lines (English replies double as reply-job examples) ----
    def matches(self, p: Product) -> bool:
        s = self.state
        excluded = {b.lower() for b in s.excluded_brands}
        return (p.category == s.category and p.brand.lower() not in excluded
                and (not s.brands or p.brand.lower() in {b.lower() for b in s.brands})
                and (s.budget_max is None or p.price <= s.budget_max)
                and (s.budget_min is None or p.price >= s.budget_min)
                and (s.max_width_cm is None or p.width_cm is None or p.width_cm <= s.max_width_cm))

    def respond(self, kinds: list[str], user: str) -> dict[str, Any] | None:
        s, pick, lang = self.state, self.pick, self.lang
        if kinds == ["unchanged"]:
            if lang == "zh":
                return {"text": pick(P.ASSISTANT_ZH["smalltalk"]), "action": "smalltalk", "cards": []}
            return {"text": pick(P.ASSISTANT_EN["smalltalk"]), "action": "smalltalk", "cards": []}
        if s.category is None:
            text = pick((P.ASSISTANT_ZH if lang == "zh" else P.ASSISTANT_EN)["clarify"])
            return {"text": text, "action": "clarify", "cards": [], "note": "missing: category"}
        hits = sorted((p for p in self.products if self.matches(p)), key=lambda p: p.price)[:3]
        if lang == "zh":
            if hits:
                self.shown = hits
                return {"text": pick(P.ASSISTANT_ZH["recommend"]).format(
                    k=len(hits), l="；".join(f"{h.name}，{h.price:.0f}" for h in hits)), "action": "recommend",
                    "cards": [card(h) for h in hits]}
            return {"text": pick(P.ASSISTANT_ZH["no_match"]), "action": "no_match", "cards": []}
        if hits:
            self.shown = hits
            listing = "; ".join(f"{h.name} at {h.price:.0f} {h.currency}" for h in hits)
            text = pick(P.ASSISTANT_EN["recommend"]).format(k=len(hits), l=listing, f=hits[0].name)
            return {"text": text, "action": "recommend", "cards": [card(h) for h in hits]}
        near = sorted((p for p in self.products if p.category == s.category), key=lambda p: p.price)[:2]
        self.shown = near
        lead = pick(P.ASSISTANT_EN["no_match"])
        alt = "; ".join(f"{p.name} at {p.price:.0f} {p.currency}" for p in near)
        text = f"{lead} The closest options are {alt}." if near else lead
        return {"text": text, "action": "no_match", "cards": [card(p) for p in near],
                "note": "nothing matches every constraint; nearest options shown"}


def invented_brand(rng: random.Random) -> str:
    """A maker's name nobody has heard of: the model must take any named maker as a brand."""
    a, b = rng.choice(P.BRAND_SYLLABLES[0]), rng.choice(P.BRAND_SYLLABLES[1])
    name = (a + b).capitalize()
    return name if rng.random() < 0.8 else f"{name} {rng.choice(P.BRAND_SUFFIXES)}"


# ---- writing the splits ----------------------------------------------------------------------------

def examples(dialogue_id: str, lang: str, turns: list[dict], rng: random.Random, reply_share: float) -> Iterable[dict]:
    for k, t in enumerate(turns):
        yield {"task": "state", "dialogue_id": dialogue_id, "lang": lang, "turn": k, "intent": t["intent"],
               "messages": state_messages(t["previous"].to_json(), t["user"], t["last_assistant"])
               + [{"role": "assistant", "content": t["update"].to_json()}],
               "state": t["state"].to_dict()}
        r = t["reply"]
        if lang == "en" and r and r["action"] in ("recommend", "no_match", "clarify") and rng.random() < reply_share:
            yield {"task": "reply", "dialogue_id": dialogue_id, "lang": lang, "turn": k, "intent": t["intent"],
                   "action": r["action"], "cards": r["cards"], "state": t["state"].to_dict(),
                   "messages": reply_messages(t["state"].to_json(), r["action"], t["user"], r["cards"], (),
                                              r.get("note", ""))
                   + [{"role": "assistant", "content": r["text"]}]}


def dev_sentences(path: str | Path) -> set[str]:
    path = Path(path)
    if not str(path) or not path.is_file():
        return set()
    out = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            out.update(normalise_sentence(t["user"]) for t in json.loads(line)["turns"])
    return out


def generate(out_dir: str | Path, *, seed: int = 13, dialogues: int = 1200, validation_share: float = 0.04,
             test_share: float = 0.08, reply_share: float = 0.15, chinese_share: float = 0.4,
             catalog: str | Path = "", policies_dir: str | Path = "", dev_path: str | Path = "") -> dict[str, Any]:
    """Write ``{train,validation,test}.jsonl``, ``test_dialogues.jsonl`` (eval format) and ``data_card.json``."""
    products = load_products(catalog) if catalog else []
    facts = load_policy_facts(policies_dir)
    forbidden = dev_sentences(dev_path)
    rng = random.Random(seed)
    n_test = max(1, round(dialogues * test_share))
    n_val = max(1, round(dialogues * validation_share))
    splits = ["test"] * n_test + ["validation"] * n_val + ["train"] * (dialogues - n_test - n_val)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    card_: dict[str, Any] = {"seed": seed, "catalog_items": len(products), "splits": {}}
    rows: dict[str, list[dict]] = {s: [] for s in SPLITS}
    eval_dialogues: list[dict] = []
    for d, split in enumerate(splits):
        drng = random.Random(f"{seed}-{d}")
        lang = "zh" if drng.random() < chinese_share else "en"
        turns = DialogueWriter(drng, split, lang, products, facts).dialogue(drng.randint(2, 6), forbidden)
        did = f"{split}-{d:05d}"
        rows[split].extend(examples(did, lang, turns, drng, reply_share))
        if split == "test":
            eval_dialogues.append({"id": did, "turns": [{"user": t["user"], "state": t["state"].to_dict()}
                                                        for t in turns]})
    rng.shuffle(rows["train"])
    for split in SPLITS:
        with (out / f"{split}.jsonl").open("w", encoding="utf-8") as f:
            for row in rows[split]:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        card_["splits"][split] = data_card(rows[split])
    with (out / "test_dialogues.jsonl").open("w", encoding="utf-8") as f:
        for dlg in eval_dialogues:
            f.write(json.dumps(dlg, ensure_ascii=False) + "\n")
    (out / "data_card.json").write_text(json.dumps(card_, indent=1, ensure_ascii=False))
    return card_


def data_card(rows: list[dict]) -> dict[str, Any]:
    tasks, langs, intents, actions, keys, categories = Counter(), Counter(), Counter(), Counter(), Counter(), Counter()
    for r in rows:
        tasks[r["task"]] += 1
        langs[r["lang"]] += 1
        if r["task"] == "reply":
            actions[r["action"]] += 1
        else:
            intents.update(r["intent"].split("+"))
            keys.update(json.loads(r["messages"][-1]["content"]).keys())
            categories[r["state"].get("category", "none")] += 1
    return {"examples": len(rows), "dialogues": len({r["dialogue_id"] for r in rows}), "tasks": dict(tasks),
            "languages": dict(langs), "clauses": dict(intents), "reply_actions": dict(actions),
            "update_keys": dict(keys), "categories": dict(categories)}


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(description="Generate fine-tuning dialogues.")
    p.add_argument("--out", default="runs/finetune/data")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--dialogues", type=int, default=1200)
    p.add_argument("--catalog", default="knowledge/demo/catalog.jsonl")
    p.add_argument("--policies", default="knowledge/demo/docs/policies")
    p.add_argument("--dev", default="../shared/eval/dev_dialogues.jsonl")
    a = p.parse_args(argv)
    card_ = generate(a.out, seed=a.seed, dialogues=a.dialogues, catalog=a.catalog, policies_dir=a.policies,
                     dev_path=a.dev)
    print(json.dumps({s: {"tasks": c["tasks"], "languages": c["languages"]} for s, c in card_["splits"].items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
