"""Benchmarks: print figures and ratios, never assert them.

    shopassist bench                      # every section
    shopassist bench --only model         # the LM runtime: load, TTFT, decode tok/s, memory
    shopassist bench --only knowledge,finetune,backends

The model section runs each configuration (quantization x compute dtype) in its own process so
peak RSS belongs to that configuration alone: same prompt, greedy, 80 new tokens, 2 threads.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

PROMPT = [{"role": "user", "content": "I need a quiet dishwasher for a small kitchen. What should I look for?"}]
MODEL_CONFIGS = [("none", "float32"), ("none", "bfloat16"), ("nf4", "float32"), ("nf4", "bfloat16")]

# section name -> "module:function" returning a printable table
SECTIONS = {
    "model": "assistant.bench:model_section",
    "backends": "assistant.bench_backends:run",
    "knowledge": "knowledge.bench:run",
    "dialogue": "assistant.dialogue.bench:run",
    "finetune": "finetune.bench:run",
    "bundles": "knowledge.bundle_bench:run",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--only", default="", help=f"comma-separated sections of {list(SECTIONS)}")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--new-tokens", type=int, default=80)
    parser.add_argument("--json", default=None, help="also write the model figures here")


def run(args: argparse.Namespace) -> int:
    wanted = [s.strip() for s in args.only.split(",") if s.strip()] or list(SECTIONS)
    unknown = set(wanted) - set(SECTIONS)
    if unknown:
        print(f"unknown bench section(s) {sorted(unknown)}; choose from {list(SECTIONS)}", file=sys.stderr)
        return 2
    for name in wanted:
        module_name, _, func = SECTIONS[name].partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            print(f"\n## {name}: not available in this checkout\n")
            continue
        print(f"\n## {name}\n", flush=True)
        if name == "model":
            print(model_section(args.threads, args.new_tokens, args.json), flush=True)
        else:
            print(getattr(module, func)(), flush=True)
    return 0


# --- model section -------------------------------------------------------------------------------

def model_section(threads: int = 2, new_tokens: int = 80, json_out: str | None = None) -> str:
    rows = []
    with tempfile.TemporaryDirectory(prefix="shopassist-bench-") as cold_cache:
        # Cold: an empty cache, so the GGUF is dequantised and converted first.
        cold = _worker("nf4", "bfloat16", threads, new_tokens, cache=cold_cache)
        rows.append(("cold load (GGUF convert + nf4)", cold))
        for quant, dtype in MODEL_CONFIGS:
            rows.append((f"{quant} / {dtype}", _worker(quant, dtype, threads, new_tokens, cache=cold_cache)))
    fp32 = next(r for name, r in rows if name == "none / float32")
    lines = [f"SmolLM2-135M-Instruct, {threads} threads, greedy, {new_tokens} new tokens, no adapter",
             "", "| config | load s | TTFT s | decode tok/s | footprint MB | x fp32 | peak RSS MB |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for name, r in rows:
        lines.append(f"| {name} | {r['load_s']:.2f} | {r['ttft_s']:.3f} | {r['decode_tok_s']:.1f} | "
                     f"{r['footprint_mb']:.0f} | {r['footprint_mb'] / fp32['footprint_mb']:.2f} | "
                     f"{r['peak_rss_mb']:.0f} |")
    lines.append("")
    lines.append("Targets: nf4 footprint <= 0.35x fp32; decode: llama.cpp ~90 tok/s on this CPU (see backends).")
    if json_out:
        with open(json_out, "w") as f:
            json.dump({name: r for name, r in rows}, f, indent=1)
    return "\n".join(lines)


def _worker(quant: str, dtype: str, threads: int, new_tokens: int, cache: str) -> dict:
    env = dict(os.environ, SHOPASSIST_CACHE=cache, HF_HUB_OFFLINE="1", OMP_NUM_THREADS=str(threads))
    cmd = [sys.executable, "-m", "assistant.bench", "--worker", quant, dtype, str(threads), str(new_tokens)]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"bench worker {quant}/{dtype} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _measure(quant: str, dtype: str, threads: int, new_tokens: int) -> dict:
    import torch
    from transformers.generation.streamers import BaseStreamer

    from assistant.model_config import ModelConfig
    from assistant.model_loader import load_model

    torch.set_num_threads(threads)
    cfg = ModelConfig(quantization=quant, compute_dtype=dtype, adapter="", device="cpu", threads=threads)
    t0 = time.perf_counter()
    model, tokenizer = load_model(cfg)
    load_s = time.perf_counter() - t0

    class Clock(BaseStreamer):
        def __init__(self):
            self.times: list[float] = []

        def put(self, value):
            self.times.append(time.perf_counter())

        def end(self):
            pass

    enc = tokenizer.apply_chat_template(PROMPT, add_generation_prompt=True, return_tensors="pt", return_dict=True)
    clock = Clock()
    start = time.perf_counter()
    with torch.inference_mode():
        model.generate(**enc, max_new_tokens=new_tokens, min_new_tokens=new_tokens, do_sample=False,
                       temperature=None, top_p=None, top_k=None, streamer=clock,
                       pad_token_id=tokenizer.eos_token_id)
    # put() is called once with the prompt, then once per new token.
    token_times = clock.times[1:]
    ttft = token_times[0] - start
    decode = (len(token_times) - 1) / (token_times[-1] - token_times[0])
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"load_s": load_s, "ttft_s": ttft, "decode_tok_s": decode,
            "footprint_mb": model.get_memory_footprint() / 1e6, "peak_rss_mb": peak_kb / 1024}


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--worker":
        print(json.dumps(_measure(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))))
    else:
        parser = argparse.ArgumentParser()
        add_arguments(parser)
        sys.exit(run(parser.parse_args()))
