"""Reference resolution to shown products, and the chat config."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from dialogue_fixtures import PRODUCTS  # noqa: E402

from assistant.config import ConfigError, load_config  # noqa: E402
from assistant.dialogue.config import AssistantConfig  # noqa: E402
from assistant.dialogue.references import resolve  # noqa: E402

BY_ID = {p.id: p for p in PRODUCTS}
SHOWN = [BY_ID["d1"], BY_ID["d4"], BY_ID["d5"]]   # Quietline 549/42 dB, Nordhavn 579/46 dB, EcoClean 449/47 dB


@pytest.mark.parametrize("message, ids", [
    ("tell me about the second one", ["d4"]),
    ("the 3rd", ["d5"]),
    ("the last one", ["d5"]),
    ("the cheaper one", ["d5"]),
    ("the most expensive", ["d4"]),
    ("that Nordhavn", ["d4"]),
    ("the Bosch", ["d1"]),
    ("the quietest", ["d1"]),
    ("the narrowest", ["d5"]),
    ("compare the first two", ["d1", "d4"]),
    ("the Beko or the Bosch?", ["d5", "d1"]),
    ("a new dishwasher", []),
])
def test_resolve(message, ids):
    assert [p.id for p in resolve(message, SHOWN)] == ids


def test_resolve_needs_shown_products():
    assert resolve("the second one", []) == []
    assert resolve("the third one", SHOWN[:2]) == []


def test_default_chat_config_parses():
    path = Path(__file__).parents[1] / "configs/chat/default.yaml"
    cfg = load_config(AssistantConfig, path)
    assert cfg.max_recommendations == 3 and cfg.extractor == "hybrid" and cfg.store.dir == ""


def test_config_rejects_unknown_and_conflicting(tmp_path):
    with pytest.raises(ConfigError, match="max_recomendations"):
        load_config(AssistantConfig, None, {"max_recomendations": 3})
    with pytest.raises(ConfigError, match="store.dir and store.host"):
        load_config(AssistantConfig, None, {"store.dir": str(tmp_path), "store.host": "localhost"})


def test_from_config_takes_parts_and_dotted_overrides():
    from assistant.backends.mock import MockBackend
    from assistant.dialogue.manager import ShoppingAssistant
    from dialogue_fixtures import DOCS  # noqa: E402
    from knowledge.retrieve import CatalogRetriever

    path = Path(__file__).parents[1] / "configs/chat/default.yaml"
    bot = ShoppingAssistant.from_config(path, backend=MockBackend(), retriever=CatalogRetriever(PRODUCTS, DOCS),
                                        **{"extractor": "rules", "max_recommendations": 2, "session.max_turns": 5})
    r = bot.respond("s", "a dishwasher under 600")
    assert r.action == "recommend" and len(r.products) == 2 and bot.config.session.max_turns == 5
