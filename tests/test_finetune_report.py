"""The report card's metrics on small fixtures computed by hand."""

from __future__ import annotations

import math

import pytest

from assistant.state import DialogueState
from assistant.backends.mock import MockBackend
from assistant.evaluate import Dialogue
from finetune.report import CountingLLMExtractor, bleu, is_grounded, rouge_l, score_states, table


def test_bleu_identical_and_disjoint():
    assert bleu(["the quiet dishwasher costs 499"], ["the quiet dishwasher costs 499"]) == pytest.approx(1.0)
    assert bleu(["red sofa"], ["blue chair"]) == 0.0


def test_bleu_by_hand():
    # hyp "a b c d" vs ref "a b c e": 1-grams 3/4, 2-grams (2+1)/(3+1), 3-grams (1+1)/(2+1), 4-grams (0+1)/(1+1)
    expected = math.exp((math.log(3 / 4) + math.log(3 / 4) + math.log(2 / 3) + math.log(1 / 2)) / 4)
    assert bleu(["a b c d"], ["a b c e"]) == pytest.approx(expected)
    # brevity penalty: hyp of 2 tokens vs ref of 4
    short = bleu(["a b"], ["a b c d"])
    assert short == pytest.approx(math.exp(1 - 4 / 2) * math.exp((0 + math.log(2 / 2) + math.log(1 / 1) + math.log(1 / 1)) / 4))


def test_rouge_l_by_hand():
    # LCS("a b c d", "a c d e") = "a c d" = 3; P = 3/4, R = 3/4 -> F1 = 0.75
    assert rouge_l("a b c d", "a c d e") == pytest.approx(0.75)
    # LCS("a b", "a x y b") = 2; P = 1, R = 0.5 -> 2/3
    assert rouge_l("a b", "a x y b") == pytest.approx(2 / 3)
    assert rouge_l("", "a") == 0.0


CARDS = [{"name": "Bosch Serie 4 Dishwasher", "brand": "Bosch", "price": 549.0, "currency": "USD",
          "key_specs": {"noise_db": 44, "width_cm": 60}}]


def test_grounding():
    assert is_grounded("The Bosch Serie 4 Dishwasher costs 549 USD and runs at 44 dB.", CARDS)
    assert is_grounded("It is $549, 60 cm wide.", CARDS)
    assert not is_grounded("The Bosch Serie 4 Dishwasher costs 499 USD.", CARDS)      # wrong price
    assert not is_grounded("Try the Miele G 5000 instead.", CARDS, known_names=["Miele G 5000"])  # not given
    assert is_grounded("What budget do you have in mind?", [])


def _dialogue(turns):
    return Dialogue("d1", [{"user": u, "state": DialogueState.from_dict(st)} for u, st in turns])


def test_state_scores_use_the_chat_extractor_and_metrics():
    # The chat's parser repairs "fridge" -> refrigerator; a reply with no JSON is invalid; an unknown key
    # is dropped (the output counts as invalid, the state is unchanged).
    outputs = ['{"category":"fridge"}', 'oops', '{"colour":"red"}', '{"budget_max":600}']
    extractor = CountingLLMExtractor(MockBackend(outputs))
    dialogue = _dialogue([
        ("a fridge", {"category": "refrigerator"}),
        ("quiet", {"category": "refrigerator", "features": ["quiet"]}),
        ("a red one", {"category": "refrigerator", "features": ["quiet"]}),
        ("under 600", {"category": "refrigerator", "features": ["quiet"], "budget_max": 600})])
    s = score_states(extractor, [dialogue])
    # turn 1 exact; turns 2-3 miss quiet (fn 1 each); turn 4 misses quiet (fn 1), tp 1+1+1+2 = 5, fp 0
    assert s["turns"] == 4
    assert s["slot_f1"] == pytest.approx(2 * 5 / (2 * 5 + 3), abs=1e-4)
    assert s["jga"] == pytest.approx(1 / 4)
    assert s["json_valid"] == pytest.approx(2 / 4)


def test_rules_reference_has_no_json_validity():
    from assistant.extract.rules import RulesExtractor

    s = score_states(RulesExtractor(), [_dialogue([("a quiet dishwasher", {"category": "dishwasher",
                                                                           "features": ["quiet"]})])])
    assert s == {"slot_f1": 1.0, "jga": 1.0, "turns": 1, "json_valid": None}


def test_table_lists_each_model():
    text = table({"base": {"state_test": {"slot_f1": 0.5}}, "adapter": {"state_test": {"slot_f1": 0.75}}})
    assert "| metric | base | adapter |" in text and "| state slot F1 (test) | 0.500 | 0.750 |" in text
    assert "| reply BLEU |" not in text  # rows no model has are left out
