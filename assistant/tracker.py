"""The spec's merge rules as one pure function: ``apply_update(state, update) -> new state``.

- cumulative: what the update leaves UNSET stays as it was;
- a scalar set replaces (corrections), ``None`` clears ("forget the budget");
- a new category replaces the old; features stay (the state records what was said);
- excluding a brand removes it from ``brands``; asking for a brand again removes it from
  ``excluded_brands``; ``brands`` given whole ("Bosch or Siemens") replaces the wanted list.
"""

from __future__ import annotations

from assistant.state import SCALAR_KEYS, UNSET, DialogueState, StateUpdate


def _without(values: tuple[str, ...], drop: tuple[str, ...]) -> tuple[str, ...]:
    gone = {d.lower() for d in drop}
    return tuple(v for v in values if v.lower() not in gone)


def _plus(values: tuple[str, ...], add: tuple[str, ...]) -> tuple[str, ...]:
    have = {v.lower() for v in values}
    return values + tuple(a for a in add if a.lower() not in have and not have.add(a.lower()))


def apply_update(state: DialogueState, update: StateUpdate) -> DialogueState:
    changes: dict = {}
    for key in SCALAR_KEYS:
        value = getattr(update, key)
        if value is not UNSET:
            changes[key] = value

    brands, excluded = state.brands, state.excluded_brands
    if update.brands is not UNSET:
        brands = tuple(update.brands)
        excluded = _without(excluded, brands)
    if update.add_brands:
        brands = _plus(brands, update.add_brands)
        excluded = _without(excluded, update.add_brands)
    if update.remove_brands:
        brands = _without(brands, update.remove_brands)
    if update.exclude_brands:
        excluded = _plus(excluded, update.exclude_brands)
        brands = _without(brands, update.exclude_brands)

    features = _plus(_without(state.features, update.remove_features), update.add_features)
    # Removal first, then addition: a feature asked for again in the same turn stays.
    changes.update(brands=brands, excluded_brands=excluded, features=features)

    new = state.replace(**changes)
    # budget_min above budget_max after a correction: the newer number wins, the other is dropped.
    if new.budget_min is not None and new.budget_max is not None and new.budget_min > new.budget_max:
        if update.budget_max is not UNSET and update.budget_min is UNSET:
            new = new.replace(budget_min=None)
        elif update.budget_min is not UNSET and update.budget_max is UNSET:
            new = new.replace(budget_max=None)
    return new
