"""The ``llamacpp`` backend: llama-cpp-python in-process on a GGUF file.

    pip install '.[llamacpp]'
    shopassist chat --terminal --model.backend llamacpp --model.threads 2

The model file is ``model.base_model`` (``gguf:<package>/<file>`` or a .gguf path), loaded as shipped. A
configured LoRA adapter (``model.adapter``) is written once as a llama.cpp LoRA GGUF in the cache and applied
at load time (``served_gguf``, shared with the ``xllamacpp`` backend). Prompts are ``chat_format.render``'s
string sent as a raw completion, so every backend and training see the same text.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Iterator

from assistant.backends.base import GenerationOptions, Message, cut_at_stop
from assistant.chat_format import end_of_turn, format_for, render
from assistant.model_config import ModelConfig

log = logging.getLogger(__name__)
N_CTX = 4096  # prompt (instructions + retrieved products + history) plus the reply


class LlamaCppBackend:
    name = "llamacpp"

    def __init__(self, model_path: str | Path, threads: int = 0, defaults: GenerationOptions | None = None,
                 lora_path: str | Path | None = None, chat_format: str | None = None):
        from assistant.probes import require

        require("llama_cpp", "the llamacpp backend")
        from llama_cpp import Llama

        self.model_path = Path(model_path)
        self.llm = Llama(model_path=str(model_path), n_ctx=N_CTX, n_threads=threads or None, verbose=False,
                         lora_path=str(lora_path) if lora_path else None)
        self.chat_format = chat_format or format_for(str(self.model_path))
        self.defaults = (defaults or GenerationOptions()).with_stop(end_of_turn(self.chat_format))
        # One Llama context decodes one sequence at a time.
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, cfg: ModelConfig) -> "LlamaCppBackend":
        base, lora = served_gguf(cfg)
        return cls(base, cfg.threads, cfg.generation, lora_path=lora, chat_format=format_for(cfg.base_model))

    def generate(self, messages: list[Message], **opts) -> Iterator[str]:
        options = self.defaults.merged(**opts)
        return cut_at_stop(self._stream(messages, options), options.stop)

    def _stream(self, messages: list[Message], options: GenerationOptions) -> Iterator[str]:
        grammar = None
        if options.json_schema is not None:
            from llama_cpp import LlamaGrammar

            grammar = LlamaGrammar.from_json_schema(json.dumps(options.json_schema), verbose=False)
        with self._lock:
            # temperature 0 selects llama.cpp's greedy sampler.
            chunks = self.llm.create_completion(
                prompt=render(messages, self.chat_format), stream=True, max_tokens=options.max_new_tokens,
                temperature=options.temperature, top_p=options.top_p, grammar=grammar,
                repeat_penalty=options.repetition_penalty, stop=list(options.stop) or None)
            for chunk in chunks:
                text = chunk["choices"][0].get("text")
                if text:
                    yield text


def served_gguf(cfg: ModelConfig) -> tuple[Path, Path | None]:
    """(base GGUF as shipped, the adapter as a cached llama.cpp LoRA GGUF or None): what llama.cpp loads.

    The base keeps its own 4-bit weights and the LoRA is added at run time, so the served model is the
    trained one (a q4_1 merge would round ΔW back onto the base's grid)."""
    from assistant.export_gguf import cached_lora_gguf
    from assistant.paths import cache_dir, resolve_gguf

    base = resolve_gguf(cfg.base_model)
    adapter = cfg.adapter_path()
    if adapter is None:
        return base, None
    root = Path(cfg.cache_dir).expanduser() if cfg.cache_dir else cache_dir()
    return base, cached_lora_gguf(adapter, base, root)
