"""The ``xllamacpp`` backend: llama.cpp in-process through xllamacpp's prebuilt wheel (the CPU default).

    shopassist chat --terminal --model.backend xllamacpp --model.threads 2
    python -c "from assistant.backends import make_backend; from assistant.model_config import ModelConfig; \
print(''.join(make_backend(ModelConfig(backend='xllamacpp')).generate([{'role': 'user', 'content': 'hi'}])))"

Why this engine: on a 2-core CPU llama.cpp decodes SmolLM2-135M several times faster than
transformers + bitsandbytes, and xllamacpp ships llama.cpp as a prebuilt wheel (no compiler, no
45-minute source build as llama-cpp-python needs).

What it serves is what was trained (``assistant.backends.llamacpp.served_gguf``): the base GGUF exactly as
shipped (4-bit) plus the configured adapter as a llama.cpp LoRA GGUF applied at load time
(``CommonParams.lora_adapters``). The adapter is never merged into the 4-bit weights: re-quantizing
``base + ΔW`` onto the base's own grid rounds ΔW away. Prompts are rendered by ``assistant.chat_format``
(the same string training tokenizes) and sent as a raw completion, with the format's end of turn as a
stop string; a ``json_schema`` option becomes llama.cpp's per-request grammar.

xllamacpp wraps llama.cpp's *server* (continuous batching, ``model.slots`` sequences at once), so
it also opens an OpenAI-compatible HTTP endpoint. We bind it to 127.0.0.1 on a free port and guard
it with a random API key, so nothing else on the machine can use it by accident; ``server_url`` and
``api_key`` expose it on purpose (the tests drive the ``openai`` backend against it). As a standalone
server for other processes (``model.backend: openai``):

    python -m assistant.backends.xllamacpp shopassist-q8_0.gguf --port 8080 --slots 2
"""

from __future__ import annotations

import logging
import queue
import secrets
import threading
from pathlib import Path
from typing import Iterator

from assistant.backends.base import GenerationOptions, Message, cut_at_stop
from assistant.chat_format import end_of_turn, format_for, render
from assistant.model_config import ModelConfig

log = logging.getLogger(__name__)
N_CTX_PER_SLOT = 4096  # prompt (instructions + retrieved products + history) plus the reply
_DONE = object()


class XLlamaCppBackend:
    name = "xllamacpp"

    def __init__(self, model_path: str | Path, threads: int = 0, defaults: GenerationOptions | None = None,
                 slots: int = 1, verbose: bool = False, *, host: str = "127.0.0.1", port: int = 0,
                 api_key: str | None = None, alias: str = "", lora_path: str | Path | None = None,
                 chat_format: str | None = None):
        from assistant.probes import require

        require("xllamacpp", "the xllamacpp backend")
        import xllamacpp as xlc

        self.model_path = Path(model_path)
        if not self.model_path.is_file():
            raise FileNotFoundError(f"GGUF model file not found: {self.model_path}")
        self.lora_path = Path(lora_path) if lora_path else None
        if self.lora_path is not None and not self.lora_path.is_file():
            raise FileNotFoundError(f"LoRA GGUF not found: {self.lora_path}")
        self.chat_format = chat_format or format_for(str(self.model_path))
        self.defaults = (defaults or GenerationOptions()).with_stop(end_of_turn(self.chat_format))
        self.api_key = secrets.token_urlsafe(24) if api_key is None else api_key
        p = xlc.CommonParams()
        p.model.path = str(self.model_path)
        p.n_parallel = max(1, slots)
        p.n_ctx = N_CTX_PER_SLOT * p.n_parallel
        n_threads = threads or _default_threads()
        p.cpuparams.n_threads = n_threads
        p.cpuparams_batch.n_threads = n_threads
        p.hostnames = [host]
        p.port = port  # 0 = any free port: several backends (tests, workers) may live on one machine
        p.api_keys = [self.api_key] if self.api_key else []
        if alias:
            p.model_alias = {alias}
        if self.lora_path is not None:
            lora = xlc.CommonAdapterLoraInfo()
            lora.path, lora.scale = str(self.lora_path), 1.0
            p.lora_adapters = [lora]
        p.ui = False
        p.warmup = True
        if not verbose:
            p.verbosity = -1  # llama.cpp logs every request at info level otherwise
        try:
            self._server = xlc.Server(p)
        except RuntimeError as e:  # llama.cpp's own message names no file ("Failed to init server")
            raise RuntimeError(f"llama.cpp could not load {self.model_path}: is it a GGUF model file? ({e}) "
                               "A cached merged export can be deleted; it is rebuilt on the next start.") from e
        self.server_url = self._server.listening_address  # e.g. http://127.0.0.1:40123

    @classmethod
    def from_config(cls, cfg: ModelConfig) -> "XLlamaCppBackend":
        from assistant.backends.llamacpp import served_gguf

        base, lora = served_gguf(cfg)
        return cls(base, cfg.threads, cfg.generation, cfg.slots, lora_path=lora,
                   chat_format=format_for(cfg.base_model))

    def request(self, messages: list[Message], options: GenerationOptions) -> dict:
        """The raw-completion request body: the prompt exactly as ``chat_format.render`` writes it (llama.cpp
        adds BOS where the model wants one and parses special tokens, as the transformers tokenizer does)."""
        body = {"prompt": render(messages, self.chat_format), "stream": True, "max_tokens": options.max_new_tokens,
                "temperature": options.temperature, "top_p": options.top_p,
                "repeat_penalty": options.repetition_penalty, "cache_prompt": True}
        if options.temperature == 0:
            body["top_k"] = 1  # greedy, whatever the other samplers say
        if options.stop:
            body["stop"] = list(options.stop)
        if options.json_schema is not None:
            body["json_schema"] = options.json_schema  # compiled to a grammar by llama.cpp, per request
        return body

    def generate(self, messages: list[Message], **opts) -> Iterator[str]:
        options = self.defaults.merged(**opts)
        return cut_at_stop(self._stream(self.request(messages, options)), options.stop)

    def complete(self, body: dict) -> dict:
        """One non-streaming raw completion (llama.cpp's /v1/completions), for tests and benchmarks."""
        return self._server.handle_completions(dict(body, stream=False))

    def _stream(self, body: dict) -> Iterator[str]:
        # handle_completions blocks until the reply is done and calls back once per chunk (without the
        # GIL in between), so it runs in a thread and hands pieces over a queue. A consumer that stops
        # reading (the shopper left, a guard cut the reply) cancels decoding: the callback returns True.
        pieces: queue.Queue = queue.Queue()
        cancelled = threading.Event()

        def on_chunk(chunk: dict) -> bool:
            pieces.put(chunk)
            return cancelled.is_set()

        def work() -> None:
            try:
                self._server.handle_completions(body, on_chunk)
            except Exception as e:  # surfaces in the consumer, not as a thread traceback
                pieces.put(e)
            finally:
                pieces.put(_DONE)

        threading.Thread(target=work, name="xllamacpp-request", daemon=True).start()
        try:
            while (item := pieces.get()) is not _DONE:
                if isinstance(item, Exception):
                    raise RuntimeError(f"llama.cpp request failed: {item}") from item
                if "choices" not in item:  # llama.cpp's error objects: {"code": ..., "message": ...}
                    err = item.get("error", item)
                    raise RuntimeError(f"llama.cpp request failed: {err.get('message', err)}")
                for choice in item["choices"]:
                    text = choice.get("text")
                    if text:
                        yield text
        finally:
            cancelled.set()

    def close(self) -> None:
        """Drop our reference to the server: llama.cpp stops its threads and frees the model when the last
        reference goes (as it does when the backend itself is collected)."""
        self._server = None


def serve(argv: list[str] | None = None) -> None:
    """Run llama.cpp's OpenAI-compatible server on a GGUF until interrupted (no llama-cpp-python needed)."""
    import argparse
    import os
    import time

    ap = argparse.ArgumentParser(prog="python -m assistant.backends.xllamacpp",
                                 description="llama.cpp's OpenAI-compatible server (xllamacpp) on a GGUF file")
    ap.add_argument("model", help="a .gguf file: the base, or a merged f16/q8_0 export from `shopassist export-gguf`")
    ap.add_argument("--lora", default="", help="a llama.cpp LoRA GGUF applied on the base at load time")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--slots", type=int, default=2, help="requests decoded at once (continuous batching)")
    ap.add_argument("--alias", default="shopassist", help="the model name clients ask for")
    ap.add_argument("--api-key", default=os.environ.get("SHOPASSIST_LLM_API_KEY", ""),
                    help="required bearer token ($SHOPASSIST_LLM_API_KEY); empty = none")
    args = ap.parse_args(argv)
    backend = XLlamaCppBackend(args.model, args.threads, slots=args.slots, verbose=True, host=args.host,
                               port=args.port, api_key=args.api_key, alias=args.alias, lora_path=args.lora or None)
    print(f"serving {args.model} as {args.alias!r} at {backend.server_url}/v1 (Ctrl-C stops)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        backend.close()


def _default_threads() -> int:
    import os

    # llama.cpp decodes fastest with one thread per physical core; 2 cores here.
    return max(1, min(8, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


if __name__ == "__main__":  # pragma: no cover
    serve()
