"""Chat examples → token ids with labels on assistant tokens only, and batch padding.

    from finetune.collate import encode
    row = encode(tokenizer, messages, max_len=320, fmt="gemma")   # {"input_ids": [...], "labels": [...]}

The text is the project's own prompt format (``assistant.chat_format``), never the tokenizer's chat
template: serving (llama.cpp raw completion, transformers) sends exactly ``render(prompt, fmt)`` and stops at
``end_of_turn(fmt)``, so training sees ``render(prompt, fmt)`` + target + ``end_of_turn(fmt)``. Loss is
computed only where the model should learn to write (the target and its end-of-turn marker); system
prompts, product cards and shopper turns get label -100.
"""

from __future__ import annotations

from typing import Any, Sequence

from assistant.chat_format import end_of_turn, render

IGNORE = -100


def segments(messages: Sequence[dict], fmt: str) -> list[tuple[str, bool]]:
    """(text, learn) pieces whose concatenation is the whole conversation as served, turn by turn.

    Each assistant turn is preceded by exactly what the server would be sent at that point
    (``render(messages[:i], fmt)``), so multi-turn transcripts train on every answer."""
    if not messages or messages[-1]["role"] != "assistant":
        raise ValueError("a training conversation must end with an assistant message")
    out: list[tuple[str, bool]] = []
    consumed = ""
    for i, m in enumerate(messages):
        if m["role"] != "assistant":
            continue
        prompt = render(messages[:i], fmt, add_generation_prompt=True)
        if not prompt.startswith(consumed):
            raise ValueError(f"chat format {fmt!r} does not render conversation prefixes consistently")
        out.append((prompt[len(consumed):], False))
        target = m["content"] + end_of_turn(fmt)
        out.append((target, True))
        consumed = prompt + target
    return out


def encode(tokenizer, messages: Sequence[dict], max_len: int, fmt: str) -> dict[str, list[int]] | None:
    """input_ids and labels for one conversation, truncated to ``max_len``; None when nothing to learn is left."""
    input_ids: list[int] = []
    labels: list[int] = []
    for k, (text, learn) in enumerate(segments(messages, fmt)):
        # The tokenizer adds BOS itself (as llama.cpp and the transformers backend do for a prompt): only once.
        ids = tokenizer(text, add_special_tokens=(k == 0))["input_ids"]
        input_ids += ids
        labels += ids if learn else [IGNORE] * len(ids)
    input_ids, labels = input_ids[:max_len], labels[:max_len]
    if all(label == IGNORE for label in labels):
        return None
    return {"input_ids": input_ids, "labels": labels}


class Collator:
    """Pads a batch to its longest example (``pad_to`` = a fixed length for the naive baseline)."""

    def __init__(self, pad_id: int, pad_to: int | None = None):
        self.pad_id, self.pad_to = pad_id, pad_to

    def __call__(self, batch: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        width = self.pad_to or max(len(b["input_ids"]) for b in batch)
        ids, labels, mask = [], [], []
        for b in batch:
            n = len(b["input_ids"])
            ids.append(b["input_ids"] + [self.pad_id] * (width - n))
            labels.append(b["labels"] + [IGNORE] * (width - n))
            mask.append([1] * n + [0] * (width - n))
        return {"input_ids": torch.tensor(ids), "labels": torch.tensor(labels), "attention_mask": torch.tensor(mask)}
