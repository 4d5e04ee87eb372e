"""The prompt text every model sees, rendered by the project rather than by a tokenizer's chat template.

    from assistant.chat_format import render, format_for
    text = render([{"role": "system", "content": "..."}, {"role": "user", "content": "hi"}], "gemma")

Why our own: Gemma 3 270M ships as a *pretrained* GGUF without a chat template, and "train on what you
serve" needs one exact string for training (finetune/), llama.cpp (raw completion) and transformers.
The tokenizer adds the BOS token itself, so no format writes it here.

- ``chatml``: SmolLM2-Instruct's own template (``<|im_start|>role\\n...<|im_end|>``).
- ``gemma``: Gemma's turn markers; the system text opens the first user turn (Gemma has no system role).
"""

from __future__ import annotations

from typing import Sequence

from assistant.backends.base import Message

FORMATS = ("chatml", "gemma")
_END = {"chatml": "<|im_end|>", "gemma": "<end_of_turn>"}


def format_for(base_model: str) -> str:
    """The chat format of a base model spec (``gguf:<package>/<file>``, a path or a Hugging Face id)."""
    return "gemma" if "gemma" in base_model.lower() else "chatml"


def end_of_turn(fmt: str) -> str:
    """What closes a turn: the stop string at run time, and the end of every training target."""
    return _END[_check(fmt)]


def render(messages: Sequence[Message], fmt: str, add_generation_prompt: bool = True) -> str:
    """The prompt for ``messages``; with ``add_generation_prompt`` it ends where the assistant starts writing."""
    _check(fmt)
    if fmt == "chatml":
        out = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)
        return out + ("<|im_start|>assistant\n" if add_generation_prompt else "")
    out, system = "", ""
    for m in messages:
        if m["role"] == "system":
            system += m["content"] + "\n\n"
            continue
        role = "model" if m["role"] == "assistant" else "user"
        content = (system + m["content"]) if role == "user" else m["content"]
        system = "" if role == "user" else system
        out += f"<start_of_turn>{role}\n{content}<end_of_turn>\n"
    return out + ("<start_of_turn>model\n" if add_generation_prompt else "")


def _check(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown chat format {fmt!r}; choose one of {list(FORMATS)}")
    return fmt


__all__ = ["FORMATS", "end_of_turn", "format_for", "render"]
