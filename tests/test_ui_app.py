"""The browser chat through its API, as gradio_client sees it, on a loopback server.

    python -m pytest tests/test_ui_app.py -q
"""

import json
import urllib.error
import urllib.request

import pytest

from tests.ui_fake import FakeAssistant
from ui.config import ServeConfig
from ui.server import build_server, serve_in_thread
from ui.transcripts import TranscriptStore


@pytest.fixture
def served(tmp_path):
    """Start the app; yields (base url, assistant, store, start) where start() restarts it on the same DB."""
    config = ServeConfig(transcripts_db=tmp_path / "t.sqlite3")
    assistant = FakeAssistant(max_message_chars=200)
    servers = []

    def start():
        store = TranscriptStore(config.transcripts_path())
        ctx = serve_in_thread(build_server(assistant, config, store))
        url = ctx.__enter__()
        servers.append((ctx, store))
        return url, store

    yield start, assistant, config
    for ctx, store in servers:
        ctx.__exit__(None, None, None)
        store.close()


def _client(url):
    from gradio_client import Client

    return Client(url + "/chat/", verbose=False)


def _chat(client, message, history):
    """Send one message; returns (all streamed outputs, final outputs)."""
    job = client.submit(message, history, api_name="/chat")
    streamed = list(job)
    return streamed, job.result()


def _text(message):
    content = message["content"]
    return content if isinstance(content, str) else "".join(b.get("text", "") for b in content)


def test_multi_turn_chat_streams_text_state_and_products(served):
    start, assistant, _ = served
    url, store = start()
    client = _client(url)
    streamed, (_, history, cards, chips, _, reply) = _chat(client, "I want a sofa", [])
    partial = [_text(out[1][-1]) for out in streamed if out[1] and out[1][-1]["role"] == "assistant"]
    assert len(set(partial)) > 2, "the reply arrives in pieces"
    assert _text(history[-1]) == "You said: I want a sofa. I found some options."
    assert reply["state"] == {"category": "sofa"}
    assert [p["id"] for p in reply["products"]] == ["s1", "s2"]
    assert 'data-product-id="s1"' in cards and "Out of stock" in cards

    _, (_, history, cards, chips, _, reply) = _chat(client, "under 500 please", history)
    assert reply["state"] == {"category": "sofa", "budget_max": 500}
    assert [p["id"] for p in reply["products"]] == ["s1"]
    assert chips["value"] == ["category=sofa", "budget_max=500"]
    assert len(history) == 4
    assert [t["user_text"] for t in store.turns()] == ["I want a sofa", "under 500 please"]

    _, history, cards, chips, _, _ = client.predict(api_name="/clear")
    assert history == [] and chips["choices"] == [] and "appear here" in cards
    assert all(s.is_empty() for s in assistant.states.values())   # clear resets this session's state


def test_removing_a_chip_searches_again(served):
    start, _, _ = served
    url, _ = start()
    client = _client(url)
    _, (_, history, _, _, _, reply) = _chat(client, "a sofa under 500", [])
    assert [p["id"] for p in reply["products"]] == ["s1"]
    _, history, cards, chips, _, reply = client.predict(["category=sofa"], history, api_name="/set_chips")
    assert reply["state"] == {"category": "sofa"}
    assert [p["id"] for p in reply["products"]] == ["s1", "s2"]
    assert chips["value"] == ["category=sofa"]


def test_sessions_are_isolated(served):
    start, assistant, _ = served
    url, store = start()
    a, b = _client(url), _client(url)
    _chat(a, "a dishwasher", [])
    _, (_, _, _, _, _, reply_b) = _chat(b, "hello", [])
    assert reply_b["state"] == {} and reply_b["products"] == []
    assert sorted(s.to_dict().get("category", "") for s in assistant.states.values()) == ["", "dishwasher"]
    sessions = {t["session_id"] for t in store.turns()}
    assert len(sessions) == 2


def test_long_message_is_refused_server_side(served):
    start, assistant, config = served
    url, store = start()
    _, (_, history, _, _, _, reply) = _chat(_client(url), "x" * 500, [])
    assert reply["action"] == "refused" and "limit is 200" in reply["text"]
    assert assistant.messages == {} and store.turns() == []
    assert len(_text(history[0])) == assistant.max_message_chars + 1   # shown cut, with an ellipsis


def test_transcripts_and_feedback_survive_a_restart(served):
    start, _, _ = served
    url, store = start()
    client = _client(url)
    _chat(client, "a sofa", [])
    assert client.predict(0, "up", "good pick", api_name="/feedback") == "ok"
    assert "no turn 5" in client.predict(5, "up", "", api_name="/feedback")
    assert "thumbs must be" in client.predict(0, "sideways", "", api_name="/feedback")
    store.close()
    url2, store2 = start()   # a second server (and store) on the same database
    turns = store2.turns()
    assert [(t["user_text"], t["thumbs"], t["comment"]) for t in turns] == [("a sofa", "up", "good pick")]
    _chat(_client(url2), "a dishwasher", [])
    assert len(store2.turns()) == 2


def test_handoff_and_comparison(served):
    start, _, _ = served
    url, _ = start()
    client = _client(url)
    _, (_, history, _, _, _, _) = _chat(client, "a dishwasher", [])
    _, (_, history, _, _, table, reply) = _chat(client, "compare them", history)
    assert reply["comparison"] and "<table" in table and "SilentWash 45" in table
    _, history, _, _, _, reply = client.predict(history, api_name="/handoff")
    assert reply["action"] == "handoff"
    assert "Summary for our team" in _text(history[-1]) and "dishwasher" in _text(history[-1])


def test_user_html_stays_text(served):
    start, _, _ = served
    url, _ = start()
    _, (_, history, cards, _, _, reply) = _chat(_client(url), "a sofa <script>alert(1)</script>", [])
    # The Chatbot inserts message text as HTML, so what reaches the page is escaped; the reply
    # JSON (for API clients) and the transcript keep the words as typed.
    assert [_text(m) for m in history] == ["a sofa &lt;script&gt;alert(1)&lt;/script&gt;",
                                           "You said: a sofa &lt;script&gt;alert(1)&lt;/script&gt;. I found some options."]
    assert "<script>" in reply["text"]
    assert "<script>" not in cards and "Lund &lt;b&gt;corner&lt;/b&gt; sofa" in cards
    assert "javascript:" not in cards   # a non-http source stays plain text


def test_healthz_embed_pages_and_blocked_files(served, tmp_path):
    start, _, config = served
    url, _ = start()
    assert json.loads(urllib.request.urlopen(url + "/healthz").read()) == {"status": "ok"}
    page = urllib.request.urlopen(url + "/embed/").read().decode()
    assert '<script type="module" src="/static/gradio/gradio.js">' in page
    assert urllib.request.urlopen(url + "/static/gradio/gradio.js").status == 200
    assert "gradio-app" in urllib.request.urlopen(url + "/embed/widget.html").read().decode()
    for path in (f"/chat/gradio_api/file={config.transcripts_path()}", "/embed/README.md", "/embed/../app.py"):
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(url + path)
        assert e.value.code in (403, 404)


def test_the_real_dialogue_manager_behind_the_ui(tmp_path):
    """The app over the real ShoppingAssistant (rules + mock LM + in-memory catalog), not the fake: the UI and
    the assistant agree on the Reply contract, and a compare turn fills the comparison table."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from dialogue_fixtures import make_assistant

    bot, _ = make_assistant()
    config = ServeConfig(transcripts_db=tmp_path / "t.sqlite3")
    store = TranscriptStore(config.transcripts_path())
    with serve_in_thread(build_server(bot, config, store)) as url:
        client = _client(url)
        _, (_, history, cards, chips, _, reply) = _chat(client, "a quiet dishwasher under 600, not Bosch", [])
        assert reply["state"] == {"category": "dishwasher", "budget_max": 600, "excluded_brands": ["Bosch"],
                                  "features": ["quiet"]}
        assert reply["products"] and all(p["brand"] != "Bosch" and p["price"] <= 600 for p in reply["products"])
        assert all(f'data-product-id="{p["id"]}"' in cards for p in reply["products"])
        assert _text(history[-1]).startswith("Here")
        _, (_, history, _, _, comparison, reply) = _chat(client, "compare the first two", history)
        assert reply["action"] == "compare" and comparison.count("<th") >= 3
    store.close()
