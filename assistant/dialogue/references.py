"""Resolve "the second one", "the cheaper one", "that Nordhavn", "the quietest" to shown product ids."""

from __future__ import annotations

import re
from typing import Callable

from knowledge.schema import Product

ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "last": -1,
            "top": 0, "option 1": 0, "option 2": 1, "option 3": 2, "#1": 0, "#2": 1, "#3": 2}

# "the cheaper one", "the quietest": (pattern, key, reverse) -> the product with min (or max) key.
SUPERLATIVES: list[tuple[str, Callable[[Product], float | None], bool]] = [
    (r"cheap(er|est)|less expensive|least expensive|lowest price", lambda p: p.price, False),
    (r"(more )?expensive|priciest|pricier", lambda p: p.price, True),
    (r"quiet(er|est)|less noisy|least noisy|silent", lambda p: _num(p.specs.get("noise_db")), False),
    (r"loud(er|est)|noisi(er|est)", lambda p: _num(p.specs.get("noise_db")), True),
    (r"small(er|est)|narrow(er|est)|compact", lambda p: p.width_cm, False),
    (r"bigg(er|est)|larg(er|est)|wid(er|est)", lambda p: p.width_cm, True),
]


def _num(v) -> float | None:
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _named(message: str, products: list[Product]) -> list[Product]:
    """Products whose name or brand the message mentions ("that Nordhavn", "the Bosch")."""
    text = message.lower()
    hits = []
    for p in products:
        words = [w for w in re.findall(r"[\w-]+", p.name.lower()) if len(w) > 3]
        if p.name.lower() in text or any(re.search(rf"\b{re.escape(w)}\b", text) for w in words[:2]) \
                or re.search(rf"\b{re.escape(p.brand.lower())}\b", text):
            hits.append(p)
    return hits


def resolve(message: str, shown: list[Product]) -> list[Product]:
    """The shown products the message refers to, in mention order; [] when it names none."""
    if not shown:
        return []
    text = message.lower()
    picked: list[tuple[int, Product]] = []
    for word, index in ORDINALS.items():
        for m in re.finditer(rf"(?<![\w#]){re.escape(word)}(?!\w)", text):
            if -len(shown) <= index < len(shown):
                picked.append((m.start(), shown[index]))
    m = re.search(r"\b(first|top) (two|2|three|3)\b", text)
    if m:
        n = 2 if m.group(2) in ("two", "2") else 3
        picked += [(m.start() + i, p) for i, p in enumerate(shown[:n])]
    if re.search(r"\b(both|these two|the two)\b", text):
        picked += [(0, p) for p in shown[:2]]
    if re.search(r"\b(all three|these three|all of them)\b", text):
        picked += [(0, p) for p in shown[:3]]
    picked += [(text.find(p.brand.lower()), p) for p in _named(message, shown)]
    out: list[Product] = []
    for _, p in sorted(picked, key=lambda x: x[0]):
        if p not in out:
            out.append(p)
    if not out:
        for pattern, key, reverse in SUPERLATIVES:
            if re.search(rf"\b({pattern})\b", text):
                scored = [p for p in shown if key(p) is not None]
                if scored:
                    out = [sorted(scored, key=key, reverse=reverse)[0]]
                break
    if not out and re.search(r"\b(it|that one|this one|that|this)\b", text) and len(shown) == 1:
        out = [shown[0]]
    return out


def superlative(message: str) -> tuple[Callable[[Product], float | None], bool, str] | None:
    """For "which is quieter?": the key to rank by, its direction and the word used."""
    text = message.lower()
    for pattern, key, reverse in SUPERLATIVES:
        m = re.search(rf"\b({pattern})\b", text)
        if m:
            return key, reverse, m.group(0)
    return None
