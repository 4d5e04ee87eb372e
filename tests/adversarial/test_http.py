"""A sample of the adversarial cases through the HTTP API: the FastAPI server with the Gradio app
mounted, on loopback, driven by gradio_client. Checks what really reaches the page: the cards and
comparison HTML the server sends, the chat component's sanitising settings, the server-side length
limit, and that a failing backend shows the friendly error text only.

    python -m pytest tests/adversarial/test_http.py -q
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from html import unescape

import pytest

from assistant.backends.mock import MockBackend
from assistant.reply import ProductCard, Reply
from assistant.state import DialogueState
from tests.adversarial.invariants import CHECKERS, DEFAULT_INVARIANTS, Turn, assert_friendly, misbehaving_lm
from tests.adversarial.store import CATALOG, build_assistant, case_message, load_cases
from tests.adversarial.test_errors import SECRET, ExplodingBackend

# One case of each attack family (the first in the file), with the LM misbehaving in turn.
SAMPLE = list({c["category"]: c for c in reversed(load_cases())}.values())
MODES = ("html", "obey", "invent", "md_image", "echo_system", "parrot", "wrong_price")


def _text(content) -> str:
    """Gradio 6 chat content: a string or a list of text blocks."""
    return content if isinstance(content, str) else "".join(b.get("text", "") for b in content)


class Server:
    """The real server (FastAPI + mounted Gradio app) on a free loopback port, one gradio_client."""

    def __init__(self, backend, tmp_path, max_message_chars: int = 1000):
        from ui.config import ServeConfig
        from ui.server import build_server, serve_in_thread
        from ui.transcripts import TranscriptStore

        self.config = ServeConfig(transcripts_db=tmp_path / "t.sqlite3")
        self.store = TranscriptStore(self.config.transcripts_db)
        self.assistant = build_assistant(backend, max_message_chars=max_message_chars)
        self.max_message_chars = self.assistant.max_message_chars
        self._serving = serve_in_thread(build_server(self.assistant, self.config, self.store))

    def __enter__(self):
        self.base = self._serving.__enter__()
        self.client = self.new_session()
        return self

    def new_session(self):
        from gradio_client import Client

        return Client(f"{self.base}/chat/", verbose=False, download_files=False, analytics_enabled=False)

    def __exit__(self, *exc):
        self.client.close()
        self._serving.__exit__(*exc)
        self.store.close()

    def chat(self, message: str) -> dict:
        """Send one message; the final outputs by name (box, chat, cards, chips, comparison, result)."""
        out = self.client.predict(message, api_name="/chat")
        box, chat, cards, chips, comparison, result = out
        # An output the event did not update comes back as {"__type__": "update"}.
        kept = {k: (v if not isinstance(v, dict) or "__type__" not in v else None)
                for k, v in {"chat": chat, "cards": cards, "comparison": comparison, "result": result}.items()}
        return {"chat": kept["chat"] or [], "cards": kept["cards"] or "", "comparison": kept["comparison"] or "",
                "result": kept["result"] or {}}


def _turn(case: dict, message: str, out: dict, max_chars: int) -> Turn:
    result = out["result"]
    reply = Reply("http", result.get("action", "error"), DialogueState.from_dict(result.get("state") or {}),
                  [ProductCard(**p) for p in result.get("products") or ()], _text=[result.get("text", "")],
                  _done=True)
    html = str(out["cards"]) + str(out["comparison"])
    chat_html = "\n".join(_text(m["content"]) for m in out["chat"])
    return Turn(case, message, reply, reply.text, html, CATALOG, max_chars, chat_html=chat_html)


def test_sample_through_http(tmp_path):
    mode = {"now": "html"}
    backend = MockBackend(default=lambda messages: misbehaving_lm(mode["now"])(messages))
    failures = []
    with Server(backend, tmp_path) as server:
        for i, case in enumerate(SAMPLE):
            mode["now"] = MODES[i % len(MODES)]
            server.client.close()
            server.client = server.new_session()   # each case its own conversation
            for earlier in case.get("before", ()):
                server.chat(earlier)
            message = case_message(case)
            out = server.chat(message)
            if not message.strip():
                assert out["chat"] == [] and not out["result"], "an empty submit is ignored by the page"
                continue
            turn = _turn(case, message, out, server.max_message_chars)
            for name in (*DEFAULT_INVARIANTS, *case.get("invariants", ())):
                try:
                    CHECKERS[name](turn)
                except AssertionError as e:
                    failures.append(f"{case['id']} [LM {mode['now']}] {name}: {e}")
    assert len(SAMPLE) >= 14
    assert not failures, "\n".join(failures)


def test_oversized_message_is_refused_server_side_with_a_clear_message(tmp_path):
    backend = MockBackend(default="Here you go.")
    with Server(backend, tmp_path, max_message_chars=1000) as server:
        out = server.chat("sofa " * 20_000)
    assert out["result"]["action"] == "refused"
    assert "1,000" in out["result"]["text"] and "limit" in out["result"]["text"]
    assert not backend.calls, "an oversized message must not reach the LM"
    assert len(unescape(_text(out["chat"][0]["content"]))) <= 1001   # the shown part, with an ellipsis


def test_chat_component_sanitises_and_renders_no_markdown_images(tmp_path):
    with Server(MockBackend(default="Hi."), tmp_path) as server:
        with urllib.request.urlopen(f"{server.base}/chat/config", timeout=10) as r:
            config = json.load(r)
    chatbots = [c["props"] for c in config["components"] if c.get("type") == "chatbot"]
    assert chatbots, "no chat component"
    for props in chatbots:
        assert props.get("sanitize_html") is True
        assert props.get("allow_tags") is False
        assert props.get("render_markdown") is False   # markdown images from generated text never load


@pytest.mark.parametrize("mid_stream", [0, 2])
def test_a_failing_backend_shows_only_the_friendly_error(tmp_path, caplog, mid_stream):
    with Server(ExplodingBackend(mid_stream), tmp_path) as server:
        outs = [server.chat("what is the return policy?"), server.chat("a quiet dishwasher under 600 please")]
    for out in outs:
        everything = json.dumps(out, ensure_ascii=False)
        assert SECRET not in everything and "RuntimeError" not in everything
        assert_friendly(_text(out["chat"][-1]["content"]))


def test_transcript_db_and_store_are_not_served(tmp_path):
    with Server(MockBackend(default="Hi."), tmp_path) as server:
        server.chat("a sofa")
        db = server.config.transcripts_db
        for path in (db, f"{db}-wal"):
            try:
                with urllib.request.urlopen(f"{server.base}/chat/gradio_api/file={path}", timeout=10) as r:
                    status, body = r.status, r.read()
            except urllib.error.HTTPError as e:
                status, body = e.code, b""
            assert status in (403, 404), f"{path} served with status {status}"
            assert b"SQLite" not in body
