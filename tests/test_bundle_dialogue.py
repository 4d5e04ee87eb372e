"""The bundle part of a chat turn (assistant/dialogue/bundles.py) over the demo catalog: plans across turns.

    HF_HUB_OFFLINE=1 /work/main/.venv/bin/python -m pytest tests/test_bundle_dialogue.py -q
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.dialogue.bundles import BundleMemory, BundlePolicy
from assistant.state import DialogueState
from knowledge.bundles import check_bundle
from knowledge.retrieve import CatalogRetriever
from knowledge.schema import Product

ROOT = Path(__file__).resolve().parents[1]
PRODUCTS = [Product.from_dict(json.loads(line)) for line in
            (ROOT / "knowledge" / "demo" / "catalog.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture
def chat():
    policy, memory = BundlePolicy(CatalogRetriever(PRODUCTS)), BundleMemory()
    state = [DialogueState()]

    def say(text):
        parsed = policy.parse(text, state[0])
        if parsed is None:
            return None
        plan = policy.plan(memory, state[0], parsed)
        state[0] = plan.state
        for b in plan.bundles:  # every bundle shown keeps every promise of the state it answers
            if plan.kind != "compare":
                assert check_bundle(plan.state.bundle, b) == []
        return plan
    return say


def test_a_conversation_builds_swaps_compares_and_closes(chat):
    first = chat("Furnish my living room for 2,000: sofa, coffee table and a TV stand")
    assert first.kind == "new" and first.bundles[0].total <= 2000
    better = chat("a better sofa")
    assert better.kind == "swapped"
    b0, b1 = first.bundles[0], better.bundles[0]
    assert b1.line("sofa").product.price > b0.line("sofa").product.price
    assert b1.line("coffee table") == b0.line("coffee table") and b1.line("tv stand") == b0.line("tv stand")
    cmp = chat("compare the two bundles")
    assert cmp.kind == "compare" and cmp.bundles == [b0, b1]
    assert {r["row"] for r in cmp.comparison} >= {"sofa", "total", "remaining"}
    rug = chat("add a rug")
    assert rug.kind == "unsupported" and rug.unsupported == ("rug",) and rug.bundles == [b1]
    more = chat("add an armchair")
    assert more.kind == "updated" and [ln.category for ln in more.bundles[0].lines] == [
        "sofa", "coffee table", "tv stand", "armchair"]
    tight = chat("make the total 600")
    assert not tight.bundles and tight.blocker.constraint == "total" and tight.nearest.alternative
    assert tight.nearest.total - 600 == pytest.approx(tight.blocker.over_by)
    assert chat("a cheaper sofa").kind in ("new", "no_swap")  # nothing fits: swapping cannot help
    assert chat("forget the bundle").state.bundle is None


def test_swap_after_the_bundle_changed_starts_from_the_new_bundle(chat):
    chat("Furnish my living room for 2,000: sofa, coffee table and a TV stand")
    chat("drop the TV stand")
    plan = chat("another table")
    assert plan.kind == "swapped" and [ln.category for ln in plan.bundles[0].lines] == ["sofa", "coffee table"]


def test_chinese_conversation(chat):
    plan = chat("我要给卧室配一套：床、床垫和衣柜，总共一万以内")
    assert plan.kind == "new" and plan.state.bundle.room == "bedroom"
    assert chat("换一个衣柜").kind == "swapped"
    assert chat("对比一下这两套").kind == "compare"
    blocked = chat("卧室：床和床垫，总共400以内")
    assert blocked.blocker.item == "bed" and blocked.blocker.over_by == pytest.approx(59.98)


def test_compare_needs_two_and_single_product_turns_are_left_alone(chat):
    assert chat("a quiet dishwasher under 600") is None
    chat("sofa and coffee table, 1,500 total")
    assert chat("compare the bundles").kind == "compare_need_two"


# ---- through the whole turn: ShoppingAssistant.respond -----------------------------------------------------

@pytest.fixture
def bot():
    from assistant.dialogue.config import AssistantConfig
    from assistant.dialogue.manager import ShoppingAssistant
    from assistant.extract import make_extractor

    retriever = CatalogRetriever(PRODUCTS)
    return ShoppingAssistant(AssistantConfig(extractor="rules", llm_replies=False), retriever,
                             make_extractor("rules", brands=sorted(retriever.brands())))


def test_reply_bundle_over_turns(bot):
    from ui.app import reply_json

    r = bot.respond("s", "Furnish my living room for 2,000: sofa, coffee table and a TV stand")
    assert r.action == "bundle" and len(r.bundles) == 1 and not r.products
    b = r.bundles[0]
    assert [i.category for i in b.items] == ["sofa", "coffee table", "tv stand"]
    assert b.total == pytest.approx(sum(i.cost for i in b.items)) and b.total <= 2000
    assert b.remaining == pytest.approx(2000 - b.total) and not b.alternative
    assert f"{b.total:,.2f} USD" in r.text and f"{b.remaining:,.2f} USD left" in r.text
    assert all(i.card.name in r.text for i in b.items)
    assert r.state.to_dict() == {"bundle": r.state.bundle.to_dict()}   # the ten slots are not touched
    assert reply_json(r)["bundles"][0]["total"] == b.total

    better = bot.respond("s", "a better sofa")
    nb = better.bundles[0]
    assert better.action == "bundle" and nb.items[0].card.price > b.items[0].card.price
    assert [i.card.id for i in nb.items[1:]] == [i.card.id for i in b.items[1:]]
    both = bot.respond("s", "compare the two bundles")
    assert [x.total for x in both.bundles] == [b.total, nb.total]

    tight = bot.respond("s", "make the total 600")
    assert tight.action == "bundle" and tight.bundles[0].alternative
    assert "89.97 USD over" in tight.text and "sofa" in tight.text

    single = bot.respond("s", "a quiet dishwasher under 600")
    assert single.action == "recommend" and not single.bundles
    assert single.state.bundle == tight.state.bundle           # the bundle stays open, untouched


def test_reply_in_chinese(bot):
    r = bot.respond("z", "我要给卧室配一套：床、床垫和衣柜，总共一万以内")
    assert r.action == "bundle" and r.bundles[0].total <= 10000
    assert "合计" in r.text and "还剩" in r.text
    blocked = bot.respond("z", "卧室：床和床垫，总共400以内")
    assert blocked.bundles[0].alternative and "超出 59.98 USD" in blocked.text


def test_the_card_group_escapes_and_shows_total_and_what_is_left(bot):
    import dataclasses

    from ui.cards import render_bundles

    r = bot.respond("u", "A dining table and 4 dining chairs in solid wood, under 1,200 total")
    b = r.bundles[0]
    evil = dataclasses.replace(b, items=[dataclasses.replace(b.items[0], card=dataclasses.replace(
        b.items[0].card, name="<script>x</script>"))] + b.items[1:])
    html = render_bundles([evil])
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.count('class="sa-bundle-item"') == 2 and html.count('class="sa-card"') == 2
    assert f'data-total="{b.total:.2f}"' in html and "Dining chair × 4" in html
    assert f"{b.remaining:,.2f} USD left" in html
