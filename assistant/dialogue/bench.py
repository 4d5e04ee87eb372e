"""Dialogue benchmark: whole-turn latency in-process, without the LM (rules extractor) and with the default
assistant (``backend: auto``, hybrid extractor), and how often the latter asks the LM.

    shopassist bench --only dialogue
    python -c "from assistant.dialogue.bench import run; print(run(lm=False))"

``CONVERSATIONS`` (also what ``ui.bench_load`` sends through the server) are answered twice; the second
pass is timed (the first loads the model, builds the demo store if needed and warms caches). No server and
no network: this isolates the dialogue manager, retrieval and the LM from Gradio.
"""

from __future__ import annotations

import statistics
import time

CONVERSATIONS = [
    ["I need a quiet dishwasher under 700", "what about a cheaper one?", "compare the first two", "thanks!"],
    ["a sofa for a small living room", "under 600 please", "is the first one in stock?", "what is the return policy?"],
    ["hello", "looking for a fridge with an ice maker", "no more than 90 cm wide", "show me more"],
    ["a washing machine, 8 kg or more", "which is the quietest?", "how does delivery work?"],
    ["a desk for my home office under 300", "with adjustable height", "the second one, how big is it?"],
]


def _timed(bot, rounds: int) -> tuple[list[float], int]:
    times: list[float] = []
    lm_turns = 0
    for r in range(rounds):
        for i, conversation in enumerate(CONVERSATIONS):
            for message in conversation:
                before = getattr(bot.extractor, "lm_calls", 0)
                t0 = time.perf_counter()
                "".join(bot.respond(f"bench-{r}-{i}", message).stream())
                if r == rounds - 1:
                    times.append((time.perf_counter() - t0) * 1000)
                    lm_turns += getattr(bot.extractor, "lm_calls", 0) > before
    return sorted(times), lm_turns


def _row(name: str, times: list[float]) -> str:
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    return f"| {name}: whole turn p50 / p95 / max | {statistics.median(times):.1f} / {p95:.1f} / {times[-1]:.1f} ms |"


def run(rounds: int = 2, lm: bool = True) -> str:
    """A table: the turn without the LM (rules extractor, no LM reply); with ``lm``, the default assistant too."""
    from assistant.dialogue.manager import ShoppingAssistant

    rules = ShoppingAssistant.from_config("configs/chat/default.yaml", extractor="rules", llm_replies=False)
    times, _ = _timed(rules, rounds)
    lines = [f"dialogue turns in-process, demo store, {len(times)} timed turns per row",
             "| measure | value |", "| --- | --- |", _row("without the LM (rules)", times)]
    if lm:
        bot = ShoppingAssistant.from_config("configs/chat/default.yaml")
        times, lm_turns = _timed(bot, rounds)
        name = f"default ({type(bot.backend).__name__ if bot.backend else 'no LM'}, {type(bot.extractor).__name__})"
        lines += [_row(name, times), f"| turns that asked the LM | {lm_turns} of {len(times)} |"]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    print(run())
