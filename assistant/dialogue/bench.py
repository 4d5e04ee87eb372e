"""Dialogue benchmark: whole-turn latency of the default assistant in-process, and how often it asks the LM.

    shopassist bench --only dialogue
    python -c "from assistant.dialogue.bench import run; print(run())"

The default chat config (demo store, ``backend: auto``, hybrid extractor) answers the load benchmark's
conversations (``ui.bench_load.CONVERSATIONS``) twice; the second pass is timed (the first loads the
model, builds the demo store if needed and warms caches). No server and no network: this isolates the
dialogue manager, retrieval and the LM from Gradio, for comparison with ``make bench-load``.
"""

from __future__ import annotations

import statistics
import time


def run(rounds: int = 2) -> str:
    from assistant.dialogue.manager import ShoppingAssistant
    from ui.bench_load import CONVERSATIONS

    bot = ShoppingAssistant.from_config("configs/chat/default.yaml")
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
    times.sort()
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    return "\n".join([
        f"default assistant in-process: {type(bot.backend).__name__ if bot.backend else 'no LM'}, "
        f"{type(bot.extractor).__name__}, {len(times)} timed turns",
        "| measure | value |", "| --- | --- |",
        f"| whole turn p50 / p95 / max | {statistics.median(times):.1f} / {p95:.1f} / {times[-1]:.1f} ms |",
        f"| turns that asked the LM | {lm_turns} of {len(times)} |"])


if __name__ == "__main__":  # pragma: no cover
    print(run())
