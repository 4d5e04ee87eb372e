"""The widget against the real `shopassist serve` (default assistant, demo store), keyboard only,
at 1280×900 and at a 390×844 phone: three English turns with cards and pictures inline, a chip
removed (the results change), two products compared, a Chinese conversation (the chrome switches),
axe-core on the open widget; screenshots of both viewports saved as artifacts.

    make browser-deps
    python -m pytest tests/browser/test_widget_real.py -m "integration and browser" -q -s
    # screenshots: <pytest tmp>/widget-*.png and $SHOPASSIST_ARTIFACTS (default artifacts/)

The first run builds the demo store and converts the model in the test's own cache (a few minutes).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.browser.widget_driver import Widget, chromium, save_artifact, settle

pytestmark = [pytest.mark.integration, pytest.mark.browser]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`shopassist serve` in a subprocess (this checkout's code), on a free port."""
    tmp = tmp_path_factory.mktemp("serve")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = (tmp / "serve.log").open("w")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", str(port),
                             "--transcripts_db", str(tmp / "transcripts.sqlite3")],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 900   # first start: build the demo store, convert the model
    while True:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as r:
                if json.load(r) == {"status": "ok"}:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("shopassist serve did not start:\n" + (tmp / "serve.log").read_text()[-3000:])
        time.sleep(1)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def shopper_session(w: Widget, driver, url: str, viewport: str, shots: Path) -> dict:
    """The whole visit, keyboard only; returns what was seen (for the report)."""
    from selenium.webdriver.common.keys import Keys

    seen: dict = {}
    driver.get(url + "/embed/widget.html")
    w.tab_to_launcher()
    w.keys(Keys.ENTER)
    w.enter_panel()
    assert w.active()["id"] == "input"
    width = driver.execute_script("return window.innerWidth")
    assert width == 390 if viewport == "phone" else 360 <= width <= 400

    # Turn 1: a need with a budget and a feature: cards inline, each with its demo picture.
    r1 = w.say("I need a quiet dishwasher under 600")
    assert 2 <= len(r1["cards"]) <= 3 and all(c.startswith("SKU-DW-") for c in r1["cards"])
    assert all(i["loaded"] and "/media/images/dishwasher-" in i["src"] for i in r1["images"]), r1["images"]
    assert "Budget up to 600" in r1["chips"] and "Feature: quiet" in r1["chips"]
    seen["turn1"] = r1

    # Remove the budget chip (keyboard): the assistant searches again and the results change.
    w.tab_until(lambda a: a["label"] == "Remove: Budget up to 600", backwards=True)
    before = w.replies()
    w.keys(Keys.ENTER)
    r2 = w.wait_reply(before)
    assert "Budget up to 600" not in r2["chips"] and "Feature: quiet" in r2["chips"]
    assert r2["cards"] and r2["cards"] != r1["cards"], (r1["cards"], r2["cards"])
    seen["chip_removed"] = r2
    settle()
    driver.switch_to.default_content()
    driver.save_screenshot(str(shots / f"widget-{viewport}.png"))
    w.enter_panel()

    # Turn 2: compare two of the cards, picked with the keyboard in the last strip.
    card = w.tab_until(lambda a: "card" in a["cls"].split() and a["label"].endswith(f"(1 of {len(r2['cards'])})"),
                       backwards=True)
    first = card["product"]
    w.keys(Keys.TAB, Keys.ENTER)                 # its Compare
    w.back()
    w.keys(Keys.ARROW_RIGHT)
    second = w.active()["product"]
    assert second != first and second in r2["cards"]
    w.keys(Keys.TAB, Keys.ENTER)
    w.tab_until(lambda a: a["id"] == "compare-go")
    before = w.replies()
    w.keys(Keys.ENTER)
    r3 = w.wait_reply(before)
    assert r3["comparison"], r3["text"]
    names = driver.execute_script(
        "const t = [...document.querySelectorAll('table.compare')].pop();"
        "return [...t.querySelectorAll('thead th')].map(th => th.textContent);")
    assert len(names) == 2, names
    seen["compare"] = {"text": r3["text"][:200], "columns": names}
    settle()
    driver.switch_to.default_content()
    driver.save_screenshot(str(shots / f"widget-{viewport}-compare.png"))
    w.enter_panel()

    # Turn 3: a policy question, typed.
    assert w.active()["id"] == "input"
    r4 = w.say("What is the return policy?")
    assert "30 days" in r4["text"], r4["text"]

    # axe-core on the open widget (the panel) and on the page with its button.
    seen["axe_panel"] = w.axe()
    driver.switch_to.default_content()
    seen["axe_page"] = w.axe()
    w.enter_panel()

    # A new chat in Chinese (New chat in the header, reached with Shift+Tab).
    w.tab_until(lambda a: a["id"] == "restart", backwards=True)
    w.keys(Keys.ENTER)
    assert w.active()["id"] == "input" and w.replies() == 0
    r5 = w.say("我想买一个沙发，预算3000")
    assert (r5["lang"], r5["title"], r5["send"]) == ("zh-Hans", "购物助手", "发送")
    assert any(c.startswith("品类：沙发") for c in r5["chips"]), r5["chips"]
    assert r5["cards"] and all(i["loaded"] for i in r5["images"])
    seen["zh"] = r5
    settle()
    driver.switch_to.default_content()
    driver.save_screenshot(str(shots / f"widget-{viewport}-zh.png"))

    # Escape closes the panel; the focus is back on the (now Chinese) button.
    w.enter_panel()
    w.keys(Keys.ESCAPE)
    driver.switch_to.default_content()
    w.wait.until(lambda d: not w.frame_box().is_displayed())
    assert w.launcher_focused() and w.launcher().text == "在线咨询"
    return seen


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_widget_with_the_real_assistant(served, viewport, tmp_path):
    driver = chromium(tmp_path, viewport)
    try:
        seen = shopper_session(Widget(driver, timeout=180), driver, served, viewport, tmp_path)
    finally:
        driver.quit()
    for shot in sorted(tmp_path.glob("widget-*.png")):
        print("screenshot:", shot, "->", save_artifact(shot))
    for where in ("axe_panel", "axe_page"):
        counts = seen[where]["counts"]
        print(f"axe {where} ({viewport}):", counts, [(v["id"], v["impact"]) for v in seen[where]["violations"]])
        assert counts["critical"] == 0 and counts["serious"] == 0, seen[where]["violations"]
