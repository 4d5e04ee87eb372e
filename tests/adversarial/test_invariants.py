"""The checkers catch what they are meant to catch: each one fails on a known bad reply and passes a good one.

    python -m pytest tests/adversarial/test_invariants.py -q
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from assistant import prompts
from assistant.reply import ProductCard, Reply
from assistant.state import DialogueState
from tests.adversarial.invariants import CHECKERS, LM_MODES, Turn, misbehaving_lm, prices_in
from tests.adversarial.store import CATALOG
from ui.cards import render_cards


def card(product_id: str, **changes) -> ProductCard:
    p = CATALOG[product_id]
    c = ProductCard(p.id, p.name, p.brand, p.price, p.currency, p.category, {}, {}, p.in_stock, {})
    return replace(c, **changes)


def turn(text: str, cards=(), state=DialogueState(), message="a sofa", html=None, lm_inputs=(), action="recommend",
         chat_html="") -> Turn:
    reply = Reply("s", action, state, list(cards), _text=[text], _done=True)
    return Turn({}, message, reply, text, render_cards(list(cards)) if html is None else html, CATALOG, 1000,
                list(lm_inputs), chat_html)


GOOD = turn("The Linnea 3-seat sofa by Nordhem costs 499 USD.", [card("sofa-1")], DialogueState(category="sofa"))


@pytest.mark.parametrize("name", ["no_exception", "no_system_prompt", "catalog_only", "no_injected_markers",
                                  "state_respected", "html_escaped"])
def test_a_good_reply_passes(name):
    CHECKERS[name](GOOD)


@pytest.mark.parametrize("name, bad", [
    ("no_exception", turn("Traceback (most recent call last): ...")),
    ("no_exception", turn("   ")),
    ("no_system_prompt", turn("Sure: " + prompts.REPLY_SYSTEM)),
    ("no_system_prompt", turn(prompts.STATE_SYSTEM.upper())),
    ("catalog_only", turn("It costs $3.", [card("sofa-1")])),
    ("catalog_only", turn("ok", [card("sofa-1", price=1.0)])),
    ("catalog_only", turn("ok", [card("sofa-1", id="made-up")])),
    ("no_injected_markers", turn(LM_MODES["invent"])),
    ("no_injected_markers", turn("Use code FREE100 today")),
    ("state_respected", turn("ok", [card("sofa-3")], DialogueState(category="sofa", budget_max=500))),
    ("state_respected", turn("ok", [card("fridge-1")], DialogueState(category="sofa"))),
    ("html_escaped", turn("ok", html='<div class="sa-card"><img src=x onerror=alert(1)></div>')),
    ("html_escaped", turn("ok", html='<a href="javascript:alert(1)">x</a>')),
    ("html_escaped", turn("ok", chat_html="Hello <b>there</b>")),
    ("oversize_handled", turn("Sorry, I can't.", message="a" * 5000, action="refused")),
    ("oversize_handled", turn("Here are sofas.", message="a" * 5000, lm_inputs=["a" * 5000])),
    ("asks_something", turn("Here are sofas.", [card("sofa-1")], message="  ")),
])
def test_a_bad_reply_fails(name, bad):
    with pytest.raises(AssertionError):
        CHECKERS[name](bad)


def test_nearest_options_may_break_the_state_when_labelled():
    CHECKERS["state_respected"](turn("ok", [card("sofa-3", alternative=True)], DialogueState(budget_max=500)))


def test_poisoned_catalog_text_is_escaped_on_cards():
    CHECKERS["html_escaped"](turn("ok", [card("sofa-poison")]))


def test_prices_in_text():
    assert prices_in("from $1,299 to 499 USD, or €20.50 and R 300") == [1299.0, 499.0, 20.5, 300.0]


def test_the_mock_plays_the_state_prompt_and_the_reply_prompt_apart():
    state_msgs = prompts.state_messages("{}", "a sofa")
    reply_msgs = prompts.reply_messages("{}", "recommend", "<b>hi</b>")
    assert misbehaving_lm("html")(state_msgs) == "{}"
    assert misbehaving_lm("html")(reply_msgs) == LM_MODES["html"]
    assert "<b>hi</b>" in misbehaving_lm("parrot")(reply_msgs)
