"""The report card: base model vs adapter on the state-update and reply jobs.

    shopassist finetune --config configs/finetune/cpu-smollm2.yaml   # trains, then writes this card

State job (generated test dialogues and the dev set): the LM reads each shopper turn with its own
previous state and emits a StateUpdate JSON; we score slot F1, joint goal accuracy (JGA) and the
share of outputs that are valid JSON updates. Reply job (generated test replies): BLEU and ROUGE-L
against the reference replies, and grounding: the share of replies whose product names and prices
all come from the given cards. Evaluation decodes on the CPU, so the number of turns and replies
is capped by the config and the card says so.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from assistant.prompts import state_messages
from assistant.state import DialogueState, StateError, StateUpdate
from assistant.tracker import apply_update

# ---- text metrics (plain implementations; no extra dependencies) -----------------------------------


def tokens(text: str) -> list[str]:
    return re.findall(r"\w+(?:\.\d+)?|[^\w\s]", text.lower())


def bleu(hypotheses: Sequence[str], references: Sequence[str], max_n: int = 4) -> float:
    """Corpus BLEU-4 with the brevity penalty, one reference per hypothesis, add-one smoothing for n>1."""
    matches, totals = [0] * max_n, [0] * max_n
    hyp_len = ref_len = 0
    for hyp, ref in zip(hypotheses, references):
        h, r = tokens(hyp), tokens(ref)
        hyp_len, ref_len = hyp_len + len(h), ref_len + len(r)
        for n in range(1, max_n + 1):
            hc = Counter(tuple(h[i:i + n]) for i in range(len(h) - n + 1))
            rc = Counter(tuple(r[i:i + n]) for i in range(len(r) - n + 1))
            matches[n - 1] += sum(min(c, rc[g]) for g, c in hc.items())
            totals[n - 1] += max(0, len(h) - n + 1)
    if hyp_len == 0 or matches[0] == 0:
        return 0.0
    logp = sum(math.log((matches[n] + (n > 0)) / (totals[n] + (n > 0))) for n in range(max_n)) / max_n
    bp = 1.0 if hyp_len > ref_len else math.exp(1 - ref_len / hyp_len)
    return bp * math.exp(logp)


def rouge_l(hypothesis: str, reference: str) -> float:
    """ROUGE-L F1: longest common subsequence of tokens."""
    h, r = tokens(hypothesis), tokens(reference)
    if not h or not r:
        return 0.0
    prev = [0] * (len(r) + 1)
    for a in h:
        cur = [0]
        for j, b in enumerate(r):
            cur.append(prev[j] + 1 if a == b else max(prev[j + 1], cur[j]))
        prev = cur
    lcs = prev[-1]
    if lcs == 0:
        return 0.0
    p, rec = lcs / len(h), lcs / len(r)
    return 2 * p * rec / (p + rec)


PRICE = re.compile(r"(?<![\w.])\$?(\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s?(?:USD|EUR|SAR|dollars|\$))?")


def is_grounded(reply: str, cards: Sequence[dict[str, Any]], known_names: Iterable[str] = ()) -> bool:
    """True when every price the reply states is a card's price and no product name outside the cards
    appears (``known_names``: the catalog's other names, which would be products not given)."""
    given = {c["name"].lower() for c in cards}
    text = reply.lower()
    if any(n.lower() in text for n in known_names if n.lower() not in given):
        return False
    prices = {round(float(c["price"])) for c in cards}
    for m in PRICE.finditer(reply):
        value = float(m.group(1).replace(",", ""))
        looks_like_price = m.group(0).startswith("$") or m.group(0).rstrip() != m.group(1) or value >= 20
        if looks_like_price and round(value) not in prices and not _is_spec_number(value, cards):
            return False
    return True


def _is_spec_number(value: float, cards: Sequence[dict[str, Any]]) -> bool:
    """Spec values and model numbers are not prices: "60 cm wide", "Bed 142"."""
    for c in cards:
        numbers = [v for v in (c.get("key_specs") or {}).values() if isinstance(v, (int, float))]
        numbers += [float(x) for x in re.findall(r"\d+(?:\.\d+)?", c["name"])]
        if any(abs(value - float(n)) < 1e-9 for n in numbers):
            return True
    return False


# ---- state metrics -----------------------------------------------------------------------------


@dataclass
class StateScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    turns: int = 0
    exact: int = 0
    outputs: int = 0
    valid: int = 0

    def add(self, predicted: DialogueState, expected: DialogueState) -> None:
        p, e = predicted.pairs(), expected.pairs()
        self.tp, self.fp, self.fn = self.tp + len(p & e), self.fp + len(p - e), self.fn + len(e - p)
        self.turns += 1
        self.exact += p == e

    @property
    def f1(self) -> float:
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn) if self.tp else 0.0

    @property
    def jga(self) -> float:
        return self.exact / self.turns if self.turns else 0.0

    @property
    def json_valid(self) -> float | None:
        return self.valid / self.outputs if self.outputs else None


def parse_update(text: str) -> StateUpdate | None:
    """The first JSON object in the LM's output as a StateUpdate, or None when it is not a valid one."""
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end < start:
        return None
    try:
        return StateUpdate.from_dict(json.loads(text[start:end + 1]))
    except (ValueError, StateError):
        return None


def read_dialogues(path: str | Path, max_turns: int) -> list[dict]:
    """Whole dialogues from an eval-format file until ``max_turns`` turns are collected."""
    out, n = [], 0
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip() and n < max_turns:
            d = json.loads(line)
            out.append(d)
            n += len(d["turns"])
    return out


def score_states(generate: Callable[[list[dict]], str], dialogues: Sequence[dict]) -> StateScore:
    """Track each dialogue with the LM's own updates (errors carry over, as in the chat)."""
    score = StateScore()
    for d in dialogues:
        state = DialogueState()
        for turn in d["turns"]:
            update = parse_update(generate(state_messages(state.to_json(), turn["user"])))
            score.outputs += 1
            if update is not None:
                score.valid += 1
                state = apply_update(state, update)
            score.add(state, DialogueState.from_dict(turn["state"]))
    return score


@dataclass
class ReplyScore:
    bleu: float = 0.0
    rouge_l: float = 0.0
    grounded: float = 0.0
    n: int = 0
    samples: list[tuple[str, str]] = field(default_factory=list)


def score_replies(generate: Callable[[list[dict]], str], examples: Sequence[dict], known_names: Sequence[str]) -> ReplyScore:
    hyps, refs, grounded = [], [], 0
    for ex in examples:
        hyp = generate(ex["messages"][:-1])
        hyps.append(hyp)
        refs.append(ex["messages"][-1]["content"])
        grounded += is_grounded(hyp, ex["cards"], known_names)
    n = len(examples)
    return ReplyScore(bleu=bleu(hyps, refs), rouge_l=sum(map(rouge_l, hyps, refs)) / max(n, 1),
                      grounded=grounded / max(n, 1), n=n, samples=list(zip(hyps, refs))[:3])


# ---- running the models --------------------------------------------------------------------------


def greedy_generator(model, tokenizer, max_new_tokens: int) -> Callable[[list[dict]], str]:
    import torch

    def generate(messages: list[dict]) -> str:
        enc = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt",
                                            return_dict=True)
        enc = {k: v.to(model.device) for k, v in enc.items()}
        with torch.no_grad():
            out = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False,
                                 pad_token_id=tokenizer.pad_token_id or tokenizer.eos_token_id)
        return tokenizer.decode(out[0, enc["input_ids"].shape[1]:], skip_special_tokens=True).strip()

    return generate


def evaluate_model(model, tokenizer, data_dir: Path, dev_path: str, max_turns: int, max_replies: int,
                   known_names: Sequence[str]) -> dict[str, Any]:
    from tqdm import tqdm

    state_gen = greedy_generator(model, tokenizer, 48)
    reply_gen = greedy_generator(model, tokenizer, 96)
    result: dict[str, Any] = {}
    sets = {"test": data_dir / "test_dialogues.jsonl"}
    if dev_path and Path(dev_path).is_file():
        sets["dev"] = Path(dev_path)
    for name, path in sets.items():
        dialogues = read_dialogues(path, max_turns)
        s = score_states(state_gen, tqdm(dialogues, desc=f"state {name}", leave=False))
        result[f"state_{name}"] = {"slot_f1": s.f1, "jga": s.jga, "json_valid": s.json_valid, "turns": s.turns}
    replies = [json.loads(line) for line in (data_dir / "test.jsonl").read_text().splitlines() if line.strip()]
    replies = [r for r in replies if r["task"] == "reply"][:max_replies]
    r = score_replies(reply_gen, tqdm(replies, desc="replies", leave=False), known_names)
    result["reply_test"] = {"bleu": r.bleu, "rouge_l": r.rouge_l, "grounded": r.grounded, "n": r.n,
                            "samples": r.samples}
    return result


# ---- the card -----------------------------------------------------------------------------------

ROWS = [("state_test", "slot_f1", "state slot F1 (test)"), ("state_test", "jga", "state JGA (test)"),
        ("state_test", "json_valid", "JSON valid (test)"), ("state_dev", "slot_f1", "state slot F1 (dev)"),
        ("state_dev", "jga", "state JGA (dev)"), ("state_dev", "json_valid", "JSON valid (dev)"),
        ("reply_test", "bleu", "reply BLEU"), ("reply_test", "rouge_l", "reply ROUGE-L"),
        ("reply_test", "grounded", "reply grounding rate")]


def table(results: dict[str, dict[str, Any]]) -> str:
    """A markdown table: one row per metric, one column per model."""
    names = list(results)
    lines = ["| metric | " + " | ".join(names) + " |", "| --- |" + " --- |" * len(names)]
    for section, key, label in ROWS:
        cells = []
        for n in names:
            v = results[n].get(section, {}).get(key)
            cells.append("–" if v is None else f"{v:.3f}")
        if any(c != "–" for c in cells):
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(results: dict[str, dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [label for s, k, label in ROWS if any(results[n].get(s, {}).get(k) is not None for n in results)]
    keys = [(s, k) for s, k, label in ROWS if label in labels]
    fig, ax = plt.subplots(figsize=(9, 4))
    width = 0.8 / max(len(results), 1)
    for i, (name, res) in enumerate(results.items()):
        values = [res.get(s, {}).get(k) or 0.0 for s, k in keys]
        ax.bar([x + i * width for x in range(len(keys))], values, width, label=name)
    ax.set_xticks([x + width * (len(results) - 1) / 2 for x in range(len(keys))])
    ax.set_xticklabels(labels, rotation=30, ha="right", fontsize=8)
    ax.set_ylim(0, 1)
    ax.legend()
    ax.set_title("Base model vs LoRA adapter")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def model_card(cfg_dict: dict, results: dict[str, dict[str, Any]], data_card: dict, train_summary: dict,
               caps: tuple[int, int]) -> str:
    samples = results.get("adapter", {}).get("reply_test", {}).get("samples", [])
    sample_text = "\n".join(f"- adapter: {h!r}\n  reference: {r!r}" for h, r in samples)
    return f"""---
library_name: peft
base_model: {cfg_dict['model']['base_model']}
tags: [lora, qlora, shopping-assistant]
---
# shopassist LoRA adapter

A LoRA adapter (r={cfg_dict['lora']['r']}, alpha={cfg_dict['lora']['alpha']}, on {', '.join(cfg_dict['lora']['target_modules'])})
for `{cfg_dict['model']['base_model']}` loaded in NF4. It teaches two jobs with the prompts of
`assistant/prompts.py`: emitting the dialogue-state update as compact JSON, and writing a short
reply grounded in the given product cards. Reproduce with `make finetune`
(`shopassist finetune --config configs/finetune/cpu-smollm2.yaml`).

## Training
- data: {data_card['splits']['train']['examples']} generated training examples from
  {data_card['splits']['train']['dialogues']} dialogues (seed {data_card['seed']}; {data_card['catalog_items']} catalog items);
  test split uses held-out phrasing families.
- steps: {train_summary.get('steps')} of {train_summary.get('planned_steps')} planned (fewer: stopped by
  `train.max_minutes` on a busy machine), training loss {train_summary.get('train_loss')},
  {train_summary.get('tokens_per_s')} tokens/s, {train_summary.get('minutes')} minutes.

## Report card
Evaluated on at most {caps[0]} state turns per set and {caps[1]} replies per model (greedy decoding on a CPU is
slow, so these are small samples: read differences of a few points as noise).
"test" is the generated test split (unseen phrasings); "dev" is `shared/eval/dev_dialogues.jsonl`.

{table(results)}

![report card](report_card.png)

Sample replies:
{sample_text}
"""
