"""LLM backends behind one small interface (``LLMBackend.generate(messages, **opts) -> Iterator[str]``).

``make_backend(model_config)`` picks one by name: ``auto`` (the default: ``xllamacpp`` on a CPU when
installed, else ``transformers``), ``transformers`` (bitsandbytes 4-bit; the GPU default),
``xllamacpp`` (llama.cpp in-process, prebuilt wheel), ``llamacpp`` (llama-cpp-python), ``openai``
(any OpenAI-compatible server) and ``mock`` (queued replies, for tests). Each is imported only
when chosen, so importing this package loads no model and no heavy library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.backends.base import GenerationOptions, LLMBackend, Message

if TYPE_CHECKING:  # pragma: no cover
    from assistant.model_config import ModelConfig

# name -> "module:factory"; the factory takes the ModelConfig and returns an LLMBackend.
BACKENDS: dict[str, str] = {
    "transformers": "assistant.backends.hf:TransformersBackend.from_config",
    "mock": "assistant.backends.mock:MockBackend.from_config",
    "openai": "assistant.backends.openai_compat:OpenAIBackend.from_config",
    "llamacpp": "assistant.backends.llamacpp:LlamaCppBackend.from_config",
    "xllamacpp": "assistant.backends.xllamacpp:XLlamaCppBackend.from_config",
}


def make_backend(config: "ModelConfig") -> LLMBackend:
    import importlib

    name = config.resolved_backend()
    try:
        target = BACKENDS[name]
    except KeyError:
        raise ValueError(f"unknown backend {name!r}; choose auto or one of {sorted(BACKENDS)}") from None
    module_name, _, attr = target.partition(":")
    obj = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj(config)


__all__ = ["BACKENDS", "GenerationOptions", "LLMBackend", "Message", "make_backend"]
