"""The `llamacpp` backend in-process, and llama-cpp-python's OpenAI-compatible server on loopback
driven through the `openai` backend. Needs the extra: `pip install '.[llamacpp]'`, then
`python -m pytest tests/test_backend_llamacpp.py -m llamacpp`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

from assistant.model_config import ModelConfig
from assistant.paths import DEFAULT_BASE_MODEL, resolve_gguf

needs_llama_cpp = pytest.mark.skipif(
    not __import__("assistant.probes", fromlist=["has"]).has("llama_cpp"),
    reason="llama-cpp-python not installed: pip install '.[llamacpp]'")
ASK = [{"role": "system", "content": "You help people shop for furniture."},
       {"role": "user", "content": "I need a sofa for a small living room."}]


def test_without_adapter_the_base_gguf_is_used_as_is():
    from assistant.backends.llamacpp import served_gguf

    assert served_gguf(ModelConfig(backend="llamacpp", adapter="")) == (resolve_gguf(DEFAULT_BASE_MODEL), None)


@pytest.fixture(scope="module")
def real_lora(tmp_path_factory, default_checkpoint):
    """A random LoRA on the real base model (so a merged export differs from the base)."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(2)
    base = AutoModelForCausalLM.from_pretrained(str(default_checkpoint), dtype=torch.float32)
    out = tmp_path_factory.mktemp("real-lora")
    get_peft_model(base, LoraConfig(r=4, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
                   ).save_pretrained(out)
    return out


@pytest.mark.integration
def test_adapter_is_written_once_as_a_lora_gguf_and_cached(tmp_path, real_lora):
    from assistant.backends.llamacpp import served_gguf

    cfg = ModelConfig(backend="llamacpp", adapter=str(real_lora), cache_dir=str(tmp_path))
    base, first = served_gguf(cfg)
    assert base == resolve_gguf(DEFAULT_BASE_MODEL)  # the base is served as shipped, never re-quantized
    assert first.is_file() and first.parent == tmp_path / "lora"
    mtime = first.stat().st_mtime_ns
    assert served_gguf(cfg)[1] == first and first.stat().st_mtime_ns == mtime  # reused, not rebuilt


@pytest.mark.llamacpp
@needs_llama_cpp
def test_streams_greedy_and_deterministic():
    from assistant.backends import make_backend

    llm = make_backend(ModelConfig(backend="llamacpp", adapter="", threads=2))
    pieces = list(llm.generate(ASK, max_new_tokens=24, temperature=0.0))
    assert len(pieces) > 3 and "".join(pieces).strip()
    assert "".join(llm.generate(ASK, max_new_tokens=24, temperature=0.0)) == "".join(pieces)
    assert "<|im_end|>" not in "".join(pieces)  # the GGUF's chat template and EOS were used


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def exported_gguf(tmp_path_factory, real_lora):
    from assistant.export_gguf import ExportConfig, export

    return export(ExportConfig(adapter=str(real_lora), quant="q8_0",
                               out=str(tmp_path_factory.mktemp("export") / "shop.gguf")))


@pytest.mark.integration
@pytest.mark.llamacpp
@needs_llama_cpp
def test_conversation_through_llama_cpp_server(exported_gguf, tmp_path):
    """llama-cpp-python's OpenAI-compatible server on the exported GGUF, two turns via `openai`."""
    pytest.importorskip("sse_starlette", reason="the server needs: pip install 'llama-cpp-python[server]'")
    from assistant.backends import make_backend

    port = free_port()
    log = open(tmp_path / "server.log", "w")
    server = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(exported_gguf),
                               "--host", "127.0.0.1", "--port", str(port), "--n_threads", "2",
                               "--model_alias", "shopassist"], stdout=log, stderr=subprocess.STDOUT,
                              env={**os.environ, "HF_HUB_OFFLINE": "1"})
    try:
        # The client's own retry/backoff waits for the server to come up.
        llm = make_backend(ModelConfig(backend="openai", base_url=f"http://127.0.0.1:{port}/v1",
                                       served_model="shopassist", max_retries=8, timeout_s=120))
        llm.backoff_s = 0.5
        t0 = time.monotonic()
        first = "".join(llm.generate(ASK, max_new_tokens=30, temperature=0.0))
        assert first.strip(), (tmp_path / "server.log").read_text()[-2000:]
        history = ASK + [{"role": "assistant", "content": first},
                         {"role": "user", "content": "Something in grey, under 500 euros?"}]
        second = "".join(llm.generate(history, max_new_tokens=30, temperature=0.0))
        assert second.strip() and second != first
        assert time.monotonic() - t0 < 300
    finally:
        server.terminate()
        server.wait(30)
        log.close()
