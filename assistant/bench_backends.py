"""Benchmark the LLM backends: time to first token and decode tokens/s, as ratios to llama.cpp on the base GGUF.

    shopassist bench --only backends
    python -c "from assistant.bench_backends import run; print(run())"

Every available backend runs the default model with the same prompt, 2 threads, greedy, 80 new
tokens, one warm-up call first: transformers NF4 and bf16 (the adapter attached when one is
trained), llama.cpp on the plain base GGUF (the reference) and on the adapter-merged q8_0 export.
Tokens are counted with the model's tokenizer on the finished reply, so every backend is counted alike.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from assistant.bench import PROMPT
from assistant.model_config import ModelConfig

THREADS = 2
NEW_TOKENS = 80


def candidates() -> list[tuple[str, Callable[[], object]]]:
    """(row name, backend factory); factories run one at a time, so only one model is loaded at once."""
    from assistant.backends import make_backend
    from assistant.probes import has

    rows = []
    if has("llama_cpp"):
        from assistant.backends.llamacpp import LlamaCppBackend

        rows += [("llamacpp, base GGUF (Q4_1)", lambda: make_backend(
                     ModelConfig(backend="llamacpp", adapter="", threads=THREADS))),
                 ("llamacpp, merged export (q8_0)", lambda: LlamaCppBackend(merged_export(), THREADS))]
    for quant in ("nf4", "none"):
        rows.append((f"transformers {quant} / bf16", lambda quant=quant: make_backend(
            ModelConfig(quantization=quant, compute_dtype="bfloat16", threads=THREADS))))
    return rows


def merged_export() -> Path:
    """The default adapter merged into the base as q8_0 (the base alone when no adapter is trained yet)."""
    from assistant.backends.llamacpp import gguf_for
    from assistant.export_gguf import ExportConfig, export
    from assistant.paths import cache_dir

    cfg = ModelConfig(backend="llamacpp")
    if cfg.adapter_path() is not None:
        return gguf_for(cfg)
    out = cache_dir() / "gguf" / "base-q8_0.gguf"
    return out if out.is_file() else export(ExportConfig(out=str(out), quant="q8_0"))


def measure(llm, count_tokens) -> dict:
    list(llm.generate(PROMPT, max_new_tokens=4, temperature=0.0))  # warm-up: lazy init, caches
    t0 = time.perf_counter()
    first = None
    pieces = []
    for piece in llm.generate(PROMPT, max_new_tokens=NEW_TOKENS, temperature=0.0, repetition_penalty=1.0):
        if first is None:
            first = time.perf_counter()
        pieces.append(piece)
    end = time.perf_counter()
    tokens = count_tokens("".join(pieces))
    return {"ttft_s": first - t0, "decode_tok_s": (tokens - 1) / (end - first), "tokens": tokens}


def run() -> str:
    import torch

    from assistant.model_loader import load_tokenizer

    torch.set_num_threads(THREADS)
    tokenizer = load_tokenizer(ModelConfig())

    def count_tokens(text: str) -> int:
        return len(tokenizer(text, add_special_tokens=False)["input_ids"])

    adapter = ModelConfig().adapter_path()
    rows = []
    for name, factory in candidates():
        try:
            rows.append((name, measure(factory(), count_tokens)))
        except Exception as e:  # one backend failing must not hide the others' figures
            rows.append((name, {"error": f"{type(e).__name__}: {e}"[:120]}))
    ref = next((r for name, r in rows if name.startswith("llamacpp, base") and "error" not in r), None)
    lines = [f"SmolLM2-135M-Instruct, {THREADS} threads, greedy, {NEW_TOKENS} new tokens, adapter: "
             f"{adapter or 'none trained yet (merged export = base at q8_0)'}",
             "", "| backend | TTFT s | decode tok/s | tokens | x llama.cpp decode | x llama.cpp TTFT |",
             "| --- | --- | --- | --- | --- | --- |"]
    for name, r in rows:
        if "error" in r:
            lines.append(f"| {name} | failed: {r['error']} | | | | |")
            continue
        ratio = (f"{r['decode_tok_s'] / ref['decode_tok_s']:.2f}", f"{r['ttft_s'] / ref['ttft_s']:.2f}") if ref \
            else ("n/a", "n/a")
        lines.append(f"| {name} | {r['ttft_s']:.3f} | {r['decode_tok_s']:.1f} | {r['tokens']} | {ratio[0]} | {ratio[1]} |")
    if ref is None:
        lines.append("\nllama.cpp reference unavailable (pip install '.[llamacpp]'); no ratios.")
    return "\n".join(lines)
