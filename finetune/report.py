"""The report card: rules, base, adapter (the ``llm`` extractor) and hybrid side by side, per language.

    shopassist finetune --config configs/finetune/cpu-gemma3.yaml                  # trains, then prints this card
    shopassist finetune --config configs/finetune/cpu-gemma3.yaml --report-only    # re-scores the published adapter

State job, on the dev set, the frozen unseen set (``tests/data/unseen_dialogues.jsonl``) and the generated
test split: every dialogue starts from an empty state and each turn runs through the chat's own code
(``assistant.extract``: the LLM extractor's prompt and parser, the rules, the hybrid's precedence) and
``assistant.metrics``; slot F1 and joint goal accuracy (JGA) for all turns and for English and Chinese
turns apart, and the share of LM outputs that were valid updates. Reply job (generated test replies):
BLEU (``sacrebleu``, ``tokenize="zh"`` for Chinese) and ROUGE-L (``rouge-score``) against the reference
replies, and grounding as the chat's guard (``assistant.dialogue.grounding``) judges it.

Decoding is greedy and batched across dialogues (turn k of every dialogue at once), on exactly the
prompt serving sends (``assistant.chat_format.render``) and cut at ``end_of_turn``: the same outputs
as one-at-a-time decoding, several times faster on a CPU.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from assistant.evaluate import Dialogue, language, load_dialogues
from assistant.extract.llm import LLMExtractor, parse_update
from assistant.prompts import state_messages
from assistant.state import DialogueState
from assistant.tracker import apply_update

LANGUAGES = ("en", "zh")


# ---- decoding ------------------------------------------------------------------------------------


class Decoder:
    """Greedy, batched decoding of the served prompt: ``render(messages, fmt)`` in, the text before
    ``end_of_turn(fmt)`` out. Also an LLM backend (``generate``), so the chat's extractors run on it."""

    name = "report-decoder"

    def __init__(self, model, tokenizer, fmt: str, batch_size: int = 16):
        self.model, self.tokenizer, self.fmt, self.batch_size = model, tokenizer, fmt, batch_size
        self.calls = 0

    def complete(self, conversations: Sequence[Sequence[dict]], max_new_tokens: int = 48) -> list[str]:
        import torch

        from assistant.chat_format import end_of_turn, render

        tok, stop = self.tokenizer, end_of_turn(self.fmt)
        stop_id = tok.convert_tokens_to_ids(stop)
        eos = [i for i in (stop_id if stop_id != tok.unk_token_id else None, tok.eos_token_id) if i is not None]
        pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
        out: list[str] = []
        for i in range(0, len(conversations), self.batch_size):
            chunk = conversations[i:i + self.batch_size]
            ids = [tok(render(list(m), self.fmt))["input_ids"] for m in chunk]
            width = max(map(len, ids))
            input_ids = torch.tensor([[pad] * (width - len(x)) + x for x in ids])  # left padding for generation
            mask = torch.tensor([[0] * (width - len(x)) + [1] * len(x) for x in ids])
            with torch.inference_mode():
                gen = self.model.generate(input_ids=input_ids.to(self.model.device),
                                          attention_mask=mask.to(self.model.device), max_new_tokens=max_new_tokens,
                                          do_sample=False, temperature=None, top_p=None, top_k=None,
                                          eos_token_id=eos, pad_token_id=pad)
            for row in gen[:, width:]:
                text = tok.decode(row, skip_special_tokens=False)
                out.append(text.split(stop)[0].split(tok.eos_token or "\0")[0].replace(tok.pad_token or "\0", "").strip())
            self.calls += len(chunk)
        return out

    def generate(self, messages: list[dict], max_new_tokens: int = 48, **_: Any) -> Iterator[str]:
        yield self.complete([messages], max_new_tokens)[0]


# ---- the state job -------------------------------------------------------------------------------


def read_dialogues(path: str | Path, max_turns: int = 0) -> list[Dialogue]:
    """Whole dialogues from an eval-format file until ``max_turns`` turns (0 = all)."""
    out, n = [], 0
    for d in load_dialogues(path):
        if max_turns and n >= max_turns:
            break
        out.append(d)
        n += len(d.turns)
    return out


Pair = tuple[DialogueState, DialogueState, str]  # predicted, expected, language of the turn


def track(dialogues: Sequence[Dialogue], step: Callable[[list[tuple[DialogueState, list, str]]], list[DialogueState]]) -> list[Pair]:
    """Run every dialogue from an empty state, turn k of all dialogues in one ``step`` call."""
    states = [DialogueState() for _ in dialogues]
    histories: list[list] = [[] for _ in dialogues]
    pairs: list[Pair] = []
    for k in range(max((len(d.turns) for d in dialogues), default=0)):
        active = [i for i, d in enumerate(dialogues) if k < len(d.turns)]
        new = step([(states[i], histories[i], dialogues[i].turns[k]["user"]) for i in active])
        for i, state in zip(active, new):
            turn = dialogues[i].turns[k]
            states[i] = state
            histories[i].append({"role": "user", "content": turn["user"]})
            pairs.append((state, turn["state"], language(turn["user"])))
    return pairs


def extractor_step(extractor):
    """One turn at a time through a chat extractor (rules, hybrid)."""
    return lambda batch: [extractor.update(state, history, user) for state, history, user in batch]


class BatchedLLM:
    """The ``llm`` extractor, batched: the chat's prompt (``state_messages``) and parser (``parse_update``)."""

    def __init__(self, decoder: Decoder, max_new_tokens: int = 48):
        self.decoder, self.max_new_tokens = decoder, max_new_tokens
        self.outputs = self.valid = 0

    def __call__(self, batch):
        prompts = [state_messages(state.to_json(), user, None) for state, _, user in batch]
        out = []
        for (state, _, _), raw in zip(batch, self.decoder.complete(prompts, self.max_new_tokens)):
            proposal = parse_update(raw)
            self.outputs += 1
            self.valid += proposal.valid_json and not proposal.dropped
            out.append(apply_update(state, proposal.update))
        return out

    @property
    def json_valid(self) -> float | None:
        return round(self.valid / self.outputs, 4) if self.outputs else None


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
        return round(self.valid / self.outputs, 4) if self.outputs else None


def summarise(pairs: Sequence[Pair], json_valid: float | None = None) -> dict[str, Any]:
    """Slot F1 / JGA over all turns and per language (``assistant.metrics``)."""
    from assistant.metrics import score

    def one(sub):
        m = score([(p, e) for p, e, _ in sub])
        return {"slot_f1": round(m.f1, 4), "jga": round(m.jga, 4), "turns": m.turns}

    out = {**one(pairs), "json_valid": json_valid, "per_slot_f1": score([(p, e) for p, e, _ in pairs]).per_slot_f1}
    for lang in LANGUAGES:
        sub = [x for x in pairs if x[2] == lang]
        if sub:
            out[lang] = one(sub)
    return out


def score_states(extractor, dialogues: Sequence[Dialogue]) -> dict[str, Any]:
    """Slot F1, JGA (all, en, zh) and, for an LM extractor, JSON validity of ``extractor`` on ``dialogues``."""
    pairs = track(dialogues, extractor if callable(extractor) and not hasattr(extractor, "update")
                  else extractor_step(extractor))
    return summarise(pairs, getattr(extractor, "json_valid", None))


# ---- the reply job -------------------------------------------------------------------------------


def grounded(reply: str, products: Sequence, state: DialogueState | None = None) -> bool:
    """The chat's guard: every product name, price and spec number must come from the given products."""
    from assistant.dialogue.grounding import Evidence, check

    return not check(reply, Evidence.build(products, state=state))


def text_scores(hypotheses: Sequence[str], references: Sequence[str]) -> dict[str, float]:
    """Corpus BLEU (sacrebleu; its ``zh`` tokenizer when the references are Chinese) and mean ROUGE-L F1."""
    import sacrebleu
    from rouge_score import rouge_scorer

    if not hypotheses:
        return {"bleu": 0.0, "rouge_l": 0.0}
    zh = any(language(r) == "zh" for r in references)
    bleu = sacrebleu.corpus_bleu(list(hypotheses), [list(references)], tokenize="zh" if zh else "13a").score / 100

    class CharTokenizer:  # rouge-score's default tokenizer drops every non-Latin character
        def tokenize(self, text):
            return [c for c in text if not c.isspace()]

    scorer = rouge_scorer.RougeScorer(["rougeL"], tokenizer=CharTokenizer() if zh else None)
    rouge = sum(scorer.score(r, h)["rougeL"].fmeasure for h, r in zip(hypotheses, references)) / len(hypotheses)
    return {"bleu": round(bleu, 4), "rouge_l": round(rouge, 4)}


def score_replies(decoder: Decoder, examples: Sequence[dict], products: dict[str, Any]) -> dict[str, Any]:
    hyps = decoder.complete([ex["messages"][:-1] for ex in examples], max_new_tokens=96) if examples else []
    refs = [ex["messages"][-1]["content"] for ex in examples]
    ok = sum(grounded(h, [products[c["id"]] for c in ex["cards"] if c.get("id") in products],
                      DialogueState.from_dict(ex.get("state") or {})) for h, ex in zip(hyps, examples))
    return {**text_scores(hyps, refs), "grounded": round(ok / len(examples), 4) if examples else None,
            "n": len(examples), "samples": list(zip(hyps, refs))[:3]}


# ---- the whole card ------------------------------------------------------------------------------


def state_sets(data_dir: Path, dev_path: str, unseen_path: str, max_turns: int,
               generated_test: bool = True) -> dict[str, list[Dialogue]]:
    """dev, the frozen unseen set and the generated test split (whichever exist), capped at ``max_turns``."""
    sets = {"dev": Path(dev_path) if dev_path else None, "unseen": Path(unseen_path) if unseen_path else None,
            "test": data_dir / "test_dialogues.jsonl" if generated_test else None}
    return {name: read_dialogues(p, max_turns) for name, p in sets.items() if p is not None and p.is_file()}


def evaluate(model, tokenizer, fmt: str, data_dir: Path, *, dev_path: str = "", unseen_path: str = "",
             max_turns: int = 0, base_max_turns: int = 40, max_replies: int = 12, products: Sequence = (),
             batch_size: int = 16, generated_test: bool = True,
             progress: Callable[[str], None] = print) -> dict[str, dict[str, Any]]:
    """rules | base (adapter disabled) | adapter (llm extractor) | hybrid (rules + adapter), per set and language."""
    from assistant.extract.hybrid import HybridExtractor
    from assistant.extract.rules import RulesExtractor

    brands = sorted({p.brand for p in products})
    by_id = {p.id: p for p in products}
    sets = state_sets(data_dir, dev_path, unseen_path, max_turns, generated_test)
    base_sets = state_sets(data_dir, dev_path, unseen_path, base_max_turns, generated_test)
    replies = [json.loads(line) for line in (data_dir / "test.jsonl").read_text().splitlines() if line.strip()]
    replies = [r for r in replies if r["task"] == "reply"][:max_replies]
    decoder = Decoder(model, tokenizer, fmt, batch_size)
    results: dict[str, dict[str, Any]] = {"rules": {}, "base": {}, "adapter": {}, "hybrid": {}}
    model.eval()
    for name, dialogues in sets.items():
        progress(f"report card: rules on {name} ({sum(len(d.turns) for d in dialogues)} turns)")
        results["rules"][f"state_{name}"] = score_states(RulesExtractor(brands), dialogues)
    with model.disable_adapter():
        for name, dialogues in base_sets.items():
            progress(f"report card: base on {name}")
            # the base writes prose, not an update: 24 tokens show that as well as 48
            results["base"][f"state_{name}"] = score_states(BatchedLLM(decoder, max_new_tokens=24), dialogues)
        results["base"]["reply_test"] = score_replies(decoder, replies, by_id)
    for name, dialogues in sets.items():
        progress(f"report card: adapter on {name}")
        results["adapter"][f"state_{name}"] = score_states(BatchedLLM(decoder), dialogues)
        progress(f"report card: hybrid on {name}")
        hybrid = HybridExtractor(decoder, RulesExtractor(brands))
        results["hybrid"][f"state_{name}"] = {**score_states(hybrid, dialogues), "lm_calls": hybrid.lm_calls}
    results["adapter"]["reply_test"] = score_replies(decoder, replies, by_id)
    return results


SETS = (("unseen", "unseen"), ("dev", "dev"), ("test", "generated test"))


def rows(results: dict[str, dict[str, Any]]) -> list[tuple[str, list[float | None]]]:
    names = list(results)
    out = []

    def get(n, section, *keys):
        v = results[n].get(section, {})
        for k in keys:
            v = v.get(k, {}) if isinstance(v, dict) else {}
        return v if isinstance(v, (int, float)) else None

    for key, label in SETS:
        section = f"state_{key}"
        if not any(section in results[n] for n in names):
            continue
        out.append((f"{label}: slot F1", [get(n, section, "slot_f1") for n in names]))
        out.append((f"{label}: JGA", [get(n, section, "jga") for n in names]))
        for lang in LANGUAGES:
            turns = next((get(n, section, lang, "turns") for n in names if get(n, section, lang, "turns")), None)
            if turns:
                out.append((f"{label}: slot F1, {lang} turns ({turns})", [get(n, section, lang, "slot_f1") for n in names]))
                out.append((f"{label}: JGA, {lang} turns", [get(n, section, lang, "jga") for n in names]))
        out.append((f"{label}: JSON valid", [get(n, section, "json_valid") for n in names]))
    for key, label in (("bleu", "reply BLEU"), ("rouge_l", "reply ROUGE-L"), ("grounded", "reply grounded (guard)")):
        out.append((label, [get(n, "reply_test", key) for n in names]))
    return [(label, cells) for label, cells in out if any(c is not None for c in cells)]


def table(results: dict[str, dict[str, Any]]) -> str:
    """A markdown table: one row per metric, one column per extractor/model."""
    names = list(results)
    lines = ["| metric | " + " | ".join(names) + " |", "| --- |" + " --- |" * len(names)]
    for label, cells in rows(results):
        lines.append(f"| {label} | " + " | ".join("–" if c is None else f"{c:.3f}" for c in cells) + " |")
    return "\n".join(lines)


def plot(results: dict[str, dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = [(label, cells) for label, cells in rows(results) if "F1" in label or "JGA" in label]
    fig, ax = plt.subplots(figsize=(12, 4.5))
    width = 0.8 / max(len(results), 1)
    for i, name in enumerate(results):
        ax.bar([x + i * width for x in range(len(data))], [cells[i] or 0.0 for _, cells in data], width, label=name)
    ax.set_xticks([x + width * (len(results) - 1) / 2 for x in range(len(data))])
    ax.set_xticklabels([label for label, _ in data], rotation=35, ha="right", fontsize=7)
    ax.set_ylim(0, 1.05)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.set_ylabel("score (higher is better)")
    ax.set_title("Report card: state job per set and language")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def model_card(cfg_dict: dict, results: dict[str, dict[str, Any]], data_card: dict, train_summary: dict,
               config_path: str = "") -> str:
    m, t = cfg_dict["model"], cfg_dict["train"]
    steps, planned = train_summary.get("steps"), train_summary.get("planned_steps")
    stopped = " (stopped early by `train.max_minutes`)" if steps and planned and steps < planned else ""
    command = f"shopassist finetune --config {config_path}" if config_path else "make finetune"
    if results:
        samples = results.get("adapter", {}).get("reply_test", {}).get("samples", [])
        sample_text = "\n".join(f"- adapter: {h!r}\n  reference: {r!r}" for h, r in samples)
        card = f"""Columns: `rules` (no LM), `base` (the base model with the same prompt, no adapter; capped sample),
`adapter` (the `llm` extractor: this adapter alone), `hybrid` (the chat default: rules + this adapter).
Sets: `unseen` = `tests/data/unseen_dialogues.jsonl` (frozen, never tuned on), `dev` =
`shared/eval/dev_dialogues.jsonl`, `generated test` = held-out dialogues and phrasing families of the
generated data. Turns are English or Chinese by their characters. Decoding: greedy, transformers +
peft, the served prompt format, no grammar constraint (so "JSON valid" measures the adapter itself).

{table(results)}

![report card](report_card.png)

Sample replies:
{sample_text}
"""
    else:
        card = f"Not evaluated yet (the adapter is published before its evaluation). Run\n`{command} --report-only`.\n"
    train_split = data_card["splits"]["train"]
    return f"""---
library_name: peft
base_model: {m['base_model']}
tags: [lora, shopping-assistant, dialogue-state-tracking, english, chinese]
---
# shopassist LoRA adapter

Base model: `{m['base_model']}` (chat format `{train_summary.get('chat_format', '')}`), weights loaded as
`{m['quantization'] if m['quantization'] != 'none' else 'float (' + str(train_summary.get('dtype', m['compute_dtype'])) + ')'}` for training.
A LoRA adapter (r={cfg_dict['lora']['r']}, alpha={cfg_dict['lora']['alpha']}, on {', '.join(cfg_dict['lora']['target_modules'])})
for two jobs with the prompts of `assistant/prompts.py`: the dialogue-state update as compact JSON
(`StateUpdate.to_json()`, `{{}}` when nothing changes), and a short reply grounded in the given product cards.
Reproduce with `{command}`.

## Training
- data: {train_split['examples']} generated training examples from {train_split['dialogues']} dialogues
  (languages {train_split.get('languages')}; seed {data_card['seed']}; {data_card['catalog_items']} catalog products);
  the test split uses held-out dialogues and phrasing families.
- steps: {steps} of {planned} planned{stopped}, batch {t['batch_size']}, learning rate {t['learning_rate']},
  training loss {train_summary.get('train_loss')}, {train_summary.get('tokens_per_s')} tokens/s,
  {train_summary.get('minutes')} minutes of training.

## Report card
{card}"""
