"""The bundle part of the dialogue state (docs/bundles.md): several products under one total budget.

    >>> b = BundleState.from_dict({"items": [{"category": "couch"}, {"category": "tv stand"}], "total_max": 2000})
    >>> b.categories
    ('sofa', 'tv stand')
    >>> apply_bundle_update(b, BundleUpdate(remove=("tv stand",), total_max=1500)).to_dict()
    {'items': [{'category': 'sofa'}], 'total_max': 1500}

Immutable like ``DialogueState``: every turn yields a new one. ``BundleUpdate`` is what one turn changes;
``apply_bundle_update`` is the one place the merge rules live. ``item_state`` turns one item plus the shared
part into the spec's ``DialogueState``, so ``knowledge.filters.violations`` checks bundle items exactly as it
checks single products.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from assistant.state import (FEATURES, ROOMS, UNSET, DialogueState, StateError, canonical_category,
                             canonical_member, number)

MATCH_KEYS = ("colour", "material")
ITEM_SIZE_KEYS = ("max_width_cm", "max_depth_cm", "max_height_cm")
ITEM_KEYS = ("category", "quantity", "brands", "features", "budget_max", *ITEM_SIZE_KEYS)
BUNDLE_KEYS = ("items", "total_max", "room", "brands", "excluded_brands", "colour", "material", "match")
MAX_ITEMS = 8
MAX_QUANTITY = 24


def _strings(value: Any, key: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise StateError(f"{key} must be a list of strings")
    seen: dict[str, str] = {}
    for v in value:
        v = v.strip()
        if v and v.lower() not in seen:
            seen[v.lower()] = v
    return tuple(seen.values())


def _word(value: Any, key: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise StateError(f"{key} must be a non-empty string or null")
    return value.strip().lower()


@dataclass(frozen=True)
class BundleItem:
    """One product of the bundle: its category and its own slots."""

    category: str
    quantity: int = 1
    brands: tuple[str, ...] = ()
    features: tuple[str, ...] = ()
    budget_max: int | float | None = None
    max_width_cm: int | float | None = None
    max_depth_cm: int | float | None = None
    max_height_cm: int | float | None = None

    def __post_init__(self) -> None:
        category = canonical_category(self.category)
        if category is None:
            raise StateError("a bundle item needs a category")
        object.__setattr__(self, "category", category)
        q = self.quantity
        if isinstance(q, bool) or not isinstance(q, int) or not 1 <= q <= MAX_QUANTITY:
            raise StateError(f"quantity must be a whole number from 1 to {MAX_QUANTITY}, got {q!r}")
        object.__setattr__(self, "brands", _strings(self.brands, "brands"))
        features = _strings(self.features, "features")
        object.__setattr__(self, "features", tuple(canonical_member(f, FEATURES, "feature") for f in features))
        for key in ("budget_max", *ITEM_SIZE_KEYS):
            object.__setattr__(self, key, number(getattr(self, key), key))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"category": self.category}
        for key in ITEM_KEYS[1:]:
            value = getattr(self, key)
            if key == "quantity":
                if value != 1:
                    out[key] = value
            elif value not in (None, ()):
                out[key] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "BundleItem":
        if not isinstance(data, dict):
            raise StateError("a bundle item must be a JSON object")
        unknown = sorted(set(data) - set(ITEM_KEYS))
        if unknown:
            raise StateError(f"unknown bundle item key(s) {unknown}; allowed: {list(ITEM_KEYS)}")
        data = {k: v for k, v in data.items() if v is not None}
        for key in ("brands", "features"):
            if key in data and isinstance(data[key], list):
                data[key] = tuple(data[key])
        return cls(**data)

    def replace(self, **changes: Any) -> "BundleItem":
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class BundleState:
    items: tuple[BundleItem, ...] = ()
    total_max: int | float | None = None
    room: str | None = None
    brands: tuple[str, ...] = ()
    excluded_brands: tuple[str, ...] = ()
    colour: str | None = None
    material: str | None = None
    match: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        items = tuple(self.items)
        if not all(isinstance(i, BundleItem) for i in items):
            raise StateError("bundle items must be BundleItem records")
        cats = [i.category for i in items]
        if len(set(cats)) != len(cats):
            raise StateError(f"a bundle holds one item per category, got {cats}")
        if len(items) > MAX_ITEMS:
            raise StateError(f"a bundle holds at most {MAX_ITEMS} items")
        object.__setattr__(self, "items", items)
        object.__setattr__(self, "total_max", number(self.total_max, "total_max"))
        if self.room is not None:
            object.__setattr__(self, "room", canonical_member(self.room, ROOMS, "room"))
        object.__setattr__(self, "brands", _strings(self.brands, "brands"))
        excluded = _strings(self.excluded_brands, "excluded_brands")
        object.__setattr__(self, "excluded_brands", excluded)
        object.__setattr__(self, "colour", _word(self.colour, "colour"))
        object.__setattr__(self, "material", _word(self.material, "material"))
        match = _strings(self.match, "match")
        object.__setattr__(self, "match", tuple(canonical_member(m, MATCH_KEYS, "match key") for m in match))

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(i.category for i in self.items)

    def item(self, category: str) -> BundleItem | None:
        return next((i for i in self.items if i.category == category), None)

    def item_state(self, item: BundleItem | str) -> DialogueState:
        """The spec's hard and soft slots for one item: its own, plus the shared room and brands."""
        if isinstance(item, str):
            found = self.item(canonical_category(item))
            if found is None:
                raise StateError(f"no {item!r} in the bundle")
            item = found
        return DialogueState(category=item.category, budget_max=item.budget_max,
                             brands=item.brands or self.brands, excluded_brands=self.excluded_brands,
                             features=item.features, room=self.room, max_width_cm=item.max_width_cm,
                             max_depth_cm=item.max_depth_cm, max_height_cm=item.max_height_cm)

    # --- conversion -------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"items": [i.to_dict() for i in self.items]}
        for key in BUNDLE_KEYS[1:]:
            value = getattr(self, key)
            if value not in (None, ()):
                out[key] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "BundleState":
        if not isinstance(data, dict):
            raise StateError("a bundle must be a JSON object")
        unknown = sorted(set(data) - set(BUNDLE_KEYS))
        if unknown:
            raise StateError(f"unknown bundle key(s) {unknown}; allowed: {list(BUNDLE_KEYS)}")
        data = {k: v for k, v in data.items() if v is not None}
        items = data.pop("items", [])
        if not isinstance(items, list):
            raise StateError("bundle items must be a list")
        for key in ("brands", "excluded_brands", "match"):
            if key in data and isinstance(data[key], list):
                data[key] = tuple(data[key])
        return cls(items=tuple(BundleItem.from_dict(i) for i in items), **data)

    def replace(self, **changes: Any) -> "BundleState":
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class ItemChange:
    """What a turn changes on one existing item. Scalars: UNSET untouched, None cleared."""

    category: str
    quantity: Any = UNSET
    budget_max: Any = UNSET
    max_width_cm: Any = UNSET
    max_depth_cm: Any = UNSET
    max_height_cm: Any = UNSET
    brands: Any = UNSET                 # a tuple replaces the item's brands
    add_features: tuple[str, ...] = ()
    remove_features: tuple[str, ...] = ()


@dataclass(frozen=True)
class BundleUpdate:
    """What one turn changes in the bundle.

    ``new``: a whole new bundle (replaces the old one). Otherwise changes to the open bundle: items added
    (an item already there merges its slots instead), removed, changed; scalars UNSET untouched, None cleared.
    """

    new: BundleState | None = None
    add: tuple[BundleItem, ...] = ()
    remove: tuple[str, ...] = ()
    change: tuple[ItemChange, ...] = ()
    total_max: Any = UNSET
    room: Any = UNSET
    colour: Any = UNSET
    material: Any = UNSET
    add_match: tuple[str, ...] = ()
    brands: Any = UNSET
    exclude_brands: tuple[str, ...] = ()
    close: bool = False                # "forget the bundle": back to single products

    # --- the compact JSON an LM extractor emits (and the training data teaches) -------------------
    # {"new": {bundle}} | {"+items": [{item}], "-items": ["tv stand"], "items": {"sofa": {change}},
    #  "total_max": 1500, "room": ..., "colour": ..., "material": ..., "+match": [...], "brands": [...],
    #  "+excluded_brands": [...], "close": true}; an item change: {"quantity", "budget_max", sizes, "brands",
    #  "+features", "-features"}.
    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.new is not None:
            out["new"] = self.new.to_dict()
        if self.add:
            out["+items"] = [i.to_dict() for i in self.add]
        if self.remove:
            out["-items"] = list(self.remove)
        if self.change:
            out["items"] = {c.category: _change_dict(c) for c in self.change}
        for key in ("total_max", "room", "colour", "material"):
            if getattr(self, key) is not UNSET:
                out[key] = getattr(self, key)
        if self.add_match:
            out["+match"] = list(self.add_match)
        if self.brands is not UNSET:
            out["brands"] = list(self.brands)
        if self.exclude_brands:
            out["+excluded_brands"] = list(self.exclude_brands)
        if self.close:
            out["close"] = True
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "BundleUpdate":
        """Validates like the state: canonical values only, unknown keys fail (``StateError``)."""
        if not isinstance(data, dict):
            raise StateError("a bundle update must be a JSON object")
        unknown = sorted(set(data) - {"new", "+items", "-items", "items", "total_max", "room", "colour", "material",
                                      "+match", "brands", "+excluded_brands", "close"})
        if unknown:
            raise StateError(f"unknown bundle update key(s) {unknown}")
        kw: dict[str, Any] = {}
        if "new" in data:
            kw["new"] = BundleState.from_dict(data["new"])
        if "+items" in data:
            kw["add"] = tuple(BundleItem.from_dict(i) for i in data["+items"])
        if "-items" in data:
            kw["remove"] = tuple(canonical_category(c) for c in _strings(data["-items"], "-items"))
        if "items" in data:
            if not isinstance(data["items"], dict):
                raise StateError("items must map a category to its changes")
            kw["change"] = tuple(_change_from(c, v) for c, v in data["items"].items())
        if "total_max" in data:
            kw["total_max"] = number(data["total_max"], "total_max")
        if "room" in data:
            kw["room"] = None if data["room"] is None else canonical_member(data["room"], ROOMS, "room")
        for key in ("colour", "material"):
            if key in data:
                kw[key] = _word(data[key], key)
        if "+match" in data:
            kw["add_match"] = tuple(canonical_member(m, MATCH_KEYS, "match key") for m in _strings(data["+match"], "+match"))
        if "brands" in data:
            kw["brands"] = _strings(data["brands"], "brands")
        if "+excluded_brands" in data:
            kw["exclude_brands"] = _strings(data["+excluded_brands"], "+excluded_brands")
        if data.get("close"):
            kw["close"] = True
        return cls(**kw)

    def is_empty(self) -> bool:
        """Nothing changes (a scalar set to None clears it: that is a change)."""
        return (self.new is None and not self.close
                and all(getattr(self, f.name) is UNSET for f in dataclasses.fields(self)
                        if f.name in ("total_max", "room", "colour", "material", "brands"))
                and not (self.add or self.remove or self.change or self.add_match or self.exclude_brands))


def _change_dict(c: ItemChange) -> dict[str, Any]:
    out: dict[str, Any] = {k: getattr(c, k) for k in ("quantity", "budget_max", *ITEM_SIZE_KEYS)
                           if getattr(c, k) is not UNSET}
    if c.brands is not UNSET:
        out["brands"] = list(c.brands)
    if c.add_features:
        out["+features"] = list(c.add_features)
    if c.remove_features:
        out["-features"] = list(c.remove_features)
    return out


def _change_from(category: str, data: Any) -> ItemChange:
    if not isinstance(data, dict):
        raise StateError(f"the changes of {category!r} must be a JSON object")
    unknown = sorted(set(data) - {"quantity", "budget_max", *ITEM_SIZE_KEYS, "brands", "+features", "-features"})
    if unknown:
        raise StateError(f"unknown item change key(s) {unknown}")
    kw: dict[str, Any] = {"category": canonical_category(category)}
    if "quantity" in data:
        q = data["quantity"]
        if isinstance(q, bool) or not isinstance(q, int) or not 1 <= q <= MAX_QUANTITY:
            raise StateError(f"quantity must be a whole number from 1 to {MAX_QUANTITY}, got {q!r}")
        kw["quantity"] = q
    for key in ("budget_max", *ITEM_SIZE_KEYS):
        if key in data:
            kw[key] = number(data[key], key)
    if "brands" in data:
        kw["brands"] = _strings(data["brands"], "brands")
    for key, attr in (("+features", "add_features"), ("-features", "remove_features")):
        if key in data:
            kw[attr] = tuple(canonical_member(f, FEATURES, "feature") for f in _strings(data[key], key))
    return ItemChange(**kw)


def _without(values: tuple[str, ...], drop) -> tuple[str, ...]:
    gone = {d.lower() for d in drop}
    return tuple(v for v in values if v.lower() not in gone)


def _merge_item(item: BundleItem, other: BundleItem) -> BundleItem:
    """"add a quiet sofa" when a sofa is there: its slots join the item's (no second sofa)."""
    return item.replace(
        quantity=other.quantity if other.quantity != 1 else item.quantity,
        brands=other.brands or item.brands, features=item.features + other.features,
        **{k: getattr(other, k) if getattr(other, k) is not None else getattr(item, k)
           for k in ("budget_max", *ITEM_SIZE_KEYS)})


def _apply_change(item: BundleItem, ch: ItemChange) -> BundleItem:
    changes: dict[str, Any] = {k: getattr(ch, k) for k in ("quantity", "budget_max", *ITEM_SIZE_KEYS, "brands")
                               if getattr(ch, k) is not UNSET}
    features = _without(item.features, ch.remove_features) + tuple(ch.add_features)
    return item.replace(features=features, **changes)


def apply_bundle_update(bundle: BundleState | None, update: BundleUpdate) -> BundleState | None:
    """The bundle after one turn (None: no bundle open). Pure; the state is cumulative."""
    if update.close:
        return None
    if update.new is not None:
        bundle = update.new
    if bundle is None:
        if not update.add:
            return None  # changes to a bundle that is not open change nothing
        bundle = BundleState()
    items = list(bundle.items)
    removed = {canonical_category(c) for c in update.remove}
    items = [i for i in items if i.category not in removed]
    for new_item in update.add:
        at = next((n for n, i in enumerate(items) if i.category == new_item.category), None)
        if at is None:
            items.append(new_item)
        else:
            items[at] = _merge_item(items[at], new_item)
    for ch in update.change:
        cat = canonical_category(ch.category)
        items = [_apply_change(i, ch) if i.category == cat else i for i in items]
    changes: dict[str, Any] = {k: getattr(update, k) for k in ("total_max", "room", "colour", "material")
                               if getattr(update, k) is not UNSET}
    brands, excluded = bundle.brands, bundle.excluded_brands
    if update.brands is not UNSET:
        brands = tuple(update.brands)
        excluded = _without(excluded, brands)
    if update.exclude_brands:
        excluded = excluded + tuple(update.exclude_brands)
        brands = _without(brands, update.exclude_brands)
        items = [i.replace(brands=_without(i.brands, update.exclude_brands)) for i in items]
    match = bundle.match + tuple(m for m in update.add_match if m not in bundle.match)
    if not items:
        return None  # the last item dropped: no bundle left
    return bundle.replace(items=tuple(items), brands=brands, excluded_brands=excluded, match=match, **changes)


__all__ = ["BundleItem", "BundleState", "BundleUpdate", "ItemChange", "apply_bundle_update", "MATCH_KEYS"]
