"""Purchase-intent stages and scores: the 20 scripted conversations (written before the code) and the score's order.

    python -m pytest tests/test_intent_stage.py -q
"""

import json
from pathlib import Path

import pytest

from assistant.dialogue.intent_stage import BANDS, Intent, stages, update

CONVERSATIONS = [json.loads(line) for line in
                 (Path(__file__).parent / "data" / "intent_conversations.jsonl").read_text(encoding="utf-8").splitlines()]


def test_there_are_twenty_conversations_in_both_languages():
    assert len(CONVERSATIONS) == 20
    assert {c["lang"] for c in CONVERSATIONS} == {"en", "zh", "mixed"}
    reached = {t["stage"] for c in CONVERSATIONS for t in c["turns"]}
    assert reached == {"browsing", "comparing", "deciding", "ready_to_buy", "dropped"}


@pytest.mark.parametrize("conv", CONVERSATIONS, ids=[c["id"] for c in CONVERSATIONS])
def test_stage_sequence(conv):
    got = [i.stage for i in stages(conv["turns"])]
    assert got == [t["stage"] for t in conv["turns"]], conv["title"]


def test_same_turns_same_result():
    turns = CONVERSATIONS[0]["turns"]
    assert stages(turns) == stages(json.loads(json.dumps(turns)))


def test_score_orders_the_funnel_and_narrowing_lifts_it():
    browsing = update(Intent(), "a dishwasher", "recommend", {"category": "dishwasher"})
    narrowed = update(browsing, "quiet, under 600, 45 cm wide", "recommend",
                      {"category": "dishwasher", "budget_max": 600, "features": ["quiet"], "max_width_cm": 45})
    assert narrowed.stage == "browsing" and "narrowed" in narrowed.signals
    assert BANDS["browsing"][0] <= browsing.score < narrowed.score <= BANDS["browsing"][1]
    comparing = update(narrowed, "compare the first two", "compare")
    deciding = update(comparing, "how fast is delivery?", "policy")
    ready = update(deciding, "I'll take the first one", "smalltalk")
    assert narrowed.score < comparing.score < deciding.score < ready.score <= 1.0
    dropped_late = update(deciding, "never mind")
    dropped_early = update(browsing, "never mind")
    assert dropped_early.stage == dropped_late.stage == "dropped"
    assert dropped_early.score < dropped_late.score < browsing.score


def test_logistics_before_any_product_is_not_deciding():
    first = update(Intent(), "do you deliver on Saturdays?", "policy")
    assert first.stage == "browsing"
    shown = update(first, "a sofa bed", "recommend", {"category": "sofa", "features": ["sofa bed"]})
    assert update(shown, "do you deliver on Saturdays?", "policy").stage == "deciding"


def test_negated_chinese_cue_is_not_ready():
    shown = update(Intent(), "沙发", "recommend", {"category": "sofa"})
    assert update(shown, "不要这个", "recommend").stage != "ready_to_buy"
    assert update(shown, "就要这个", "smalltalk").stage == "ready_to_buy"


def test_turns_without_shopper_text_keep_the_stage():
    turns = [{"user_text": "compare them", "action": "compare", "state": {"category": "sofa"}},
             {"user_text": "", "action": "recommend", "state": {"category": "sofa", "budget_max": 500}},
             {"user_text": "", "action": "handoff", "state": {"category": "sofa", "budget_max": 500}}]
    got = stages(turns)
    assert [i.stage for i in got] == ["comparing"] * 3
    assert got[1].constraints == 2 and got[1].score > got[0].score
