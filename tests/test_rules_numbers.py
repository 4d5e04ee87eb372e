"""The spec's number, size and clearing rules, one table row per phrasing (English and Chinese)."""

import pytest

from assistant.extract.rules import RulesExtractor
from assistant.state import DialogueState

EX = RulesExtractor(extra_brands=())

BUDGET = [
    ("under 600", None, 600), ("below $600", None, 600), ("less than 600 bucks", None, 600),
    ("at most 600", None, 600), ("no more than 600", None, 600), ("up to 600", None, 600), ("max 600", None, 600),
    ("over 300", 300, None), ("more than 300", 300, None), ("at least 300", 300, None), ("from $300 upwards", 300, None),
    ("between 500 and 800", 500, 800), ("500-800", 500, 800), ("500 to 800 dollars", 500, 800),
    ("from $1,000 to $1,500", 1000, 1500), ("1k-1.5k", 1000, 1500),
    ("around 1,500", 1350, 1650), ("about $250", 225, 275), ("roughly 500", 450, 550),
    ("1.5k max", None, 1500), ("under $1,200", None, 1200), ("budget is 700", None, 700),
    ("3千以内", None, 3000), ("2000元以内", None, 2000), ("3000左右", 2700, 3300), ("2千到3千之间", 2000, 3000),
]


@pytest.mark.parametrize("text,lo,hi", BUDGET)
def test_budget_phrasings(text, lo, hi):
    s = EX.update(DialogueState(), [], text)
    assert (s.budget_min, s.budget_max) == (lo, hi)


SIZES = [
    ("it has to fit a 60 cm gap", {"max_width_cm": 60}),
    ("no wider than 60 cm", {"max_width_cm": 60}),
    ("24 inches wide", {"max_width_cm": 61}),
    ('a 30" wide spot', {"max_width_cm": 76}),
    ("under 90 cm tall", {"max_height_cm": 90}),
    ("at most 65 deep", {"max_depth_cm": 65}),
    ("no deeper than 12 inches", {"max_depth_cm": 30}),
    ("max 1200 mm wide", {"max_width_cm": 120}),
    ("under 180 cm tall and no deeper than 40 cm", {"max_height_cm": 180, "max_depth_cm": 40}),
]


@pytest.mark.parametrize("text,expected", SIZES)
def test_sizes_convert_to_cm_and_pick_the_dimension(text, expected):
    assert EX.update(DialogueState(), [], text).to_dict() == expected


@pytest.mark.parametrize("text", ["a 55 inch TV", "for 2 people", "a 3 seater", "8 kg drum", "Thanks!"])
def test_numbers_that_are_not_budgets_or_limits(text):
    s = EX.update(DialogueState(), [], text)
    assert s.budget_min is None and s.budget_max is None and s.max_width_cm is None


def test_a_correction_replaces_the_bound_set_last():
    s = EX.update(DialogueState(), [], "under 600")
    assert EX.update(s, [], "actually make it 800").budget_max == 800
    s = EX.update(DialogueState(), [], "at least 400")
    assert EX.update(s, [], "actually make it 600").to_dict() == {"budget_min": 600}


@pytest.mark.parametrize("text", ["any price", "Actually, budget doesn't matter", "forget the budget",
                                  "预算不限"])
def test_clearing_the_budget(text):
    s = DialogueState(category="sofa", budget_min=100, budget_max=500)
    assert EX.update(s, [], text).to_dict() == {"category": "sofa"}
