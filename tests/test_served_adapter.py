"""The served model is the trained model: llama.cpp (base GGUF as shipped + the adapter as a LoRA GGUF)
answers the state job like transformers + peft (float32, no quantization) on the same adapter.

    HF_HUB_OFFLINE=1 python -m pytest tests/test_served_adapter.py -q -m integration

The shopper messages are written for this test (not taken from any eval set)."""

from __future__ import annotations

import json

import pytest

from assistant.model_config import ModelConfig

needs_xllamacpp = pytest.mark.skipif(
    not __import__("assistant.probes", fromlist=["has"]).has("xllamacpp"),
    reason="xllamacpp not installed: pip install xllamacpp (make install does)")

EMPTY = "{}"
SOFA = json.dumps({"category": "sofa", "budget_max": 900})
FRIDGE = json.dumps({"category": "fridge", "brands": ["Bosch"]})
CASES = [
    (EMPTY, "I need a quiet dishwasher under 500", None),
    (EMPTY, "looking for a washing machine, max 700 euros", None),
    (EMPTY, "a grey corner sofa for the living room please", None),
    (EMPTY, "Do you have any fridges from Samsung?", None),
    (EMPTY, "something to sit on at my desk all day, around 250", None),
    (EMPTY, "we want an oven, budget between 400 and 800", None),
    (EMPTY, "a bed for the guest room, no wider than 160 cm", None),
    (EMPTY, "hi, I'm after a microwave", None),
    (EMPTY, "a coffee table for the lounge, nothing over 200", None),
    (EMPTY, "I'd like an energy efficient tumble dryer", None),
    (SOFA, "actually make that 1200 max", "Here are three sofas under 900."),
    (SOFA, "no IKEA please", "Here are three sofas under 900."),
    (SOFA, "it has to fit a 2 metre wall", "Here are three sofas under 900."),
    (SOFA, "something washable, we have a dog", "Here are three sofas under 900."),
    (SOFA, "show me the cheapest one", "Here are three sofas under 900."),
    (FRIDGE, "or LG would be fine too", "These Bosch fridges are in stock."),
    (FRIDGE, "forget Bosch, any brand is ok", "These Bosch fridges are in stock."),
    (FRIDGE, "at least 300 please, not the cheap ones", "These Bosch fridges are in stock."),
    (FRIDGE, "it must be under 60 cm deep", "These Bosch fridges are in stock."),
    (FRIDGE, "thanks, that looks good", "These Bosch fridges are in stock."),
    (EMPTY, "need a cooker hood for a small kitchen", None),
    (EMPTY, "a wardrobe for the bedroom, budget 600", None),
    (EMPTY, "Miele or Siemens vacuum, up to 350", None),
    (EMPTY, "a dining table that seats six", None),
]
GEN = dict(max_new_tokens=48, temperature=0.0, repetition_penalty=1.0)


def state_prompts():
    from assistant.prompts import state_messages

    return [state_messages(state, user, last) for state, user, last in CASES]


def parsed(text: str):
    """The first JSON object in a reply (None when there is none), as the extractor reads it."""
    from assistant.extract.llm import _first_object

    return _first_object(text)


@pytest.fixture(scope="module")
def peft_outputs(default_checkpoint):
    """Trained: transformers + peft, float32, no quantization (the adapter as it was trained)."""
    from assistant.backends import make_backend

    llm = make_backend(ModelConfig(backend="transformers", quantization="none", compute_dtype="float32",
                                   device="cpu", threads=2))
    if llm.model.__class__.__name__ != "PeftModelForCausalLM":
        pytest.skip("no trained adapter in finetune/adapters/default")
    return ["".join(llm.generate(m, **GEN)) for m in state_prompts()]


@pytest.fixture(scope="module")
def served_outputs():
    """Served: the CPU default (xllamacpp), with and without the adapter."""
    from assistant.backends import make_backend

    out = {}
    for name, adapter in (("lora", "default"), ("base", "")):
        llm = make_backend(ModelConfig(backend="xllamacpp", adapter=adapter, threads=2))
        assert (llm.lora_path is not None) == (name == "lora")
        out[name] = ["".join(llm.generate(m, **GEN)) for m in state_prompts()]
        llm.close()
    return out


@pytest.mark.integration
@needs_xllamacpp
def test_served_default_agrees_with_transformers_peft(peft_outputs, served_outputs):
    pairs = list(zip(peft_outputs, served_outputs["lora"]))
    equal = sum(parsed(a) is not None and parsed(a) == parsed(b) for a, b in pairs)
    report = "\n".join(f"peft={a!r}\nserved={b!r}" for a, b in pairs if parsed(a) != parsed(b))
    assert len(pairs) >= 20 and equal / len(pairs) >= 0.9, f"{equal}/{len(pairs)} equal\n{report}"


@pytest.mark.integration
@needs_xllamacpp
def test_the_check_fails_when_the_adapter_is_not_applied(peft_outputs, served_outputs):
    """The base GGUF alone (what a q4_1 merge amounted to) disagrees with the trained adapter on most prompts,
    so the agreement above can only hold when the LoRA is applied."""
    base_equal = sum(parsed(a) is not None and parsed(a) == parsed(b)
                     for a, b in zip(peft_outputs, served_outputs["base"]))
    assert base_equal / len(peft_outputs) < 0.5, f"base agrees on {base_equal}/{len(peft_outputs)}"
