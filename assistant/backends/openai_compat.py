"""The ``openai`` backend: any OpenAI-compatible chat-completions server (vLLM, llama.cpp's server, ...).

    shopassist chat --terminal --model.backend openai --model.base_url http://127.0.0.1:8080/v1 \
        --model.served_model store_a          # a vLLM LoRA module name, or empty = the server's first model

Replies stream as server-sent events (``"stream": true``). Connection errors and 5xx answers are
retried with exponential backoff before the first piece arrives (never mid-reply: that would repeat
text); a 4xx is the caller's mistake and fails at once with the server's message. When the server
cannot be reached at all the error says so in one line. Speaks plain HTTP through httpx, so the
``openai`` package is not needed. Launch commands for the servers: docs/serving.md.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Iterator

from assistant.backends.base import GenerationOptions, Message, cut_at_stop
from assistant.model_config import ModelConfig

log = logging.getLogger(__name__)


class BackendUnavailable(RuntimeError):
    """The server could not be reached (or kept failing with 5xx) after every retry."""


class BackendRequestError(RuntimeError):
    """The server refused the request (4xx): retrying would not help."""


class OpenAIBackend:
    name = "openai"

    def __init__(self, base_url: str, model: str = "", api_key: str = "", timeout_s: float = 60.0,
                 max_retries: int = 3, backoff_s: float = 0.5, defaults: GenerationOptions | None = None):
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key = api_key
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.defaults = defaults or GenerationOptions()

    @classmethod
    def from_config(cls, cfg: ModelConfig) -> "OpenAIBackend":
        return cls(cfg.base_url, cfg.served_model, cfg.api_key, cfg.timeout_s, cfg.max_retries,
                   defaults=cfg.generation)

    def generate(self, messages: list[Message], **opts) -> Iterator[str]:
        options = self.defaults.merged(**opts)
        return cut_at_stop(self._stream(messages, options), options.stop)

    def request_body(self, messages: list[Message], options: GenerationOptions) -> dict:
        body = {"model": self.model or self.first_model(), "messages": [dict(m) for m in messages],
                "stream": True, "max_tokens": options.max_new_tokens,
                "temperature": options.temperature, "top_p": options.top_p}
        if options.stop:
            body["stop"] = list(options.stop)
        if options.json_schema is not None:
            # OpenAI's structured output; llama.cpp's and vLLM's servers constrain decoding to it.
            body["response_format"] = {"type": "json_schema",
                                       "json_schema": {"name": "reply", "strict": True, "schema": options.json_schema}}
        if options.repetition_penalty != 1.0:
            # Not in the OpenAI schema: vLLM reads `repetition_penalty`, llama.cpp's servers read
            # `repeat_penalty`; each ignores the other's name.
            body["repetition_penalty"] = body["repeat_penalty"] = options.repetition_penalty
        return body

    def first_model(self) -> str:
        """The server's first served model, for servers that host one model under an arbitrary name."""
        if not self.model:
            with self._client() as client:
                response = self._with_retries(lambda: client.get(f"{self.base_url}/models"))
                data = response.json().get("data") or []
                if not data:
                    raise BackendRequestError(f"{self.base_url}/models lists no model; set model.served_model")
                self.model = data[0]["id"]
        return self.model

    def _client(self):
        import httpx

        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        return httpx.Client(headers=headers, timeout=httpx.Timeout(self.timeout_s, connect=min(self.timeout_s, 10.0)))

    def _stream(self, messages: list[Message], options: GenerationOptions) -> Iterator[str]:
        body = self.request_body(messages, options)
        url = f"{self.base_url}/chat/completions"
        with self._client() as client:
            def open_stream():
                request = client.build_request("POST", url, json=body)
                return client.send(request, stream=True)

            response = self._with_retries(open_stream)
            try:
                yield from _sse_text(response.iter_lines())
            finally:
                response.close()

    def _with_retries(self, call):
        """``call()`` -> an httpx response with a 2xx status; retries connection errors and 5xx."""
        import httpx

        last = ""
        for attempt in range(self.max_retries + 1):
            if attempt:
                delay = self.backoff_s * 2 ** (attempt - 1)
                log.warning("openai backend: %s; retry %d/%d in %.1fs", last, attempt, self.max_retries, delay)
                time.sleep(delay)
            try:
                response = call()
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError, httpx.ReadError) as e:
                last = f"{type(e).__name__}: {e}"
                continue
            if response.status_code < 400:
                return response
            detail = _error_detail(response)
            response.close()
            if response.status_code < 500:
                raise BackendRequestError(f"{self.base_url} refused the request ({response.status_code}): {detail}")
            last = f"server error {response.status_code}: {detail}"
        raise BackendUnavailable(
            f"LLM server at {self.base_url} is unavailable after {self.max_retries + 1} attempts ({last}); "
            "start it (see docs/serving.md) or check model.base_url")


def _error_detail(response) -> str:
    try:
        response.read()
        payload = response.json()
        error = payload.get("error", payload) if isinstance(payload, dict) else payload
        return str(error.get("message", error) if isinstance(error, dict) else error)[:300]
    except (ValueError, UnicodeDecodeError):
        return response.text[:300]


def _sse_text(lines: Iterator[str]) -> Iterator[str]:
    """Text deltas from a chat-completions SSE stream; ends at ``data: [DONE]``."""
    for line in lines:
        if not line.startswith("data:"):
            continue  # blank separators, ": keep-alive" comments, event names
        payload = line[len("data:"):].strip()
        if payload == "[DONE]":
            return
        chunk = json.loads(payload)
        if "error" in chunk:
            error = chunk["error"]
            raise BackendRequestError(f"server error mid-stream: {error.get('message', error) if isinstance(error, dict) else error}")
        for choice in chunk.get("choices") or []:
            text = (choice.get("delta") or {}).get("content")
            if text:
                yield text
