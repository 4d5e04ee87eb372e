"""``FinetuneConfig``: one typed config for ``shopassist finetune`` (data → train → evaluate → publish).

    from assistant.config import load_config
    cfg = load_config(FinetuneConfig, "configs/finetune/cpu-smollm2.yaml", {"train.max_steps": 10})
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from assistant.config import ConfigError
from assistant.model_config import ModelConfig


@dataclass
class DataConfig:
    out_dir: str = field(default="runs/finetune/data", metadata={"help": "where train/validation/test JSONL go"})
    catalog: str = field(default="knowledge/demo/catalog.jsonl", metadata={
        "help": "catalog JSONL (Product.to_dict per line); a built-in sample catalog is used when missing"})
    policies_dir: str = field(default="knowledge/demo/docs/policies", metadata={"help": "policy documents (*.md)"})
    seed: int = 13
    dialogues: int = field(default=1200, metadata={"help": "dialogues to generate (all splits)"})
    validation_share: float = 0.04
    test_share: float = 0.08
    reply_share: float = field(default=0.15, metadata={
        "help": "share of English recommend/clarify/no-match turns that also get a reply example"})
    chinese_share: float = field(default=0.4, metadata={"help": "share of dialogues written in Chinese"})
    extra_data: list[str] = field(default_factory=list, metadata={
        "help": "extra chat-format JSONL files added to the training split (e.g. thumbs-up transcripts)"})

    def validate(self) -> None:
        if self.dialogues < 10:
            raise ConfigError("data.dialogues must be at least 10 (three splits need dialogues)")
        if not (0 < self.validation_share < 0.5 and 0 < self.test_share < 0.5):
            raise ConfigError("data.validation_share and data.test_share must each be in (0, 0.5)")
        if not 0 <= self.reply_share <= 1:
            raise ConfigError("data.reply_share must be in [0, 1]")
        if not 0 <= self.chinese_share <= 1:
            raise ConfigError("data.chinese_share must be in [0, 1]")


@dataclass
class LoraConfig:
    r: int = 16
    alpha: int = 32
    dropout: float = 0.05
    target_modules: list[str] = field(default_factory=lambda: [
        "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
    top_layers: int = field(default=0, metadata={
        "help": "adapt only the top N transformer layers (0 = all). Backward then stops below them: "
                "a cheaper CPU step for a model whose lower layers already read the language"})


@dataclass
class TrainConfig:
    output_dir: str = field(default="runs/finetune/checkpoints", metadata={"help": "checkpoints and metrics.csv"})
    adapter_dir: str = field(default="finetune/adapters/default", metadata={"help": "where the adapter is published"})
    max_seq_len: int = 384
    batch_size: int = 8
    grad_accum: int = 1
    epochs: float = 1.0
    max_steps: int = field(default=-1, metadata={"help": "stop after this many steps (-1 = epochs decide)"})
    learning_rate: float = 2e-4
    warmup_ratio: float = 0.05
    weight_decay: float = 0.0
    optimizer: str = field(default="adamw_torch", metadata={"help": "a transformers optim name, e.g. paged_adamw_8bit"})
    save_steps: int = 20
    save_total_limit: int = 2
    eval_steps: int = 0
    logging_steps: int = 5
    batching: Literal["length_grouped", "padded"] = field(default="length_grouped", metadata={
        "help": "length_grouped: similar lengths share a batch, padded only to the batch's longest; "
                "padded: every batch padded to max_seq_len (the naive baseline)"})
    max_minutes: float = field(default=0.0, metadata={
        "help": "stop (and still publish) after this much training time; 0 = no limit. Keeps a CPU run "
                "inside its time budget on a busy machine"})
    gradient_checkpointing: bool = False
    tensorboard: bool = False
    seed: int = 13

    def validate(self) -> None:
        if self.batch_size < 1 or self.grad_accum < 1:
            raise ConfigError("train.batch_size and train.grad_accum must be >= 1")
        if self.max_seq_len < 32:
            raise ConfigError("train.max_seq_len must be at least 32")
        if self.save_steps < 1:
            raise ConfigError("train.save_steps must be >= 1 (checkpoints make --resume possible)")
        if self.max_steps == 0 or (self.max_steps < 0 and self.epochs <= 0):
            raise ConfigError("set train.max_steps > 0 or train.epochs > 0")


@dataclass
class ReportConfig:
    enabled: bool = True
    max_state_turns: int = field(default=0, metadata={
        "help": "state turns per set for rules/adapter/hybrid (whole dialogues; 0 = every turn)"})
    base_max_state_turns: int = field(default=40, metadata={
        "help": "state turns per set for the untrained base (it writes prose up to the token limit: slow)"})
    max_reply_examples: int = field(default=12, metadata={"help": "reply examples evaluated per model"})
    batch_size: int = field(default=16, metadata={"help": "dialogues decoded at once (turn k of each)"})
    generated_test: bool = field(default=True, metadata={
        "help": "also score the generated test split (held-out phrasings); off keeps a CPU run inside its budget"})
    dev_dialogues: str = field(default="../shared/eval/dev_dialogues.jsonl", metadata={
        "help": "the dev set scored in the report card ('' to skip)"})
    unseen_dialogues: str = field(default="tests/data/unseen_dialogues.jsonl", metadata={
        "help": "the frozen unseen set scored in the report card ('' to skip); never tuned on"})


@dataclass
class FinetuneConfig:
    model: ModelConfig = field(default_factory=lambda: ModelConfig(adapter=""))
    data: DataConfig = field(default_factory=DataConfig)
    lora: LoraConfig = field(default_factory=LoraConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    report: ReportConfig = field(default_factory=ReportConfig)

    def validate(self) -> None:
        if self.model.backend not in ("auto", "transformers"):
            raise ConfigError("finetune trains with model.backend transformers")
        if self.model.adapter:
            raise ConfigError("model.adapter must be '' for training: the trainer creates the adapter")
