"""QLoRA training smoke test on the tiny random Llama: checkpoints, frozen base, changed adapter,
kill-and-resume to the same final step, atomic publish, and the whole `shopassist finetune` run."""

from __future__ import annotations

import json

import pytest

from assistant.config import load_config
from finetune.config import FinetuneConfig
from finetune.data import generate


class Killed(RuntimeError):
    pass


def kill_after(step: int):
    from transformers import TrainerCallback

    class Kill(TrainerCallback):
        def on_step_end(self, args, state, control, **kw):
            if state.global_step >= step:
                raise Killed(f"simulated kill after step {step}")

    return Kill()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("ftdata")
    generate(out, seed=3, dialogues=20)
    return out


def tiny_cfg(tiny_model_dir, tmp_path, **overrides) -> FinetuneConfig:
    base = {"model.base_model": str(tiny_model_dir), "model.quantization": "nf4", "model.device": "cpu",
            "model.compute_dtype": "float32", "train.output_dir": str(tmp_path / "ckpt"),
            "train.adapter_dir": str(tmp_path / "adapter"), "train.max_steps": 6, "train.save_steps": 2,
            "train.batch_size": 2, "train.max_seq_len": 192, "train.logging_steps": 1,
            "data.out_dir": str(tmp_path / "data"), "data.dialogues": 12, "report.dev_dialogues": "",
            "report.unseen_dialogues": "", "report.max_state_turns": 3, "report.base_max_state_turns": 3,
            "report.max_reply_examples": 2}
    base.update(overrides)
    return load_config(FinetuneConfig, None, base)


def base_weights(model) -> dict:
    return {n: p.detach().clone() for n, p in model.named_parameters() if "lora_" not in n}


def lora_weights(model) -> dict:
    return {n: p.detach().clone() for n, p in model.named_parameters() if "lora_B" in n}


def test_train_checkpoints_freeze_base_and_change_adapter(tiny_model_dir, tmp_path, data_dir):
    from finetune.train import publish, train

    cfg = tiny_cfg(tiny_model_dir, tmp_path)
    captured = {}

    from transformers import TrainerCallback

    class Snapshot(TrainerCallback):
        def on_train_begin(self, args, state, control, model=None, **kw):
            captured["base"], captured["lora"] = base_weights(model), lora_weights(model)

    trainer = train(cfg, data_dir, callbacks=[Snapshot()])
    assert trainer.state.global_step == 6
    ckpts = sorted(p.name for p in (tmp_path / "ckpt").glob("checkpoint-*"))
    assert ckpts == ["checkpoint-4", "checkpoint-6"]  # save_total_limit 2 keeps the newest two
    assert (tmp_path / "ckpt" / "checkpoint-6" / "adapter_model.safetensors").exists()
    assert (tmp_path / "ckpt" / "checkpoint-6" / "optimizer.pt").exists()
    after_base, after_lora = base_weights(trainer.model), lora_weights(trainer.model)
    assert after_base.keys() == captured["base"].keys()
    assert all((after_base[n] == captured["base"][n]).all() for n in after_base)
    assert any(not (after_lora[n] == captured["lora"][n]).all() for n in after_lora)  # lora_B starts at 0
    rows = (tmp_path / "ckpt" / "metrics.csv").read_text().splitlines()
    assert rows[0].startswith("step,epoch,loss") and len(rows) >= 7

    target = publish(trainer.model, tmp_path / "adapter", {"README.md": "card"})
    assert {"adapter_config.json", "adapter_model.safetensors", "README.md"} <= {p.name for p in target.iterdir()}
    publish(trainer.model, target, {"README.md": "card 2"}, base_model="gguf:pkg/model.gguf")  # replacing one
    assert (target / "README.md").read_text() == "card 2"
    # Portable: the configured base, not this machine's cache path; readable by the chat's user.
    assert json.loads((target / "adapter_config.json").read_text())["base_model_name_or_path"] == "gguf:pkg/model.gguf"
    assert target.stat().st_mode & 0o777 == 0o755
    assert all(f.stat().st_mode & 0o777 == 0o644 for f in target.iterdir())
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".adapter")] == []


def test_killed_run_resumes_to_the_same_final_step(tiny_model_dir, tmp_path, data_dir):
    from finetune.train import train

    cfg = tiny_cfg(tiny_model_dir, tmp_path)
    with pytest.raises(Killed):
        train(cfg, data_dir, callbacks=[kill_after(5)])  # dies between checkpoint 4 and 6
    assert (tmp_path / "ckpt" / "checkpoint-4").is_dir()
    trainer = train(cfg, data_dir, resume=True)
    assert trainer.state.global_step == 6
    assert (tmp_path / "ckpt" / "checkpoint-6").is_dir()


def test_shopassist_finetune_end_to_end(tiny_model_dir, tmp_path):
    from assistant.cli import main

    extra = tmp_path / "thumbs_up.jsonl"
    extra.write_text(json.dumps({"messages": [{"role": "user", "content": "hi"},
                                              {"role": "assistant", "content": "Hello! What are you shopping for?"}]}) + "\n")
    cfg = tiny_cfg(tiny_model_dir, tmp_path, **{"train.max_steps": 2})
    args = ["finetune", "--extra-data", str(extra)]
    for key, value in [("model.base_model", cfg.model.base_model), ("model.compute_dtype", "float32"),
                       ("model.device", "cpu"), ("train.output_dir", cfg.train.output_dir),
                       ("train.adapter_dir", cfg.train.adapter_dir), ("train.max_steps", 2),
                       ("train.save_steps", 2), ("train.batch_size", 2), ("train.max_seq_len", 192),
                       ("data.out_dir", cfg.data.out_dir), ("data.dialogues", 12), ("report.dev_dialogues", ""),
                       ("report.unseen_dialogues", ""), ("report.max_state_turns", 3),
                       ("report.base_max_state_turns", 3), ("report.max_reply_examples", 2)]:
        args += [f"--{key}", str(value)]
    assert main(args) == 0
    adapter = tmp_path / "adapter"
    card = (adapter / "README.md").read_text()
    assert "| generated test: slot F1 |" in card and "| reply grounded (guard) |" in card
    assert (adapter / "report_card.png").stat().st_size > 1000
    assert (adapter / "adapter_model.safetensors").exists()
    assert (tmp_path / "data" / "data_card.json").exists()
    assert "| metric | rules | base | adapter | hybrid |" in card  # rules and hybrid beside base and adapter
    assert "Base model: `" + str(cfg.model.base_model) + "` (chat format `chatml`)" in card
    summary = (adapter / "training_summary.json").read_text()
    # --report-only re-scores the published adapter and rewrites its card, training nothing.
    (adapter / "README.md").write_text("stale")
    only = [a for a in args if a not in ("--extra-data", str(extra))] + ["--report-only"]
    assert main(only) == 0
    assert "| metric | rules | base | adapter | hybrid |" in (adapter / "README.md").read_text()
    assert (adapter / "training_summary.json").read_text() == summary


def test_data_is_regenerated_when_its_settings_change_and_a_new_run_clears_old_checkpoints(tmp_path):
    from finetune.cli import ensure_data
    from finetune.train import clear_run

    cfg = load_config(FinetuneConfig, None, {"data.out_dir": str(tmp_path / "data"), "data.dialogues": 10,
                                             "report.dev_dialogues": ""})
    out = ensure_data(cfg)
    first = (out / "train.jsonl").read_text()
    stamp = (out / "train.jsonl").stat().st_mtime_ns
    assert ensure_data(cfg) == out and (out / "train.jsonl").stat().st_mtime_ns == stamp  # reused
    cfg.data.seed += 1
    ensure_data(cfg)
    assert (out / "train.jsonl").read_text() != first
    assert json.loads((out / "data_card.json").read_text())["generated_with"]["seed"] == cfg.data.seed

    ckpt = tmp_path / "ckpt"
    (ckpt / "checkpoint-4").mkdir(parents=True)
    (ckpt / "metrics.csv").write_text("step\n")
    (ckpt / "runs").mkdir()
    clear_run(ckpt)
    assert sorted(p.name for p in ckpt.iterdir()) == ["runs"]


def test_bad_extra_data_names_file_and_line(tmp_path):
    from finetune.train import read_conversations

    bad = tmp_path / "x.jsonl"
    bad.write_text('{"messages": [{"role": "user", "content": "hi"}]}\n{"text": "no messages"}\n')
    with pytest.raises(ValueError, match=r"x\.jsonl:2"):
        read_conversations(bad)


def test_target_only_loss_equals_the_full_loss_and_top_layers_limit_the_adapter(tiny_model_dir, tmp_path, data_dir):
    """Projecting only labelled positions onto the vocabulary is a speed-up, not a different objective."""
    import torch

    from assistant.model_loader import load_model
    from finetune.collate import Collator
    from finetune.train import read_conversations, target_only_trainer, tokenize_all, wrap_lora

    cfg = tiny_cfg(tiny_model_dir, tmp_path, **{"model.quantization": "none", "lora.top_layers": 1})
    model, tokenizer = load_model(cfg.model, for_training=True)
    model = wrap_lora(model, cfg)
    adapted = {n.split(".layers.")[1].split(".")[0] for n, _ in model.named_parameters() if "lora_" in n}
    assert adapted == {"1"}  # the tiny model has layers 0 and 1; only the top one is adapted
    rows = tokenize_all(tokenizer, read_conversations(data_dir / "train.jsonl")[:4], 192, "chatml")
    batch = Collator(tokenizer.pad_token_id)(rows)
    trainer = target_only_trainer().__new__(target_only_trainer())  # compute_loss needs no Trainer state
    with torch.no_grad():
        ours = trainer.compute_loss(model, batch)
        full = model(**batch).loss
    assert ours.item() == pytest.approx(full.item(), rel=1e-4)
