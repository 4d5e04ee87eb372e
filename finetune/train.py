"""LoRA training: a LoRA adapter on every attention and MLP projection of the base (NF4 QLoRA on a GPU,
bf16 LoRA on the CPU where it measured faster; ``model.quantization`` decides).

    shopassist finetune --config configs/finetune/cpu-smollm2.yaml          # the whole pipeline
    shopassist finetune --config configs/finetune/cpu-smollm2.yaml --resume # continue a killed run

The transformers ``Trainer`` runs the loop: length-grouped batches padded only to their longest
example, loss on assistant tokens only (``finetune.collate``), a checkpoint every ``save_steps``
(``--resume`` continues from the newest one and ends at the same step), metrics to
``<output_dir>/metrics.csv`` and optionally TensorBoard. ``publish`` swaps the finished adapter into
place with renames, so a chat starting meanwhile sees the old adapter or the new one, never half.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, Iterable, Sequence

from finetune.collate import Collator, encode
from finetune.config import FinetuneConfig

log = logging.getLogger(__name__)


def read_conversations(path: str | Path) -> list[list[dict[str, str]]]:
    """The ``messages`` of every line of a chat JSONL file; a bad line fails with its file and line number."""
    out = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            messages = json.loads(line)["messages"]
            if not all(isinstance(m["content"], str) and m["role"] in ("system", "user", "assistant")
                       for m in messages):
                raise ValueError("each message needs a role (system/user/assistant) and text content")
        except (ValueError, KeyError, TypeError) as e:
            raise ValueError(f"{path}:{n}: not a chat example with 'messages' ({e})") from None
        out.append(messages)
    return out


def tokenize_all(tokenizer, conversations: Iterable[Sequence[dict]], max_len: int, fmt: str) -> list[dict[str, list[int]]]:
    """Token rows in the chat format ``fmt`` (``assistant.chat_format``), exactly as the model is prompted."""
    rows = [encode(tokenizer, c, max_len, fmt) for c in conversations]
    return [r for r in rows if r is not None]


def wrap_lora(model, cfg: FinetuneConfig):
    from peft import LoraConfig, get_peft_model

    if cfg.train.gradient_checkpointing:
        model.gradient_checkpointing_enable()
        model.enable_input_require_grads()  # LoRA inputs need grads when activations are recomputed
    layers = None
    if cfg.lora.top_layers > 0:
        n = model.config.get_text_config().num_hidden_layers
        layers = list(range(max(0, n - cfg.lora.top_layers), n))
    lora = LoraConfig(task_type="CAUSAL_LM", r=cfg.lora.r, lora_alpha=cfg.lora.alpha,
                      lora_dropout=cfg.lora.dropout, target_modules=list(cfg.lora.target_modules),
                      layers_to_transform=layers, layers_pattern="layers" if layers else None)
    return get_peft_model(model, lora)


METRIC_FIELDS = ("step", "epoch", "loss", "eval_loss", "learning_rate", "grad_norm", "tokens_per_s", "tokens_seen")


def metrics_callback(path: Path):
    """A callback that adds tokens/s to the logs (shown on the progress bar) and appends each log to a CSV."""
    from transformers import TrainerCallback

    class MetricsCallback(TrainerCallback):
        def __init__(self):
            self.t0, self.tokens0 = time.perf_counter(), 0

        def on_train_begin(self, args, state, control, **kw):
            self.t0, self.tokens0 = time.perf_counter(), state.num_input_tokens_seen

        def on_log(self, args, state, control, logs=None, **kw):
            if logs is None:
                return
            elapsed = time.perf_counter() - self.t0
            if elapsed > 0 and state.num_input_tokens_seen:
                logs["tokens_per_s"] = round((state.num_input_tokens_seen - self.tokens0) / elapsed, 1)
            new = not path.exists()
            with path.open("a", newline="") as f:
                writer = csv.DictWriter(f, fieldnames=METRIC_FIELDS, extrasaction="ignore")
                if new:
                    writer.writeheader()
                writer.writerow({"step": state.global_step, "tokens_seen": state.num_input_tokens_seen, **logs})

    return MetricsCallback()


def time_budget_callback(minutes: float):
    """Ends training (with a final checkpoint) once ``minutes`` of training time are spent."""
    from transformers import TrainerCallback

    class TimeBudget(TrainerCallback):
        def on_train_begin(self, args, state, control, **kw):
            self.deadline = time.perf_counter() + minutes * 60

        def on_step_end(self, args, state, control, **kw):
            if time.perf_counter() > self.deadline:
                log.warning("time budget of %.1f minutes spent at step %d; stopping", minutes, state.global_step)
                control.should_training_stop = control.should_save = True

    return TimeBudget()


def last_checkpoint(output_dir: str | Path) -> str | None:
    from transformers.trainer_utils import get_last_checkpoint

    return get_last_checkpoint(str(output_dir)) if Path(output_dir).is_dir() else None


def target_only_trainer():
    """A ``Trainer`` whose loss projects onto the vocabulary only where a label is learnt.

    Why: the prompt is ~85% of every example and carries no loss, yet the default forward computes
    logits for every position. Gemma 3 270M's output layer (640 x 262,144) costs more than its 18
    layers together, so projecting only the target positions (``logits_to_keep`` with a boolean mask)
    roughly halves a CPU training step. The loss is the same token-mean cross entropy."""
    import torch
    import torch.nn.functional as F
    from transformers import Trainer

    from finetune.collate import IGNORE

    class TargetOnlyLossTrainer(Trainer):
        loss_is_scaled_for_ga = False  # a per-batch mean: the Trainer divides by the accumulation steps

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            labels = inputs["labels"]
            keep = torch.zeros_like(labels, dtype=torch.bool)
            keep[:, :-1] = labels[:, 1:] != IGNORE  # position t predicts token t+1
            targets = labels[:, 1:][keep[:, :-1]]
            outputs = model(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"],
                            logits_to_keep=keep)
            logits = outputs.logits.reshape(-1, outputs.logits.shape[-1]).float()
            loss = F.cross_entropy(logits, targets)
            return (loss, outputs) if return_outputs else loss

    return TargetOnlyLossTrainer


def build_trainer(cfg: FinetuneConfig, model, tokenizer, train_rows: list[dict], eval_rows: list[dict],
                  callbacks: Sequence[Any] = ()):
    from transformers import TrainingArguments

    Trainer = target_only_trainer()
    t = cfg.train
    out = Path(t.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    grouped = t.batching == "length_grouped"
    eval_on = bool(eval_rows) and t.eval_steps > 0
    args = TrainingArguments(
        output_dir=str(out), per_device_train_batch_size=t.batch_size, per_device_eval_batch_size=t.batch_size,
        gradient_accumulation_steps=t.grad_accum, num_train_epochs=t.epochs, max_steps=t.max_steps,
        learning_rate=t.learning_rate, warmup_steps=t.warmup_ratio, weight_decay=t.weight_decay,
        lr_scheduler_type="cosine", optim=t.optimizer, logging_steps=t.logging_steps,
        save_strategy="steps", save_steps=t.save_steps, save_total_limit=t.save_total_limit,
        eval_strategy="steps" if eval_on else "no", eval_steps=t.eval_steps if eval_on else None,
        train_sampling_strategy="group_by_length" if grouped else "random",
        include_num_input_tokens_seen="non_padding", remove_unused_columns=False,
        report_to=["tensorboard"] if t.tensorboard else "none", seed=t.seed, data_seed=t.seed,
        use_cpu=not _on_cuda(model), bf16=_on_cuda(model) and cfg.model.compute_dtype in ("auto", "bfloat16"),
        dataloader_num_workers=0, disable_tqdm=False)
    extra = [metrics_callback(out / "metrics.csv"), *callbacks]
    if t.max_minutes > 0:
        extra.append(time_budget_callback(t.max_minutes))
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    return Trainer(model=model, args=args, train_dataset=train_rows, eval_dataset=eval_rows if eval_on else None,
                   data_collator=Collator(pad, pad_to=None if grouped else t.max_seq_len), processing_class=tokenizer,
                   callbacks=extra)


def _on_cuda(model) -> bool:
    return next(model.parameters()).device.type == "cuda"


def train(cfg: FinetuneConfig, data_dir: str | Path, *, resume: bool = False, callbacks: Sequence[Any] = ()):
    """Train an adapter on ``data_dir/train.jsonl`` (+ ``cfg.data.extra_data``); returns the trainer."""
    from assistant.chat_format import format_for
    from assistant.model_loader import load_model

    fmt = format_for(cfg.model.base_model)
    conversations = read_conversations(Path(data_dir) / "train.jsonl")
    for extra in cfg.data.extra_data:
        conversations += read_conversations(extra)
    model, tokenizer = load_model(cfg.model, for_training=True)
    model = wrap_lora(model, cfg)
    train_rows = tokenize_all(tokenizer, conversations, cfg.train.max_seq_len, fmt)
    val_path = Path(data_dir) / "validation.jsonl"
    eval_rows = tokenize_all(tokenizer, read_conversations(val_path), cfg.train.max_seq_len, fmt) if val_path.exists() else []
    log.info("training on %d examples (%d tokens, chat format %s)", len(train_rows), sum(len(r["input_ids"]) for r in train_rows), fmt)
    trainer = build_trainer(cfg, model, tokenizer, train_rows, eval_rows, callbacks)
    checkpoint = last_checkpoint(cfg.train.output_dir) if resume else None
    if resume and checkpoint is None:
        log.warning("--resume: no checkpoint in %s; starting from step 0", cfg.train.output_dir)
    if not resume:
        clear_run(cfg.train.output_dir)
    trainer.train(resume_from_checkpoint=checkpoint)
    return trainer


def clear_run(output_dir: str | Path) -> None:
    """A fresh run replaces the previous run's checkpoints and metrics: a later ``--resume`` must continue
    this run, not an older one trained on other data, and metrics.csv must describe one run."""
    out = Path(output_dir)
    checkpoints = sorted(out.glob("checkpoint-*"))
    old = checkpoints + [p for p in (out / "metrics.csv",) if p.exists()]
    if old:
        log.info("new run: removing the previous run's %d checkpoint(s) and metrics in %s", len(checkpoints), out)
    for p in old:
        if p.is_dir():
            shutil.rmtree(p)
        else:
            p.unlink()


def publish(model, target: str | Path, files: dict[str, str | bytes] | None = None, base_model: str = "") -> Path:
    """Save the adapter (plus extra files, e.g. the model card) next to ``target`` and swap it in.

    Two renames: the old adapter moves aside, the complete new one takes its name. A reader sees
    either the old folder or the new one; only a crash between the renames leaves no folder (the
    old one is then still beside it, named ``.<name>.old-*``)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        tmp.chmod(0o755)  # mkdtemp's 0700 would hide the adapter from the chat's user on a shared install
        model.save_pretrained(str(tmp))
        for f in tmp.iterdir():
            f.chmod(0o644)
        if base_model:  # the spec the user configured, not this machine's cache path of the converted base
            config_path = tmp / "adapter_config.json"
            adapter_config = json.loads(config_path.read_text())
            adapter_config["base_model_name_or_path"] = base_model
            config_path.write_text(json.dumps(adapter_config, indent=2))
        for name, content in (files or {}).items():
            mode = "wb" if isinstance(content, bytes) else "w"
            with open(tmp / name, mode) as f:
                f.write(content)
        old = None
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            os.replace(target, old / target.name)
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target
