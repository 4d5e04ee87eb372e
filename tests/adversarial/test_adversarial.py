"""Every case of cases.yaml, through ``ShoppingAssistant.respond``, once per misbehaving mock-LM mode.

    python -m pytest tests/adversarial -q

The LM is the weakest link (a 135M model follows injected instructions readily), so the mock plays
the worst version of it: it echoes the system prompt, invents products and prices, emits HTML and
markdown images, or parrots the shopper. The invariants must hold anyway: they are kept by the
grounding guard, the hard filters and the escaping, not by the model.
"""

from __future__ import annotations

import pytest

from assistant.backends.mock import MockBackend
from tests.adversarial.store import CATALOG, build_assistant, case_message, load_cases
from tests.adversarial.invariants import CHECKERS, DEFAULT_INVARIANTS, LM_MODES, Turn, misbehaving_lm
from ui.cards import render_cards, render_comparison

CASES = load_cases()


def test_the_suite_is_complete():
    """At least 60 inputs, unique ids, known invariants, every attack family of the issue present."""
    assert len(CASES) >= 60
    assert len({c["id"] for c in CASES}) == len(CASES)
    for case in CASES:
        unknown = set(case.get("invariants", ())) - set(CHECKERS)
        assert not unknown, f"{case['id']}: unknown invariants {unknown}"
    families = {c["category"] for c in CASES}
    assert families >= {"direct_injection", "role_play", "encoded_injection", "prompt_extraction",
                        "price_manipulation", "indirect_injection", "html_payload", "oversized", "empty",
                        "control_chars", "emoji", "cjk_mixed", "off_topic", "abusive"}
    assert max(len(case_message(c)) for c in CASES) >= 100_000


def run_case(case: dict, mode: str, llm_replies: bool = True) -> Turn:
    backend = MockBackend(default=misbehaving_lm(mode))
    assistant = build_assistant(backend, llm_replies=llm_replies)
    session = f"{case['id']}-{mode}"
    for earlier in case.get("before", ()):
        _ = assistant.respond(session, earlier).text
    calls_before = len(backend.calls)
    message = case_message(case)
    reply = assistant.respond(session, message)
    text = reply.text
    lm_inputs = [m["content"] for messages, _ in backend.calls[calls_before:] for m in messages
                 if m["role"] == "user"]
    html = render_cards(reply.products, reply.citations, reply.alternatives) + render_comparison(reply.comparison)
    return Turn(case, message, reply, text, html, CATALOG, assistant.config.max_message_chars, lm_inputs)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case_keeps_its_invariants(case):
    failures = []
    # Every misbehaviour with LM-worded replies on, plus the shipped default (templated replies; the LM
    # only extracts the state) with the LM obeying the injection.
    for mode, llm_replies in [*((m, True) for m in LM_MODES), ("obey", False)]:
        turn = run_case(case, mode, llm_replies)
        for name in (*DEFAULT_INVARIANTS, *case.get("invariants", ())):
            try:
                CHECKERS[name](turn)
            except AssertionError as e:
                failures.append(f"[LM {mode}, llm_replies={llm_replies}] {name}: {e}")
    assert not failures, "\n".join(failures)
