"""Merge a LoRA adapter into the base model and write a GGUF file llama.cpp can serve.

    shopassist export-gguf --adapter finetune/adapters/default --out shopassist.gguf --quant q8_0

The base is loaded in float32 (a LoRA merges only into unquantized weights), the adapter is merged
with peft's ``merge_and_unload``, and the result is written with the ``gguf`` package's writer as a
``llama`` model: hyperparameters from the model config, tensors under llama.cpp's names, and the
tokenizer (BPE tokens, merges, token types, special ids) plus chat template copied from the base GGUF's
metadata. ``--quant q8_0`` quantizes the 2-D weights with ``gguf.quants`` (norms stay float32).
"""

from __future__ import annotations

import argparse
import logging
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

from assistant.config import ConfigError, add_config_arguments, config_from_args
from assistant.paths import DEFAULT_BASE_MODEL

log = logging.getLogger(__name__)


@dataclass
class ExportConfig:
    adapter: str = field(default="", metadata={"help": "LoRA adapter folder to merge ('' = export the plain base)"})
    out: str = field(default="", metadata={"help": "the .gguf file to write"})
    quant: Literal["q4_1", "q8_0", "f16", "f32"] = "q8_0"
    base_model: str = field(default=DEFAULT_BASE_MODEL, metadata={
        "help": "base the adapter was trained on: gguf:<package>/<file>, a .gguf path or a checkpoint folder"})
    tokenizer_gguf: str = field(default="", metadata={
        "help": "GGUF whose tokenizer and chat template are copied (default: the base model's GGUF)"})

    def validate(self) -> None:
        if not self.out:
            raise ConfigError("export-gguf needs --out FILE.gguf")
        if not self.tokenizer_gguf and not _is_gguf(self.base_model):
            raise ConfigError("base_model is not a GGUF; pass --tokenizer_gguf to copy the tokenizer from one")


def _is_gguf(spec: str) -> bool:
    return spec.startswith("gguf:") or spec.lower().endswith(".gguf")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser, ExportConfig)


def run(args: argparse.Namespace) -> int:
    cfg = config_from_args(ExportConfig, args)
    out = export(cfg)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB); serve it with: "
          f"python -m llama_cpp.server --model {out} --host 127.0.0.1 --port 8080")
    return 0


def export(cfg: ExportConfig) -> Path:
    from assistant.paths import resolve_gguf

    model = merged_model(cfg.base_model, cfg.adapter or None)
    return write_gguf(model, resolve_gguf(cfg.tokenizer_gguf or cfg.base_model), Path(cfg.out), cfg.quant)


def merged_model(base_model: str, adapter: str | Path | None):
    """The base in float32 with ``adapter`` merged into its weights (a plain transformers model)."""
    import torch

    from assistant.model_config import ModelConfig
    from assistant.model_loader import load_model

    cfg = ModelConfig(base_model=base_model, adapter=str(adapter or ""), quantization="none",
                      compute_dtype="float32", device="cpu")
    adapter_path = cfg.adapter_path()  # fails on a missing adapter before the base is loaded
    model, _ = load_model(cfg, adapter=False)
    if adapter_path is not None:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, str(adapter_path)).merge_and_unload()
    return model.to(torch.float32).eval()


def permute_rotary(weight, n_heads: int):
    """HF Llama checkpoints order each head's rotary dims as two halves; llama.cpp's GGUF keeps the
    original interleaved (even, odd) pairs. Row i of half h in head n moves to row 2*i + h."""
    rows, cols = weight.shape
    head_dim = rows // n_heads
    return weight.reshape(n_heads, 2, head_dim // 2, cols).swapaxes(1, 2).reshape(rows, cols)


def gguf_tensors(model) -> list[tuple[str, "object"]]:
    """(llama.cpp tensor name, float32 numpy array) for every weight, Q/K permuted, tied head skipped."""
    import gguf

    config = model.config
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, config.num_hidden_layers)
    out = []
    for name, tensor in model.state_dict().items():
        if name == "lm_head.weight" and config.tie_word_embeddings:
            continue  # llama.cpp reuses token_embd.weight when output.weight is absent
        array = tensor.detach().to("cpu").float().numpy()
        if name.endswith("self_attn.q_proj.weight"):
            array = permute_rotary(array, config.num_attention_heads)
        elif name.endswith("self_attn.k_proj.weight"):
            array = permute_rotary(array, config.num_key_value_heads)
        gguf_name = names.get_name(name, try_suffixes=(".weight", ".bias"))
        if gguf_name is None:
            raise ValueError(f"no GGUF name for tensor {name!r}; only llama-architecture models are supported")
        out.append((gguf_name, array))
    return out


@lru_cache(maxsize=4)
def tokenizer_metadata(gguf_path: Path) -> tuple:
    """Every ``tokenizer.*`` key of a GGUF as (key, value, type, array item type): BPE tokens, merges,
    token types, special ids, chat template. Cached: parsing 49k tokens takes seconds."""
    import gguf

    out = []
    for key, f in gguf.GGUFReader(gguf_path).fields.items():
        if key.startswith("tokenizer."):
            vtype = f.types[0]
            out.append((key, f.contents(), vtype, f.types[1] if vtype == gguf.GGUFValueType.ARRAY else None))
    return tuple(out)


def write_gguf(model, tokenizer_gguf: Path, out: Path, quant: str = "q8_0") -> Path:
    import gguf
    import numpy as np
    from tqdm import tqdm

    config = model.config
    if config.model_type != "llama":
        raise ValueError(f"only llama-architecture models export to GGUF here, not {config.model_type!r}")
    file_type = {"f32": gguf.LlamaFileType.ALL_F32, "f16": gguf.LlamaFileType.MOSTLY_F16,
                 "q8_0": gguf.LlamaFileType.MOSTLY_Q8_0, "q4_1": gguf.LlamaFileType.MOSTLY_Q4_1}[quant]
    out.parent.mkdir(parents=True, exist_ok=True)
    writer = gguf.GGUFWriter(str(out), "llama")
    writer.add_name(out.stem)
    writer.add_file_type(file_type)
    writer.add_quantization_version(gguf.GGML_QUANT_VERSION)
    head_dim = config.hidden_size // config.num_attention_heads
    writer.add_block_count(config.num_hidden_layers)
    writer.add_context_length(config.max_position_embeddings)
    writer.add_embedding_length(config.hidden_size)
    writer.add_feed_forward_length(config.intermediate_size)
    writer.add_head_count(config.num_attention_heads)
    writer.add_head_count_kv(config.num_key_value_heads)
    writer.add_rope_dimension_count(head_dim)
    writer.add_rope_freq_base(float(config.rope_parameters["rope_theta"]) if getattr(config, "rope_parameters", None)
                              else float(config.rope_theta))
    writer.add_layer_norm_rms_eps(float(config.rms_norm_eps))
    writer.add_vocab_size(config.vocab_size)
    for key, value, vtype, sub_type in tokenizer_metadata(Path(tokenizer_gguf)):
        writer.add_key_value(key, value, vtype, sub_type=sub_type)

    for name, array in tqdm(gguf_tensors(model), desc=f"GGUF {quant}", unit="tensor"):
        if array.ndim == 1 or quant == "f32":
            writer.add_tensor(name, array.astype(np.float32))
        elif quant == "f16":
            writer.add_tensor(name, array.astype(np.float16))
        else:
            # q4_1 keeps the token embedding (and an untied output head) at 8 bits, as llama.cpp's own
            # Q4_1 files do (the shipped base GGUF among them): those tables are the most quantization-sensitive.
            qtype = gguf.GGMLQuantizationType.Q4_1 if quant == "q4_1" and name not in (
                "token_embd.weight", "output.weight") else gguf.GGMLQuantizationType.Q8_0
            q = gguf.quants.quantize(array, qtype)
            writer.add_tensor(name, q, raw_shape=q.shape, raw_dtype=qtype)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    log.info("wrote %s", out)
    return out
