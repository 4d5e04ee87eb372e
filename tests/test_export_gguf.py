"""export-gguf: merge a LoRA adapter, write a GGUF, read it back (transformers, and llama.cpp when
installed) and compare logits with the adapter-attached transformers model."""

from __future__ import annotations

import pytest

from assistant.paths import SMOLLM2_BASE_MODEL, resolve_gguf

PROMPTS = ["I need a quiet dishwasher for a small kitchen.", "Show me grey sofas under 800 euros",
           "<|im_start|>user\nA bed frame, 160 cm?<|im_end|>\n"]
# Max |logit difference| allowed, relative to the largest reference logit.
TOLERANCE = {"f16": 0.01, "q8_0": 0.06}


@pytest.fixture(scope="module")
def lora_dir(tmp_path_factory, tiny_model_dir):
    """A LoRA adapter with random (non-zero) weights on every projection of the tiny model."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(1)
    base = AutoModelForCausalLM.from_pretrained(str(tiny_model_dir), dtype=torch.float32)
    config = LoraConfig(r=4, lora_alpha=8, init_lora_weights=False, target_modules=[
        "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
    out = tmp_path_factory.mktemp("lora")
    get_peft_model(base, config).save_pretrained(out)
    return out


@pytest.fixture(scope="module")
def exported(tmp_path_factory, tiny_model_dir, lora_dir):
    """quant -> the tiny model with the random adapter merged, exported once per module."""
    from assistant.export_gguf import ExportConfig, export

    folder = tmp_path_factory.mktemp("exported")
    return {quant: export(ExportConfig(adapter=str(lora_dir), out=str(folder / f"shop-{quant}.gguf"), quant=quant,
                                       base_model=str(tiny_model_dir), tokenizer_gguf=SMOLLM2_BASE_MODEL))
            for quant in TOLERANCE}


def logits_of(model, tokenizer, text):
    import torch

    ids = tokenizer(text, return_tensors="pt")["input_ids"]
    with torch.no_grad():
        return model(ids).logits[0].float()


@pytest.mark.parametrize("quant", list(TOLERANCE))
def test_exported_gguf_matches_the_adapter_model(exported, tiny_model_dir, lora_dir, quant):
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out = exported[quant]
    tokenizer = AutoTokenizer.from_pretrained(str(tiny_model_dir))
    base = AutoModelForCausalLM.from_pretrained(str(tiny_model_dir), dtype=torch.float32)
    reference = PeftModel.from_pretrained(base, str(lora_dir)).eval()
    model = AutoModelForCausalLM.from_pretrained(str(out.parent), gguf_file=out.name, dtype=torch.float32).eval()
    for text in PROMPTS:
        want, got = logits_of(reference, tokenizer, text), logits_of(model, tokenizer, text)
        with reference.disable_adapter():
            plain = logits_of(reference, tokenizer, text)
        scale = want.abs().max()
        assert (want - plain).abs().max() > 10 * TOLERANCE["f16"] * scale, "the adapter changed nothing"
        assert (want - got).abs().max() <= TOLERANCE[quant] * scale, text


def test_exported_metadata_carries_tokenizer_and_chat_template(exported):
    import gguf

    source, out = gguf.GGUFReader(resolve_gguf(SMOLLM2_BASE_MODEL)), gguf.GGUFReader(exported["q8_0"])
    for key in ["tokenizer.ggml.model", "tokenizer.ggml.pre", "tokenizer.chat_template",
                "tokenizer.ggml.eos_token_id", "tokenizer.ggml.bos_token_id"]:
        assert out.fields[key].contents() == source.fields[key].contents(), key
    assert out.fields["tokenizer.ggml.tokens"].contents()[:300] == source.fields[
        "tokenizer.ggml.tokens"].contents()[:300]
    assert out.fields["llama.block_count"].contents() == 2
    assert out.fields["llama.embedding_length"].contents() == 64
    kinds = {t.name: t.tensor_type.name for t in out.tensors}
    assert kinds["blk.0.attn_q.weight"] == "Q8_0" and kinds["blk.0.attn_norm.weight"] == "F32"
    assert "output.weight" not in kinds  # tied to token_embd


@pytest.mark.integration
def test_q4_1_export_of_the_real_base_reproduces_its_gguf(tmp_path, smollm2_checkpoint):
    """q4_1 is what the llama.cpp backends run (same size and speed as the shipped Q4_1 base). Re-quantizing
    the dequantized base lands on the same 4-bit grid, so the export must match the original GGUF closely
    (a random tiny model says nothing here: its weights are far from any 4-bit grid)."""
    import gguf
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from assistant.export_gguf import ExportConfig, export

    out = export(ExportConfig(out=str(tmp_path / "base-q4_1.gguf"), quant="q4_1", base_model=SMOLLM2_BASE_MODEL))
    kinds = {t.name: t.tensor_type.name for t in gguf.GGUFReader(out).tensors}
    assert kinds["blk.0.ffn_up.weight"] == "Q4_1" and kinds["token_embd.weight"] == "Q8_0"
    source = resolve_gguf(SMOLLM2_BASE_MODEL)
    tokenizer = AutoTokenizer.from_pretrained(str(smollm2_checkpoint))
    original = AutoModelForCausalLM.from_pretrained(str(source.parent), gguf_file=source.name,
                                                    dtype=torch.float32).eval()
    exported = AutoModelForCausalLM.from_pretrained(str(tmp_path), gguf_file=out.name, dtype=torch.float32).eval()
    for text in PROMPTS:
        want, got = logits_of(original, tokenizer, text), logits_of(exported, tokenizer, text)
        assert (want - got).abs().max() <= 0.02 * want.abs().max(), text
        assert int(want[-1].argmax()) == int(got[-1].argmax())


def test_permute_rotary_interleaves_the_two_halves():
    import numpy as np

    from assistant.export_gguf import permute_rotary

    # One head of 4 rotary dims: HF rows [a0, a1, b0, b1] (halves) -> llama.cpp rows [a0, b0, a1, b1].
    w = np.arange(8).reshape(4, 2)
    assert permute_rotary(w, 1).tolist() == [[0, 1], [4, 5], [2, 3], [6, 7]]


def test_cli_rejects_a_missing_adapter(tmp_path):
    from assistant.cli import main

    assert main(["export-gguf", "--adapter", str(tmp_path / "nope"), "--out", str(tmp_path / "x.gguf")]) == 2
    assert not (tmp_path / "x.gguf").exists()


@pytest.mark.integration
@pytest.mark.llamacpp
def test_llama_cpp_reads_the_export_like_transformers(tmp_path, smollm2_checkpoint):
    """The real base model exported to f16: llama.cpp's next-token logits match transformers'."""
    pytest.importorskip("llama_cpp", reason="llama-cpp-python not installed: pip install '.[llamacpp]'")
    import numpy as np
    import torch
    from llama_cpp import Llama
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from assistant.export_gguf import ExportConfig, export

    out = export(ExportConfig(out=str(tmp_path / "base-f16.gguf"), quant="f16", base_model=SMOLLM2_BASE_MODEL))
    tokenizer = AutoTokenizer.from_pretrained(str(smollm2_checkpoint))
    model = AutoModelForCausalLM.from_pretrained(str(smollm2_checkpoint), dtype=torch.float32).eval()
    llm = Llama(model_path=str(out), n_ctx=256, n_threads=2, logits_all=True, verbose=False)
    for text in PROMPTS[:2]:
        ids = tokenizer(text)["input_ids"]
        assert llm.tokenize(text.encode(), add_bos=False, special=True) == ids
        llm.reset()
        llm.eval(ids)
        got = np.asarray(llm.scores[len(ids) - 1])
        want = logits_of(model, tokenizer, text)[-1].numpy()
        assert int(got.argmax()) == int(want.argmax())
        assert np.abs(got - want).max() <= 0.02 * np.abs(want).max()


@pytest.mark.integration
def test_llama_cpp_via_xllamacpp_reads_the_export_like_transformers(tmp_path, smollm2_checkpoint):
    """The real base exported to f16 and served by llama.cpp (xllamacpp, the default install): for each
    prompt, llama.cpp's most likely next token and its top-5 match transformers' logits."""
    pytest.importorskip("xllamacpp", reason="xllamacpp not installed (make install installs it)")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from assistant.backends.xllamacpp import XLlamaCppBackend
    from assistant.export_gguf import ExportConfig, export

    out = export(ExportConfig(out=str(tmp_path / "base-f16.gguf"), quant="f16", base_model=SMOLLM2_BASE_MODEL))
    tokenizer = AutoTokenizer.from_pretrained(str(smollm2_checkpoint))
    model = AutoModelForCausalLM.from_pretrained(str(smollm2_checkpoint), dtype=torch.float32).eval()
    server = XLlamaCppBackend(out, threads=2)._server
    for text in PROMPTS[:2]:
        ids = tokenizer(text)["input_ids"]
        got = server.handle_completions({"prompt": ids, "max_tokens": 1, "temperature": 0, "n_probs": 5,
                                         "cache_prompt": False})
        probs = got["choices"][0]["logprobs"]["content"][0]["top_logprobs"]
        want = torch.log_softmax(logits_of(model, tokenizer, text)[-1], dim=-1)
        top5 = want.topk(5).indices.tolist()
        assert probs[0]["id"] == top5[0], (text, probs[0], top5)
        assert len({p["id"] for p in probs} & set(top5)) >= 4, text
        for p in probs:
            assert abs(p["logprob"] - float(want[p["id"]])) < 0.05, (text, p)
