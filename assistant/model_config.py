"""The model runtime's config: which base model, adapter, quantization, device and generation settings.

Used as the ``model`` section of every stage config that runs the LM (chat, eval, finetune, bench).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from assistant.backends.base import GenerationOptions
from assistant.config import ConfigError
from assistant.paths import DEFAULT_ADAPTER_DIR, DEFAULT_BASE_MODEL


@dataclass
class ModelConfig:
    backend: Literal["auto", "transformers", "xllamacpp", "llamacpp", "openai", "mock"] = field(default="auto", metadata={
        "help": "auto = xllamacpp (llama.cpp) on a CPU when installed and the base is a GGUF, else transformers"})
    base_model: str = field(default=DEFAULT_BASE_MODEL, metadata={
        "help": "gguf:<package>/<file>, a .gguf path, a local checkpoint folder or a Hugging Face id"})
    # "default" = the adapter shipped in finetune/adapters/default when it exists; "" = none.
    adapter: str = field(default="default", metadata={"help": "LoRA adapter folder, 'default' or '' for none"})
    quantization: Literal["nf4", "int8", "none"] = "nf4"
    compute_dtype: Literal["auto", "bfloat16", "float16", "float32"] = field(
        default="auto", metadata={"help": "auto = bfloat16 where the device runs it fast, else float32"})
    device: str = field(default="auto", metadata={"help": "auto, cpu or cuda[:N]"})
    threads: int = field(default=0, metadata={"help": "CPU threads for torch / llama.cpp (0 = the engine's default)"})
    slots: int = field(default=1, metadata={
        "help": "llama.cpp backends: sequences decoded at once (continuous batching); each gets its own context"})
    cache_dir: str = field(default="", metadata={"help": "converted-checkpoint cache (default ~/.cache/shopassist)"})
    # openai backend
    base_url: str = "http://127.0.0.1:8080/v1"
    api_key: str = ""
    served_model: str = ""
    timeout_s: float = 60.0
    max_retries: int = 3
    generation: GenerationOptions = field(default_factory=GenerationOptions)

    def validate(self) -> None:
        if self.quantization == "int8" and self.compute_dtype == "bfloat16" and self.device == "cpu":
            # bitsandbytes' int8 matmul on the CPU computes in fp32 / fp16 only.
            raise ConfigError("quantization int8 with compute_dtype bfloat16 is not supported on the CPU; "
                              "use compute_dtype float32 or quantization nf4")
        if self.threads < 0:
            raise ConfigError("model.threads must be >= 0")
        if self.slots < 1:
            raise ConfigError("model.slots must be >= 1")
        if self.backend == "openai" and not self.base_url:
            raise ConfigError("model.backend openai needs model.base_url")

    def resolved_backend(self) -> str:
        """The backend ``auto`` stands for here: llama.cpp (xllamacpp) on a CPU when it is installed and the
        base model is a GGUF file (it decodes ~4x faster than transformers there); transformers with
        bitsandbytes 4-bit otherwise, and always on a GPU."""
        if self.backend != "auto":
            return self.backend
        from assistant.probes import has, resolve_device

        gguf = self.base_model.startswith("gguf:") or self.base_model.endswith(".gguf")
        if gguf and has("xllamacpp") and resolve_device(self.device) == "cpu":
            return "xllamacpp"
        return "transformers"

    def adapter_path(self) -> Path | None:
        """The adapter folder to attach, or None. ``default`` falls back to none when not yet trained."""
        if not self.adapter:
            return None
        if self.adapter == "default":
            return DEFAULT_ADAPTER_DIR if (DEFAULT_ADAPTER_DIR / "adapter_config.json").exists() else None
        path = Path(self.adapter).expanduser()
        if not (path / "adapter_config.json").exists():
            raise FileNotFoundError(f"adapter not found: {path} has no adapter_config.json")
        return path
