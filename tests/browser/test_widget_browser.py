"""The one-line widget in headless Chromium, keyboard only, at a desktop and a phone viewport,
over a small fake assistant (fast: the UI, not the dialogue, is under test here).

    make browser-deps
    python -m pytest tests/browser/test_widget_browser.py -m browser -q
"""

from __future__ import annotations

import pytest

from assistant.reply import ProductCard
from tests.browser.widget_driver import VIEWPORTS, Widget, chromium, save_artifact, settle
from tests.ui_fake import FakeAssistant
from ui.config import ServeConfig
from ui.server import build_server, serve_in_thread
from ui.transcripts import TranscriptStore

pytestmark = pytest.mark.browser
# s1: a demo picture; s2: a file that does not exist; d1: a host the store does not allow (never requested).
PICTURES = {"s1": "images/sofa-beige-leather.svg", "s2": "images/no-such-picture.svg",
            "d1": "https://not-allowed.example/d1.jpg"}


class PicturedAssistant(FakeAssistant):
    def _reply(self, session_id, text, action="recommend"):
        reply = super()._reply(session_id, text, action)
        reply.products = [ProductCard(**{**c.__dict__, "image": PICTURES.get(c.id)}) for c in reply.products]
        return reply


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_widget_keyboard_only_cards_chips_compare_languages(viewport, tmp_path):
    from selenium.webdriver.common.keys import Keys

    config = ServeConfig(transcripts_db=tmp_path / "t.sqlite3")
    store = TranscriptStore(config.transcripts_path())
    driver = chromium(tmp_path, viewport)
    w = Widget(driver, timeout=60)
    try:
        with serve_in_thread(build_server(PicturedAssistant(), config, store)) as url:
            driver.get(url + "/embed/widget.html")
            assert w.launcher().text == "Chat with us"
            assert not w.frame_box().is_displayed()

            # Open with the keyboard: focus lands in the message box.
            w.tab_to_launcher()
            w.keys(Keys.ENTER)
            w.enter_panel()
            assert w.active()["id"] == "input"
            width = driver.execute_script("return window.innerWidth")
            assert (width == 390) if viewport == "phone" else (360 <= width <= 400)   # full screen / compact

            # Turn 1: one card inline under the reply, with its picture; chips above the input.
            r1 = w.say("a sofa under 500")
            assert r1["cards"] == ["s1"] and r1["chips"] == ["Category: sofa", "Budget up to 500"]
            assert r1["images"] == [{"src": "/media/images/sofa-beige-leather.svg", "loaded": True}]

            # Change the budget in place (Enter on the chip, type, Enter): nothing is that cheap.
            w.tab_until(lambda a: a["label"] == "Change: Budget up to 500", backwards=True)
            before = w.replies()
            w.keys(Keys.ENTER)
            assert w.active()["tag"] == "INPUT"
            w.keys(Keys.BACKSPACE * 4, "250", Keys.ENTER)
            edited = w.wait_reply(before)
            assert edited["cards"] == [] and edited["chips"] == ["Category: sofa", "Budget up to 250"]

            # Remove the budget chip with the keyboard: the search runs again, both sofas appear.
            chip = w.tab_until(lambda a: a["label"] == "Remove: Budget up to 250", backwards=True)
            assert chip["visible"], "keyboard focus must be visible"
            before = w.replies()
            w.keys(Keys.ENTER)
            r2 = w.wait_reply(before)
            assert r2["cards"] == ["s1", "s2"] and r2["chips"] == ["Category: sofa"]
            # A missing file shows the neutral placeholder (loaded), never a broken picture.
            assert r2["images"][1]["src"].endswith("/widget/static/placeholder.svg") and r2["images"][1]["loaded"]

            # Move through the strip with the arrows, pick both for comparison, compare.
            card = w.tab_until(lambda a: "card" in a["cls"].split(), backwards=True)
            assert card["product"] == "s1" and card["label"].endswith("(1 of 2)")   # the strip of the last reply
            w.keys(Keys.ARROW_RIGHT)
            assert w.active()["product"] == "s2"
            w.keys(Keys.TAB)
            assert w.active()["product"] == "s2" and w.active()["tag"] == "BUTTON"   # s2's Compare
            w.keys(Keys.ENTER)
            w.back()                                        # back to the card
            w.keys(Keys.ARROW_LEFT, Keys.TAB, Keys.ENTER)   # s1's Compare
            go = w.tab_until(lambda a: a["id"] == "compare-go")
            assert go["text"] == "Compare the 2 selected"
            before = w.replies()
            w.keys(Keys.ENTER)
            r3 = w.wait_reply(before)
            assert r3["comparison"] and "KLIPPAN 2-seat sofa" in r3["comparison"] and "1,290" in r3["comparison"]
            user_said = driver.execute_script("return [...document.querySelectorAll('#log .msg.user')].pop().innerText")
            assert "Compare" in user_said and "Lund <b>corner</b> sofa" in user_said   # text, never markup

            # Turn 4: a dishwasher whose picture is on a host the store does not allow: placeholder, no request.
            assert w.active()["id"] == "input"
            r4 = w.say("a dishwasher <img src=x onerror=alert(1)>")
            assert r4["cards"] == ["d1", "d2"]
            assert [i["src"].rsplit("/", 3)[1:] for i in r4["images"]] == [["widget", "static", "placeholder.svg"]] * 2
            assert driver.execute_script("return document.querySelectorAll('#log img[src=x]').length") == 0

            # Chinese: the chrome follows the conversation.
            r5 = w.say("我想看看沙发")
            assert (r5["lang"], r5["title"], r5["send"]) == ("zh-Hans", "购物助手", "发送")
            assert r5["placeholder"] == "说说您需要什么…"

            # Hand-off from the header, by keyboard: the summary for the team shows in the thread.
            w.tab_until(lambda a: a["id"] == "handoff", backwards=True)
            assert w.active()["text"] == "转人工客服"
            before = w.replies()
            w.keys(Keys.ENTER)
            w.wait_reply(before)
            summary = driver.execute_script("return [...document.querySelectorAll('#log .summary')].pop().innerText")
            assert summary.startswith("给客服同事的需求摘要") and "Wants:" in summary

            # axe-core on the open widget: no critical or serious violation.
            report = w.axe()
            assert report["counts"]["critical"] == 0 and report["counts"]["serious"] == 0, report["violations"]
            settle()
            driver.switch_to.default_content()
            shot = tmp_path / f"widget-fake-{viewport}.png"
            driver.save_screenshot(str(shot))
            save_artifact(shot)
            host_report = w.axe()   # the shop page with the launcher (its shadow root included)
            assert host_report["counts"]["critical"] == 0 and host_report["counts"]["serious"] == 0, host_report

            # Escape closes the panel and gives focus back to the button, whose label is now Chinese.
            w.enter_panel()
            w.keys(Keys.TAB)
            w.keys(Keys.ESCAPE)
            driver.switch_to.default_content()
            w.wait.until(lambda d: not w.frame_box().is_displayed())
            assert w.launcher_focused()
            assert w.launcher().text == "在线咨询"
        assert [t["action"] for t in store.turns()][:4] == ["recommend", "recommend", "recommend", "compare"]
    finally:
        driver.quit()
        store.close()
