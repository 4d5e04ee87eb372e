"""The embed page in headless Chromium: chat, streamed reply, product card, remove a chip.

    apt-get install -y chromium chromium-driver && pip install selenium==4.51.0
    python -m pytest tests/browser -m browser -q
"""

import shutil
from pathlib import Path

import pytest

from tests.ui_fake import FakeAssistant
from ui.config import ServeConfig
from ui.server import build_server, serve_in_thread
from ui.transcripts import TranscriptStore

pytestmark = pytest.mark.browser
ARTIFACT = Path(__file__).resolve().parents[2] / "artifacts" / "ui.png"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,1500")


@pytest.fixture
def browser(tmp_path):
    webdriver = pytest.importorskip("selenium.webdriver")
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver_path:
        pytest.skip("needs Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=driver_path))
    yield driver
    driver.quit()




def test_embed_page_chat_cards_and_chips(browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    config = ServeConfig(transcripts_db=tmp_path / "t.sqlite3")
    store = TranscriptStore(config.transcripts_path())
    wait = WebDriverWait(browser, 60)
    with serve_in_thread(build_server(FakeAssistant(), config, store)) as url:
        browser.get(url + "/embed/")
        box = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "#sa-input textarea"))
        box.send_keys("a sofa under 500 <img src=x onerror=alert(1)>")
        browser.find_element(By.CSS_SELECTOR, "#sa-send").click()

        card = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#sa-cards .sa-card"))
        assert [c.get_attribute("data-product-id") for c in card] == ["s1"]
        chat = browser.find_element(By.CSS_SELECTOR, "#sa-chat")
        wait.until(lambda d: "I found some options." in chat.text)
        assert "<img src=x onerror=alert(1)>" in chat.text               # shown as text ...
        assert not chat.find_elements(By.CSS_SELECTOR, "img[src=x]")     # ... never as markup
        browser.save_screenshot(str(tmp_path / "chat.png"))

        chips = browser.find_elements(By.CSS_SELECTOR, "#sa-chips label")
        assert [c.text for c in chips] == ["Category: sofa", "Budget up to 500"]
        chips[1].click()   # untick the budget: the search runs again without it
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#sa-cards .sa-card")) == 2)
        assert [c.text for c in browser.find_elements(By.CSS_SELECTOR, "#sa-chips label")] == ["Category: sofa"]
        assert "Updated your preferences." in chat.text
        browser.save_screenshot(str(tmp_path / "chips.png"))

        chat.find_elements(By.CSS_SELECTOR, "button[aria-label='Like']")[0].click()   # on the first reply
        wait.until(lambda d: store.turns()[0]["thumbs"] == "up")

        browser.get(url + "/embed/widget.html")   # the one-line widget: its own compact panel, a new session
        host = wait.until(lambda d: d.find_element(By.ID, "shopassist-widget"))
        assert not browser.find_elements(By.CSS_SELECTOR, "#sa-input")
        host.shadow_root.find_element(By.CSS_SELECTOR, ".launcher").click()
        browser.switch_to.frame(host.shadow_root.find_element(By.CSS_SELECTOR, "iframe"))
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "body.ready #input"))
        assert not browser.find_elements(By.CSS_SELECTOR, ".card")
        browser.switch_to.default_content()
        browser.save_screenshot(str(tmp_path / "widget.png"))
    assert [(t["action"], t["thumbs"]) for t in store.turns()] == [("recommend", "up"), ("recommend", None)]
    if ARTIFACT.parent.is_dir():
        shutil.copy(tmp_path / "chat.png", ARTIFACT)
