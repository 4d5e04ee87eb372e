"""The spec's state metrics: slot precision/recall/F1 (micro over turns), JGA, per-slot F1.

    >>> from assistant.state import DialogueState as S
    >>> m = score([(S(category="sofa"), S(category="sofa", budget_max=500))])
    >>> (m.precision, m.recall, m.jga)
    (1.0, 0.5, 0.0)
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable

from assistant.state import KEYS, DialogueState


def _f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    # No pairs predicted and none expected is a perfect score, not a division by zero.
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


@dataclass
class StateScores:
    precision: float
    recall: float
    f1: float
    jga: float
    turns: int
    per_slot_f1: dict[str, float] = field(default_factory=dict)


def score(pairs: Iterable[tuple[DialogueState, DialogueState]]) -> StateScores:
    """``pairs``: (predicted, expected) per turn."""
    tp, fp, fn = Counter(), Counter(), Counter()
    turns = exact = 0
    for predicted, expected in pairs:
        p, e = predicted.pairs(), expected.pairs()
        for slot, _ in p & e:
            tp[slot] += 1
        for slot, _ in p - e:
            fp[slot] += 1
        for slot, _ in e - p:
            fn[slot] += 1
        turns += 1
        exact += p == e
    precision, recall, f1 = _f1(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    # Only slots that occur (expected or predicted) get a per-slot figure.
    per_slot = {k: round(_f1(tp[k], fp[k], fn[k])[2], 4) for k in KEYS if tp[k] + fp[k] + fn[k]}
    return StateScores(precision, recall, f1, exact / turns if turns else 0.0, turns, per_slot)
