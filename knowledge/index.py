"""The store in memory: hard-filter columns per product and the chunk vectors, for exact filtered search.

    index = StoreIndex.from_collection(collection)       # once per retriever: one paged read of the store
    index.products.count(DialogueState(category="sofa", budget_max=800))  # -> 37, exactly
    index.search_products(state, query_vector, k=5)      # best chunks of the 5 best matching products
    index.products.nearest(state, "budget_max", k=3)     # ids of the 3 cheapest fits

Why: Chroma's metadata filters run through its SQLite metadata segment, and on a 100k-product store
a filtered query or count took ~280 ms (p50) on 2 cores, far over the 25 ms target; "how many match"
and "which constraint emptied the result" would each cost more of them. The same questions over a few
numpy columns take well under a millisecond, and an exact cosine search over the matching chunks'
vectors (one matrix-vector product, ~6 ms for 100k x 384) is both faster and exact, where HNSW with a
filter is approximate. Chroma stays the store of record: ingestion writes it, the index is read from it
(embedded or server), and the texts of the chosen chunks come from it by id. Memory: ~1.6 KB per chunk
(float32 384-d vector plus metadata), ~160 MB at 100k products. ``retrieval.search: chroma`` keeps
the per-query Chroma path for stores too big to hold. The columns obey the same rules as
``knowledge.filters`` (``violations`` / ``state_to_where``); a test checks all three agree.
"""

from __future__ import annotations

from dataclasses import dataclass
import json
from typing import Any, Iterable

import numpy as np

from assistant.state import FEATURES, ROOMS, DialogueState
from knowledge.filters import FEATURE_WEIGHT, NEAREST, ROOM_WEIGHT, SIZE_KEYS

_FEATURE_BIT = {f: i for i, f in enumerate(FEATURES)}
_ROOM_BIT = {r: i for i, r in enumerate(ROOMS)}


def _bits(values, table: dict[str, int]) -> int:
    return sum(1 << table[v] for v in values if v in table)


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
    feature_bits: np.ndarray   # uint64: bit i = the product has canonical feature FEATURES[i]
    room_bits: np.ndarray      # uint64: bit i = it suits ROOMS[i]
    _id_rank: np.ndarray | None = None

    @classmethod
    def from_metadata(cls, metas: Iterable[dict[str, Any]]) -> "ProductIndex":
        """From product metadata as ingestion writes it (one record per product: its chunk 0)."""
        ids, cats, brands, prices = [], [], [], []
        sizes: dict[str, list[float]] = {f: [] for f in SIZE_KEYS.values()}
        categories: dict[str, int] = {}
        brand_codes: dict[str, int] = {}
        names: dict[str, str] = {}
        feature_bits, room_bits = [], []
        for m in metas:
            record = json.loads(m["product"]) if "product" in m else {}
            feature_bits.append(_bits(record.get("features") or (), _FEATURE_BIT))
            room_bits.append(_bits(record.get("rooms") or (), _ROOM_BIT))
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
                   categories, brand_codes, names, np.array(feature_bits, dtype=np.uint64),
                   np.array(room_bits, dtype=np.uint64))

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

    def bonus(self, state: DialogueState) -> np.ndarray | None:
        """knowledge.filters.soft_bonus for every product at once (None when the state has no soft part)."""
        wanted = [_FEATURE_BIT[f] for f in state.features if f in _FEATURE_BIT]
        room = _ROOM_BIT.get(state.room) if state.room else None
        if not state.features and room is None:
            return None
        out = np.zeros(len(self.ids), dtype=np.float32)
        for bit in wanted:
            out += ((self.feature_bits >> np.uint64(bit)) & np.uint64(1)).astype(np.float32)
        if state.features:
            out *= FEATURE_WEIGHT / len(state.features)
        if room is not None:
            out += ROOM_WEIGHT * ((self.room_bits >> np.uint64(room)) & np.uint64(1)).astype(np.float32)
        return out

    def _codes(self, names: Iterable[str]) -> list[int]:
        return [self.brands[n.lower()] for n in names if n.lower() in self.brands]

    def count(self, state: DialogueState) -> int:
        return int(self.mask(state).sum())

    def has_matches(self, state: DialogueState) -> bool:
        return bool(self.mask(state).any())

    def nearest(self, state: DialogueState, key: str, k: int) -> list[str]:
        """Ids of the ``k`` matches of ``state`` closest to what the blocker ``key`` asked for: cheapest
        for budget_max, dearest for budget_min, smallest for a size limit (ties by id, so stable)."""
        if key not in NEAREST:
            raise ValueError(f"no nearest order for {key!r}")
        field, sign = NEAREST[key]  # the same order as knowledge.filters.nearest_order
        idx = np.flatnonzero(self.mask(state))
        column = self.price if field == "price" else self.sizes[field]
        value = np.nan_to_num(sign * column[idx], nan=np.inf)  # unknown sizes last
        if self._id_rank is None:  # ties break by id; ranking the ids once keeps each call to numbers
            self._id_rank = np.argsort(np.argsort(self.ids.astype(str), kind="stable"))
        top = np.argpartition(value, k - 1)[:k] if 0 < k < len(value) else np.arange(len(value))
        # every value tied with the k-th best must compete on id too
        cut = value[top].max() if len(top) else 0
        pool = np.flatnonzero(value <= cut)
        order = pool[np.lexsort((self._id_rank[idx][pool], value[pool]))][:k]
        return [str(i) for i in self.ids[idx][order]]


@dataclass
class StoreIndex:
    """Every chunk of a store (products and documents) with its vector, plus the products' columns."""

    products: ProductIndex
    chunk_ids: np.ndarray      # Chroma record ids (object array of str)
    vectors: np.ndarray        # float32, rows L2-normalised (cosine = dot product)
    product_row: np.ndarray    # the chunk's product in ``products`` (-1 for documents)
    doc_type: np.ndarray       # int codes into ``doc_types``
    doc_types: dict[str, int]
    row_of: dict[str, int]     # product id -> row in ``products``

    MAX_CHUNKS_PER_PRODUCT = 3

    @classmethod
    def from_collection(cls, collection, page: int = 2000, progress: bool = False) -> "StoreIndex":
        ids, metas, vectors = [], [], []
        total = collection.count()
        offset = 0
        from tqdm import tqdm

        with tqdm(total=total, desc="reading the store", unit="chunk", disable=not progress, leave=False) as bar:
            while True:
                got = collection.get(include=["metadatas", "embeddings"], limit=page, offset=offset)
                if not got["ids"]:
                    break
                ids += got["ids"]
                metas += got["metadatas"]
                vectors.append(np.asarray(got["embeddings"], dtype=np.float32))
                offset += len(got["ids"])
                bar.update(len(got["ids"]))
        return cls.build(ids, metas, np.concatenate(vectors) if vectors else np.zeros((0, 0), np.float32))

    @classmethod
    def build(cls, ids: list[str], metas: list[dict[str, Any]], vectors: np.ndarray) -> "StoreIndex":
        heads = [m for m in metas if m.get("doc_type") == "product" and int(m.get("chunk_index", 0)) == 0]
        products = ProductIndex.from_metadata(heads)
        row_of = {pid: i for i, pid in enumerate(products.ids)}
        doc_types: dict[str, int] = {}
        product_row = np.array([row_of.get(m.get("product_id"), -1) if m.get("doc_type") == "product" else -1
                                for m in metas], dtype=np.int64)
        codes = np.array([doc_types.setdefault(m.get("doc_type", ""), len(doc_types)) for m in metas], dtype=np.int32)
        if len(vectors):
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            vectors = vectors / np.where(norms == 0, 1, norms)
        return cls(products, np.array(ids, dtype=object), np.ascontiguousarray(vectors, dtype=np.float32),
                   product_row, codes, doc_types, row_of)

    def __len__(self) -> int:
        return len(self.chunk_ids)

    def _ranked(self, rows: np.ndarray, query: np.ndarray, limit: int | None = None,
                bonus: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``rows`` sorted by cosine to ``query`` (best first; ties by row, so results are stable); with
        ``limit``, only the best ``limit`` (and rows tied with the last of them)."""
        if len(rows) == 0:
            return rows, np.zeros(0, np.float32)
        q = np.asarray(query, dtype=np.float32)
        q = q / (np.linalg.norm(q) or 1.0)
        # A gather copies the selected rows; past a quarter of the store one product over all is cheaper.
        scores = self.vectors[rows] @ q if len(rows) < len(self) // 4 else (self.vectors @ q)[rows]
        if bonus is not None:
            scores = scores + bonus
        if limit is not None and limit < len(rows):  # sorting 100k scores costs more than the search
            top = np.argpartition(-scores, limit - 1)[:limit]
            cut = scores[top].min()
            keep = np.flatnonzero(scores >= cut)  # ties with the last kept score stay in the race
            rows, scores = rows[keep], scores[keep]
        order = np.lexsort((rows, -scores))
        return rows[order], scores[order]

    def search_products(self, state: DialogueState, query: np.ndarray, k: int) -> list[tuple[int, list[tuple[int, float]]]]:
        """The ``k`` best products that keep every hard constraint: (product row, [(chunk row, score), ...]),
        best first; a chunk's score is its cosine plus its product's soft bonus (wanted features, room),
        and a product's score is its best chunk's."""
        allowed = self.products.mask(state)
        rows = np.flatnonzero((self.product_row >= 0) & allowed[np.maximum(self.product_row, 0)])
        per_product = self.products.bonus(state)
        bonus = per_product[self.product_row[rows]] if per_product is not None else None
        limit = max(64, 8 * k)  # enough chunks for k products unless descriptions run long
        ranked, scores = self._ranked(rows, query, limit, bonus)
        out = self._group(ranked, scores, k)
        if len(out) < k and len(ranked) < len(rows):  # long multi-chunk products crowded the shortlist
            out = self._group(*self._ranked(rows, query, None, bonus), k)
        return list(out.items())

    def _group(self, ranked: np.ndarray, scores: np.ndarray, k: int) -> dict[int, list[tuple[int, float]]]:
        out: dict[int, list[tuple[int, float]]] = {}
        for row, score in zip(ranked.tolist(), scores.tolist()):
            p = int(self.product_row[row])
            if p not in out:
                if len(out) == k:
                    continue  # later chunks of products already chosen still join them
                out[p] = []
            if len(out[p]) < self.MAX_CHUNKS_PER_PRODUCT:
                out[p].append((row, score))
        return out

    def search_documents(self, query: np.ndarray, k: int, doc_types: tuple[str, ...],
                         product_id: str | None = None) -> list[tuple[int, float]]:
        """The ``k`` best chunks of the given document types (of one product with ``product_id``)."""
        codes = [self.doc_types[t] for t in doc_types if t in self.doc_types]
        mask = np.isin(self.doc_type, codes)
        if product_id is not None:
            mask &= self.product_row == self.row_of.get(product_id, -2)
        ranked, scores = self._ranked(np.flatnonzero(mask), query, k)
        return list(zip(ranked[:k].tolist(), scores[:k].tolist()))
