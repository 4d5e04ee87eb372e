"""The hand-off note a person reads before taking over: the shopper's needs and the products discussed."""

from __future__ import annotations

from assistant.dialogue.templates import money
from assistant.state import DialogueState
from knowledge.schema import Product


def summary(state: DialogueState, discussed: list[Product], last_message: str = "") -> str:
    needs = ", ".join(f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}"
                      for k, v in state.to_dict().items()) or "not stated yet"
    products = "; ".join(f"{p.name} ({p.brand}, {money(p.price, p.currency)}, id {p.id})" for p in discussed) or "none"
    note = f"Needs — {needs}. Products discussed — {products}."
    return note + (f" Last message: \"{last_message[:200]}\"" if last_message else "")
