"""Every bullet of the spec's "How utterances update the state", as multi-turn tables
(rules extractor + assistant.tracker.apply_update), in English and Chinese."""

import pytest

from assistant.extract.rules import RulesExtractor
from assistant.state import DialogueState, StateUpdate
from assistant.tracker import apply_update

EX = RulesExtractor(extra_brands=())

# (name, [(user turn, expected cumulative state), ...])
CASES = [
    ("cumulative", [("a quiet dishwasher", {"category": "dishwasher", "features": ["quiet"]}),
                    ("under 600", {"category": "dishwasher", "features": ["quiet"], "budget_max": 600})]),
    ("correction replaces", [("under 600", {"budget_max": 600}), ("actually make it 800", {"budget_max": 800})]),
    ("clearing", [("sofa between 500 and 900", {"category": "sofa", "budget_min": 500, "budget_max": 900}),
                  ("forget the budget", {"category": "sofa"})]),
    ("exclusion leaves brands", [("Samsung or LG", {"brands": ["Samsung", "LG"]}),
                                 ("not Samsung", {"brands": ["LG"], "excluded_brands": ["Samsung"]}),
                                 ("ok Samsung after all", {"brands": ["Samsung"]})]),
    ("or-list replaces wanted brands", [("LG please", {"brands": ["LG"]}),
                                        ("Bosch or Siemens", {"brands": ["Bosch", "Siemens"]})]),
    ("new category keeps features", [("quiet washers", {"category": "washing machine", "features": ["quiet"]}),
                                     ("actually, show me dryers", {"category": "dryer", "features": ["quiet"]})]),
    ("feature removal", [("quiet and compact", {"features": ["quiet", "compact"]}),
                         ("it doesn't need to be quiet", {"features": ["compact"]}),
                         ("forget compact", {})]),
    ("sizes", [("fits a 60 cm gap", {"max_width_cm": 60}),
               ("24 inches wide", {"max_width_cm": 61}),
               ("under 90 cm tall", {"max_width_cm": 61, "max_height_cm": 90}),
               ("at most 65 deep", {"max_width_cm": 61, "max_height_cm": 90, "max_depth_cm": 65})]),
    ("greetings and thanks", [("Hello!", {}), ("a fridge", {"category": "refrigerator"}),
                              ("thanks! how much is the second one?", {"category": "refrigerator"})]),
    ("chinese", [("我想买一台冰箱，2000元以内。", {"category": "refrigerator", "budget_max": 2000}),
                 ("最好是海尔或者美的的", {"category": "refrigerator", "budget_max": 2000, "brands": ["Haier", "Midea"]}),
                 ("不要美的", {"category": "refrigerator", "budget_max": 2000, "brands": ["Haier"],
                           "excluded_brands": ["Midea"]}),
                 ("3000左右吧", {"category": "refrigerator", "budget_min": 2700, "budget_max": 3300, "brands": ["Haier"],
                             "excluded_brands": ["Midea"]}),
                 ("预算不限", {"category": "refrigerator", "brands": ["Haier"], "excluded_brands": ["Midea"]})]),
]


@pytest.mark.parametrize("name,turns", CASES, ids=[c[0] for c in CASES])
def test_spec_rules_over_several_turns(name, turns):
    state = DialogueState()
    for user, expected in turns:
        state = EX.update(state, [], user)
        assert state == DialogueState.from_dict(expected), (name, user, state.to_dict())


def test_apply_update_is_pure():
    before = DialogueState(brands=("LG",))
    after = apply_update(before, StateUpdate(exclude_brands=("LG",)))
    assert before.brands == ("LG",) and after.excluded_brands == ("LG",) and not after.brands
