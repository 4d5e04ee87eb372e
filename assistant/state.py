"""The dialogue state: the contract of ``shared/spec/dialogue-state.md`` in code.

A ``DialogueState`` is immutable; every user turn yields a new one. Extractors propose a
``StateUpdate`` (a delta); ``assistant.tracker.apply_update`` merges it following the spec's rules.

    >>> s = DialogueState.from_dict({"category": "fridge", "budget_max": 1000})
    >>> s.to_dict()
    {'category': 'refrigerator', 'budget_max': 1000}
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any, Iterable

CATEGORIES: tuple[str, ...] = (
    # appliances
    "refrigerator", "freezer", "washing machine", "dryer", "dishwasher", "microwave",
    "oven", "cooktop", "range hood", "coffee machine", "air conditioner", "air purifier",
    "dehumidifier", "vacuum cleaner", "robot vacuum", "water heater", "television",
    # furniture
    "sofa", "armchair", "bed", "mattress", "wardrobe", "chest of drawers", "bookcase",
    "tv stand", "coffee table", "dining table", "dining chair", "desk", "office chair",
    "bar stool", "shoe cabinet",
)
APPLIANCE_CATEGORIES: frozenset[str] = frozenset(CATEGORIES[:17])
FURNITURE_CATEGORIES: frozenset[str] = frozenset(CATEGORIES[17:])

FEATURES: tuple[str, ...] = (
    "quiet", "energy efficient", "smart", "inverter", "large capacity", "compact", "stainless steel",
    "frost free", "ice maker", "steam", "heat pump", "fast", "self cleaning", "hepa filter",
    "pet friendly", "cordless", "built-in", "freestanding", "storage", "foldable", "extendable",
    "sofa bed", "reclining", "washable cover", "solid wood", "adjustable height", "ergonomic",
    "memory foam", "firm", "soft", "outdoor", "leather", "fabric", "modular",
)

ROOMS: tuple[str, ...] = (
    "living room", "bedroom", "kitchen", "bathroom", "dining room", "home office",
    "kids room", "laundry room", "hallway", "outdoor",
)

# The spec's own synonyms. The extractors' lexicons (assistant/lexicon.py) extend these.
CATEGORY_SYNONYMS: dict[str, str] = {
    "fridge": "refrigerator", "washer": "washing machine", "tumble dryer": "dryer",
    "couch": "sofa", "tv": "television", "closet": "wardrobe", "dresser": "chest of drawers",
    "hob": "cooktop", "extractor hood": "range hood",
    "冰箱": "refrigerator", "洗衣机": "washing machine", "沙发": "sofa",
}

SCALAR_KEYS = ("category", "budget_min", "budget_max", "room", "max_width_cm", "max_depth_cm", "max_height_cm")
NUMBER_KEYS = ("budget_min", "budget_max", "max_width_cm", "max_depth_cm", "max_height_cm")
LIST_KEYS = ("brands", "excluded_brands", "features")
KEYS = ("category", "budget_min", "budget_max", "brands", "excluded_brands", "features", "room",
        "max_width_cm", "max_depth_cm", "max_height_cm")


class StateError(ValueError):
    """A state or update that breaks the schema (unknown key, non-canonical value, bad type)."""


def canonical_category(value: str | None) -> str | None:
    if value is None:
        return None
    v = str(value).strip().lower()
    v = CATEGORY_SYNONYMS.get(v, v)
    if v not in CATEGORIES:
        raise StateError(f"unknown category {value!r}; expected one of the {len(CATEGORIES)} canonical categories")
    return v


def canonical_member(value: str, allowed: Iterable[str], what: str) -> str:
    v = str(value).strip().lower()
    if v not in allowed:
        raise StateError(f"unknown {what} {value!r}")
    return v


def number(value: Any, key: str) -> int | float | None:
    """Plain numbers only; whole floats become ints so 600.0 and 600 compare and print alike."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise StateError(f"{key} must be a number, got {value!r}")
    if value < 0:
        raise StateError(f"{key} must not be negative, got {value!r}")
    return int(value) if float(value).is_integer() else float(value)


def _dedupe(values: Iterable[str], fold=str.lower) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for v in values:
        v = str(v).strip()
        if v and fold(v) not in seen:
            seen[fold(v)] = v
    return tuple(seen.values())


@dataclass(frozen=True)
class DialogueState:
    """One cumulative state. Lists are tuples (hashable, immutable) and behave as sets."""

    category: str | None = None
    budget_min: int | float | None = None
    budget_max: int | float | None = None
    brands: tuple[str, ...] = ()
    excluded_brands: tuple[str, ...] = ()
    features: tuple[str, ...] = ()
    room: str | None = None
    max_width_cm: int | float | None = None
    max_depth_cm: int | float | None = None
    max_height_cm: int | float | None = None

    def __post_init__(self) -> None:
        # Validate and normalise once, here, so every state in the program is canonical.
        object.__setattr__(self, "category", canonical_category(self.category))
        if self.room is not None:
            object.__setattr__(self, "room", canonical_member(self.room, ROOMS, "room"))
        for key in NUMBER_KEYS:
            object.__setattr__(self, key, number(getattr(self, key), key))
        for key in ("brands", "excluded_brands"):
            value = getattr(self, key)
            if isinstance(value, str):
                raise StateError(f"{key} must be a list of strings")
            object.__setattr__(self, key, _dedupe(value))
        if isinstance(self.features, str):
            raise StateError("features must be a list of strings")
        object.__setattr__(self, "features",
                           _dedupe(canonical_member(f, FEATURES, "feature") for f in self.features))

    # --- conversion -------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "DialogueState":
        data = dict(data or {})
        unknown = sorted(set(data) - set(KEYS))
        if unknown:
            raise StateError(f"unknown state key(s) {unknown}; allowed: {list(KEYS)}")
        for key in LIST_KEYS:
            if data.get(key) is None:
                data.pop(key, None)
            else:
                data[key] = tuple(data[key]) if not isinstance(data[key], str) else data[key]
        return cls(**data)

    @classmethod
    def from_json(cls, text: str) -> "DialogueState":
        return cls.from_dict(json.loads(text))

    def to_dict(self, full: bool = False) -> dict[str, Any]:
        """The spec's JSON form. ``full=False`` drops null and empty keys (absent means null)."""
        out: dict[str, Any] = {}
        for key in KEYS:
            value = getattr(self, key)
            if isinstance(value, tuple):
                value = list(value)
            if full or value not in (None, []):
                out[key] = value
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))

    def replace(self, **changes: Any) -> "DialogueState":
        return dataclasses.replace(self, **changes)

    def pairs(self) -> set[tuple[str, str]]:
        """(slot, value) pairs as the spec's metrics define them: one per list element,
        strings lower-cased and trimmed, numbers in a canonical text form."""
        out: set[tuple[str, str]] = set()
        for key in KEYS:
            value = getattr(self, key)
            values = value if isinstance(value, tuple) else (() if value is None else (value,))
            for v in values:
                out.add((key, _pair_value(v)))
        return out

    def is_empty(self) -> bool:
        return not self.to_dict()


def _pair_value(v: Any) -> str:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return str(int(v)) if float(v).is_integer() else repr(float(v))
    return str(v).strip().lower()


# The explicit "unset" marker for StateUpdate, distinct from None (which means "clear").
class _Unset:
    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Any = _Unset()


@dataclass(frozen=True)
class StateUpdate:
    """What one user turn changes. Scalars: UNSET = untouched, None = cleared, value = set.
    Lists are changes, not replacements; ``assistant.tracker.apply_update`` owns the merge rules
    (an excluded brand leaves ``brands``; a brand asked for again leaves ``excluded_brands``).

    Its compact JSON (what the LM is trained to emit) uses the state's keys for scalars and
    ``+brands``/``-brands``, ``+excluded_brands``, ``+features``/``-features`` for list changes,
    ``"brands": [...]`` meaning "replace the wanted brands" ("Bosch or Siemens" after "LG").
    """

    category: Any = UNSET
    budget_min: Any = UNSET
    budget_max: Any = UNSET
    room: Any = UNSET
    max_width_cm: Any = UNSET
    max_depth_cm: Any = UNSET
    max_height_cm: Any = UNSET
    brands: Any = UNSET  # tuple replaces the wanted brands
    add_brands: tuple[str, ...] = ()
    remove_brands: tuple[str, ...] = ()
    exclude_brands: tuple[str, ...] = ()
    add_features: tuple[str, ...] = ()
    remove_features: tuple[str, ...] = ()

    _JSON_LISTS = {"+brands": "add_brands", "-brands": "remove_brands", "+excluded_brands": "exclude_brands",
                   "+features": "add_features", "-features": "remove_features"}

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) in (UNSET, ()) for f in dataclasses.fields(self))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in SCALAR_KEYS:
            v = getattr(self, key)
            if v is not UNSET:
                out[key] = v
        if self.brands is not UNSET:
            out["brands"] = list(self.brands)
        for jkey, attr in self._JSON_LISTS.items():
            if getattr(self, attr):
                out[jkey] = list(getattr(self, attr))
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "StateUpdate":
        """Validates against the schema: canonical values only; raises ``StateError`` otherwise."""
        if not isinstance(data, dict):
            raise StateError("a state update must be a JSON object")
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            if key == "category":
                kwargs[key] = canonical_category(value)
            elif key == "room":
                kwargs[key] = None if value is None else canonical_member(value, ROOMS, "room")
            elif key in NUMBER_KEYS:
                kwargs[key] = number(value, key)
            elif key == "brands":
                kwargs[key] = _as_strings(value, key)
            elif key in cls._JSON_LISTS:
                values = _as_strings(value, key)
                if "features" in key:
                    values = tuple(canonical_member(v, FEATURES, "feature") for v in values)
                kwargs[cls._JSON_LISTS[key]] = values
            else:
                raise StateError(f"unknown update key {key!r}")
        return cls(**kwargs)


def _as_strings(value: Any, key: str) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise StateError(f"{key} must be a list of strings")
    return _dedupe(value)


__all__ = [
    "CATEGORIES", "FEATURES", "ROOMS", "CATEGORY_SYNONYMS", "APPLIANCE_CATEGORIES", "FURNITURE_CATEGORIES",
    "KEYS", "LIST_KEYS", "NUMBER_KEYS", "SCALAR_KEYS", "DialogueState", "StateUpdate", "StateError", "UNSET",
]


BRAND_MAX_CHARS = 40  # longer "brands" are sentences, not makers
LIST_MAX_ITEMS = 8


def update_json_schema() -> dict[str, Any]:
    """The JSON schema of ``StateUpdate.to_json()``: what constrained decoding lets the LM write.

        from assistant.state import update_json_schema; backend.generate(msgs, json_schema=update_json_schema())

    Canonical enums for category, room and features, non-negative numbers or null (= clear) for the numeric
    keys, short strings for brands, no other keys. Properties are listed in ``to_dict``'s order: llama.cpp's and
    xgrammar's schema grammars keep declared order, so training targets written by ``to_json`` stay reachable."""
    def nullable(schema: dict[str, Any]) -> dict[str, Any]:
        return {"anyOf": [schema, {"type": "null"}]}

    brands = {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": BRAND_MAX_CHARS},
              "maxItems": LIST_MAX_ITEMS}
    features = {"type": "array", "items": {"enum": list(FEATURES)}, "maxItems": LIST_MAX_ITEMS}
    props: dict[str, Any] = {}
    for key in SCALAR_KEYS:
        if key == "category":
            props[key] = nullable({"enum": list(CATEGORIES)})
        elif key == "room":
            props[key] = nullable({"enum": list(ROOMS)})
        else:
            props[key] = nullable({"type": "number", "minimum": 0})
    props["brands"] = brands
    for jkey in StateUpdate._JSON_LISTS:
        props[jkey] = features if "features" in jkey else brands
    return {"type": "object", "properties": props, "additionalProperties": False}


__all__ += ["update_json_schema"]
