"""Fine-tune the LoRA adapter: generate data (if missing) → train → evaluate → publish with a report card.

    shopassist finetune --config configs/finetune/cpu-smollm2.yaml            # what `make finetune` runs
    shopassist finetune --config configs/finetune/cpu-smollm2.yaml --resume   # continue a killed run
    shopassist finetune --extra-data runs/transcripts/thumbs_up.jsonl         # add exported chats
    shopassist finetune --train.max_steps 10 --report.enabled false           # a quick try

The adapter and its model card (README.md with the report card table and plot) are published
together to ``train.adapter_dir`` by renames, so the chat never loads a half-written adapter.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

from assistant.config import add_config_arguments, config_from_args, to_dict
from finetune.config import FinetuneConfig

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--resume", action="store_true", help="continue from the newest checkpoint in train.output_dir")
    parser.add_argument("--extra-data", action="append", default=[], metavar="FILE.jsonl",
                        help="chat-format JSONL ({'messages': [...]}) added to the training data; repeatable")
    parser.add_argument("--regenerate", action="store_true", help="rebuild the training data even if it exists")
    add_config_arguments(parser, FinetuneConfig)


def ensure_data(cfg: FinetuneConfig, regenerate: bool = False) -> Path:
    from finetune.data import generate

    out = Path(cfg.data.out_dir)
    if regenerate or not all((out / f).exists() for f in ("train.jsonl", "test.jsonl", "data_card.json")):
        d = cfg.data
        card = generate(out, seed=d.seed, dialogues=d.dialogues, validation_share=d.validation_share,
                        test_share=d.test_share, reply_share=d.reply_share, catalog=d.catalog,
                        policies_dir=d.policies_dir, dev_path=cfg.report.dev_dialogues)
        log.info("generated training data in %s: %s", out,
                 {s: c["examples"] for s, c in card["splits"].items()})
    return out


def evaluate(cfg: FinetuneConfig, model, tokenizer, data_dir: Path) -> dict:
    """Base (adapter disabled) vs adapter, on the same loaded model."""
    from finetune.data import load_catalog
    from finetune.report import evaluate_model

    names = [i.name for i in load_catalog(cfg.data.catalog)]
    args = (data_dir, cfg.report.dev_dialogues, cfg.report.max_state_turns, cfg.report.max_reply_examples, names)
    model.eval()
    with model.disable_adapter():
        base = evaluate_model(model, tokenizer, *args)
    return {"base": base, "adapter": evaluate_model(model, tokenizer, *args)}


def run(args: argparse.Namespace) -> int:
    from finetune import report
    from finetune.train import publish, train

    cfg = config_from_args(FinetuneConfig, args)
    cfg.data.extra_data = list(cfg.data.extra_data) + list(args.extra_data)
    started = time.perf_counter()
    data_dir = ensure_data(cfg, args.regenerate)
    trainer = train(cfg, data_dir, resume=args.resume)
    state = trainer.state
    logs = [h for h in state.log_history if "train_loss" in h]
    summary = {"steps": state.global_step, "planned_steps": state.max_steps, "train_loss": round(logs[-1]["train_loss"], 4) if logs else None,
               "tokens_per_s": round(state.num_input_tokens_seen / max(logs[-1]["train_runtime"], 1e-9), 1) if logs else None,
               "minutes": round((time.perf_counter() - started) / 60, 1)}
    files: dict[str, str | bytes] = {"training_summary.json": json.dumps(summary, indent=1)}
    data_card = json.loads((data_dir / "data_card.json").read_text())
    if cfg.report.enabled:
        results = evaluate(cfg, trainer.model, trainer.processing_class, data_dir)
        print(report.table(results))
        plot_path = Path(cfg.train.output_dir) / "report_card.png"
        report.plot(results, plot_path)
        files["report_card.png"] = plot_path.read_bytes()
        files["report_card.json"] = json.dumps(results, indent=1, ensure_ascii=False)
        files["README.md"] = report.model_card(to_dict(cfg), results, data_card, summary,
                                               (cfg.report.max_state_turns, cfg.report.max_reply_examples))
    else:
        files["README.md"] = report.model_card(to_dict(cfg), {}, data_card, summary, (0, 0))
    target = publish(trainer.model, cfg.train.adapter_dir, files)
    summary["minutes"] = round((time.perf_counter() - started) / 60, 1)
    print(f"published adapter to {target} ({summary})")
    return 0
