"""Score the state tracker on a dialogue file (and, when available, the whole assistant).

    shopassist eval --dialogues /work/shared/eval/dev_dialogues.jsonl --extractor rules --json out.json --plot f1.png

Each dialogue starts from an empty state and its turns run in order; every predicted state is
compared with the expected one (assistant.metrics). The LM is loaded only for llm/hybrid.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from assistant.config import ConfigError, add_config_arguments, config_from_args
from assistant.model_config import ModelConfig


@dataclass
class EvalConfig:
    dialogues: str = field(default="", metadata={"help": "JSON Lines file in the spec's format"})
    extractor: Literal["rules", "llm", "hybrid"] = "hybrid"
    json_out: str = field(default="", metadata={"help": "write the metrics and errors here as JSON"})
    plot: str = field(default="", metadata={"help": "per-slot F1 bar chart (PNG)"})
    states_only: bool = field(default=False, metadata={"help": "skip the assistant (recommendation) metrics"})
    model: ModelConfig = field(default_factory=ModelConfig)

    def validate(self) -> None:
        if not self.dialogues:
            raise ConfigError("eval needs a dialogue file: --dialogues FILE")


@dataclass
class Dialogue:
    id: str
    turns: list[dict[str, Any]]  # {"user": str, "state": DialogueState}


class DialogueFileError(ValueError):
    """A dialogue file with malformed lines; the message lists every bad line by number."""


def load_dialogues(path: str | Path) -> list[Dialogue]:
    """Parse a dialogue file; all malformed lines are reported together, with line numbers."""
    from assistant.state import DialogueState, StateError

    dialogues, problems = [], []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            turns = [{"user": str(t["user"]), "state": DialogueState.from_dict(t.get("state") or {})}
                     for t in data["turns"]]
            dialogues.append(Dialogue(str(data.get("id", f"line-{n}")), turns))
        except (json.JSONDecodeError, KeyError, TypeError, StateError) as e:
            problems.append(f"{path}:{n}: {type(e).__name__}: {e}")
    if problems:
        raise DialogueFileError("malformed dialogue lines:\n" + "\n".join(problems))
    return dialogues


_CJK = re.compile(r"[\u3400-\u9fff]")


def language(text: str) -> str:
    """"zh" for a turn written with Chinese characters, else "en": how scores are split by language."""
    return "zh" if _CJK.search(text) else "en"


def evaluate_states(dialogues: list[Dialogue], extractor) -> dict[str, Any]:
    from tqdm import tqdm

    from assistant.metrics import score
    from assistant.state import DialogueState

    pairs, errors, latencies, langs = [], [], [], []
    for d in tqdm(dialogues, desc="dialogues", unit="dlg", leave=False):
        state, history = DialogueState(), []
        for i, turn in enumerate(d.turns):
            t0 = time.perf_counter()
            state = extractor.update(state, history, turn["user"])
            latencies.append((time.perf_counter() - t0) * 1000)
            history.append({"role": "user", "content": turn["user"]})
            pairs.append((state, turn["state"]))
            langs.append(language(turn["user"]))
            if state != turn["state"]:
                errors.append({"id": d.id, "turn": i, "user": turn["user"], "expected": turn["state"].to_dict(),
                               "predicted": state.to_dict()})
    m = score(pairs)
    per_language = {}
    for lang in sorted(set(langs)):
        sub = score([p for p, lg in zip(pairs, langs) if lg == lang])
        per_language[lang] = {"slot_f1": round(sub.f1, 4), "joint_goal_accuracy": round(sub.jga, 4), "turns": sub.turns}
    latencies.sort()
    return {"slot_precision": round(m.precision, 4), "slot_recall": round(m.recall, 4), "slot_f1": round(m.f1, 4),
            "joint_goal_accuracy": round(m.jga, 4), "per_slot_f1": m.per_slot_f1, "turns": m.turns,
            "per_language": per_language,
            "extraction_latency_p50_ms": round(statistics.median(latencies), 3) if latencies else None,
            "extraction_latency_p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 3) if latencies else None,
            "errors": errors}


def plot_per_slot(per_slot: dict[str, float], path: str | Path, title: str = "per-slot F1") -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 3.5))
    ax.bar(list(per_slot), list(per_slot.values()), color="tab:blue")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("F1")
    ax.set_title(title)
    ax.tick_params(axis="x", rotation=35)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def format_report(result: dict[str, Any]) -> str:
    lines = [f"turns {result['turns']}   slot precision {result['slot_precision']:.4f}   "
             f"recall {result['slot_recall']:.4f}   F1 {result['slot_f1']:.4f}   JGA {result['joint_goal_accuracy']:.4f}",
             f"extraction latency p50 {result['extraction_latency_p50_ms']} ms   "
             f"p95 {result['extraction_latency_p95_ms']} ms   errors {len(result['errors'])}", "", "slot              F1"]
    lines += [f"{slot:<17} {f1:.4f}" for slot, f1 in result["per_slot_f1"].items()]
    lines += [f"{lang} turns ({v['turns']}): F1 {v['slot_f1']:.4f}   JGA {v['joint_goal_accuracy']:.4f}"
              for lang, v in result.get("per_language", {}).items()]
    shown = {"slot_precision", "slot_recall", "slot_f1", "joint_goal_accuracy", "per_slot_f1", "turns", "errors",
             "per_language",
             "extraction_latency_p50_ms", "extraction_latency_p95_ms"}
    extra = {k: v for k, v in result.items() if k not in shown and k != "extractor"}
    if extra:
        lines += ["", "assistant"] + [f"{k:<26} {v}" for k, v in extra.items()]
    return "\n".join(lines)


def run_eval(cfg: EvalConfig, backend=None) -> dict[str, Any]:
    """The whole evaluation; ``backend`` overrides the configured model (tests pass a MockBackend)."""
    from assistant.extract import make_extractor

    dialogues = load_dialogues(cfg.dialogues)
    if cfg.extractor != "rules" and backend is None:
        from assistant.backends import make_backend

        backend = make_backend(cfg.model)
    extractor = make_extractor(cfg.extractor, backend)
    result = {"extractor": cfg.extractor, **evaluate_states(dialogues, extractor)}
    if hasattr(extractor, "lm_calls"):
        result["lm_calls"] = extractor.lm_calls
    # Issue 6's hook: the assistant's own metrics, when that module exists.
    if not cfg.states_only and importlib.util.find_spec("assistant.dialogue.eval_assistant") is not None:
        from assistant.dialogue.eval_assistant import evaluate_assistant

        result.update(evaluate_assistant(dialogues, cfg))
    return result


_OWN_FLAGS = ("dialogues", "extractor", "json_out", "plot", "states_only", "model.adapter")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dialogues", help="JSON Lines dialogue file (the spec's format)")
    parser.add_argument("--extractor", choices=["rules", "llm", "hybrid"])
    parser.add_argument("--adapter", help="LoRA adapter folder ('' for the base model)")
    parser.add_argument("--json", dest="json_out", help="write metrics and errors as JSON")
    parser.add_argument("--plot", help="write a per-slot F1 bar chart (PNG)")
    parser.add_argument("--states-only", action="store_true", default=None, help="only the state metrics")
    add_config_arguments(parser, EvalConfig, skip=_OWN_FLAGS)


def run(args: argparse.Namespace) -> int:
    given = {"dialogues": args.dialogues, "extractor": args.extractor, "json_out": args.json_out,
             "plot": args.plot, "states_only": args.states_only, "model.adapter": args.adapter}
    cfg = config_from_args(EvalConfig, args, {k: v for k, v in given.items() if v is not None})
    try:
        result = run_eval(cfg)
    except (DialogueFileError, FileNotFoundError) as e:
        print(f"error: {e}")
        return 2
    print(format_report(result))
    if cfg.json_out:
        Path(cfg.json_out).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    if cfg.plot:
        plot_per_slot(result["per_slot_f1"], cfg.plot, f"per-slot F1 ({cfg.extractor})")
    return 0
