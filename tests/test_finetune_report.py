"""The report card's scoring on small fixtures computed by hand: the chat's extractor and metrics per language,
the library text metrics, the chat's grounding guard, and the table."""

from __future__ import annotations

import pytest

from assistant.backends.mock import MockBackend
from assistant.evaluate import Dialogue
from assistant.state import DialogueState
from finetune.report import (BatchedLLM, CountingLLMExtractor, grounded, score_states, table, text_scores,
                             track)
from knowledge.schema import Product


def _dialogue(turns, did="d1"):
    return Dialogue(did, [{"user": u, "state": DialogueState.from_dict(st)} for u, st in turns])


def test_text_scores_use_the_libraries():
    same = text_scores(["the quiet dishwasher costs 499"], ["the quiet dishwasher costs 499"])
    assert same == {"bleu": pytest.approx(1.0), "rouge_l": pytest.approx(1.0)}
    # ROUGE-L: LCS("a b c d", "a c d e") = 3 -> P = R = 3/4
    assert text_scores(["a b c d"], ["a c d e"])["rouge_l"] == pytest.approx(0.75)
    assert text_scores(["red sofa"], ["blue chair"]) == {"bleu": 0.0, "rouge_l": 0.0}
    # Chinese is scored by character (rouge-score alone would see no tokens at all)
    zh = text_scores(["这款冰箱很安静"], ["这款冰箱非常安静"])
    assert 0.5 < zh["rouge_l"] < 1.0


PRODUCT = Product(id="p1", name="Brightwell Quiet-20 Dishwasher", brand="Brightwell", category="dishwasher",
                  price=549.0, width_cm=60.0, specs={"noise_db": 44})


def test_grounding_is_the_chat_guard():
    assert grounded("The Brightwell Quiet-20 Dishwasher costs 549 USD and runs at 44 dB.", [PRODUCT])
    assert not grounded("The Brightwell Quiet-20 Dishwasher costs 499 USD.", [PRODUCT])  # wrong price
    assert not grounded("Try the Frostmaster 3000 instead.", [PRODUCT])                  # a product not given
    assert grounded("What budget do you have in mind?", [])


def test_state_scores_use_the_chat_extractor_and_metrics_per_language():
    # The chat's parser repairs "fridge" -> refrigerator; a reply with no JSON is invalid; an unknown key
    # is dropped (the output counts as invalid, the state is unchanged).
    outputs = ['{"category":"fridge"}', 'oops', '{"colour":"red"}', '{"budget_max":600}']
    extractor = CountingLLMExtractor(MockBackend(outputs))
    dialogue = _dialogue([
        ("a fridge", {"category": "refrigerator"}),
        ("要静音的", {"category": "refrigerator", "features": ["quiet"]}),
        ("a red one", {"category": "refrigerator", "features": ["quiet"]}),
        ("under 600", {"category": "refrigerator", "features": ["quiet"], "budget_max": 600})])
    s = score_states(extractor, [dialogue])
    # turn 1 exact; turns 2-3 miss quiet (fn 1 each); turn 4 misses quiet (fn 1), tp 1+1+1+2 = 5, fp 0
    assert s["turns"] == 4
    assert s["slot_f1"] == pytest.approx(2 * 5 / (2 * 5 + 3), abs=1e-4)
    assert s["jga"] == pytest.approx(1 / 4)
    assert s["json_valid"] == pytest.approx(2 / 4)
    assert s["zh"] == {"slot_f1": pytest.approx(2 / 3, abs=1e-4), "jga": 0.0, "turns": 1}  # tp 1, fn 1
    assert s["en"]["turns"] == 3 and s["en"]["jga"] == pytest.approx(1 / 3, abs=1e-4)


class FakeDecoder:
    """Answers by the shopper line of the prompt; records how many prompts came in each call."""

    def __init__(self, answers):
        self.answers, self.batches = answers, []

    def complete(self, conversations, max_new_tokens=48):
        self.batches.append(len(conversations))
        return [self.answers[c[-1]["content"].split("Shopper: ")[1].splitlines()[0]] for c in conversations]


def test_batched_llm_steps_turn_k_of_every_dialogue_together():
    answers = {"a sofa": '{"category":"sofa"}', "under 500": '{"budget_max":500}', "hi": "{}",
               "not IKEA": '{"+excluded_brands":["IKEA"]}', "a desk": '{"category":"desk"}'}
    decoder = FakeDecoder(answers)
    d1 = _dialogue([("a sofa", {"category": "sofa"}), ("under 500", {"category": "sofa", "budget_max": 500}),
                    ("not IKEA", {"category": "sofa", "budget_max": 500, "excluded_brands": ["IKEA"]})], "d1")
    d2 = _dialogue([("hi", {}), ("a desk", {"category": "desk", "room": "home office"})], "d2")
    llm = BatchedLLM(decoder)
    pairs = track([d1, d2], llm)
    assert decoder.batches == [2, 2, 1]
    assert [p.to_dict() for p, _, _ in pairs] == [{"category": "sofa"}, {}, {"category": "sofa", "budget_max": 500},
                                                  {"category": "desk"},
                                                  {"category": "sofa", "budget_max": 500, "excluded_brands": ["IKEA"]}]
    s = score_states(BatchedLLM(FakeDecoder(answers)), [d1, d2])
    assert s["jga"] == pytest.approx(4 / 5) and s["json_valid"] == 1.0


def test_rules_reference_has_no_json_validity():
    from assistant.extract.rules import RulesExtractor

    s = score_states(RulesExtractor(), [_dialogue([("a quiet dishwasher", {"category": "dishwasher",
                                                                           "features": ["quiet"]})])])
    assert (s["slot_f1"], s["jga"], s["turns"], s["json_valid"]) == (1.0, 1.0, 1, None)


def test_table_lists_each_model_and_language():
    results = {"rules": {"state_unseen": {"slot_f1": 0.5, "jga": 0.25, "en": {"slot_f1": 0.6, "jga": 0.3, "turns": 3},
                                          "zh": {"slot_f1": 0.2, "jga": 0.0, "turns": 1}}},
               "adapter": {"state_unseen": {"slot_f1": 0.75, "jga": 0.5, "json_valid": 1.0,
                                            "zh": {"slot_f1": 0.9, "jga": 1.0, "turns": 1}}}}
    text = table(results)
    assert "| metric | rules | adapter |" in text
    assert "| unseen: slot F1 | 0.500 | 0.750 |" in text
    assert "| unseen: slot F1, zh turns (1) | 0.200 | 0.900 |" in text
    assert "| unseen: JSON valid | – | 1.000 |" in text
    assert "reply BLEU" not in text  # rows no model has are left out
