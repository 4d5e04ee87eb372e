"""The hard-filter columns of a store's products, in memory: exact counts and blocker search in microseconds.

    index = ProductIndex.from_collection(collection)   # once per retriever (one pass over product metadata)
    index.count(DialogueState(category="sofa", budget_max=800))   # -> 37, exactly
    index.nearest(state, "budget_max", k=3)                       # -> ids of the 3 cheapest fits

Why: Chroma answers "the k best matches under these filters" well, but not "how many match" (a count
means fetching every matching id) nor "which constraint emptied the result" (one filtered query per
relaxation). Both are questions about a few numeric and categorical columns, which numpy answers over
100k products in well under a millisecond. The semantic ranking still runs in Chroma. The columns
obey the same rules as ``knowledge.filters`` (``violations`` / ``state_to_where``); a test checks all
three agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np

from assistant.state import DialogueState
from knowledge.filters import SIZE_KEYS


@dataclass
class ProductIndex:
    ids: np.ndarray            # product ids (object array of str)
    category: np.ndarray       # int codes into ``categories``
    brand: np.ndarray          # int codes into ``brands`` (lower-cased)
    price: np.ndarray          # float64
    sizes: dict[str, np.ndarray]  # width_cm/depth_cm/height_cm, NaN where unknown
    categories: dict[str, int]
    brands: dict[str, int]     # lower-cased brand -> code
    brand_names: dict[str, str]  # lower-cased brand -> the catalog's spelling

    @classmethod
    def from_metadata(cls, metas: Iterable[dict[str, Any]]) -> "ProductIndex":
        """From product metadata as ingestion writes it (one record per product: its chunk 0)."""
        ids, cats, brands, prices = [], [], [], []
        sizes: dict[str, list[float]] = {f: [] for f in SIZE_KEYS.values()}
        categories: dict[str, int] = {}
        brand_codes: dict[str, int] = {}
        names: dict[str, str] = {}
        for m in metas:
            ids.append(m["product_id"])
            cats.append(categories.setdefault(m.get("category", ""), len(categories)))
            lc = str(m.get("brand_lc", m.get("brand", ""))).lower()
            names.setdefault(lc, str(m.get("brand", lc)))
            brands.append(brand_codes.setdefault(lc, len(brand_codes)))
            prices.append(float(m["price"]))
            for f in sizes:
                sizes[f].append(float(m[f]) if m.get(f) is not None else np.nan)
        return cls(np.array(ids, dtype=object), np.array(cats, dtype=np.int32), np.array(brands, dtype=np.int32),
                   np.array(prices, dtype=np.float64), {f: np.array(v, dtype=np.float64) for f, v in sizes.items()},
                   categories, brand_codes, names)

    @classmethod
    def from_collection(cls, collection, page: int = 5000) -> "ProductIndex":
        where = {"$and": [{"doc_type": "product"}, {"chunk_index": 0}]}

        def metas():
            offset = 0
            while True:
                got = collection.get(where=where, include=["metadatas"], limit=page, offset=offset)
                if not got["ids"]:
                    return
                yield from got["metadatas"]
                offset += len(got["ids"])

        return cls.from_metadata(metas())

    def __len__(self) -> int:
        return len(self.ids)

    def mask(self, state: DialogueState) -> np.ndarray:
        """True for every product that keeps every hard constraint of ``state``."""
        m = np.ones(len(self.ids), dtype=bool)
        if state.category:
            code = self.categories.get(state.category)
            if code is None:
                return np.zeros(len(self.ids), dtype=bool)
            m &= self.category == code
        if state.budget_min is not None:
            m &= self.price >= float(state.budget_min)
        if state.budget_max is not None:
            m &= self.price <= float(state.budget_max)
        if state.brands:
            m &= np.isin(self.brand, self._codes(state.brands))
        if state.excluded_brands:
            m &= ~np.isin(self.brand, self._codes(state.excluded_brands))
        for key, f in SIZE_KEYS.items():
            limit = getattr(state, key)
            if limit is not None:
                with np.errstate(invalid="ignore"):
                    m &= self.sizes[f] <= float(limit)  # NaN (unknown size) compares False: never fits
        return m

    def _codes(self, names: Iterable[str]) -> list[int]:
        return [self.brands[n.lower()] for n in names if n.lower() in self.brands]

    def count(self, state: DialogueState) -> int:
        return int(self.mask(state).sum())

    def has_matches(self, state: DialogueState) -> bool:
        return bool(self.mask(state).any())

    def nearest(self, state: DialogueState, key: str, k: int) -> list[str]:
        """Ids of the ``k`` matches of ``state`` closest to what the blocker ``key`` asked for: cheapest
        for budget_max, dearest for budget_min, smallest for a size limit (ties by id, so stable)."""
        idx = np.flatnonzero(self.mask(state))
        if key == "budget_max":
            value = self.price[idx]
        elif key == "budget_min":
            value = -self.price[idx]
        elif key in SIZE_KEYS:
            value = np.nan_to_num(self.sizes[SIZE_KEYS[key]][idx], nan=np.inf)
        else:
            raise ValueError(f"no nearest order for {key!r}")
        order = np.lexsort((self.ids[idx].astype(str), value))[:k]
        return [str(i) for i in self.ids[idx][order]]
