"""Shared fixtures. Tests never touch the network or the user's home: the cache and HF dirs are
redirected under a per-session temp dir, and the hub is switched off."""

from __future__ import annotations

import os
import tempfile

import pytest

_SESSION_TMP = tempfile.mkdtemp(prefix="shopassist-tests-")
os.environ["SHOPASSIST_CACHE"] = os.path.join(_SESSION_TMP, "cache")
os.environ["HF_HOME"] = os.path.join(_SESSION_TMP, "hf")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["ANONYMIZED_TELEMETRY"] = "False"  # chromadb
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def pytest_collection_modifyitems(config, items):
    from assistant.probes import cuda_available

    if cuda_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU")
    for item in items:
        if "cuda" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def mock_backend():
    from assistant.backends.mock import MockBackend

    return MockBackend()


@pytest.fixture(scope="session")
def default_checkpoint():
    """The real base model converted once per test session into the temp cache (a few seconds)."""
    from assistant.model_config import ModelConfig
    from assistant.model_loader import converted_checkpoint

    return converted_checkpoint(ModelConfig())


@pytest.fixture(scope="session")
def smollm2_checkpoint():
    """SmolLM2-135M (a llama-architecture base, still selectable) converted once: plumbing that needs a llama
    model — the tiny model's tokenizer, the merged GGUF export — runs on it whatever the default base is."""
    from assistant.model_config import ModelConfig
    from assistant.model_loader import converted_checkpoint
    from assistant.paths import SMOLLM2_BASE_MODEL

    return converted_checkpoint(ModelConfig(base_model=SMOLLM2_BASE_MODEL))


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, smollm2_checkpoint):
    """A tiny randomly initialised Llama (2 layers, hidden 64) with SmolLM2's real tokenizer and chat
    template: the model plumbing (load, quantize, adapter, stream, train) runs on it in seconds."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    out = tmp_path_factory.mktemp("tiny-llama")
    tokenizer = AutoTokenizer.from_pretrained(str(smollm2_checkpoint))
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=1024,
                         tie_word_embeddings=True, bos_token_id=tokenizer.bos_token_id,
                         eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    torch.manual_seed(0)
    LlamaForCausalLM(config).save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out
