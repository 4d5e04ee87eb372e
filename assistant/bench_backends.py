"""Benchmark the LLM backends: time to first token and decode tokens/s, as ratios to llama.cpp on the base GGUF.

    shopassist bench --only backends
    python -c "from assistant.bench_backends import run; print(run())"

Every available backend runs the default model with the same prompt, 2 threads, greedy, 80 new
tokens, one warm-up call first, then five interleaved rounds (medians reported): transformers NF4 and bf16 (the adapter attached when one is
trained), llama.cpp on the plain base GGUF (the reference) and on the same base with the adapter as a
LoRA GGUF applied at load time (the default CPU chat path), through xllamacpp and, when installed, llama-cpp-python.
Tokens are counted with the model's tokenizer on the finished reply, so every backend is counted alike.
"""

from __future__ import annotations

import statistics
import time
from typing import Callable

from assistant.bench import PROMPT
from assistant.model_config import ModelConfig

THREADS = 2
NEW_TOKENS = 80
ROUNDS = 5


def candidates() -> list[tuple[str, Callable[[], object]]]:
    """(row name, backend factory); factories run one at a time, so only one model is loaded at once."""
    from assistant.backends import make_backend
    from assistant.probes import has

    rows = []
    if has("xllamacpp"):
        rows += [("llama.cpp (xllamacpp), base GGUF (Q4_1)", lambda: make_backend(
                     ModelConfig(backend="xllamacpp", adapter="", threads=THREADS))),
                 ("llama.cpp (xllamacpp), base GGUF + LoRA GGUF: the CPU chat default", lambda: make_backend(
                     ModelConfig(backend="xllamacpp", threads=THREADS)))]
    if has("llama_cpp"):
        rows += [("llamacpp, base GGUF (Q4_1)", lambda: make_backend(
                     ModelConfig(backend="llamacpp", adapter="", threads=THREADS))),
                 ("llamacpp, base GGUF + LoRA GGUF", lambda: make_backend(
                     ModelConfig(backend="llamacpp", threads=THREADS)))]
    for quant in ("nf4", "none"):
        rows.append((f"transformers {quant} / bf16", lambda quant=quant: make_backend(
            ModelConfig(backend="transformers", quantization=quant, compute_dtype="bfloat16", threads=THREADS))))
    return rows


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
    loaded, failed = [], []
    for name, factory in candidates():
        try:
            loaded.append((name, factory()))
        except Exception as e:  # one backend failing must not hide the others' figures
            failed.append((name, {"error": f"{type(e).__name__}: {e}"[:120]}))
    # Rounds interleave the backends, and each figure is the median of its rounds: on a shared 2-core
    # machine, whichever backend ran first or last would otherwise get the quiet (or busy) minute.
    runs: dict[str, list[dict]] = {name: [] for name, _ in loaded}
    for _ in range(ROUNDS):
        for name, llm in loaded:
            try:
                runs[name].append(measure(llm, count_tokens))
            except Exception as e:
                failed.append((name, {"error": f"{type(e).__name__}: {e}"[:120]}))
    rows = [(name, {k: statistics.median(r[k] for r in results) for k in ("ttft_s", "decode_tok_s", "tokens")})
            for name, results in runs.items() if results and name not in dict(failed)] + failed
    # The reference: llama.cpp on the plain base GGUF (llama-cpp-python's build when installed, else xllamacpp's).
    ref_name, ref = next(((name, r) for name, r in sorted(rows, key=lambda x: not x[0].startswith("llamacpp"))
                          if "base GGUF" in name and "llama" in name and "error" not in r), (None, None))
    lines = [f"SmolLM2-135M-Instruct, {THREADS} threads, greedy, {NEW_TOKENS} new tokens, adapter: "
             f"{adapter or 'none trained yet (the LoRA rows run the base alone)'}",
             f"reference (1.00x): {ref_name or 'none'}",
             "", "| backend | TTFT s | decode tok/s | tokens | x llama.cpp decode | x llama.cpp TTFT |",
             "| --- | --- | --- | --- | --- | --- |"]
    for name, r in rows:
        if "error" in r:
            lines.append(f"| {name} | failed: {r['error']} | | | | |")
            continue
        ratio = (f"{r['decode_tok_s'] / ref['decode_tok_s']:.2f}", f"{r['ttft_s'] / ref['ttft_s']:.2f}") if ref \
            else ("n/a", "n/a")
        lines.append(f"| {name} | {r['ttft_s']:.3f} | {r['decode_tok_s']:.1f} | {r['tokens']:.0f} | {ratio[0]} | {ratio[1]} |")
    if ref is None:
        lines.append("\nllama.cpp reference unavailable (pip install xllamacpp, or '.[llamacpp]'); no ratios.")
    return "\n".join(lines)
