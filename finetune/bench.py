"""Training throughput: the project's loop (length-grouped batches, padded to each batch's longest)
vs a naive loop (random batches padded to max_seq_len), same model, data, LoRA and step count.

    shopassist bench --only finetune
    python -m finetune.bench --examples 32

Both loops go over the same examples once; tokens/s counts real (non-padding) tokens, so the
ratio is the wall-time saving on the same work. Bounded to a few minutes on 2 CPU cores.
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

from assistant.config import load_config
from finetune.config import FinetuneConfig

CONFIG = "configs/finetune/cpu-gemma3.yaml"


def measure(cfg: FinetuneConfig, conversations: list, batching: str, steps: int) -> tuple[float, int, float]:
    """(tokens/s, real tokens, seconds) for ``steps`` optimizer steps of one batching mode."""
    from assistant.chat_format import format_for
    from assistant.model_loader import load_model
    from finetune.train import build_trainer, tokenize_all, wrap_lora

    cfg.train.batching = batching
    model, tokenizer = load_model(cfg.model, for_training=True)
    model = wrap_lora(model, cfg)
    rows = tokenize_all(tokenizer, conversations, cfg.train.max_seq_len, format_for(cfg.model.base_model))
    with tempfile.TemporaryDirectory() as out:
        cfg.train.output_dir = out
        cfg.train.max_steps, cfg.train.save_steps, cfg.train.max_minutes = steps, 10 ** 6, 0
        trainer = build_trainer(cfg, model, tokenizer, rows, [])
        t0 = time.perf_counter()
        trainer.train()
        seconds = time.perf_counter() - t0
    tokens = trainer.state.num_input_tokens_seen
    return tokens / seconds, tokens, seconds


def run(examples: int = 32, config: str = CONFIG) -> str:
    from finetune.data import generate
    from finetune.train import read_conversations

    cfg = load_config(FinetuneConfig, config if Path(config).exists() else None)
    with tempfile.TemporaryDirectory() as data:
        generate(data, seed=1, dialogues=40)
        conversations = read_conversations(Path(data) / "train.jsonl")
    conversations = random.Random(0).sample(conversations, min(examples, len(conversations)))
    steps = max(1, len(conversations) // cfg.train.batch_size)  # one pass over the sample
    rows = []
    for mode in ("padded", "length_grouped"):
        rows.append((mode, *measure(load_config(FinetuneConfig, config if Path(config).exists() else None),
                                    conversations, mode, steps)))
    ratio = rows[1][1] / rows[0][1]
    lines = [f"finetune: LoRA training ({cfg.model.quantization}), {cfg.model.base_model}, batch {cfg.train.batch_size}, "
             f"max_seq_len {cfg.train.max_seq_len}, {len(conversations)} examples ({steps} steps)",
             "| loop | real tokens/s | real tokens | seconds |", "| --- | --- | --- | --- |"]
    lines += [f"| {m} | {tps:.1f} | {tok} | {sec:.1f} |" for m, tps, tok, sec in rows]
    lines.append(f"length-grouped vs padded-to-max: {ratio:.2f}x (target >= 1.5x)")
    return "\n".join(lines)


if __name__ == "__main__":
    import argparse

    p = argparse.ArgumentParser(description="QLoRA training throughput benchmark")
    p.add_argument("--examples", type=int, default=32)
    p.add_argument("--config", default=CONFIG)
    a = p.parse_args()
    print(run(a.examples, a.config))
