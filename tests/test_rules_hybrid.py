"""The hybrid rule (rules for exact values, the LM for meaning, only grounded LM values count), with the mock LM.

    HF_HUB_OFFLINE=1 python -m pytest tests/test_rules_hybrid.py -q
"""

from __future__ import annotations

import pytest

from assistant.backends.mock import MockBackend
from assistant.extract import make_extractor
from assistant.state import DialogueState


def hybrid(*replies):
    mock = MockBackend(list(replies))
    return make_extractor("hybrid", mock, brands=[]), mock


@pytest.mark.parametrize("message", ["a quiet dishwasher under 600", "not Samsung please", "thanks!",
                                     "三千以内的冰箱", "any price", "Bosch or Siemens",
                                     "show me more"])
def test_the_gate_skips_the_lm_when_the_rules_read_everything(message):
    ex, mock = hybrid()  # an empty queue: any LM call raises
    ex.update(DialogueState(category="dishwasher"), [], message)
    assert mock.calls == []


def test_the_lm_fills_what_the_rules_missed_when_grounded():
    ex, mock = hybrid('{"+features": ["quiet"]}')
    s = ex.update(DialogueState(category="dishwasher"), [], "my partner works nights and sleeps next to the kitchen")
    # the room is the rules' reading (as in the two tests below); the LM adds the need behind "sleeps" / "nights"
    assert len(mock.calls) == 1 and s.to_dict() == {"category": "dishwasher", "features": ["quiet"], "room": "kitchen"}


def test_the_lm_decides_the_slot_of_a_number_the_rules_only_guessed():
    # a bare number: the rules guess a ceiling; the LM reads it as a floor, and 400 is in the message
    ex, mock = hybrid('{"budget_min": 400}')
    s = ex.update(DialogueState(category="mattress"), [], "400 is where the decent ones start I reckon")
    assert len(mock.calls) == 1 and s.to_dict() == {"category": "mattress", "budget_min": 400}


def test_ungrounded_lm_values_change_nothing():
    reply = ('{"category": "bed", "budget_max": 999, "room": "bathroom", "+brands": ["Acme"], '
             '"+features": ["leather"], "max_width_cm": 50}')
    ex, mock = hybrid(reply)
    message = "my partner works nights and sleeps next to the kitchen"
    s = ex.update(DialogueState(category="dishwasher"), [], message)
    assert len(mock.calls) == 1
    assert s.to_dict() == {"category": "dishwasher", "room": "kitchen"}  # the rules' room; nothing of the LM's


def test_the_lm_never_overrides_a_cued_rule_reading():
    ex, mock = hybrid('{"budget_min": 600, "+brands": ["Samsung"]}')
    s = ex.update(DialogueState(category="dishwasher"), [],
                  "under 600 and not Samsung, my partner works nights near the kitchen")
    assert s.budget_max == 600 and s.budget_min is None and s.excluded_brands == ("Samsung",) and not s.brands


def test_allow_lm_false_never_calls_the_lm():
    ex, mock = hybrid()
    s = ex.update(DialogueState(), [], "my partner works nights and sleeps next to the kitchen", allow_lm=False)
    assert mock.calls == [] and s.to_dict() == {"room": "kitchen"}


def test_a_brand_the_lm_reads_must_be_spelled_in_the_message():
    ex, mock = hybrid('{"+brands": ["Fisher Paykel", "Lamona"]}')
    s = ex.update(DialogueState(category="oven"), [], "my mum swears by her lamona, something like hers")
    assert len(mock.calls) == 1 and s.brands == ("Lamona",)


@pytest.mark.parametrize("state,message", [
    ({"category": "oven"}, "make it 750"),                      # a bare number: the rules guess its slot
    ({"category": "cooktop"}, "is there anything by Zanussi"),  # an unknown name taken as a brand
    ({}, "a dishwashr for the flat"),                           # a one-typo category
])
def test_the_gate_asks_the_lm_when_the_rules_guessed(state, message):
    ex, mock = hybrid("{}")
    ex.update(DialogueState.from_dict(state), [], message)
    assert len(mock.calls) == 1


def test_the_lm_may_turn_a_brand_named_without_a_cue_into_an_exclusion():
    ex, mock = hybrid('{"+excluded_brands": ["Samsung"]}')
    s = ex.update(DialogueState(category="refrigerator"), [], "our Samsung broke twice in three years")
    assert len(mock.calls) == 1 and s.excluded_brands == ("Samsung",) and s.brands == ()


def test_a_chinese_alias_grounds_the_lm_brand():
    ex, mock = hybrid('{"+excluded_brands": ["Haier"]}')
    s = ex.update(DialogueState(category="refrigerator"), [], "海尔的冰箱坏过两次，换个牌子吧")
    assert len(mock.calls) == 1 and s.excluded_brands == ("Haier",) and s.brands == ()


def test_the_lm_cannot_undo_a_cued_exclusion_or_clear_a_slot():
    ex, mock = hybrid('{"+brands": ["Samsung"], "budget_max": null, "category": null}')
    s = ex.update(DialogueState(category="dishwasher", budget_max=500), [], "not Samsung, they rattle like mad")
    assert len(mock.calls) == 1
    assert s.to_dict() == {"category": "dishwasher", "budget_max": 500, "excluded_brands": ["Samsung"]}


def test_the_lm_removes_a_feature_only_when_the_message_speaks_of_it():
    before = DialogueState(category="dishwasher", features=("quiet", "steam"))
    ex, mock = hybrid('{"-features": ["quiet", "steam"]}')
    s = ex.update(before, [], "honestly the noise doesn't bother me")
    assert len(mock.calls) == 1 and s.features == ("steam",)


def test_the_lm_overrides_a_guessed_category_only_when_grounded():
    ex, mock = hybrid('{"category": "freezer"}')
    s = ex.update(DialogueState(), [], "a fridg for the garage")
    assert len(mock.calls) == 1 and s.category == "refrigerator"  # "freezer" is nowhere in the message
    ex, mock = hybrid('{"category": "robot vacuum"}')
    s = ex.update(DialogueState(), [], "a vacum, one of those robots that drive round on their own")
    assert s.category == "robot vacuum"
    assert make_extractor("rules", brands=[]).update(DialogueState(), [], "a vacum, one of those robots that drive "
                                                     "round on their own").category == "vacuum cleaner"


def test_rules_llm_and_hybrid_stay_selectable():
    for name in ("rules", "llm", "hybrid"):
        assert make_extractor(name, MockBackend(), brands=[]).name == name
