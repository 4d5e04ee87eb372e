"""Merge a LoRA adapter into the base model and write a GGUF file llama.cpp can serve.

    shopassist export-gguf --adapter finetune/adapters/default --out shopassist.gguf --quant q8_0

The base is loaded in float32 (a LoRA merges only into unquantized weights), the adapter is merged
with peft's ``merge_and_unload``, and the result is written with the ``gguf`` package's writer as a
``llama`` model: hyperparameters from the model config, tensors under llama.cpp's names, and the
tokenizer (BPE tokens, merges, token types, special ids) plus chat template copied from the base GGUF's
metadata. ``--quant q8_0`` quantizes the 2-D weights with ``gguf.quants`` (norms stay float32).

For external servers only: the chat itself serves the base GGUF as shipped plus the adapter as a llama.cpp
LoRA GGUF (``write_lora_gguf`` below). Trap: a merged export at the base's own 4-bit grid (``--quant q4_1``
on a Q4_1 base) rounds every small ΔW back to the base weight, so the adapter vanishes; use q8_0 (default) or
f16, or serve the base + LoRA GGUF (``python -m assistant.backends.xllamacpp BASE.gguf --lora LORA.gguf``).
"""

from __future__ import annotations

import argparse
import json
import re
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


# --- LoRA adapters as llama.cpp LoRA GGUFs (what the CPU chat serves) ---------------------------------------
# The base GGUF stays exactly as shipped (4-bit) and llama.cpp adds B·A·(alpha/r) at run time, so ΔW is never
# rounded onto the base's quantization grid (a merged re-quantized export loses it: see the module docstring).

LORA_ARCHES = {"llama": "LLAMA", "gemma3": "GEMMA3", "gemma3_text": "GEMMA3"}


LORA_FORMAT_VERSION = "1"  # part of the cache key: bump when the writer's output changes


def cached_lora_gguf(adapter_dir: str | Path, base_gguf: str | Path, cache_root: str | Path) -> Path:
    """The adapter as a llama.cpp LoRA GGUF under ``<cache_root>/lora/``, written once per adapter content.

    Keyed by the sha256 of the adapter's config and weights plus the base file's fingerprint, so a retrained
    adapter (same folder, new weights) gets a new file. Written under a temporary name and renamed."""
    import hashlib
    import os
    import tempfile

    from assistant.model_loader import _fingerprint

    adapter_dir, base_gguf = Path(adapter_dir), Path(base_gguf)
    digest = hashlib.sha256(LORA_FORMAT_VERSION.encode() + _fingerprint(base_gguf).encode())
    for name in ("adapter_config.json", "adapter_model.safetensors"):
        digest.update(name.encode() + (adapter_dir / name).read_bytes())
    target = Path(cache_root) / "lora" / f"{adapter_dir.name}-{digest.hexdigest()[:16]}.gguf"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    os.close(fd)
    try:
        log.info("writing adapter %s as a llama.cpp LoRA GGUF (once): %s", adapter_dir, target)
        write_lora_gguf(adapter_dir, base_gguf, tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def write_lora_gguf(adapter_dir: str | Path, base_gguf: str | Path, out: str | Path, dtype: str = "f32") -> Path:
    """Write the PEFT LoRA adapter in ``adapter_dir`` as a llama.cpp LoRA GGUF for ``base_gguf``.

        python -c "from assistant.export_gguf import write_lora_gguf; \\
    write_lora_gguf('finetune/adapters/default', 'SmolLM2.gguf', 'lora.gguf')"

    Layout llama.cpp reads (``general.type = adapter``, ``adapter.type = lora``, ``adapter.lora.alpha``) with,
    per adapted weight ``<name>.weight``, tensors ``<name>.lora_a`` (PEFT's lora_A, shape r x in) and
    ``<name>.lora_b`` (lora_B, out x r). For llama the Q/K rows are permuted as in the base conversion
    (permuting B's rows permutes B·A's rows); Gemma 3's conversion does not permute."""
    import gguf
    import numpy as np
    from safetensors.numpy import load_file

    adapter_dir, base_gguf, out = Path(adapter_dir), Path(base_gguf), Path(out)
    config = json.loads((adapter_dir / "adapter_config.json").read_text())
    if config.get("peft_type", "LORA") != "LORA":
        raise ValueError(f"{adapter_dir}: only LoRA adapters convert to llama.cpp, not {config.get('peft_type')}")
    if config.get("modules_to_save") or config.get("rank_pattern") or config.get("alpha_pattern") \
            or config.get("use_dora") or config.get("lora_bias"):
        raise ValueError(f"{adapter_dir}: modules_to_save / rank or alpha patterns / DoRA / LoRA bias have no "
                         "llama.cpp LoRA equivalent here; train a plain LoRA")
    r, alpha = int(config["r"]), float(config["lora_alpha"])
    if config.get("use_rslora"):
        alpha = alpha * r ** 0.5  # rsLoRA scales by alpha/sqrt(r); llama.cpp by alpha/r
    reader = gguf.GGUFReader(base_gguf)
    arch = str(reader.fields["general.architecture"].contents())
    if arch not in LORA_ARCHES:
        raise ValueError(f"no LoRA export for architecture {arch!r}; supported: llama, gemma3")
    n_layers = int(reader.fields[f"{arch}.block_count"].contents())
    n_head = int(reader.fields[f"{arch}.attention.head_count"].contents())
    n_head_kv = int(reader.fields[f"{arch}.attention.head_count_kv"].contents())
    names = gguf.get_tensor_name_map(getattr(gguf.MODEL_ARCH, LORA_ARCHES[arch]), n_layers)
    base_shapes = {t.name: tuple(int(d) for d in t.shape) for t in reader.tensors}  # ggml order: (in, out)

    weights = load_file(str(adapter_dir / "adapter_model.safetensors"))
    pairs: dict[str, dict[str, np.ndarray]] = {}
    for key, array in weights.items():
        # base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight -> model.layers.0.self_attn.q_proj
        m = re.fullmatch(r"base_model\.model\.(.+)\.lora_([AB])(?:\.default)?\.weight", key)
        if m is None:
            raise ValueError(f"{adapter_dir}: unexpected tensor {key!r} (only lora_A / lora_B weights convert)")
        pairs.setdefault(m.group(1), {})[m.group(2)] = array.astype(np.float32)
    tensors = []
    for module, ab in sorted(pairs.items()):
        if set(ab) != {"A", "B"}:
            raise ValueError(f"{adapter_dir}: {module} lacks lora_A or lora_B")
        gguf_name = names.get_name(module + ".weight", try_suffixes=(".weight",))
        if gguf_name is None or gguf_name not in base_shapes:
            raise ValueError(f"{adapter_dir}: no tensor in {base_gguf.name} for {module!r} (got {gguf_name!r})")
        a, b = ab["A"], ab["B"]
        if arch == "llama" and module.endswith("self_attn.q_proj"):
            b = permute_rotary(b, n_head)
        elif arch == "llama" and module.endswith("self_attn.k_proj"):
            b = permute_rotary(b, n_head_kv)
        if base_shapes[gguf_name] != (a.shape[1], b.shape[0]):
            raise ValueError(f"{adapter_dir}: {module} is {b.shape[0]}x{a.shape[1]} but {gguf_name} in "
                             f"{base_gguf.name} is {base_shapes[gguf_name][1]}x{base_shapes[gguf_name][0]}: "
                             "was the adapter trained on this base?")
        stem = gguf_name[: -len(".weight")]
        tensors += [(stem + ".weight.lora_a", a), (stem + ".weight.lora_b", b)]

    out.parent.mkdir(parents=True, exist_ok=True)
    writer = gguf.GGUFWriter(str(out), arch)
    writer.add_type(gguf.GGUFType.ADAPTER)
    writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
    writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, alpha)
    writer.add_name(adapter_dir.name)
    np_dtype = {"f32": np.float32, "f16": np.float16}[dtype]
    writer.add_file_type(gguf.LlamaFileType.ALL_F32 if dtype == "f32" else gguf.LlamaFileType.MOSTLY_F16)
    for name, array in tensors:
        writer.add_tensor(name, np.ascontiguousarray(array.astype(np_dtype)))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return out
