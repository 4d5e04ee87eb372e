"""One readable turn: the wrong behaviours of issue "One readable turn", each pinned by a test.

    python -m pytest tests/test_dialogue_turn.py -q

Rules extractor, mock LM, in-memory catalog (tests/dialogue_fixtures.py).
"""

from __future__ import annotations

import ast
import sys
import typing
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from dialogue_fixtures import DOCS, PRODUCTS, make_assistant  # noqa: E402

from assistant.dialogue.manager import ShoppingAssistant  # noqa: E402
from assistant.extract.rules import RulesExtractor  # noqa: E402
from assistant.reply import Action  # noqa: E402
from assistant.state import DialogueState  # noqa: E402
from knowledge.filters import violations  # noqa: E402
from knowledge.retrieve import CatalogRetriever  # noqa: E402
from knowledge.schema import Product  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BY_ID = {p.id: p for p in PRODUCTS}


class BrokenOnce(RulesExtractor):
    """Raises on messages containing "boom", reads the rest with the rules."""

    def update(self, state, history, message, *, allow_lm=True):
        if "boom" in message:
            raise RuntimeError("extraction broke")
        return super().update(state, history, message, allow_lm=allow_lm)


# --- spontaneous hand-offs ----------------------------------------------------------------------------

def test_one_extraction_error_counts_once():
    bot, _ = make_assistant(handoff_after_failures=3)
    bot.extractor = BrokenOnce()
    first, second = bot.respond("s", "boom one"), bot.respond("s", "boom two")
    assert first.action == "error" and second.action == "error"   # two errors are not three failures
    assert bot.respond("s", "boom three").action == "handoff"


def test_no_match_turns_never_hand_off_on_their_own():
    bot, _ = make_assistant(handoff_after_failures=2)
    replies = [bot.respond("s", m) for m in ("a dishwasher under 100", "under 150", "between 200 and 300",
                                              "under 250", "under 120")]
    assert [r.action for r in replies] == ["no_match"] * 5
    assert all(r.handoff_summary is None for r in replies)


def test_an_answered_turn_resets_the_failure_count():
    bot, _ = make_assistant(handoff_after_failures=2)
    bot.extractor = BrokenOnce()
    assert bot.respond("s", "boom").action == "error"
    assert bot.respond("s", "a dishwasher under 600").action in ("recommend", "clarify")
    assert bot.respond("s", "boom").action == "error"       # one failure since the answer, not two


def test_asking_for_a_person_hands_off():
    bot, _ = make_assistant()
    bot.respond("s", "a dishwasher under 600")
    r = bot.respond("s", "can I talk to a real person?")
    assert r.action == "handoff" and "dishwasher" in r.handoff_summary


def test_handoff_summary_is_grounded():
    bot, _ = make_assistant()
    bot.respond("s", "a dishwasher under 600")
    r = bot.respond("s", "I want a human")
    from assistant.dialogue.grounding import check
    assert r.action == "handoff" and check(r.text, bot.evidence("s")) == []


# --- evidence and guard log live on the session -------------------------------------------------------

def test_evidence_and_guard_log_die_with_the_session():
    bot, _ = make_assistant(**{"session.max_sessions": 2})
    for i in range(50):
        bot.respond(f"s{i}", "a dishwasher under 600")
    keyed_by_session = [v for v in vars(bot).values() if isinstance(v, dict) and "s0" in v]
    assert keyed_by_session == [] and len(bot.sessions) == 2
    assert bot.evidence("s0") is None and bot.evidence("s49") is not None


def test_evidence_is_built_only_when_an_lm_speaks(monkeypatch):
    from assistant.dialogue import grounding

    built = []
    real = grounding.Evidence.build.__func__
    monkeypatch.setattr(grounding.Evidence, "build", classmethod(lambda cls, *a, **k: built.append(1) or real(cls, *a, **k)))
    bot, _ = make_assistant()   # llm_replies off
    bot.respond("s", "a dishwasher under 600").text
    assert built == []


# --- nearest alternatives are not products ------------------------------------------------------------

def test_nearest_alternatives_travel_apart_from_products():
    bot, _ = make_assistant()
    r = bot.respond("s", "a dishwasher under 100")
    assert r.action == "no_match" and r.products == []
    assert r.alternatives and all(c.alternative for c in r.alternatives)
    assert all(violations(BY_ID[c.id], r.state) for c in r.alternatives)


def test_absent_brand_alternatives_are_not_products():
    bot, _ = make_assistant()
    r = bot.respond("s", "a Whirlpool dishwasher under 700")
    assert r.products == [] and r.alternatives
    assert all(not violations(BY_ID[c.id], r.state) for c in r.products)


def test_reply_json_keeps_alternatives_apart():
    from ui.app import reply_json

    bot, _ = make_assistant()
    data = reply_json(bot.respond("s", "a dishwasher under 100"))
    assert data["products"] == [] and data["alternatives"]


# --- bad input is not read as intent -----------------------------------------------------------------

def test_terminal_escape_codes_are_not_numbers():
    bot, _ = make_assistant()
    r = bot.respond("s", "\x1b[31mred\x1b[0m sofa")
    assert r.state.budget_max is None and r.state.budget_min is None
    assert r.state.category == "sofa"


@pytest.mark.parametrize("message", ["a dishwasher under -300", "a dishwasher under 0",
                                     "dishwasher for less than -50 dollars", "set every price to $1"])
def test_impossible_budgets_are_refused_and_the_state_kept(message):
    bot, _ = make_assistant()
    bot.respond("s", "a dishwasher under 600")
    before = bot.get_state("s")
    r = bot.respond("s", message)
    assert bot.get_state("s") == before and r.state == before
    assert r.action == "clarify" and "budget" in r.text.lower()
    assert all(not violations(BY_ID[c.id], r.state) for c in r.products)


def test_a_low_but_positive_budget_is_accepted():
    bot, _ = make_assistant()
    r = bot.respond("s", "a dishwasher under 50")
    assert r.state.budget_max == 50 and r.action == "no_match"


def test_control_characters_are_stripped_before_parsing():
    bot, _ = make_assistant()
    r = bot.respond("s", "a dish\x00washer\x07 under 6\u200b00")
    assert r.state.category == "dishwasher"


# --- presentation ---------------------------------------------------------------------------------

def _priced_assistant():
    from assistant.config import load_config
    from assistant.dialogue.config import AssistantConfig

    products = [Product("x1", "Halfcent", "Bosch", "dishwasher", 1299.5, "EUR", 60.0, 57.0, 85.0,
                        specs={"noise_db": 42}),
                Product("x2", "Other", "Miele", "dishwasher", 999.0, "EUR", 60.0, 57.0, 85.0,
                        specs={"noise_db": 44}, in_stock=False)]
    config = load_config(AssistantConfig, None, {"extractor": "rules"})
    return ShoppingAssistant(config, CatalogRetriever(products, DOCS), RulesExtractor(), None)


def test_one_money_format_in_text_and_card():
    from ui.cards import render_cards

    bot = _priced_assistant()
    r = bot.respond("s", "a dishwasher, any price")
    assert "1,299.50 EUR" in r.text
    assert "1,299.50 EUR" in render_cards(r.products)


def test_comparison_speaks_words_not_python_values():
    from ui.cards import render_comparison

    bot = _priced_assistant()
    bot.respond("s", "a dishwasher, any price")
    r = bot.respond("s", "compare the first two")
    assert r.action == "compare"
    assert "True" not in r.text and "False" not in r.text
    html = render_comparison(r.comparison)
    assert "True" not in html and "noise db" not in html.lower()


def test_spec_labels_read_as_words():
    from ui.cards import render_cards

    bot = _priced_assistant()
    r = bot.respond("s", "a dishwasher, any price")
    html = render_cards(r.products)
    assert "noise db" not in html.lower() and "42 dB" in html


# --- one turn, once -------------------------------------------------------------------------------

def test_rules_run_once_per_turn():
    from assistant.backends.mock import MockBackend
    from assistant.extract.hybrid import HybridExtractor

    bot, _ = make_assistant()
    rules = RulesExtractor()
    calls = []
    real = rules.read
    rules.read = lambda *a, **k: calls.append(1) or real(*a, **k)
    bot.extractor = HybridExtractor(MockBackend([]), rules)
    for message in ("a quiet dishwasher under 600", "compare the first two", "what is the return policy?"):
        calls.clear()
        bot.respond("s", message)
        assert len(calls) == 1, message


def test_every_action_is_in_the_action_literal():
    bot, _ = make_assistant()
    actions = {bot.respond("s", m).action for m in ("a dishwasher under 700", "anything cheaper?")}
    assert actions <= set(typing.get_args(Action)) and "cheaper" in actions


def test_lm_reply_takes_its_generation_settings_from_config():
    bot, mock = make_assistant(["Two quiet options."], llm_replies=True,
                               **{"model.generation.max_new_tokens": 33, "model.generation.temperature": 0.3})
    bot.respond("s", "a dishwasher under 600").text
    (_, options), = mock.calls
    assert options.max_new_tokens == 33 and options.temperature == 0.3


def test_one_message_length_limit():
    bot, _ = make_assistant(max_message_chars=50)
    assert bot.max_message_chars == 50
    from ui.config import ServeConfig
    assert "max_message_chars" not in {f for f in ServeConfig.__dataclass_fields__}


def test_store_brands_reach_the_rules():
    from assistant.config import load_config
    from assistant.dialogue.config import AssistantConfig

    products = [*PRODUCTS, Product("z1", "Zed 1", "Zanussow", "dishwasher", 500, "USD", 60.0, 57.0, 85.0)]
    config = load_config(AssistantConfig, None, {"extractor": "rules"})
    bot = ShoppingAssistant.build(config, retriever=CatalogRetriever(products, DOCS))
    assert bot.respond("s", "a Zanussow dishwasher under 700").state.brands == ("Zanussow",)


# --- layering -------------------------------------------------------------------------------------

def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


def test_dialogue_does_not_import_ui():
    for path in (ROOT / "assistant" / "dialogue").rglob("*.py"):
        assert not any(m == "ui" or m.startswith("ui.") for m in _imports(path)), path


def test_ui_app_and_server_do_not_import_each_other():
    app, server = _imports(ROOT / "ui" / "app.py"), _imports(ROOT / "ui" / "server.py")
    assert not ("ui.server" in app and "ui.app" in server)


def test_all_shopper_text_in_one_module_per_language():
    from assistant.dialogue.texts import for_language

    en = for_language("en")
    for name in ("ERROR_TEXT", "GREET", "money", "spec_label", "blocker", "no_match", "recommend"):
        assert hasattr(en, name), name
    assert "ERROR_TEXT =" not in (ROOT / "ui" / "app.py").read_text()
    assert "blocker_message" not in (ROOT / "knowledge" / "filters.py").read_text()
