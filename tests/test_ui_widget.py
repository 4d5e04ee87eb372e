"""The widget's server side: the panel's JSON API (streamed turns, chips, hand-off, languages),
product pictures (local files, allowed hosts, placeholders) and the pages it serves.

    python -m pytest tests/test_ui_widget.py -q
"""

from __future__ import annotations

import json

import pytest

from assistant.reply import ProductCard
from tests.ui_fake import FakeAssistant
from ui.config import ServeConfig
from ui.server import build_server
from ui.transcripts import TranscriptStore
from ui.widget import PLACEHOLDER, image_src

SESSION = "abcdef0123456789"


class PicturedAssistant(FakeAssistant):
    def _reply(self, session_id, text, action="recommend"):
        reply = super()._reply(session_id, text, action)
        pictures = {"s1": "images/sofa-beige-leather.svg", "s2": "https://cdn.shop.test/s2.jpg",
                    "d1": "https://elsewhere.test/d1.jpg", "d2": "javascript:alert(1)"}
        reply.products = [ProductCard(**{**c.__dict__, "image": pictures.get(c.id)}) for c in reply.products]
        return reply


@pytest.fixture
def make_client(tmp_path):
    from fastapi.testclient import TestClient

    stores = []

    def make(assistant=None, max_message_chars=1000, **settings):
        config = ServeConfig(transcripts_db=tmp_path / f"t{len(stores)}.sqlite3", **settings)
        assistant = assistant or PicturedAssistant(max_message_chars)
        store = TranscriptStore(config.transcripts_path())
        stores.append(store)
        return TestClient(build_server(assistant, config, store)), store

    yield make
    for store in stores:
        store.close()


def _turn(client, path, **body):
    response = client.post(path, json={"session": SESSION, **body})
    assert response.status_code == 200, response.text
    if response.headers["content-type"].startswith("application/json"):
        return [], response.json()
    lines = [json.loads(line) for line in response.text.splitlines() if line.strip()]
    assert [x["type"] for x in lines[:-1]] == ["text"] * (len(lines) - 1) and lines[-1]["type"] == "reply"
    return [x["text"] for x in lines[:-1]], lines[-1]


def test_a_turn_streams_text_then_cards_chips_and_pictures(make_client):
    client, store = make_client(image_hosts=["cdn.shop.test"])
    pieces, reply = _turn(client, "/api/chat", message="a sofa under 2000")
    assert "".join(pieces) == reply["text"] == "You said: a sofa under 2000. I found some options."
    assert len(pieces) > 1                                   # streamed, not one block
    assert reply["language"] == "en" and reply["action"] == "recommend"
    assert [c["label"] for c in reply["chips"]] == ["Category: sofa", "Budget up to 2,000"]
    by_id = {p["id"]: p for p in reply["products"]}
    assert by_id["s1"]["image"] == "/media/images/sofa-beige-leather.svg"   # local file, served by us
    assert by_id["s2"]["image"] == "https://cdn.shop.test/s2.jpg"            # a host the store allows
    assert by_id["s1"]["price_text"] == "€299" and by_id["s2"]["price_text"] == "€1,290"
    assert by_id["s1"]["size"] == "180 × 88 × 66 cm" and by_id["s1"]["url"] == "https://example.com/klippan"
    assert store.turns()[0]["user_text"] == "a sofa under 2000" and reply["turn"] == 0

    _, dishwashers = _turn(client, "/api/chat", message="a dishwasher")
    images = {p["id"]: p["image"] for p in dishwashers["products"]}
    assert images == {"d1": None, "d2": None}   # a host not allowed, a javascript: URL: the placeholder
    assert all(p["url"] is None for p in dishwashers["products"])   # javascript: source is no link


def test_removing_a_chip_searches_again(make_client):
    client, _ = make_client()
    _, first = _turn(client, "/api/chat", message="a sofa under 500")
    assert [p["id"] for p in first["products"]] == ["s1"]
    keep = [c["value"] for c in first["chips"] if c["key"] != "budget_max"]
    _, second = _turn(client, "/api/chips", keep=keep)
    assert [p["id"] for p in second["products"]] == ["s1", "s2"]
    assert [c["label"] for c in second["chips"]] == ["Category: sofa"]
    _, third = _turn(client, "/api/chips", keep=keep, set={"budget_max": "1500"})   # a number changed in place
    assert [c["label"] for c in third["chips"]] == ["Category: sofa", "Budget up to 1,500"]
    assert [p["id"] for p in third["products"]] == ["s1", "s2"]
    for bad in ({"category": 1}, {"budget_max": "lots"}, {"budget_max": -5}):
        assert client.post("/api/chips", json={"session": SESSION, "keep": keep, "set": bad}).status_code == 400


def test_comparison_is_one_column_per_product(make_client):
    client, _ = make_client()
    _turn(client, "/api/chat", message="a sofa")
    _, reply = _turn(client, "/api/chat", message="compare them")
    assert reply["comparison"] == {"products": ["KLIPPAN 2-seat sofa", "Lund <b>corner</b> sofa"],
                                   "rows": [["price", "299", "1,290"]]}
    # Product rows (an older shape) read the same; the dialogue's own shape: one row per attribute, one key per product id.
    from ui.widget import comparison_json

    assert comparison_json([{"name": "A", "price": 1.0}, {"name": "B", "price": 2.5}], "en") == \
        {"products": ["A", "B"], "rows": [["price", "1", "2.5"]]}
    rows = [{"attribute": "name", "A": "Alpha", "B": "Beta"}, {"attribute": "noise_db", "A": 42, "B": None},
            {"attribute": "in_stock", "A": True, "B": False}]
    assert comparison_json(rows, "zh") == {"products": ["Alpha", "Beta"],
                                           "rows": [["噪音（分贝）", "42", "—"], ["有货", "是", "否"]]}


def test_chrome_follows_the_conversation_unless_pinned(make_client):
    client, _ = make_client()
    _, zh = _turn(client, "/api/chat", message="我想要一个沙发 sofa")
    assert zh["language"] == "zh" and [c["label"] for c in zh["chips"]] == ["品类：沙发"]
    _, handoff = _turn(client, "/api/handoff")          # no message: the session keeps its language
    assert handoff["language"] == "zh" and handoff["handoff_summary"].startswith("Wants:")
    _, en = _turn(client, "/api/chat", message="show me a sofa please")
    assert en["language"] == "en"
    _, page = _turn(client, "/api/chat", message="show me a sofa please", lang="zh")   # data-lang="zh"
    assert page["language"] == "zh"

    pinned, _ = make_client(language="en")
    _, reply = _turn(pinned, "/api/chat", message="我想要一个沙发 sofa", lang="zh")   # the store's pin wins
    assert reply["language"] == "en" and reply["chips"][0]["label"] == "Category: sofa"
    labels = pinned.get("/api/labels").json()
    assert labels["pinned"] == "en" and set(labels["languages"]["en"]) == set(labels["languages"]["zh"])
    assert labels["languages"]["zh"]["send"] == "发送"


def test_bad_requests_get_clear_errors_and_long_messages_are_refused(make_client):
    client, store = make_client(max_message_chars=50)
    assert client.post("/api/chat", json={"session": "short", "message": "hi"}).status_code == 400
    assert client.post("/api/chat", json={"session": SESSION, "message": "  "}).status_code == 400
    assert client.post("/api/chips", json={"session": SESSION, "keep": "category=sofa"}).status_code == 400
    _, refused = _turn(client, "/api/chat", message="x" * 51)
    assert refused["action"] == "refused" and "51" in refused["text"] and "50" in refused["text"]
    assert store.turns() == []
    assert client.post("/api/reset", json={"session": SESSION}).json() == {"status": "ok"}


def test_an_assistant_failure_becomes_a_friendly_reply(make_client):
    def boom(session_id, message):
        raise RuntimeError("backend down")

    assistant = PicturedAssistant()
    assistant.respond = boom
    broken, store = make_client(assistant)
    _, reply = _turn(broken, "/api/chat", message="我想要沙发")
    assert reply["action"] == "error" and reply["text"].startswith("抱歉") and store.turns() == []


def test_media_serves_only_pictures_inside_the_media_folder(make_client, tmp_path):
    client, _ = make_client()
    ok = client.get("/media/images/sofa-beige-leather.svg")
    assert ok.status_code == 200 and ok.headers["content-type"] == "image/svg+xml"
    assert "sandbox" in ok.headers["content-security-policy"]   # an SVG opened alone runs nothing
    for path in ("/media/catalog.jsonl", "/media/../store.yaml", "/media/images/../../catalog.jsonl",
                 "/media/%2e%2e/README.md", "/media/images/nope.svg"):
        assert client.get(path).status_code == 404, path

    own = tmp_path / "pictures"
    (own / "sub").mkdir(parents=True)
    (own / "sub" / "chair.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    client2, _ = make_client(media_dir=own)
    assert client2.get("/media/sub/chair.png").content.startswith(b"\x89PNG")
    assert client2.get("/media/images/sofa-beige-leather.svg").status_code == 404   # not the demo's any more


def test_widget_pages_and_scripts_are_served_here(make_client):
    client, _ = make_client(image_hosts=["cdn.shop.test"])
    loader = client.get("/widget.js")
    assert loader.status_code == 200 and "javascript" in loader.headers["content-type"]
    assert "attachShadow" in loader.text and "data.accent" in loader.text
    panel = client.get("/widget/panel")
    csp = panel.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "https://cdn.shop.test" in csp and "connect-src 'self'" in csp
    assert '<script src="static/panel.js"' in panel.text and "http" not in panel.text.split("<body>")[0]
    for name in ("panel.js", "panel.css", "placeholder.svg"):
        assert client.get(f"/widget/static/{name}").status_code == 200
    assert client.get(PLACEHOLDER).headers["content-type"].startswith("image/svg")
    page = client.get("/embed/widget.html").text
    assert '<script src="/widget.js"' in page and "gradio" not in page


@pytest.mark.parametrize("image, expected", [
    ("images/a.svg", "/media/images/a.svg"), ("https://cdn.shop.test/a.jpg", "https://cdn.shop.test/a.jpg"),
    ("https://CDN.shop.test/a.jpg", "https://CDN.shop.test/a.jpg"), ("https://evil.test/a.jpg", None),
    ("https://cdn.shop.test.evil.test/a.jpg", None), ("../secret.png", None), ("/etc/passwd", None),
    ("javascript:alert(1)", None), ("data:image/png;base64,AAAA", None), (None, None), ("", None)])
def test_image_src(image, expected):
    assert image_src(image, ServeConfig(image_hosts=["cdn.shop.test"])) == expected


def test_behind_a_proxy_prefix_pictures_and_panel_urls_keep_it():
    assert image_src("images/a.svg", ServeConfig(root_path="/assistant")) == "/assistant/media/images/a.svg"
    from ui.widget import WIDGET_DIR

    panel = (WIDGET_DIR / "panel.html").read_text(encoding="utf-8")
    script = (WIDGET_DIR / "static" / "panel.js").read_text(encoding="utf-8")
    assert 'src="static/panel.js"' in panel and 'href="static/panel.css"' in panel
    assert '"/api/' not in script and '"/widget/' not in script   # relative to the panel's own URL


def test_bad_serve_settings_for_pictures_are_refused(tmp_path):
    from assistant.config import ConfigError, load_config

    with pytest.raises(ConfigError, match="image_hosts"):
        load_config(ServeConfig, None, {"image_hosts": ["https://cdn.shop.test/"]})
    with pytest.raises(ConfigError, match="media_dir"):
        load_config(ServeConfig, None, {"media_dir": str(tmp_path / "missing")})
    with pytest.raises(ConfigError, match="language"):
        load_config(ServeConfig, None, {"language": "fr"})
    assert load_config(ServeConfig, None, {"image_hosts": "cdn.a.test, cdn.b.test:8443"}).image_hosts == \
        ["cdn.a.test", "cdn.b.test:8443"]


def test_the_gate_runs_limit_replies_and_refuses_beyond_the_queue():
    import threading
    import time

    from ui.widget import Gate

    gate = Gate(limit=1, queue=1)
    assert gate.enter()                      # runs
    waiting = threading.Thread(target=lambda: (gate.enter(), gate.leave()))
    waiting.start()                          # waits for the slot
    deadline = time.monotonic() + 5
    while gate._waiting != 1 and time.monotonic() < deadline:
        pass
    assert not gate.enter()                  # the queue is full: told to retry at once
    gate.leave()
    waiting.join(timeout=5)
    assert not waiting.is_alive() and gate.enter()
    gate.leave()
