"""The ``llamacpp`` backend: llama-cpp-python in-process on a GGUF file (the fastest path on a CPU).

    pip install '.[llamacpp]'
    shopassist chat --terminal --model.backend llamacpp --model.threads 2

The model file is ``model.base_model`` (``gguf:<package>/<file>`` or a .gguf path). With a LoRA
adapter configured (``model.adapter``), the adapter is merged into the base and exported once to a
q4_1 GGUF (the base's own quantization) in the cache (``shopassist export-gguf`` does the same by hand); later loads reuse it.
The chat template comes from the GGUF's own metadata, so prompts match the transformers backend.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from pathlib import Path
from typing import Iterator

from assistant.backends.base import GenerationOptions, Message, cut_at_stop
from assistant.model_config import ModelConfig

log = logging.getLogger(__name__)
N_CTX = 4096  # prompt (instructions + retrieved products + history) plus the reply
# The merged export's quantization: the shipped base is Q4_1, and a q4_1 export decodes as fast as it does
# (q8_0 measured ~0.8x on 2 cores); tests/test_export_gguf.py checks q4_1 reproduces the base closely.
MERGED_QUANT = "q4_1"


class LlamaCppBackend:
    name = "llamacpp"

    def __init__(self, model_path: str | Path, threads: int = 0, defaults: GenerationOptions | None = None):
        from assistant.probes import require

        require("llama_cpp", "the llamacpp backend")
        from llama_cpp import Llama

        self.model_path = Path(model_path)
        self.llm = Llama(model_path=str(model_path), n_ctx=N_CTX, n_threads=threads or None, verbose=False)
        self.defaults = defaults or GenerationOptions()
        # One Llama context decodes one sequence at a time.
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, cfg: ModelConfig) -> "LlamaCppBackend":
        return cls(gguf_for(cfg), cfg.threads, GenerationOptions().merged(**cfg.generation.options()))

    def generate(self, messages: list[Message], **opts) -> Iterator[str]:
        options = self.defaults.merged(**opts)
        return cut_at_stop(self._stream(messages, options), options.stop)

    def _stream(self, messages: list[Message], options: GenerationOptions) -> Iterator[str]:
        with self._lock:
            # temperature 0 selects llama.cpp's greedy sampler.
            chunks = self.llm.create_chat_completion(
                messages=[dict(m) for m in messages], stream=True, max_tokens=options.max_new_tokens,
                temperature=options.temperature, top_p=options.top_p,
                repeat_penalty=options.repetition_penalty, stop=list(options.stop) or None)
            for chunk in chunks:
                text = chunk["choices"][0]["delta"].get("content")
                if text:
                    yield text


def gguf_for(cfg: ModelConfig) -> Path:
    """The GGUF to load: the base itself, or the base with ``cfg``'s adapter merged (exported once, cached)."""
    from assistant.paths import cache_dir, resolve_gguf

    adapter = cfg.adapter_path()
    if adapter is None:
        return resolve_gguf(cfg.base_model)
    digest = hashlib.sha256(cfg.base_model.encode())
    for f in sorted(adapter.iterdir()):
        if f.is_file():
            digest.update(f.name.encode() + f.read_bytes())
    root = Path(cfg.cache_dir).expanduser() if cfg.cache_dir else cache_dir()
    target = root / "gguf" / f"{adapter.name}-{digest.hexdigest()[:16]}-{MERGED_QUANT}.gguf"
    if not target.is_file():
        from assistant.export_gguf import ExportConfig, export

        log.info("merging adapter %s into %s for llama.cpp (once): %s", adapter, cfg.base_model, target)
        partial = target.with_suffix(".partial")
        export(ExportConfig(adapter=str(adapter), out=str(partial), quant=MERGED_QUANT, base_model=cfg.base_model))
        partial.replace(target)
    return target
