"""The `xllamacpp` backend (llama.cpp in-process, the CPU default) and the OpenAI-compatible server it
opens on loopback, driven through the `openai` backend. xllamacpp is a default dependency
(`make install`); where it is missing these tests skip and say so."""

from __future__ import annotations

import httpx
import pytest

from assistant.backends.base import GenerationOptions
from assistant.model_config import ModelConfig

needs_xllamacpp = pytest.mark.skipif(
    not __import__("assistant.probes", fromlist=["has"]).has("xllamacpp"),
    reason="xllamacpp not installed: pip install xllamacpp (make install does)")
ASK = [{"role": "system", "content": "You help people shop for furniture."},
       {"role": "user", "content": "I need a sofa for a small living room."}]


def _bare_backend(fmt: str = "chatml"):
    from assistant.backends.xllamacpp import XLlamaCppBackend

    backend = object.__new__(XLlamaCppBackend)  # request() needs no loaded model
    backend.chat_format = fmt
    return backend


def test_request_body_maps_generation_options():
    from assistant.chat_format import render
    from assistant.state import update_json_schema

    body = _bare_backend().request(ASK, GenerationOptions(max_new_tokens=12, temperature=0.0, stop=("\n\n",)))
    # The project's rendered prompt, as a raw completion: the string training tokenizes.
    assert body["prompt"] == render(ASK, "chatml") and "messages" not in body
    assert body["stream"] is True and body["max_tokens"] == 12
    assert body["top_k"] == 1 and body["temperature"] == 0.0  # greedy
    assert body["stop"] == ["\n\n"] and body["repeat_penalty"] == 1.1 and "json_schema" not in body
    sampled = _bare_backend("gemma").request(ASK, GenerationOptions(temperature=0.7, top_p=0.8,
                                                                     json_schema=update_json_schema()))
    assert "top_k" not in sampled and "stop" not in sampled and sampled["top_p"] == 0.8
    assert sampled["prompt"].startswith("<start_of_turn>user\n") and sampled["json_schema"] == update_json_schema()


def test_generation_config_reaches_the_backend_defaults(tmp_path):
    """model.generation.* from YAML is the backend's defaults (one options type); the turn end is a stop."""
    from assistant.backends.base import GenerationOptions as Options
    from assistant.config import load_config
    from assistant.model_config import ModelConfig as Cfg

    cfg = load_config(Cfg, None, {"generation.max_new_tokens": "33", "generation.repetition_penalty": "1.0",
                                  "generation.stop": "END"})
    assert isinstance(cfg.generation, Options)
    backend = object.__new__(__import__("assistant.backends.xllamacpp", fromlist=["X"]).XLlamaCppBackend)
    backend.chat_format = "chatml"
    backend.defaults = cfg.generation.with_stop("<|im_end|>")
    body = backend.request(ASK, backend.defaults.merged())
    assert body["max_tokens"] == 33 and body["repeat_penalty"] == 1.0 and body["stop"] == ["END", "<|im_end|>"]
    with pytest.raises(TypeError, match="unknown generation option"):
        backend.defaults.merged(max_tokens=3)


def test_auto_picks_llama_cpp_on_cpu_for_a_gguf_base(monkeypatch):
    from assistant import probes

    monkeypatch.setattr(probes, "has", lambda m: m == "xllamacpp")
    assert ModelConfig(device="cpu").resolved_backend() == "xllamacpp"
    # A Hugging Face base model has no GGUF to run: transformers it is.
    assert ModelConfig(device="cpu", base_model="HuggingFaceTB/SmolLM2-360M-Instruct").resolved_backend() == \
        "transformers"
    assert ModelConfig(backend="transformers").resolved_backend() == "transformers"  # explicit wins
    monkeypatch.setattr(probes, "has", lambda m: False)
    assert ModelConfig(device="cpu").resolved_backend() == "transformers"  # not installed


def test_auto_uses_transformers_on_a_gpu(monkeypatch):
    from assistant import probes

    monkeypatch.setattr(probes, "has", lambda m: True)
    monkeypatch.setattr(probes, "resolve_device", lambda d: "cuda")
    assert ModelConfig(device="auto").resolved_backend() == "transformers"


def test_missing_model_file_is_a_clear_error(tmp_path):
    if not __import__("assistant.probes", fromlist=["has"]).has("xllamacpp"):
        pytest.skip("xllamacpp not installed")
    from assistant.backends.xllamacpp import XLlamaCppBackend

    with pytest.raises(FileNotFoundError, match="nope.gguf"):
        XLlamaCppBackend(tmp_path / "nope.gguf")
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + bytes(range(256)) * 64)  # a header and then garbage
    with pytest.raises(RuntimeError, match="could not load .*broken.gguf"):
        XLlamaCppBackend(broken, threads=1)


@pytest.fixture(scope="module")
def base_llm():
    from assistant.backends import make_backend

    return make_backend(ModelConfig(backend="xllamacpp", adapter="", threads=2))


@pytest.fixture(scope="module")
def chatml_llm():
    """SmolLM2: its GGUF carries a chat template, which llama.cpp's /v1/chat/completions applies. The Gemma base
    ships without one, so only our own raw-completion path (``render``) can serve it."""
    from assistant.backends import make_backend
    from assistant.paths import SMOLLM2_BASE_MODEL

    return make_backend(ModelConfig(backend="xllamacpp", base_model=SMOLLM2_BASE_MODEL, adapter="", threads=2))


@pytest.mark.integration
@needs_xllamacpp
def test_streams_greedy_and_deterministic(base_llm):
    pieces = list(base_llm.generate(ASK, max_new_tokens=24, temperature=0.0))
    assert len(pieces) > 3 and "".join(pieces).strip()
    assert "".join(base_llm.generate(ASK, max_new_tokens=24, temperature=0.0)) == "".join(pieces)
    assert "<|im_end|>" not in "".join(pieces)  # the GGUF's chat template and EOS were used


@pytest.mark.integration
@needs_xllamacpp
def test_stop_strings_and_early_close_cancel_cleanly(base_llm):
    full = "".join(base_llm.generate(ASK, max_new_tokens=40, temperature=0.0))
    cut_word = full.split()[3]
    cut = "".join(base_llm.generate(ASK, max_new_tokens=40, temperature=0.0, stop=(cut_word,)))
    assert cut_word not in cut and full.startswith(cut)
    stream = base_llm.generate(ASK, max_new_tokens=200, temperature=0.0)
    next(stream)
    stream.close()  # the shopper left: decoding is cancelled, the server stays usable
    assert "".join(base_llm.generate(ASK, max_new_tokens=24, temperature=0.0)).strip()


@pytest.mark.integration
@needs_xllamacpp
def test_its_openai_endpoint_is_loopback_and_needs_the_key(chatml_llm):
    from assistant.backends import make_backend

    assert chatml_llm.server_url.startswith("http://127.0.0.1:")
    refused = httpx.post(f"{chatml_llm.server_url}/v1/chat/completions", json={"messages": ASK, "max_tokens": 4})
    assert refused.status_code == 401  # nobody else on the machine drives our model by accident
    client = make_backend(ModelConfig(backend="openai", base_url=f"{chatml_llm.server_url}/v1",
                                      api_key=chatml_llm.api_key, timeout_s=120))
    first = "".join(client.generate(ASK, max_new_tokens=30, temperature=0.0))
    assert first.strip() and first == "".join(chatml_llm.generate(ASK, max_new_tokens=30, temperature=0.0))
    history = ASK + [{"role": "assistant", "content": first},
                     {"role": "user", "content": "Something in grey, under 500 euros?"}]
    second = "".join(client.generate(history, max_new_tokens=30, temperature=0.0))
    assert second.strip() and second != first


@pytest.mark.integration
@needs_xllamacpp
def test_exported_adapter_gguf_serves_a_conversation_over_http(tmp_path, tiny_model_dir):
    """export-gguf on a tiny model with a random LoRA, served by llama.cpp's server, two turns via `openai`."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from assistant.backends import make_backend
    from assistant.backends.xllamacpp import XLlamaCppBackend
    from assistant.export_gguf import ExportConfig, export
    from assistant.paths import DEFAULT_BASE_MODEL, SMOLLM2_BASE_MODEL

    torch.manual_seed(3)
    base = AutoModelForCausalLM.from_pretrained(str(tiny_model_dir), dtype=torch.float32)
    get_peft_model(base, LoraConfig(r=4, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
                   ).save_pretrained(tmp_path / "lora")
    gguf = export(ExportConfig(adapter=str(tmp_path / "lora"), out=str(tmp_path / "shop.gguf"), quant="f16",
                               base_model=str(tiny_model_dir), tokenizer_gguf=SMOLLM2_BASE_MODEL))
    server = XLlamaCppBackend(gguf, threads=2)
    client = make_backend(ModelConfig(backend="openai", base_url=f"{server.server_url}/v1",
                                      api_key=server.api_key, timeout_s=60))
    # A random tiny model babbles, but it must babble deterministically, through the chat template.
    first = "".join(client.generate(ASK, max_new_tokens=12, temperature=0.0))
    assert first == "".join(server.generate(ASK, max_new_tokens=12, temperature=0.0))
    history = ASK + [{"role": "assistant", "content": first}, {"role": "user", "content": "In grey?"}]
    second = "".join(client.generate(history, max_new_tokens=12, temperature=0.0))
    assert second == "".join(server.generate(history, max_new_tokens=12, temperature=0.0))  # same turn over HTTP and in-process
