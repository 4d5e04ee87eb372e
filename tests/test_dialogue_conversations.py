"""Whole conversations with the rules extractor, an in-memory catalog and the mock LM."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from dialogue_fixtures import PRODUCTS, make_assistant  # noqa: E402

from assistant.state import DialogueState  # noqa: E402
from knowledge.filters import violations  # noqa: E402

BY_ID = {p.id: p for p in PRODUCTS}


def talk(bot, session, *messages):
    return [bot.respond(session, m) for m in messages]


def test_greeting_clarify_then_recommend_and_page():
    bot, mock = make_assistant()
    hi, ask, rec, more, done = talk(bot, "s", "Hi!", "I need a dishwasher", "something quiet, under $600",
                                    "show me more", "show me more")
    assert hi.action == "greet" and not hi.products
    assert ask.action == "clarify" and "budget" in ask.text and ask.products == []
    assert rec.action == "recommend" and len(rec.products) == 3
    for c in rec.products:
        assert not violations(BY_ID[c.id], rec.state)
        assert "600" in c.why["budget"] and c.name in rec.text and not c.alternative
    assert "show me more" in rec.text
    assert more.action == "more" and more.products
    assert not {c.id for c in more.products} & {c.id for c in rec.products}
    assert done.action == "more" and not done.products and "all the matches" in done.text
    assert mock.calls == []   # llm_replies off: no LM call at all


def test_one_question_at_a_time_and_decline_means_recommend():
    bot, _ = make_assistant()
    ask, rec = talk(bot, "s", "I want to buy something for my home", "no idea, just show me what you have")
    assert ask.action == "clarify" and ask.text.count("?") == 1 and "sofa" in ask.text
    assert rec.action == "recommend" and rec.products
    bot, _ = make_assistant()
    ask, rec = talk(bot, "t", "I need a dishwasher", "any price is fine")
    assert ask.action == "clarify" and rec.action == "recommend"


def test_excluded_brand_never_shown():
    bot, _ = make_assistant()
    replies = talk(bot, "s", "a dishwasher under 600", "not Samsung please", "show me more")
    assert any(c.brand == "Samsung" for c in replies[0].products)   # the cheapest match, before the exclusion
    for r in replies[1:]:
        assert r.products and all(c.brand != "Samsung" for c in r.products)
        assert all(not violations(BY_ID[c.id], r.state) for c in r.products)


def test_no_match_names_blocker_and_labels_alternatives():
    bot, _ = make_assistant()
    (r,) = talk(bot, "s", "a dishwasher under 100")
    assert r.action == "no_match" and "100" in r.text
    assert r.products == [] and r.alternatives and all(c.alternative for c in r.alternatives)
    assert all("over your 100 limit" in c.why["budget"] for c in r.alternatives)


def test_absent_brand_is_said():
    bot, _ = make_assistant()
    (r,) = talk(bot, "s", "an LG dishwasher under 700")
    assert "don't carry LG" in r.text
    assert r.products == [] and r.alternatives and all(c.alternative and c.brand != "LG" for c in r.alternatives)


def test_compare_and_superlative():
    bot, _ = make_assistant()
    rec, cmp_, q = talk(bot, "s", "a dishwasher under 600", "compare the first two", "which is quieter?")
    first_two = [c.id for c in rec.products[:2]]
    assert cmp_.action == "compare" and [c.id for c in cmp_.products] == first_two
    noise = next(row for row in cmp_.comparison if row["attribute"] == "noise_db")
    assert [noise[i] for i in first_two] == [BY_ID[i].specs["noise_db"] for i in first_two]
    quietest = min((BY_ID[c.id] for c in rec.products), key=lambda p: p.specs["noise_db"])
    assert q.action == "compare" and q.text.startswith(quietest.name)
    assert q.state == rec.state   # questions about shown products leave the state alone


def test_product_question_and_policy_with_citations():
    bot, _ = make_assistant()
    rec, loud, ret, gift = talk(bot, "s", "a dishwasher under 600", "how loud is the second one?",
                                "what is your return policy?", "do you offer gift wrapping?")
    second = BY_ID[rec.products[1].id]
    assert loud.action == "product_question" and f"{second.specs['noise_db']} dB" in loud.text
    assert ret.action == "policy" and ret.citations[0].doc_id == "policies/returns.md" and "30 days" in ret.text
    assert gift.action == "policy" and "don't know" in gift.text and not gift.citations


def test_handoff_on_request_and_after_failures():
    bot, _ = make_assistant()
    rec, h = talk(bot, "s", "a dishwasher under 600", "can I talk to a real person?")
    assert h.action == "handoff" and "dishwasher" in h.handoff_summary
    assert all(c.name in h.handoff_summary for c in rec.products)
    bot, _ = make_assistant(**{"handoff_after_failures": 2})
    a, b = talk(bot, "t", "a dishwasher under 50", "what about under 60?")
    assert a.action == b.action == "no_match" and b.handoff_summary is None   # an honest "none" is an answer
    c, d = talk(bot, "t", "do you offer gift wrapping?", "do you offer gift wrapping?")
    assert d.action == "handoff" and d.handoff_summary, (c.action, c.text)


def test_off_topic_greetings_and_thanks_do_not_search():
    bot, _ = make_assistant()
    hello, off, thanks = talk(bot, "s", "Hello there!", "tell me a joke", "Thanks, that's really helpful!")
    assert hello.action == "greet" and off.action == "off_topic" and thanks.action == "smalltalk"
    assert not (hello.products or off.products or thanks.products)


def test_unknown_product_fact_is_i_dont_know():
    bot, _ = make_assistant()
    rec, hose, price = talk(bot, "s", "a dishwasher under 600", "does the first one have a drain hose?",
                            "how much is the third one?")
    assert hose.action == "product_question" and "don't know" in hose.text and rec.products[0].name in hose.text
    assert price.products[0].id == rec.products[2].id and f"{rec.products[2].price:.0f} USD" in price.text


def test_set_state_searches_again_and_reset_forgets():
    bot, _ = make_assistant()
    talk(bot, "s", "a dishwasher under 600")
    r = bot.set_state("s", DialogueState(category="dishwasher", budget_max=450))
    assert r.action == "recommend" and {c.id for c in r.products} <= {"d3", "d5"}
    assert bot.get_state("s").budget_max == 450
    bot.reset("s")
    assert bot.get_state("s") == DialogueState()


def test_long_message_truncated_and_rate_limit():
    bot, _ = make_assistant(**{"max_message_chars": 30, "session.rate_per_minute": 2})
    r = bot.respond("s", "I need a dishwasher " + "really " * 50)
    assert "longer than 30 characters" in r.text
    bot.respond("s", "hi")
    assert bot.respond("s", "hi").action == "refused"


def test_sessions_are_isolated_across_threads():
    bot, _ = make_assistant()
    out: dict[str, list] = {}

    def run(sid, msgs):
        out[sid] = talk(bot, sid, *msgs)

    threads = [threading.Thread(target=run, args=("a", ["a dishwasher under 600", "not Bosch"] * 5)),
               threading.Thread(target=run, args=("b", ["a sofa under 800", "show me more"] * 5))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert bot.get_state("a").category == "dishwasher" and bot.get_state("b").category == "sofa"
    assert all(c.category == "sofa" for r in out["b"] for c in r.products)
    assert "Bosch" not in bot.get_state("b").excluded_brands


def test_cheaper_shows_only_cheaper_matches_and_says_when_there_are_none():
    bot, _ = make_assistant()
    rec, cheaper, again = talk(bot, "s", "a quiet dishwasher under 700", "what about a cheaper one?",
                               "anything cheaper?")
    floor = min(c.price for c in rec.products)
    assert cheaper.action == "cheaper" and cheaper.products
    assert all(c.price < floor and not violations(BY_ID[c.id], rec.state) for c in cheaper.products)
    assert cheaper.state == rec.state  # no budget was named: the state keeps its own
    cheapest = min(p.price for p in PRODUCTS if p.category == "dishwasher" and not violations(p, rec.state))
    assert again.action == "cheaper" and not again.products and "cheapest match" in again.text
    assert f"{cheapest:,.0f}" in again.text.replace(".00", "")


def test_superlative_before_anything_is_shown_ranks_the_matches():
    bot, _ = make_assistant()
    ask, best = talk(bot, "s", "I need a dishwasher", "which is the quietest?")
    assert ask.action == "clarify"
    assert best.action == "recommend" and [c.id for c in best.products][:1] == ["d6"]  # 40 dB
    noise = [BY_ID[c.id].specs["noise_db"] for c in best.products]
    assert noise == sorted(noise) and "quietest" in best.text


def test_hybrid_asks_the_lm_only_when_the_turn_may_be_shopping():
    from assistant.backends.mock import MockBackend
    from assistant.config import load_config
    from assistant.dialogue.config import AssistantConfig
    from assistant.dialogue.manager import ShoppingAssistant
    from assistant.extract.hybrid import HybridExtractor
    from dialogue_fixtures import DOCS
    from knowledge.retrieve import CatalogRetriever

    mock = MockBackend(default="{}")
    config = load_config(AssistantConfig, None, {"model.backend": "mock"})
    bot = ShoppingAssistant(config, CatalogRetriever(PRODUCTS, DOCS), HybridExtractor(mock), mock)
    talk(bot, "s", "a quiet dishwasher under 700")
    before = len(mock.calls)
    talk(bot, "s", "compare the first two", "what is the return policy?", "show me more", "thanks!")
    assert len(mock.calls) == before  # the state could not change: no LM call
    talk(bot, "s", "something for my mum")  # nothing the rules can read: the LM is asked
    assert len(mock.calls) == before + 1
