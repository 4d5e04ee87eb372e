"""Per-session limits from the chat config: a rate limit per minute and a maximum number of turns,
each answered with a clear message, without touching other sessions.

    python -m pytest tests/test_durability_limits.py -q
"""

from __future__ import annotations

import time

import yaml

from assistant.backends.mock import MockBackend
from tests.adversarial.store import DOCS, PRODUCTS


def assistant_with(tmp_path, **session):
    from assistant.dialogue.manager import ShoppingAssistant
    from knowledge.retrieve import CatalogRetriever

    config = tmp_path / "chat.yaml"
    config.write_text(yaml.safe_dump({"session": session}))
    return ShoppingAssistant.from_config(config, backend=MockBackend(default="Here you go."),
                                         retriever=CatalogRetriever(PRODUCTS, DOCS))


MESSAGES = ["a sofa please", "under 600", "the first one, is it in stock?", "what is the return policy?",
            "show me beds", "thanks"]


def test_max_turns_per_session(tmp_path):
    assistant = assistant_with(tmp_path, max_turns=3, rate_per_minute=100)
    for message in MESSAGES[:3]:
        assert assistant.respond("a", message).action != "refused"
    over = assistant.respond("a", MESSAGES[3])
    assert over.action == "refused"
    assert "turn" in over.text.lower() or "limit" in over.text.lower() or "start" in over.text.lower(), over.text
    assert not over.products
    assert assistant.respond("b", "a sofa please").action != "refused", "another session is not limited"
    assistant.reset("a")
    assert assistant.respond("a", "a sofa please").action != "refused", "starting over lifts the limit"


def test_rate_limit_per_minute(tmp_path, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    assistant = assistant_with(tmp_path, max_turns=100, rate_per_minute=4)
    for message in MESSAGES[:4]:
        assert assistant.respond("a", message).action != "refused"
        clock[0] += 1
    over = assistant.respond("a", MESSAGES[4])
    assert over.action == "refused"
    text = over.text.lower()
    assert any(w in text for w in ("too many", "too fast", "wait", "minute", "slow")), over.text
    assert not over.products
    assert assistant.respond("b", "a sofa please").action != "refused", "another session is not limited"
    clock[0] += 61
    assert assistant.respond("a", "show me beds").action != "refused", "the limit lifts after a minute"

