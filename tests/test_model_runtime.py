"""Model plumbing on a tiny random Llama: load, quantize, attach an adapter, stream; the cache."""

from __future__ import annotations

import json
import threading

import pytest

from assistant.backends import make_backend
from assistant.config import ConfigError, load_config
from assistant.model_config import ModelConfig
from assistant.model_loader import MARKER, _checkpoint_is_complete, converted_checkpoint, load_model

MESSAGES = [{"role": "user", "content": "I need a quiet dishwasher."}]


def tiny(tiny_model_dir, **kw) -> ModelConfig:
    kw.setdefault("adapter", "")
    kw.setdefault("device", "cpu")
    return ModelConfig(base_model=str(tiny_model_dir), **kw)


@pytest.mark.parametrize("quantization", ["none", "nf4", "int8"])
def test_load_quantized(tiny_model_dir, quantization):
    cfg = tiny(tiny_model_dir, quantization=quantization,
               compute_dtype="float32" if quantization == "int8" else "auto")
    model, tokenizer = load_model(cfg)
    linear_types = {type(m).__name__ for m in model.modules()}
    if quantization == "nf4":
        assert "Linear4bit" in linear_types
    elif quantization == "int8":
        assert "Linear8bitLt" in linear_types
    else:
        assert not {"Linear4bit", "Linear8bitLt"} & linear_types
    assert not model.training


def test_nf4_is_smaller_than_fp32(tiny_model_dir):
    full, _ = load_model(tiny(tiny_model_dir, quantization="none", compute_dtype="float32"))
    nf4, _ = load_model(tiny(tiny_model_dir, quantization="nf4", compute_dtype="float32"))
    assert nf4.get_memory_footprint() < full.get_memory_footprint()


def test_adapter_attached_and_changes_output(tiny_model_dir, tmp_path):
    import torch
    from peft import LoraConfig, get_peft_model

    base, tokenizer = load_model(tiny(tiny_model_dir, quantization="none", compute_dtype="float32"))
    peft_model = get_peft_model(base, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"],
                                                 init_lora_weights=False))
    peft_model.save_pretrained(tmp_path / "adapter")

    plain, _ = load_model(tiny(tiny_model_dir, quantization="none", compute_dtype="float32"))
    adapted, _ = load_model(tiny(tiny_model_dir, quantization="none", compute_dtype="float32",
                                 adapter=str(tmp_path / "adapter")))
    from peft import PeftModel

    assert isinstance(adapted, PeftModel)
    ids = tokenizer("hello there", return_tensors="pt")["input_ids"]
    with torch.no_grad():
        assert not torch.allclose(plain(ids).logits, adapted(ids).logits)


def test_missing_adapter_is_a_clear_error(tiny_model_dir, tmp_path):
    with pytest.raises(FileNotFoundError, match="adapter_config.json"):
        tiny(tiny_model_dir, adapter=str(tmp_path / "nope")).adapter_path()


def test_stream_yields_pieces_without_blocking(tiny_model_dir):
    backend = make_backend(tiny(tiny_model_dir, quantization="nf4"))
    it = backend.generate(MESSAGES, max_new_tokens=12)
    first = next(it)  # returns as soon as the first piece is decoded
    rest = list(it)
    assert isinstance(first, str) and len(first + "".join(rest)) > 0
    # the worker thread has finished and released the lock
    assert not any(t.name == "shopassist-generate" and t.is_alive() for t in threading.enumerate())


def test_closing_stream_early_cancels_decoding(tiny_model_dir):
    backend = make_backend(tiny(tiny_model_dir, quantization="none"))
    it = backend.generate(MESSAGES, max_new_tokens=400)
    next(it)
    it.close()
    # the lock is free again, so a second generation runs
    assert "".join(backend.generate(MESSAGES, max_new_tokens=3)) is not None


def test_cuda_request_without_gpu_is_one_clear_line(tiny_model_dir):
    from assistant.probes import cuda_available

    if cuda_available():
        pytest.skip("a GPU is present")
    with pytest.raises(RuntimeError, match="no CUDA GPU"):
        load_model(tiny(tiny_model_dir, device="cuda"))


def test_config_rejects_unknown_and_conflicting_keys(tmp_path):
    class Holder:
        pass

    with pytest.raises(ConfigError, match="unknown config key"):
        load_config(ModelConfig, None, {"quantisation": "nf4"})
    with pytest.raises(ConfigError, match="not one of"):
        load_config(ModelConfig, None, {"quantization": "nf3"})
    with pytest.raises(ConfigError, match="int8"):
        load_config(ModelConfig, None, {"quantization": "int8", "compute_dtype": "bfloat16", "device": "cpu"})
    cfg = load_config(ModelConfig, None, {"generation.max_new_tokens": "32"})
    assert cfg.generation.max_new_tokens == 32


def test_gguf_conversion_is_cached_and_corruption_rebuilds(default_checkpoint):
    folder = converted_checkpoint(ModelConfig())
    assert folder == default_checkpoint and _checkpoint_is_complete(folder)
    files = json.loads((folder / MARKER).read_text())["files"]
    weights = folder / next(name for name in files if name.endswith(".safetensors"))
    size = weights.stat().st_size
    with weights.open("r+b") as f:  # a partial write: the file is cut short
        f.truncate(size // 2)
    assert not _checkpoint_is_complete(folder)
    rebuilt = converted_checkpoint(ModelConfig())
    assert _checkpoint_is_complete(rebuilt) and weights.stat().st_size == size


@pytest.mark.integration
def test_real_default_model_generates_in_4bit(default_checkpoint):
    backend = make_backend(ModelConfig(backend="transformers", adapter="", device="cpu", quantization="nf4"))
    assert any("Linear4bit" == type(m).__name__ for m in backend.model.modules())
    text = "".join(backend.generate([{"role": "user", "content": "Say hello."}], max_new_tokens=8))
    assert text.strip()


@pytest.mark.cuda
def test_nf4_on_cuda(tiny_model_dir):
    model, _ = load_model(tiny(tiny_model_dir, quantization="nf4", device="cuda"))
    assert next(model.parameters()).device.type == "cuda"
