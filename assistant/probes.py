"""Availability probes for optional heavy dependencies and hardware, in one place.

Each probe is cheap (``importlib.util.find_spec``; no import of the library itself) except
``cuda_available`` which imports torch. ``require(name)`` raises a one-line actionable error.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache

# import name -> what to install
OPTIONAL = {
    "torch": "pip install torch==2.13.0  (CPU wheel; see README for CUDA)",
    "transformers": "pip install -e .  (or make install)",
    "peft": "pip install -e .  (or make install)",
    "bitsandbytes": "pip install bitsandbytes  (or make install)",
    "accelerate": "pip install accelerate",
    "gguf": "pip install gguf",
    "chromadb": "pip install chromadb",
    "sentence_transformers": "pip install sentence-transformers",
    "gradio": "pip install gradio",
    "gradio_client": "pip install gradio_client",
    "llama_cpp": "pip install '.[llamacpp]'",
    "xllamacpp": "pip install xllamacpp  (or make install)",
    "openai": "pip install openai",
    "matplotlib": "pip install matplotlib",
    "tensorboard": "pip install tensorboard",
}


class MissingDependency(RuntimeError):
    pass


@lru_cache(maxsize=None)
def has(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def require(module: str, why: str = "") -> None:
    if not has(module):
        hint = OPTIONAL.get(module, f"pip install {module}")
        reason = f" (needed for {why})" if why else ""
        raise MissingDependency(f"missing optional dependency {module!r}{reason}: {hint}")


@lru_cache(maxsize=None)
def cuda_available() -> bool:
    if not has("torch"):
        return False
    import torch

    return bool(torch.cuda.is_available())


def resolve_device(device: str) -> str:
    """``auto`` -> ``cuda`` when a GPU is present, else ``cpu``; an explicit ``cuda`` without a GPU fails."""
    device = device.lower()
    if device == "auto":
        return "cuda" if cuda_available() else "cpu"
    if device.startswith("cuda") and not cuda_available():
        raise RuntimeError(
            f"device {device!r} was requested but no CUDA GPU is visible to torch; "
            "use --model.device cpu (or auto), or install a CUDA build of torch")
    if device not in ("cpu",) and not device.startswith("cuda"):
        raise ValueError(f"unknown device {device!r}; use auto, cpu or cuda[:N]")
    return device


def cpu_supports_bf16() -> bool:
    """AVX-512 BF16 / AMX on x86 makes bf16 matmuls fast on the CPU; without them bf16 is slow."""
    try:
        flags = open("/proc/cpuinfo", encoding="utf-8").read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags
