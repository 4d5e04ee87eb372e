"""The report card's metrics on small fixtures computed by hand."""

from __future__ import annotations

import math

import pytest

from assistant.state import DialogueState
from finetune.report import StateScore, bleu, is_grounded, parse_update, rouge_l, score_states, table


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


def test_parse_update_and_state_scores():
    assert parse_update('{"budget_max":600}').to_dict() == {"budget_max": 600}
    assert parse_update("sure! {\"category\":\"fridge\"}").to_dict() == {"category": "refrigerator"}
    assert parse_update("not json") is None
    assert parse_update('{"colour":"red"}') is None  # unknown key: not a valid update

    outputs = iter(['{"category":"dishwasher"}', 'oops', '{"budget_max":600}'])
    dialogues = [{"turns": [
        {"user": "a dishwasher", "state": {"category": "dishwasher"}},
        {"user": "quiet", "state": {"category": "dishwasher", "features": ["quiet"]}},
        {"user": "under 600", "state": {"category": "dishwasher", "features": ["quiet"], "budget_max": 600}}]}]
    s = score_states(lambda messages: next(outputs), dialogues)
    # turn 1 exact; turn 2 misses quiet (fn 1); turn 3 misses quiet (fn 1), tp 2 -> tp 1+1+2=4, fn 2, fp 0
    assert (s.tp, s.fp, s.fn, s.turns, s.exact) == (4, 0, 2, 3, 1)
    assert s.f1 == pytest.approx(8 / 10)
    assert s.jga == pytest.approx(1 / 3)
    assert s.json_valid == pytest.approx(2 / 3)


def test_table_lists_each_model():
    text = table({"base": {"state_test": {"slot_f1": 0.5}}, "adapter": {"state_test": {"slot_f1": 0.75}}})
    assert "| metric | base | adapter |" in text and "| state slot F1 (test) | 0.500 | 0.750 |" in text
    s = StateScore()
    s.add(DialogueState(category="sofa"), DialogueState(category="sofa"))
    assert s.jga == 1.0
