"""Helpers for the widget's browser tests: headless Chromium at a given viewport, the widget's
launcher and panel (an iframe inside the loader's shadow root), keyboard steps, axe-core.

    make browser-deps     # chromium, chromium-driver, fonts-noto-cjk, axe-core (npm, into tests/browser/node_modules)
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
VIEWPORTS = {"desktop": (1280, 900, False), "phone": (390, 844, True)}
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
         "--hide-scrollbars")


def chromium(tmp_path: Path, viewport: str):
    """A headless Chromium whose page is exactly the viewport (a phone gets touch and a mobile UA)."""
    webdriver = pytest.importorskip("selenium.webdriver")
    binary, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not binary or not driver_path:
        pytest.skip("needs chromium and chromium-driver (make browser-deps)")
    width, height, mobile = VIEWPORTS[viewport]
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / f'chromium-{viewport}'}")
    options.add_argument(f"--window-size={width},{height}")
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=driver_path))
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})
    if mobile:
        driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5})
    return driver


def save_artifact(path: Path) -> Path:
    """Copy a screenshot to $SHOPASSIST_ARTIFACTS (default: artifacts/ at the repo root, git-ignored)."""
    root = Path(os.environ.get("SHOPASSIST_ARTIFACTS") or Path(__file__).resolve().parents[2] / "artifacts")
    root.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(path, root / path.name))


class Widget:
    """The widget on a shop page, driven like a shopper would (keyboard first)."""

    def __init__(self, driver, timeout: float = 120) -> None:
        from selenium.webdriver.support.ui import WebDriverWait

        self.d = driver
        self.wait = WebDriverWait(driver, timeout, poll_frequency=0.2)

    # --- the host page (launcher in a shadow root) ---
    def launcher(self):
        from selenium.webdriver.common.by import By

        host = self.wait.until(lambda d: d.find_element(By.ID, "shopassist-widget"))
        return host.shadow_root.find_element(By.CSS_SELECTOR, ".launcher")

    def frame_box(self):
        from selenium.webdriver.common.by import By

        return self.d.find_element(By.ID, "shopassist-widget").shadow_root.find_element(By.CSS_SELECTOR, ".frame")

    def launcher_focused(self) -> bool:
        return self.d.execute_script(
            "const h = document.getElementById('shopassist-widget');"
            "return document.activeElement === h && h.shadowRoot.activeElement"
            " && h.shadowRoot.activeElement.classList.contains('launcher');")

    def tab_to_launcher(self, limit: int = 30) -> None:
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.keys import Keys

        for _ in range(limit):
            if self.launcher_focused():
                return
            ActionChains(self.d).send_keys(Keys.TAB).perform()
        raise AssertionError("Tab never reached the chat button")

    def enter_panel(self) -> None:
        from selenium.webdriver.common.by import By

        self.d.switch_to.default_content()
        iframe = self.frame_box().find_element(By.CSS_SELECTOR, "iframe")
        self.d.switch_to.frame(iframe)
        self.wait.until(lambda d: d.execute_script("return document.body.classList.contains('ready')"))

    # --- inside the panel ---
    def keys(self, *keys) -> None:
        from selenium.webdriver.common.action_chains import ActionChains

        ActionChains(self.d).send_keys(*keys).perform()

    def back(self) -> None:
        """Shift+Tab (ActionChains.send_keys would press and release Shift on its own)."""
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.keys import Keys

        ActionChains(self.d).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()

    def active(self) -> dict:
        return self.d.execute_script(
            "const a = document.activeElement; return {tag: a.tagName, id: a.id, cls: a.className,"
            " text: (a.textContent || '').trim().slice(0, 80), label: a.getAttribute('aria-label'),"
            " product: a.dataset ? (a.dataset.productId || a.dataset.compare || null) : null,"
            " visible: a.matches(':focus-visible'),"
            " turn: [...document.querySelectorAll('#log .msg')].indexOf(a.closest('.msg'))};")

    def replies(self) -> int:
        return self.d.execute_script("return document.querySelectorAll('#log .msg.bot:not(.welcome)').length")

    def idle(self) -> bool:
        return self.d.execute_script("return !document.getElementById('form').hasAttribute('aria-busy')")

    def say(self, text: str) -> dict:
        """Type into the focused input and press Enter; wait for the reply; return it as shown."""
        from selenium.webdriver.common.keys import Keys

        assert self.active()["id"] == "input", f"focus is not in the input but on {self.active()}"
        before = self.replies()
        self.keys(text, Keys.ENTER)
        self.wait.until(lambda d: self.replies() == before + 1 and self.idle())
        return self.last_reply()

    def wait_reply(self, before: int) -> dict:
        self.wait.until(lambda d: self.replies() == before + 1 and self.idle())
        return self.last_reply()

    def last_reply(self) -> dict:
        # Pictures settle first: a failed one is swapped for the placeholder, which then loads.
        self.wait.until(lambda d: d.execute_script(
            "const li = [...document.querySelectorAll('#log .msg.bot')].pop();"
            "return [...li.querySelectorAll('.card img')].every(i => i.complete && i.naturalWidth > 0);"))
        return self.d.execute_script("""
            const li = [...document.querySelectorAll('#log .msg.bot')].pop();
            const imgs = [...li.querySelectorAll('.card img')];
            return {text: li.querySelector('.bubble').textContent,
                    cards: [...li.querySelectorAll('.card')].map(c => c.dataset.productId),
                    images: imgs.map(i => ({src: i.getAttribute('src'), loaded: i.complete && i.naturalWidth > 0})),
                    comparison: li.querySelector('table.compare') ? li.querySelector('table.compare').innerText : null,
                    chips: [...document.querySelectorAll('#chip-list .chip')].map(c => c.textContent.replace('×', '').trim()),
                    lang: document.documentElement.lang, send: document.getElementById('send').getAttribute('aria-label'),
                    placeholder: document.getElementById('input').placeholder,
                    title: document.getElementById('title').textContent};""")

    def tab_until(self, predicate, backwards: bool = False, limit: int = 60) -> dict:
        from selenium.webdriver.common.keys import Keys

        for _ in range(limit):
            now = self.active()
            if predicate(now):
                return now
            self.back() if backwards else self.keys(Keys.TAB)
        raise AssertionError(f"Tab never reached the element (last: {self.active()})")

    def axe(self) -> dict:
        """axe-core (WCAG 2.x A/AA and best practices) on the current document; violations by impact."""
        if not AXE.is_file():
            pytest.skip("axe-core is not installed (make browser-deps: npm ci --prefix tests/browser)")
        self.d.execute_script(AXE.read_text(encoding="utf-8"))
        self.d.set_script_timeout(120)
        result = self.d.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']}).then(r => done(JSON.stringify("
            "  r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length,"
            "    targets: v.nodes.slice(0, 3).map(n => n.target)}))))).catch(e => done(JSON.stringify({error: String(e)})));")
        violations = json.loads(result)
        if isinstance(violations, dict):
            raise AssertionError(f"axe failed: {violations['error']}")
        counts = {k: sum(1 for v in violations if v["impact"] == k) for k in ("critical", "serious", "moderate", "minor")}
        return {"counts": counts, "violations": violations}


def settle(seconds: float = 0.4) -> None:
    """Let a CSS transition or a scroll finish before a screenshot."""
    time.sleep(seconds)
