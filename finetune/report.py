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

from assistant.evaluate import Dialogue, evaluate_states, load_dialogues
from assistant.extract.llm import LLMExtractor

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


# ---- state job: the chat's own extractor, parser and metrics -------------------------------------
# The state job is scored exactly as `shopassist eval --extractor llm` scores it: assistant.evaluate
# tracks each dialogue with the LLM extractor (its parser repairs synonyms and drops bad keys, as in
# the chat), and assistant.metrics computes slot F1 and JGA. JSON validity is the share of outputs
# that were a JSON object whose every key passed validation.


class CountingLLMExtractor(LLMExtractor):
    """The chat's LLM extractor, tallying how many of its outputs were fully valid updates."""

    def __init__(self, backend, max_new_tokens: int = 48):
        super().__init__(backend, max_new_tokens)
        self.outputs = self.valid = 0

    def propose(self, state, history, user_message):
        proposal = super().propose(state, history, user_message)
        self.outputs += 1
        self.valid += proposal.valid_json and not proposal.dropped
        return proposal

    @property
    def json_valid(self) -> float | None:
        return self.valid / self.outputs if self.outputs else None


def read_dialogues(path: str | Path, max_turns: int) -> list[Dialogue]:
    """Whole dialogues from an eval-format file (assistant.evaluate's parser) until ``max_turns`` turns."""
    out, n = [], 0
    for d in load_dialogues(path):
        if n >= max_turns:
            break
        out.append(d)
        n += len(d.turns)
    return out


def score_states(extractor, dialogues: Sequence[Dialogue]) -> dict[str, Any]:
    """Slot F1, JGA and (for an LM extractor) JSON validity of ``extractor`` on ``dialogues``."""
    m = evaluate_states(list(dialogues), extractor)
    return {"slot_f1": m["slot_f1"], "jga": m["joint_goal_accuracy"], "turns": m["turns"],
            "json_valid": getattr(extractor, "json_valid", None)}


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


def state_sets(data_dir: Path, dev_path: str, max_turns: int) -> dict[str, list[Dialogue]]:
    """The generated test dialogues and (when present) the dev set, capped at ``max_turns`` turns each."""
    sets = {"test": data_dir / "test_dialogues.jsonl"}
    if dev_path and Path(dev_path).is_file():
        sets["dev"] = Path(dev_path)
    return {name: read_dialogues(path, max_turns) for name, path in sets.items()}


def evaluate_rules(data_dir: Path, dev_path: str, max_turns: int) -> dict[str, Any]:
    """The ``rules`` extractor on the same dialogues: the reference column of the card (no LM)."""
    from assistant.extract.rules import RulesExtractor

    return {f"state_{name}": score_states(RulesExtractor(), dialogues)
            for name, dialogues in state_sets(data_dir, dev_path, max_turns).items()}


def evaluate_model(model, tokenizer, data_dir: Path, dev_path: str, max_turns: int, max_replies: int,
                   known_names: Sequence[str]) -> dict[str, Any]:
    from tqdm import tqdm

    from assistant.backends.base import GenerationOptions
    from assistant.backends.hf import TransformersBackend

    # The chat's transformers backend around the loaded (PEFT) model: greedy, no repetition penalty.
    backend = TransformersBackend(model, tokenizer, GenerationOptions(repetition_penalty=1.0))
    result: dict[str, Any] = {}
    for name, dialogues in state_sets(data_dir, dev_path, max_turns).items():
        result[f"state_{name}"] = score_states(CountingLLMExtractor(backend), dialogues)
    replies = [json.loads(line) for line in (data_dir / "test.jsonl").read_text().splitlines() if line.strip()]
    replies = [r for r in replies if r["task"] == "reply"][:max_replies]
    r = score_replies(lambda m: "".join(backend.generate(m, max_new_tokens=96)),
                      tqdm(replies, desc="replies", leave=False), known_names)
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
    fig, ax = plt.subplots(figsize=(10, 4))
    width = 0.8 / max(len(results), 1)
    for i, (name, res) in enumerate(results.items()):
        values = [res.get(s, {}).get(k) or 0.0 for s, k in keys]
        ax.bar([x + i * width for x in range(len(keys))], values, width, label=name)
    ax.set_xticks([x + width * (len(results) - 1) / 2 for x in range(len(keys))])
    ax.set_xticklabels(labels, rotation=30, ha="right", fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)  # outside: bars reach 1.0
    ax.set_ylabel("score (higher is better)")
    ax.set_title("Report card: " + ", ".join(results) + " (state job, then replies)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def model_card(cfg_dict: dict, results: dict[str, dict[str, Any]], data_card: dict, train_summary: dict,
               caps: tuple[int, int]) -> str:
    samples = results.get("adapter", {}).get("reply_test", {}).get("samples", [])
    sample_text = "\n".join(f"- adapter: {h!r}\n  reference: {r!r}" for h, r in samples)
    steps, planned = train_summary.get("steps"), train_summary.get("planned_steps")
    stopped = " (stopped early by `train.max_minutes`)" if steps and planned and steps < planned else ""
    if results:
        card = f"""Evaluated on at most {caps[0]} state turns per set and {caps[1]} replies per model (greedy decoding on a
CPU is slow, so these are small samples: read differences of a few points as noise). "rules" is the
rule-based extractor on the same turns, for reference (it writes no replies). "test" is the generated
test split (unseen phrasings); "dev" is `shared/eval/dev_dialogues.jsonl`. The state job is scored
with the chat's own LLM extractor and metrics (`shopassist eval --extractor llm`).

{table(results)}

![report card](report_card.png)

Sample replies:
{sample_text}
"""
    else:
        card = ("Not evaluated yet (the adapter is published before its evaluation). Run\n"
                "`shopassist finetune --config configs/finetune/cpu-smollm2.yaml --report-only`.\n")
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
- steps: {steps} of {planned} planned{stopped}, training loss {train_summary.get('train_loss')},
  {train_summary.get('tokens_per_s')} tokens/s, {train_summary.get('minutes')} minutes.

## Report card
{card}"""
