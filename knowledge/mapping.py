"""How a store's catalog columns map onto ``Product`` fields and canonical categories.

A mapping is a small YAML file (see knowledge/examples/ikea_sa_2020.yaml):

    currency: SAR
    columns: {id: item_id, name: [name, short_description], price: price, category: category, ...}
    constants: {brand: IKEA}          # a value for every row when the catalog has no such column
    ignore: ["", old_price]           # columns neither kept as text nor as specs
    categories:                       # store category -> canonical category, or keyword rules
      Beds: bed
      "Sofas & armchairs":
        - {keywords: [armchair], category: armchair}
        - {keywords: [sofa], category: sofa}

Rules are tried in order on the row's text, "<description> | <name>" lower-cased; a keyword is a
regular expression (``^door`` = the description starts with "door"); a rule without keywords matches
any row; ``category: null`` marks rows the store sells but the assistant does not (spare parts). Columns not named anywhere are kept as specs and searchable text.
With no mapping file, columns are named like ``Product`` fields and categories are canonical names
or the spec's synonyms (the demo catalog's JSONL form).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.state import CATEGORIES, CATEGORY_SYNONYMS

FIELDS = ("id", "name", "price", "category", "brand", "width", "depth", "height", "description",
          "colour", "url", "in_stock", "rooms", "features", "currency", "image")
DEFAULT_COLUMNS = {"id": "id", "name": "name", "price": "price", "category": "category", "brand": "brand",
                   "width": "width_cm", "depth": "depth_cm", "height": "height_cm",
                   "description": "description", "colour": "colour", "url": "url", "in_stock": "in_stock",
                   "rooms": "rooms", "features": "features", "currency": "currency", "image": "image"}


class MappingError(ValueError):
    """A mapping file that cannot be used (names the file and the key)."""


@dataclass(frozen=True)
class Rule:
    category: str | None
    keywords: tuple[str, ...] = ()

    def matches(self, text: str) -> bool:
        return not self.keywords or any(re.search(k, text) for k in self.keywords)


@dataclass(frozen=True)
class Mapping:
    columns: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: {k: (v,) for k, v in DEFAULT_COLUMNS.items()})
    constants: dict[str, Any] = field(default_factory=dict)
    ignore: frozenset[str] = frozenset({"source", "specs"})
    categories: dict[str, tuple[Rule, ...]] = field(default_factory=dict)  # lower-cased store name -> rules
    currency: str = "USD"
    required: tuple[str, ...] = ("name", "price", "category")

    def used_columns(self) -> set[str]:
        return {c for cols in self.columns.values() for c in cols} | set(self.ignore)

    def _rule(self, store_category: str, name: str, description: str) -> Rule | None:
        text = f"{description} | {name}".lower()
        return next((r for r in self.categories[store_category.strip().lower()] if r.matches(text)), None)

    def excludes(self, store_category: str, name: str, description: str) -> bool:
        """True when the mapping sends this row to ``category: null`` on purpose."""
        if store_category.strip().lower() not in self.categories:
            return False
        rule = self._rule(store_category, name, description)
        return rule is not None and rule.category is None

    def canonical_category(self, store_category: str, name: str, description: str) -> str | None:
        """The canonical category of a row, or None when no rule fits."""
        key = store_category.strip().lower()
        if key not in self.categories:
            key = CATEGORY_SYNONYMS.get(key, key)
            return key if key in CATEGORIES else None
        rule = self._rule(store_category, name, description)
        return rule.category if rule else None


def load_mapping(path: str | Path | None) -> Mapping:
    if path is None:
        return Mapping()
    import yaml

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise MappingError(f"{path}: cannot read the mapping: {e}") from None
    allowed = {"columns", "constants", "ignore", "categories", "currency", "required"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise MappingError(f"{path}: unknown key(s) {unknown}; allowed: {sorted(allowed)}")
    columns: dict[str, tuple[str, ...]] = {}
    for name, cols in (data.get("columns") or {}).items():
        if name not in FIELDS:
            raise MappingError(f"{path}: columns.{name} is not a product field; allowed: {list(FIELDS)}")
        columns[name] = tuple(cols) if isinstance(cols, list) else (str(cols),)
    constants = dict(data.get("constants") or {})
    for name in constants:
        if name not in FIELDS:
            raise MappingError(f"{path}: constants.{name} is not a product field; allowed: {list(FIELDS)}")
    categories: dict[str, tuple[Rule, ...]] = {}
    for store_name, target in (data.get("categories") or {}).items():
        entries = target if isinstance(target, list) else [{"category": target}]
        rules = []
        for i, entry in enumerate(entries):
            where = f"{path}: categories.{store_name!r}[{i}]"
            if not isinstance(entry, dict) or "category" not in entry:
                raise MappingError(f"{where}: expected {{keywords: [...], category: ...}}")
            category = None if entry["category"] is None else str(entry["category"]).lower()
            if category is not None and category not in CATEGORIES:
                raise MappingError(f"{where}: {category!r} is not a canonical category")
            keywords = entry.get("keywords") or []
            for k in keywords:
                try:
                    re.compile(str(k))
                except re.error as e:
                    raise MappingError(f"{where}: keyword {k!r} is not a valid regular expression: {e}") from None
            rules.append(Rule(category, tuple(str(k).lower() for k in keywords)))
        categories[str(store_name).strip().lower()] = tuple(rules)
    required = tuple(data.get("required") or ("name", "price", "category"))
    for name in ("name", "price", "category"):
        if name not in columns and name not in constants:
            raise MappingError(f"{path}: columns.{name} is required (which column holds the product's {name}?)")
    return Mapping(columns=columns, constants=constants, ignore=frozenset(str(c) for c in data.get("ignore") or ()),
                   categories=categories, currency=str(data.get("currency") or "USD"), required=required)
