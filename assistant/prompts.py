"""Every prompt and chat format the LM sees, in one place.

Training data (finetune/), the LLM extractor and the dialogue manager all build their messages
through these functions, so what the adapter is trained on is exactly what it is asked at run time.

Two jobs, two formats:
1. State update: the current state and the shopper's message in, a compact ``StateUpdate`` JSON out.
2. Reply: the state, the action and the product cards in, a short shopper-facing reply out.
"""

from __future__ import annotations

import json
from typing import Any, Sequence

from assistant.backends.base import Message
from assistant.numbers import hints

# ---- 1. state update ---------------------------------------------------------------------------

STATE_SYSTEM = "Update the shopping state from the shopper's message: JSON of what changes, {} if nothing."
LAST_ASSISTANT_CHARS = 160  # enough to resolve "yes, that one" / "the cheaper"; the prompt is prefilled every turn


def state_messages(state_json: str, user_message: str, last_assistant: str | None = None) -> list[Message]:
    """The LM's input for a state update, the one function the chat's extractor and the training data share.

        state_messages('{"category":"sofa"}', "under 1.2k please")[1]["content"]
        # 'State: {"category":"sofa"}\nShopper: under 1.2k please\nNumbers: 1200'

    Short on purpose (a 2-core CPU prefills it every LM turn): a one-line task, the current state, the
    last assistant line (truncated), the message, and its numbers read by ``assistant.numbers.hints``
    (units, "k", currencies and Chinese numerals resolved), so the model only decides which slot a
    number fills and copies it. The answer is ``StateUpdate.to_json()``."""
    lines = [f"State: {state_json}"]
    if last_assistant:
        text = " ".join(last_assistant.split())
        lines.append(f"Assistant: {text[:LAST_ASSISTANT_CHARS]}")
    lines.append(f"Shopper: {user_message}")
    numbers = hints(user_message)
    if numbers:
        lines.append(f"Numbers: {', '.join(numbers)}")
    return [
        {"role": "system", "content": STATE_SYSTEM},
        {"role": "user", "content": "\n".join(lines)},
    ]


# ---- 2. reply -----------------------------------------------------------------------------------

REPLY_SYSTEM = (
    "You are a helpful shopping assistant for a home appliance and furniture store. "
    "Use only the products and facts given. Never invent products, prices or specs. "
    "Be brief and friendly."
)


def product_card_line(index: int, card: dict[str, Any]) -> str:
    """One product as the LM sees it: numbered so it can refer to it, with the real price."""
    specs = ", ".join(f"{k} {v}" for k, v in (card.get("key_specs") or {}).items())
    price = card.get("price")
    price_text = f"{price:.0f}" if isinstance(price, (int, float)) else str(price)
    return f"[{index}] {card['name']} by {card['brand']}, {price_text} {card.get('currency', '')}".rstrip() + (
        f"; {specs}" if specs else "")


def reply_messages(state_json: str, action: str, user_message: str, cards: Sequence[dict[str, Any]] = (),
                   facts: Sequence[str] = (), note: str = "") -> list[Message]:
    lines = [f"State: {state_json}", f"Action: {action}"]
    if cards:
        lines.append("Products:")
        lines.extend(product_card_line(i + 1, c) for i, c in enumerate(cards))
    if facts:
        lines.append("Facts:")
        lines.extend(f"- {f}" for f in facts)
    if note:
        lines.append(f"Note: {note}")
    lines.append(f"Shopper: {user_message}")
    return [{"role": "system", "content": REPLY_SYSTEM}, {"role": "user", "content": "\n".join(lines)}]


def dumps_compact(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
