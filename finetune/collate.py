"""Chat examples → token ids with labels on assistant tokens only, and batch padding.

Loss is computed only where the model should learn to write: every assistant turn (its text and
the end-of-turn token). System prompts, product cards and shopper turns get label -100, so the
adapter learns to answer, not to reproduce the prompt.
"""

from __future__ import annotations

from typing import Any, Sequence

IGNORE = -100


def _ids(tokenizer, messages: Sequence[dict], generation_prompt: bool) -> list[int]:
    text = tokenizer.apply_chat_template(list(messages), tokenize=False, add_generation_prompt=generation_prompt)
    return tokenizer(text, add_special_tokens=False)["input_ids"]


def encode(tokenizer, messages: Sequence[dict], max_len: int) -> dict[str, list[int]] | None:
    """input_ids and labels for one conversation, truncated to ``max_len``; None when nothing to learn is left.

    Each assistant turn's span is found by rendering the conversation up to it with and without the
    turn (chat templates render prefixes identically), so multi-turn transcripts train on every answer."""
    if not messages or messages[-1]["role"] != "assistant":
        raise ValueError("a training conversation must end with an assistant message")
    input_ids: list[int] = []
    labels: list[int] = []
    for i, m in enumerate(messages):
        if m["role"] != "assistant":
            continue
        prompt = _ids(tokenizer, messages[:i], generation_prompt=True)
        full = _ids(tokenizer, messages[: i + 1], generation_prompt=False)
        if full[: len(input_ids)] != input_ids or full[: len(prompt)] != prompt:
            raise ValueError("the chat template does not render conversation prefixes consistently")
        labels += [IGNORE] * (len(prompt) - len(input_ids)) + full[len(prompt):]
        input_ids = full
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
