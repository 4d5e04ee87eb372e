"""No exception reaches the shopper: a backend or retriever that fails gives a friendly reply, and
the details go to the server log only.

    python -m pytest tests/adversarial/test_errors.py -q
"""

from __future__ import annotations

import logging

import pytest

from tests.adversarial.invariants import assert_friendly
from tests.adversarial.store import DOCS, PRODUCTS, build_assistant

SECRET = "db-password=hunter2 at /srv/shopassist/internal.py"


class ExplodingBackend:
    name = "exploding"

    def __init__(self, after_pieces: int = 0):
        self.after_pieces = after_pieces
        self.raised = 0

    def generate(self, messages, **opts):
        self.raised += 1

        def pieces():
            for _ in range(self.after_pieces):
                yield "Here are "
            raise RuntimeError(SECRET)
        if self.after_pieces == 0:
            raise RuntimeError(SECRET)
        return pieces()


class ExplodingRetriever:
    def __init__(self):
        from knowledge.retrieve import CatalogRetriever

        self.inner = CatalogRetriever(PRODUCTS, DOCS)
        self.raised = 0

    def retrieve(self, state, query="", k=5):
        self.raised += 1
        raise ConnectionError(SECRET)

    def retrieve_documents(self, query, k=4, doc_types=None, product_id=None):
        self.raised += 1
        raise ConnectionError(SECRET)

    def get_product(self, product_id):
        return self.inner.get_product(product_id)

    def brands(self):
        return self.inner.brands()


@pytest.mark.parametrize("failing", ["backend", "backend-mid-stream", "retriever"])
@pytest.mark.parametrize("message", ["a quiet dishwasher under 600", "what is the return policy?", "hello"])
def test_failures_give_a_friendly_reply_and_log_the_details(failing, message, caplog):
    from assistant.backends.mock import MockBackend

    broken = {"backend": lambda: ExplodingBackend(0), "backend-mid-stream": lambda: ExplodingBackend(2),
              "retriever": ExplodingRetriever}[failing]()
    backend = broken if failing != "retriever" else MockBackend(default="Here are some options.")
    assistant = build_assistant(backend, broken if failing == "retriever" else None)
    with caplog.at_level(logging.DEBUG):
        reply = assistant.respond("s1", message)
        text = reply.text
    assert SECRET not in text and "RuntimeError" not in text and "ConnectionError" not in text
    assert_friendly(text)
    if failing == "retriever" and message != "hello":
        assert broken.raised, "a product or policy question must consult the retriever"
    if broken.raised:   # (a greeting, or a turn the rules answer alone, may never reach the LM)
        assert SECRET in caplog.text, "the failure's details must reach the server log"
    # The session survives: the next turn is answered too.
    assert assistant.respond("s1", "thanks").text.strip()
