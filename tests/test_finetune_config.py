"""Every committed fine-tune YAML parses; bad options fail by name; the label mask covers only the answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import ConfigError, load_config
from assistant.chat_format import render
from finetune.collate import IGNORE, Collator, encode
from finetune.config import FinetuneConfig

CONFIGS = sorted((Path(__file__).resolve().parents[1] / "configs" / "finetune").glob("*.yaml"))


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_each_yaml_parses(path):
    cfg = load_config(FinetuneConfig, path)
    assert cfg.model.adapter == "" and cfg.train.save_steps >= 1


def test_default_and_gpu_configs_exist():
    names = {p.name for p in CONFIGS}
    assert "cpu-smollm2.yaml" in names and any(n.startswith("gpu-") for n in names)
    gpu = load_config(FinetuneConfig, next(p for p in CONFIGS if p.name.startswith("gpu-")))
    assert gpu.train.optimizer == "paged_adamw_8bit" and gpu.model.compute_dtype == "bfloat16"


def test_bad_options_fail_by_name(tmp_path):
    with pytest.raises(ConfigError, match="train.batch_size"):
        load_config(FinetuneConfig, None, {"train.batch_size": 0})
    with pytest.raises(ConfigError, match="model.adapter"):
        load_config(FinetuneConfig, None, {"model.adapter": "default"})
    with pytest.raises(ConfigError, match="lr"):
        load_config(FinetuneConfig, None, {"train.lr": 1})


def test_only_assistant_tokens_carry_labels(smollm2_checkpoint):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(smollm2_checkpoint))
    messages = [{"role": "system", "content": "sys"}, {"role": "user", "content": "hello"},
                {"role": "assistant", "content": "first answer"}, {"role": "user", "content": "more"},
                {"role": "assistant", "content": "second answer"}]
    row = encode(tok, messages, 512, "chatml")
    learned = tok.decode([t for t, label in zip(row["input_ids"], row["labels"]) if label != IGNORE])
    assert learned == "first answer<|im_end|>second answer<|im_end|>"  # targets and their end-of-turn only
    assert all(label in (IGNORE, t) for t, label in zip(row["input_ids"], row["labels"]))
    assert encode(tok, messages, 8, "chatml") is None  # truncation left no answer to learn

    # What serving sends for the first answer is exactly the tokens before its first label.
    first = next(i for i, label in enumerate(row["labels"]) if label != IGNORE)
    assert tok.decode(row["input_ids"][:first]) == render(messages[:2], "chatml")
    gemma = encode(tok, messages, 512, "gemma")
    assert tok.decode([t for t, label in zip(gemma["input_ids"], gemma["labels"]) if label != IGNORE]) == (
        "first answer<end_of_turn>second answer<end_of_turn>")

    batch = Collator(pad_id=0)([row, {"input_ids": [5, 6], "labels": [IGNORE, 6]}])
    assert batch["input_ids"].shape == (2, len(row["input_ids"]))  # padded to the longest, not to a max
    assert batch["labels"][1, 2:].eq(IGNORE).all() and batch["attention_mask"][1].sum() == 2
    assert Collator(pad_id=0, pad_to=600)([row])["input_ids"].shape == (1, 600)
