"""Fine-tune the LoRA adapter: generate data (if missing) → train → evaluate → publish with a report card.

    shopassist finetune --config configs/finetune/cpu-gemma3.yaml            # what `make finetune` runs
    shopassist finetune --config configs/finetune/cpu-gemma3.yaml --resume   # continue a killed run
    shopassist finetune --extra-data runs/transcripts/thumbs_up.jsonl         # add exported chats
    shopassist finetune --train.max_steps 10 --report.enabled false           # a quick try
    shopassist finetune --config configs/finetune/cpu-gemma3.yaml --report-only  # re-score the published adapter

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
    parser.add_argument("--report-only", action="store_true",
                        help="no training: re-evaluate the published adapter and rewrite its report card")
    add_config_arguments(parser, FinetuneConfig)


def ensure_data(cfg: FinetuneConfig, regenerate: bool = False) -> Path:
    """The training data for ``cfg``: generated when missing, or when it was made with other settings."""
    from finetune.data import generate

    out = Path(cfg.data.out_dir)
    d = cfg.data
    settings = {"seed": d.seed, "dialogues": d.dialogues, "validation_share": d.validation_share,
                "test_share": d.test_share, "reply_share": d.reply_share, "chinese_share": d.chinese_share,
                "catalog": str(d.catalog), "policies_dir": str(d.policies_dir), "generator": generator_version()}
    card_path = out / "data_card.json"
    have = all((out / f).exists() for f in ("train.jsonl", "test.jsonl", "data_card.json"))
    if have and not regenerate and json.loads(card_path.read_text()).get("generated_with") != settings:
        log.info("the training data in %s was generated with other settings; generating it again", out)
        regenerate = True
    if regenerate or not have:
        card = generate(out, seed=d.seed, dialogues=d.dialogues, validation_share=d.validation_share,
                        test_share=d.test_share, reply_share=d.reply_share, chinese_share=d.chinese_share,
                        catalog=d.catalog, policies_dir=d.policies_dir, dev_path=cfg.report.dev_dialogues)
        card["generated_with"] = settings
        card_path.write_text(json.dumps(card, indent=1, ensure_ascii=False))
        log.info("generated training data in %s: %s", out,
                 {s: c["examples"] for s, c in card["splits"].items()})
    return out


def generator_version() -> str:
    """A digest of the generator, its phrase banks and the number reader: data made by other code is remade."""
    import hashlib

    import assistant.numbers
    import assistant.prompts
    import finetune.data
    import finetune.phrases

    h = hashlib.sha256()
    for module in (finetune.data, finetune.phrases, assistant.numbers, assistant.prompts):
        h.update(Path(module.__file__).read_bytes())
    return h.hexdigest()[:12]


def report_card_files(cfg: FinetuneConfig, model, tokenizer, data_dir: Path, summary: dict,
                      config_path: str = "") -> dict[str, str | bytes]:
    """Evaluate and render the card: README.md (table + plot), report_card.png and report_card.json."""
    from assistant.chat_format import format_for
    from finetune import report
    from finetune.data import load_products

    r = cfg.report
    data_card = json.loads((data_dir / "data_card.json").read_text())
    results = report.evaluate(model, tokenizer, format_for(cfg.model.base_model), data_dir,
                              dev_path=r.dev_dialogues, unseen_path=r.unseen_dialogues, max_turns=r.max_state_turns,
                              base_max_turns=r.base_max_state_turns, max_replies=r.max_reply_examples,
                              products=load_products(cfg.data.catalog), batch_size=r.batch_size,
                              generated_test=r.generated_test,
                              progress=lambda m: log.info(m))
    print(report.table(results))
    plot_path = Path(cfg.train.output_dir) / "report_card.png"
    plot_path.parent.mkdir(parents=True, exist_ok=True)
    report.plot(results, plot_path)
    return {"report_card.png": plot_path.read_bytes(),
            "report_card.json": json.dumps(results, indent=1, ensure_ascii=False),
            "README.md": report.model_card(to_dict(cfg), results, data_card, summary, config_path)}


def report_only(cfg: FinetuneConfig, config_path: str = "") -> int:
    """Re-evaluate the published adapter and rewrite its card (no training)."""
    from dataclasses import replace

    from assistant.model_loader import load_model
    from finetune.train import publish

    adapter_dir = Path(cfg.train.adapter_dir)
    summary_path = adapter_dir / "training_summary.json"
    if not summary_path.is_file():
        raise SystemExit(f"--report-only: no published adapter in {adapter_dir}; train one first")
    data_dir = ensure_data(cfg)
    model, tokenizer = load_model(replace(cfg.model, adapter=str(adapter_dir)))
    summary = json.loads(summary_path.read_text())
    files = {"training_summary.json": summary_path.read_text(),
             **report_card_files(cfg, model, tokenizer, data_dir, summary, config_path)}
    print(f"rewrote the report card of {publish(model, adapter_dir, files, cfg.model.base_model)}")
    return 0


def run(args: argparse.Namespace) -> int:
    from finetune import report
    from finetune.train import publish, train

    cfg = config_from_args(FinetuneConfig, args)
    if args.report_only:
        if args.resume or args.extra_data:
            raise SystemExit("--report-only trains nothing: it cannot be combined with --resume or --extra-data")
        return report_only(cfg, str(args.config) if getattr(args, "config", None) else "")
    cfg.data.extra_data = list(cfg.data.extra_data) + list(args.extra_data)
    started = time.perf_counter()
    data_dir = ensure_data(cfg, args.regenerate)
    trainer = train(cfg, data_dir, resume=args.resume)
    state = trainer.state
    logs = [h for h in state.log_history if "train_loss" in h]
    from assistant.chat_format import format_for

    config_path = str(args.config) if getattr(args, "config", None) else ""
    summary = {"steps": state.global_step, "planned_steps": state.max_steps, "train_loss": round(logs[-1]["train_loss"], 4) if logs else None,
               "tokens_per_s": round(state.num_input_tokens_seen / max(logs[-1]["train_runtime"], 1e-9), 1) if logs else None,
               "minutes": round(logs[-1]["train_runtime"] / 60, 1) if logs else None,
               "chat_format": format_for(cfg.model.base_model), "base_model": cfg.model.base_model,
               "dtype": str(next(trainer.model.parameters()).dtype).replace("torch.", "")}
    files: dict[str, str | bytes] = {"training_summary.json": json.dumps(summary, indent=1)}
    data_card = json.loads((data_dir / "data_card.json").read_text())
    # Publish the trained adapter before the (slow, CPU-decoding) evaluation, so a run stopped during the
    # report card still leaves a usable adapter; the card is added by a second atomic publish.
    files["README.md"] = report.model_card(to_dict(cfg), {}, data_card, summary, config_path)
    target = publish(trainer.model, cfg.train.adapter_dir, files, cfg.model.base_model)
    log.info("published adapter to %s; evaluating for the report card", target)
    if cfg.report.enabled:
        files.update(report_card_files(cfg, trainer.model, trainer.processing_class, data_dir, summary, config_path))
        target = publish(trainer.model, cfg.train.adapter_dir, files, cfg.model.base_model)
    summary["total_minutes"] = round((time.perf_counter() - started) / 60, 1)
    print(f"published adapter to {target} ({summary})")
    return 0
