"""The hard constraints of a dialogue state, in one place: as a Chroma ``where`` and in Python.

Hard: category, budget min/max, wanted brands (any of), excluded brands, max width/depth/height
(a product of unknown size does not pass a size limit). Soft, for ranking only: features, room,
free text. ``state_to_where`` and ``violations`` must agree; a property test checks they do.
"""

from __future__ import annotations

from typing import Any

from assistant.state import DialogueState
from knowledge.schema import Product

SIZE_KEYS = {"max_width_cm": "width_cm", "max_depth_cm": "depth_cm", "max_height_cm": "height_cm"}
# The order in which constraints are relaxed to find the one that emptied a result.
HARD_KEYS = ("category", "brands", "excluded_brands", "budget_max", "budget_min",
             "max_width_cm", "max_depth_cm", "max_height_cm")


# Soft preferences rank, never filter: a product with the wanted features (and room) gets up to this much on
# top of its cosine similarity (~0.2-0.7 for MiniLM), so "quiet" puts the catalog's quiet models first
# instead of whichever description happens to read closest.
FEATURE_WEIGHT = 0.2
ROOM_WEIGHT = 0.05


def soft_bonus(features, rooms, state: DialogueState) -> float:
    """The ranking bonus of a product with ``features`` and ``rooms`` for the soft part of ``state``."""
    bonus = 0.0
    if state.features:
        have = set(features)
        bonus += FEATURE_WEIGHT * sum(f in have for f in state.features) / len(state.features)
    if state.room and state.room in set(rooms):
        bonus += ROOM_WEIGHT
    return bonus


def state_to_where(state: DialogueState) -> dict[str, Any] | None:
    """Chroma metadata filter for the product chunks of a store; None when the state has no hard constraint."""
    conditions: list[dict[str, Any]] = []
    if state.category:
        conditions.append({"category": state.category})
    if state.budget_min is not None:
        conditions.append({"price": {"$gte": float(state.budget_min)}})
    if state.budget_max is not None:
        conditions.append({"price": {"$lte": float(state.budget_max)}})
    if state.brands:
        conditions.append({"brand_lc": {"$in": [b.lower() for b in state.brands]}})
    if state.excluded_brands:
        conditions.append({"brand_lc": {"$nin": [b.lower() for b in state.excluded_brands]}})
    for key, field in SIZE_KEYS.items():
        limit = getattr(state, key)
        if limit is not None:
            conditions.append({field: {"$lte": float(limit)}})  # a missing size never matches
    if not conditions:
        return None
    return conditions[0] if len(conditions) == 1 else {"$and": conditions}


def violations(product: Product, state: DialogueState) -> list[str]:
    """The hard constraints of ``state`` that ``product`` breaks, as state keys (empty: it fits)."""
    out = []
    if state.category and product.category != state.category:
        out.append("category")
    if state.budget_max is not None and product.price > state.budget_max:
        out.append("budget_max")
    if state.budget_min is not None and product.price < state.budget_min:
        out.append("budget_min")
    brand = product.brand.lower()
    if state.brands and brand not in {b.lower() for b in state.brands}:
        out.append("brands")
    if brand in {b.lower() for b in state.excluded_brands}:
        out.append("excluded_brands")
    for key, field in SIZE_KEYS.items():
        limit, size = getattr(state, key), getattr(product, field)
        if limit is not None and (size is None or size > limit):
            out.append(key)
    return out


def present_keys(state: DialogueState) -> list[str]:
    return [k for k in HARD_KEYS if getattr(state, k) not in (None, ())]


def relax(state: DialogueState, key: str) -> DialogueState:
    return state.replace(**{key: () if key in ("brands", "excluded_brands") else None})


def find_blocker(state: DialogueState, has_matches) -> tuple[str, DialogueState] | None:
    """Which constraint empties the result: the first one whose removal alone brings matches back
    (else remove constraints cumulatively in HARD_KEYS order, keeping the category). Returns (key, relaxed state);
    ``has_matches(state) -> bool`` is the store's own count. None when even no constraint matches."""
    # The category is what the shopper is shopping for: it is the blocker only when the store has
    # none at all; otherwise alternatives stay inside it.
    keys = [k for k in present_keys(state) if k != "category"]
    if state.category and not has_matches(DialogueState(category=state.category)):
        return "category", relax(state, "category")
    for key in keys:
        relaxed = relax(state, key)
        if has_matches(relaxed):
            return key, relaxed
    relaxed = state
    for key in keys:
        relaxed = relax(relaxed, key)
        if has_matches(relaxed):
            return key, relaxed
    return None


# How the alternatives for a blocker are ranked: (product field, sign); smallest value first, unknown last.
# Cheapest when over budget, dearest when under a minimum, smallest when too big. Others: semantic order.
NEAREST = {"budget_max": ("price", 1.0), "budget_min": ("price", -1.0),
           **{key: (field, 1.0) for key, field in SIZE_KEYS.items()}}


def nearest_order(key: str):
    """The sort key for the alternatives of blocker ``key`` (see NEAREST); None keeps the semantic order."""
    if key not in NEAREST:
        return None
    field, sign = NEAREST[key]
    return lambda p: sign * getattr(p, field) if getattr(p, field) is not None else float("inf")


def _money(value: float, currency: str) -> str:
    return f"{value:,.0f} {currency}"


def blocker_message(key: str, state: DialogueState, nearest: list[Product]) -> str:
    """One honest sentence: which constraint left nothing, and what is closest."""
    what = state.category or "product"
    first = nearest[0] if nearest else None
    cur = first.currency if first else ""
    if key == "category":
        return f"The store does not carry any {what}."
    if key == "brands":
        tail = f"; the closest from another brand is {first.name} ({first.brand}) at {_money(first.price, cur)}."
        return f"No {what} from {' or '.join(state.brands)} with your other requirements" + (tail if first else ".")
    if key == "excluded_brands":
        return f"Every matching {what} is from a brand you ruled out ({', '.join(state.excluded_brands)})."
    if key == "budget_max":
        tail = f"; the cheapest is {first.name} at {_money(first.price, cur)}." if first else "."
        return f"No {what} at or under {_money(state.budget_max, cur).strip()} with your other requirements" + tail
    if key == "budget_min":
        tail = f"; the most expensive is {first.name} at {_money(first.price, cur)}." if first else "."
        return f"No {what} from {_money(state.budget_min, cur).strip()} up with your other requirements" + tail
    if key in SIZE_KEYS:
        dim = key.removeprefix("max_").removesuffix("_cm")
        size = getattr(first, SIZE_KEYS[key]) if first else None
        tail = f"; the narrowest fit is {first.name} at {size:g} cm." if first and size is not None else "."
        if dim != "width" and tail.startswith("; the narrowest"):
            tail = tail.replace("narrowest", "smallest")
        return f"No {what} is at most {getattr(state, key):g} cm in {dim} with your other requirements" + tail
    return f"Nothing matches the {key} constraint."
