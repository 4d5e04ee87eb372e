"""The spec's metrics on hand-computed examples."""

import pytest

from assistant.metrics import score
from assistant.state import DialogueState as S


def test_micro_precision_recall_f1_and_jga_by_hand():
    turns = [
        # predicted, expected
        (S(category="sofa"), S(category="sofa")),                                   # tp 1
        (S(category="sofa", budget_max=500), S(category="sofa", budget_max=600)),   # tp 1, fp 1, fn 1
        (S(category="sofa", brands=("lg", "Bosch")), S(category="sofa", brands=("LG",))),  # tp 2, fp 1
    ]
    m = score(turns)
    # tp 4, fp 2, fn 1
    assert m.precision == pytest.approx(4 / 6)
    assert m.recall == pytest.approx(4 / 5)
    assert m.f1 == pytest.approx(2 * (4 / 6) * (4 / 5) / (4 / 6 + 4 / 5))
    assert m.jga == pytest.approx(1 / 3) and m.turns == 3
    assert m.per_slot_f1 == {"category": 1.0, "budget_max": 0.0, "brands": pytest.approx(2 / 3, abs=1e-4)}


def test_empty_states_match_exactly():
    # Nothing predicted: precision has no denominator (counted 1.0), the missed pair makes recall 0.
    m = score([(S(), S()), (S(), S(category="bed"))])
    assert (m.precision, m.recall, m.f1, m.jga) == (1.0, 0.0, 0.0, 0.5)


def test_lists_are_sets_and_strings_fold_case():
    m = score([(S(features=("quiet", "compact")), S(features=("compact", "quiet")))])
    assert m.f1 == 1.0 and m.jga == 1.0
