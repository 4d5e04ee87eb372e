"""A bundle in the embed page, headless Chromium: the real dialogue manager (rules, no LM) over the demo catalog.

    apt-get install -y chromium chromium-driver && pip install selenium==4.51.0
    python -m pytest tests/browser/test_bundle_browser.py -m browser -q
"""

import json
from pathlib import Path

import pytest

from tests.browser.test_ui_browser import browser  # noqa: F401  (the headless Chromium fixture)
from ui.config import ServeConfig
from ui.server import build_server, serve_in_thread
from ui.transcripts import TranscriptStore

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]


def _assistant():
    from assistant.dialogue.config import AssistantConfig
    from assistant.dialogue.manager import ShoppingAssistant
    from assistant.extract import make_extractor
    from knowledge.retrieve import CatalogRetriever
    from knowledge.schema import Product

    products = [Product.from_dict(json.loads(line)) for line in
                (ROOT / "knowledge" / "demo" / "catalog.jsonl").read_text(encoding="utf-8").splitlines() if line]
    retriever = CatalogRetriever(products)
    config = AssistantConfig(extractor="rules", llm_replies=False)
    return ShoppingAssistant(config, retriever, make_extractor("rules", brands=sorted(retriever.brands())))


def test_a_bundle_shows_as_one_card_group_with_its_total(browser, tmp_path):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    config = ServeConfig(transcripts_db=tmp_path / "t.sqlite3")
    wait = WebDriverWait(browser, 60)
    with serve_in_thread(build_server(_assistant(), config, TranscriptStore(config.transcripts_path()))) as url:
        browser.get(url + "/embed/")
        box = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "#sa-input textarea"))
        box.send_keys("Furnish my living room for 2,000: sofa, coffee table and a TV stand")
        browser.find_element(By.CSS_SELECTOR, "#sa-send").click()

        group = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#sa-cards .sa-bundle"))[0]
        items = group.find_elements(By.CSS_SELECTOR, ".sa-bundle-item")
        assert [i.get_attribute("data-category") for i in items] == ["sofa", "coffee table", "tv stand"]
        assert len(group.find_elements(By.CSS_SELECTOR, ".sa-card")) == 3
        total = float(group.get_attribute("data-total"))
        costs = [float(i.get_attribute("data-cost")) for i in items]
        assert total == pytest.approx(sum(costs)) and total <= 2000
        chat = browser.find_element(By.CSS_SELECTOR, "#sa-chat")
        wait.until(lambda d: "Total:" in chat.text)
        assert f"{total:,.2f} USD" in chat.text and f"{2000 - total:,.2f} USD left" in chat.text
        assert f"{total:,.2f} USD" in group.text
        browser.save_screenshot(str(tmp_path / "bundle.png"))
