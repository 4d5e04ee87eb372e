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
