"""Shopper memory and store insights in headless Chromium: consent, two visits with remembered chips
(offered, applied only when accepted), "Forget me", the intent event on the page, /insights/ behind its token.

    python -m pytest tests/browser/test_memory_browser.py -m browser -q
"""

import sqlite3

import pytest

from tests.browser.test_ui_browser import browser  # noqa: F401  (the headless Chromium fixture)
from tests.ui_fake import FakeAssistant
from ui.config import ServeConfig
from ui.server import build_server, serve_in_thread
from ui.transcripts import TranscriptStore

pytestmark = pytest.mark.browser
TOKEN = "insights-token-for-tests-0123"


def _count(db, table):
    with sqlite3.connect(db) as con:
        return con.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def _chat(browser, wait, message, expect):
    from selenium.webdriver.common.by import By

    box = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "#sa-input textarea"))
    box.send_keys(message)
    browser.find_element(By.CSS_SELECTOR, "#sa-send").click()
    wait.until(lambda d: expect in d.find_element(By.CSS_SELECTOR, "#sa-chat").text)


def _chips(browser, selector="#sa-chips label"):
    from selenium.webdriver.common.by import By

    return [c.text for c in browser.find_elements(By.CSS_SELECTOR, selector)]


def _visible(browser, selector):
    from selenium.webdriver.common.by import By

    return any(e.is_displayed() for e in browser.find_elements(By.CSS_SELECTOR, selector))


def test_two_visits_consent_remembered_chips_and_forget_me(browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    config = ServeConfig(transcripts_db=tmp_path / "t.sqlite3")
    db = config.transcripts_path()
    store = TranscriptStore(db)
    wait = WebDriverWait(browser, 60)
    with serve_in_thread(build_server(FakeAssistant(), config, store)) as url:
        # Visit 1: asked first; nothing is kept until the shopper agrees.
        browser.get(url + "/embed/")
        wait.until(lambda d: _visible(d, "#sa-consent-yes"))
        assert browser.get_cookie("sa_shopper") is None
        browser.find_element(By.CSS_SELECTOR, "#sa-consent-yes").click()
        wait.until(lambda d: d.get_cookie("sa_shopper"))
        shopper = browser.get_cookie("sa_shopper")["value"]
        _chat(browser, wait, "a dishwasher under 500", "I found some options.")
        # The page hears the conversation's purchase intent after each reply.
        wait.until(lambda d: d.execute_script("return window.shopassistIntent && window.shopassistIntent.stage"))
        assert browser.execute_script("return document.body.dataset.intentStage") == "browsing"
        _chat(browser, wait, "is the first one in stock?", "in stock?. I found some options.")
        wait.until(lambda d: d.execute_script("return document.body.dataset.intentStage") == "deciding")
        assert _visible(browser, "#sa-nudge")                          # the page offers help at that moment
        assert [t["meta"]["intent"]["stage"] for t in store.turns()] == ["browsing", "deciding"]

        # Visit 2, same browser (same cookie): the remembered preferences are offered, not applied.
        browser.get(url + "/embed/")
        wait.until(lambda d: _visible(d, "#sa-remembered-chips"))
        assert "Last time: dishwasher up to 500 — use these?" in browser.find_element(By.CSS_SELECTOR, "#sa-offer").text
        assert not _visible(browser, "#sa-consent-yes")
        assert _chips(browser) == []                                   # nothing applied yet
        browser.save_screenshot(str(tmp_path / "remembered.png"))
        browser.find_element(By.CSS_SELECTOR, "#sa-remembered-chips label").click()
        browser.find_element(By.CSS_SELECTOR, "#sa-use-remembered").click()
        wait.until(lambda d: _chips(d) == ["Category: dishwasher", "Budget up to 500"])

        # Forget me: profile, consent, conversations and cookie are gone.
        assert _count(db, "shoppers") == 1
        browser.find_element(By.CSS_SELECTOR, "#sa-forget").click()
        wait.until(lambda d: d.get_cookie("sa_shopper") is None)
        wait.until(lambda d: _count(db, "shoppers") == 0)
        for table in ("profile_facts", "shopper_sessions", "turns"):
            assert _count(db, table) == 0, table
        with sqlite3.connect(db) as con:
            assert shopper not in "\n".join(con.iterdump())


def test_without_consent_nothing_is_kept(browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    config = ServeConfig(transcripts_db=tmp_path / "t.sqlite3")
    store = TranscriptStore(config.transcripts_path())
    wait = WebDriverWait(browser, 60)
    with serve_in_thread(build_server(FakeAssistant(), config, store)) as url:
        browser.get(url + "/embed/")
        wait.until(lambda d: _visible(d, "#sa-consent-no"))
        browser.find_element(By.CSS_SELECTOR, "#sa-consent-no").click()
        _chat(browser, wait, "a sofa under 400", "I found some options.")
        browser.get(url + "/embed/")
        wait.until(lambda d: _visible(d, "#sa-consent-yes"))      # asked again, nothing remembered
        assert not _visible(browser, "#sa-remembered-chips")
    assert browser.get_cookie("sa_shopper") is None
    assert _count(config.transcripts_path(), "shoppers") == 0
    assert _count(config.transcripts_path(), "profile_facts") == 0


def test_insights_page_needs_the_token_and_shows_the_plots(browser, tmp_path):
    from selenium.webdriver.common.by import By

    config = ServeConfig(transcripts_db=tmp_path / "t.sqlite3", insights_token=TOKEN)
    store = TranscriptStore(config.transcripts_path())
    alt = {"id": "d9", "name": "Narrow 45", "brand": "Tandem", "price": 529.99, "currency": "EUR",
           "category": "dishwasher", "sizes": {"width_cm": 45.0}, "alternative": True}
    for session in ("a", "b"):
        store.add_turn(session, "a 45 cm dishwasher under 400", "None fits.",
                       {"category": "dishwasher", "budget_max": 400, "max_width_cm": 45}, [alt], "no_match")
    with serve_in_thread(build_server(FakeAssistant(), config, store)) as url:
        browser.get(url + "/insights/")
        assert "needs the token" in browser.find_element(By.TAG_NAME, "body").text
        assert not browser.find_elements(By.TAG_NAME, "img")
        browser.get(url + f"/insights/?token={TOKEN}")
        images = browser.find_elements(By.CSS_SELECTOR, "#plots img")
        assert len(images) == 6
        assert all(browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 100", i)
                   for i in images)
        assert "asked 2 times, nearest 529.99" in browser.find_element(By.ID, "unmet").text
        browser.save_screenshot(str(tmp_path / "insights.png"))
