"""The `openai` backend against a real HTTP server on loopback (stdlib http.server in a thread)
speaking the chat-completions SSE format: streaming, option mapping, retries, errors."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from assistant.backends import make_backend
from assistant.backends.openai_compat import BackendRequestError, BackendUnavailable, OpenAIBackend
from assistant.model_config import ModelConfig

HI = [{"role": "user", "content": "hi"}]


class FakeServer:
    """Answers each POST with the next scripted reply: a list of text pieces (streamed as SSE) or an
    (HTTP status, error message) pair. Records every request's path, headers and JSON body."""

    def __init__(self, replies, port: int = 0, gate: threading.Event | None = None):
        self.replies = list(replies)
        self.requests: list[dict] = []
        self.gate = gate  # when set, the stream pauses after its first piece until the gate opens
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.requests.append({"path": self.path, "headers": dict(self.headers), "body": None})
                self._json(200, {"object": "list", "data": [{"id": "served-by-fake", "object": "model"}]})

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                reply = server.replies.pop(0)
                if isinstance(reply, tuple):
                    status, message = reply
                    self._json(status, {"error": {"message": message, "type": "invalid_request_error"}})
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for i, piece in enumerate(reply):
                    chunk = {"id": "c1", "object": "chat.completion.chunk", "model": body["model"],
                             "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                    if i == 0 and server.gate is not None:
                        server.gate.wait(5)
                self.wfile.write(b": keep-alive comment\n\ndata: [DONE]\n\n")

            def _json(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def serve():
    servers = []

    def start(replies, **kw):
        servers.append(FakeServer(replies, **kw))
        return servers[-1]

    yield start
    for s in servers:
        s.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_streams_pieces_and_maps_options(serve):
    server = serve([["Two ", "quiet ", "dishwashers."]])
    llm = OpenAIBackend(server.url, model="store_a", api_key="sk-test")
    pieces = list(llm.generate(HI, max_new_tokens=42, temperature=0.3, top_p=0.8, repetition_penalty=1.2,
                               stop=["\nUser:"]))
    assert "".join(pieces) == "Two quiet dishwashers."
    [req] = server.requests
    assert req["path"] == "/v1/chat/completions"
    assert req["headers"]["Authorization"] == "Bearer sk-test"
    body = req["body"]
    assert body["model"] == "store_a" and body["stream"] is True and body["messages"] == HI
    assert (body["max_tokens"], body["temperature"], body["top_p"]) == (42, 0.3, 0.8)
    assert body["stop"] == ["\nUser:"]
    assert body["repetition_penalty"] == body["repeat_penalty"] == 1.2


def test_first_piece_arrives_before_the_reply_is_finished(serve):
    gate = threading.Event()
    server = serve([["first", " second"]], gate=gate)
    stream = OpenAIBackend(server.url, model="m").generate(HI)
    assert next(stream) == "first"  # the server is still holding the rest back
    gate.set()
    assert list(stream) == [" second"]


def test_stop_string_cuts_the_reply_client_side(serve):
    server = serve([["Sure.", "\nUser: more", " text"]])
    assert "".join(OpenAIBackend(server.url, model="m").generate(HI, stop=["\nUser:"])) == "Sure."


def test_empty_served_model_asks_the_server(serve):
    server = serve([["ok"]])
    llm = make_backend(ModelConfig(backend="openai", base_url=server.url, served_model=""))
    assert "".join(llm.generate(HI)) == "ok"
    assert [r["path"] for r in server.requests] == ["/v1/models", "/v1/chat/completions"]
    assert server.requests[1]["body"]["model"] == "served-by-fake"


def test_from_config_reads_the_model_section():
    cfg = ModelConfig(backend="openai", base_url="http://10.0.0.1:8000/v1/", served_model="store_b",
                      api_key="k", timeout_s=5, max_retries=7)
    llm = make_backend(cfg)
    assert isinstance(llm, OpenAIBackend)
    assert (llm.base_url, llm.model, llm.api_key, llm.timeout_s, llm.max_retries) == (
        "http://10.0.0.1:8000/v1", "store_b", "k", 5, 7)
    assert llm.defaults.max_new_tokens == cfg.generation.max_new_tokens


def test_retries_with_backoff_until_the_server_comes_up(serve):
    port = free_port()
    started = []
    timer = threading.Timer(0.4, lambda: started.append(serve([["back ", "online"]], port=port)))
    timer.start()
    t0 = time.monotonic()
    llm = OpenAIBackend(f"http://127.0.0.1:{port}/v1", model="m", max_retries=6, backoff_s=0.1)
    assert "".join(llm.generate(HI)) == "back online"
    assert time.monotonic() - t0 >= 0.4
    timer.join()
    assert len(started[0].requests) == 1


def test_server_down_gives_one_clear_line():
    url = f"http://127.0.0.1:{free_port()}/v1"
    llm = OpenAIBackend(url, model="m", max_retries=2, backoff_s=0.05)
    t0 = time.monotonic()
    with pytest.raises(BackendUnavailable) as err:
        list(llm.generate(HI))
    assert time.monotonic() - t0 >= 0.05 + 0.1  # two backoffs: 0.05 s then 0.1 s
    message = str(err.value)
    assert "\n" not in message
    assert url in message and "after 3 attempts" in message and "docs/serving.md" in message


def test_4xx_is_not_retried(serve):
    server = serve([(404, "The model `nope` does not exist."), ["never sent"]])
    llm = OpenAIBackend(server.url, model="nope", max_retries=3, backoff_s=0.01)
    with pytest.raises(BackendRequestError, match=r"404.*`nope` does not exist"):
        list(llm.generate(HI))
    assert len(server.requests) == 1


def test_5xx_is_retried(serve):
    server = serve([(503, "loading model"), ["ready"]])
    llm = OpenAIBackend(server.url, model="m", max_retries=2, backoff_s=0.01)
    assert "".join(llm.generate(HI)) == "ready"
    assert len(server.requests) == 2


@pytest.mark.parametrize("name", ["client_vllm.yaml", "client_llamacpp.yaml"])
def test_example_client_configs_parse(tmp_path, name):
    import yaml

    from assistant.config import load_config, read_yaml
    from assistant.paths import PROJECT_ROOT

    section = read_yaml(PROJECT_ROOT / "configs" / "serving" / name)["model"]
    (tmp_path / "model.yaml").write_text(yaml.safe_dump(section))
    cfg = load_config(ModelConfig, tmp_path / "model.yaml")
    assert cfg.backend == "openai" and cfg.base_url.startswith("http://127.0.0.1:") and cfg.served_model
    assert isinstance(make_backend(cfg), OpenAIBackend)
