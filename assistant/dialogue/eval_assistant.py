"""The assistant's own metrics on spec-format dialogues: run every turn through ``respond``.

    shopassist eval --dialogues /work/shared/eval/dev_dialogues.jsonl --json   # calls evaluate_assistant

Each dialogue is a fresh session. Per turn: the time to the first reply piece and to the whole
reply, the action, whether any product in ``reply.products`` breaks the state (nearest options travel
in ``reply.alternatives`` and may), whether the final text mentions a name or number outside the
turn's evidence (the guard should make that zero), and hand-offs nobody asked for.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from assistant.dialogue.grounding import check
from assistant.dialogue.intents import HANDOFF
from knowledge.filters import violations

RECOMMEND_ACTIONS = ("recommend", "more")


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))], 3)


def build_assistant(config):
    """An assistant for an EvalConfig (its model and extractor) or an AssistantConfig."""
    from assistant.config import load_config
    from assistant.dialogue.config import AssistantConfig
    from assistant.dialogue.manager import ShoppingAssistant

    if not isinstance(config, AssistantConfig):
        config = dataclasses.replace(load_config(AssistantConfig), model=config.model, extractor=config.extractor)
    return ShoppingAssistant.build(config)


def evaluate_assistant(dialogues, config, assistant=None) -> dict[str, Any]:
    """``dialogues``: what assistant.evaluate.load_dialogues returns (``.id``, ``.turns[i]["user"]``)."""
    from tqdm import tqdm

    bot = assistant or build_assistant(config)
    first, whole, actions = [], [], []
    bad_products = wrong_vs_expected = grounding = caught = unasked_handoffs = 0
    examples: list[dict[str, Any]] = []
    for d in tqdm(dialogues, desc="assistant", unit="dialogue"):
        sid = f"eval-{d.id}"
        bot.reset(sid)
        for n, turn in enumerate(d.turns):
            t0 = time.perf_counter()
            reply = bot.respond(sid, turn["user"])
            t_first = None
            for _ in reply.stream():
                t_first = t_first or time.perf_counter() - t0
            whole.append(time.perf_counter() - t0)
            first.append(t_first if t_first is not None else whole[-1])
            actions.append(reply.action)
            products = [bot.retriever.get_product(c.id) for c in reply.products]
            broken = [p.id for p in products if p is None or violations(p, reply.state)]
            bad_products += len(broken)
            expected = turn.get("state")
            if expected is not None and reply.action in RECOMMEND_ACTIONS:
                wrong_vs_expected += sum(1 for p in products if p is not None and violations(p, expected))
            problems = check(reply.text, bot.evidence(sid))
            grounding += bool(problems)
            caught += len(bot.guard_log(sid).failures)
            unasked = reply.action == "handoff" and not HANDOFF.search(turn["user"])
            unasked_handoffs += unasked
            if (broken or problems or unasked) and len(examples) < 20:
                examples.append({"dialogue": d.id, "turn": n, "user": turn["user"], "action": reply.action,
                                 "broken": broken, "ungrounded": problems, "unasked_handoff": unasked})
        bot.reset(sid)
    turns = len(actions)
    return {
        "constraint_violations": bad_products,
        "violations_vs_expected_state": wrong_vs_expected,
        "grounding_failures": grounding,
        "guard_caught": caught,
        "unasked_handoffs": unasked_handoffs,
        "recommend_turns": sum(a in RECOMMEND_ACTIONS for a in actions),
        "clarify_rate": round(actions.count("clarify") / turns, 3) if turns else 0.0,
        "actions": {a: actions.count(a) for a in sorted(set(actions))},
        "latency_p50_s": _pct(whole, 0.5),
        "latency_p95_s": _pct(whole, 0.95),
        "first_token_p50_s": _pct(first, 0.5),
        "assistant_failures": examples,
    }
