"""Filtered retrieval: the state's hard constraints as metadata filters, the rest as a semantic query.

    r = ChromaRetriever.open()                      # the demo store (built on first use)
    res = r.retrieve(DialogueState(category="sofa", budget_max=800), "comfy for naps", k=5)
    res.products or (res.blocker, res.nearest)     # which constraint emptied it, and the closest options

When the filters leave nothing, the result names the constraint that emptied it and the nearest
options (cheapest when over budget, smallest when too big); no constraint is ever dropped silently.
``CatalogRetriever`` is the same contract in memory (keyword scoring), for tests without Chroma.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

from assistant.state import DialogueState
from knowledge import filters
from knowledge.chunking import Document
from knowledge.config import IngestConfig
from knowledge.schema import DocChunk, Product, ProductHit, RetrievalResult

NON_PRODUCT_DOCS = ("guide", "faq", "policy")


def query_text(state: DialogueState, query: str) -> str:
    """The soft part of the state (features, room) plus the shopper's words."""
    parts = [query, *state.features, state.room or "", state.category or ""]
    return " ".join(p for p in parts if p).strip() or "popular product"


def _and(*conds: dict | None) -> dict | None:
    conds = [c for c in conds if c]
    flat = [x for c in conds for x in (c["$and"] if "$and" in c else [c])]
    return None if not flat else flat[0] if len(flat) == 1 else {"$and": flat}


def _empty_result(state: DialogueState, k: int, has_matches: Callable[[DialogueState], bool],
                  nearest: Callable[[DialogueState, str, int], list[ProductHit]]) -> RetrievalResult:
    """Find the blocker and the nearest options (shared by both retrievers). ``nearest(relaxed, key, k)``
    ranks the relaxed state's matches by what the blocker asked for (cheapest, smallest, ...)."""
    found = filters.find_blocker(state, has_matches)
    if found is None:
        return RetrievalResult(blocker="catalog")
    key, relaxed = found
    return RetrievalResult(blocker=key, nearest=tuple(nearest(relaxed, key, k)))


class ChromaRetriever:
    """The Retriever protocol over a Chroma store built by knowledge.ingest."""

    def __init__(self, cfg: IngestConfig | None = None, store: Path | None = None):
        from knowledge import store as kstore

        self.cfg = cfg or IngestConfig()
        self.client = kstore.open_client(self.cfg, store)
        self.collection = kstore.active_collection(self.client)
        if self.collection is None:
            raise kstore.StoreError(f"no ingested store at {store or self.cfg.store or 'the configured server'}; "
                                    "run `shopassist ingest --catalog FILE --store DIR` first")
        self._vectors: dict[str, Any] = {}
        self._index = None

    @classmethod
    def open(cls, cfg: IngestConfig | None = None, store: Path | None = None) -> "ChromaRetriever":
        """The given store, or the demo store (built from knowledge/demo if needed)."""
        from knowledge.ingest import ensure_demo_store

        cfg = cfg or IngestConfig()
        if store is None and cfg.store is None and cfg.chroma.mode == "persistent":
            store = ensure_demo_store(cfg)
        return cls(cfg, store)

    # --- products ------------------------------------------------------------------------------
    def _embed(self, text: str):
        # A dialogue re-asks the same query text turn after turn: encode each text once.
        if text not in self._vectors:
            from knowledge.embeddings import embed

            e = self.cfg.embedding
            if len(self._vectors) > 1024:
                self._vectors.clear()
            self._vectors[text] = embed([text], e.model_path, e.batch_size, e.device)[0]
        return self._vectors[text]

    def _where(self, state: DialogueState) -> dict:
        return _and({"doc_type": "product"}, filters.state_to_where(state))

    @property
    def memory(self) -> bool:
        return self.cfg.retrieval.search == "memory"

    @property
    def store_index(self):
        """The whole store in memory (knowledge.index.StoreIndex), read on first use; memory search only."""
        if self._index is None:
            from knowledge.index import StoreIndex

            self._index = StoreIndex.from_collection(self.collection, progress=self.collection.count() > 20_000)
        return self._index

    @property
    def index(self):
        """The products' hard-filter columns (knowledge.index.ProductIndex): exact counts, blockers, nearest."""
        if self.memory:
            return self.store_index.products
        if self._index is None:
            from knowledge.index import ProductIndex

            self._index = ProductIndex.from_collection(self.collection)
        return self._index

    def warm(self) -> "ChromaRetriever":
        """Read the store into memory now (a server calls this at start-up, so no shopper waits for it)."""
        _ = self.index
        return self

    def _has_matches(self, state: DialogueState) -> bool:
        return self.index.has_matches(state)

    def _hits(self, res: dict[str, Any], k: int) -> list[ProductHit]:
        by_product: dict[str, tuple[Product, float, list[DocChunk]]] = {}
        for id_, doc, meta, dist in zip(res["ids"], res["documents"], res["metadatas"], res["distances"]):
            score = 1.0 - float(dist)
            pid = meta["product_id"]
            if pid not in by_product:
                if len(by_product) == k:
                    continue
                by_product[pid] = (Product.from_dict(json.loads(meta["product"])), score, [])
            by_product[pid][2].append(_chunk(id_, doc, meta, score))
        return [ProductHit(p, s, tuple(c)) for p, s, c in by_product.values()]

    def _fetch(self, scored: list[tuple[int, float]]) -> dict[str, tuple[str, dict, float]]:
        """Texts and metadata of the index's chosen chunks, by id from Chroma: id -> (text, meta, score)."""
        ids = [str(self.store_index.chunk_ids[row]) for row, _ in scored]
        got = self.collection.get(ids=ids, include=["documents", "metadatas"]) if ids else {"ids": []}
        score = dict(zip(ids, (sc for _, sc in scored)))
        return {i: (d, m, score[i]) for i, d, m in zip(got["ids"], got.get("documents") or [],
                                                        got.get("metadatas") or [])}

    def _query(self, state: DialogueState, query: str, k: int) -> list[ProductHit]:
        if self.memory:
            chosen = self.store_index.search_products(state, self._embed(query), k)
            found = self._fetch([c for _, chunks in chosen for c in chunks])
            hits = []
            for _, chunks in chosen:  # best chunk first: it carries the product record and the score
                parts = [(cid, found[cid]) for cid in (str(self.store_index.chunk_ids[r]) for r, _ in chunks)
                         if cid in found]
                if parts:
                    _, meta, score = parts[0][1]
                    hits.append(ProductHit(Product.from_dict(json.loads(meta["product"])), score,
                                           tuple(_chunk(cid, d, m, sc) for cid, (d, m, sc) in parts)))
            return hits
        # A pool larger than k, re-ranked with the soft bonus (wanted features, room) as the memory path ranks.
        vector, pool = self._embed(query), max(4 * k, 24)
        n = 3 * pool
        while True:  # a long description has several chunks: ask for more until the pool is full or none left
            res = self.collection.query(query_embeddings=[vector], n_results=n, where=self._where(state),
                                        include=["documents", "metadatas", "distances"])
            hits = self._hits({key: res[key][0] for key in ("ids", "documents", "metadatas", "distances")}, pool)
            if len(hits) == pool or len(res["ids"][0]) < n or n >= 48 * pool:
                break
            n *= 4
        return soft_ranked(hits, state)[:k]

    def _by_ids(self, product_ids: list[str]) -> list[ProductHit]:
        """Products in the given order, with their first chunk (no ranking score: they were sorted)."""
        got = self.collection.get(ids=[f"p:{i}:0" for i in product_ids], include=["documents", "metadatas"])
        res = {**got, "distances": [1.0] * len(got["ids"])}
        hits = {h.product.id: h for h in self._hits(res, len(got["ids"]))}
        return [hits[i] for i in product_ids if i in hits]

    def _nearest(self, relaxed: DialogueState, key: str, k: int, text: str) -> list[ProductHit]:
        if key in filters.NEAREST:  # cheapest / dearest / smallest: the index sorts
            return self._by_ids(self.index.nearest(relaxed, key, k))
        return self._query(relaxed, text, k)

    def retrieve(self, state: DialogueState, query: str = "", k: int = 5) -> RetrievalResult:
        text = query_text(state, query)
        # The index counts the matches exactly (no Chroma call) and, when there are none, finds the
        # blocker and the nearest options without one filtered query per relaxation.
        total = self.index.count(state)
        if total:
            hits = self._query(state, text, min(k, total))
            return RetrievalResult(products=tuple(hits), total_matches=total)
        return _empty_result(state, k, self._has_matches, lambda s, key, n: self._nearest(s, key, n, text))

    # --- documents -----------------------------------------------------------------------------
    def retrieve_documents(self, query: str, k: int = 4, doc_types: tuple[str, ...] | None = None,
                           product_id: str | None = None) -> list[DocChunk]:
        """Guides, FAQs and policies by default; a product's own text with ``product_id``."""
        types = doc_types or (("product",) if product_id else NON_PRODUCT_DOCS)
        if self.memory:
            scored = self.store_index.search_documents(self._embed(query), k, tuple(types), product_id)
            found = self._fetch(scored)
            return [_chunk(i, *found[i]) for i in (str(self.store_index.chunk_ids[r]) for r, _ in scored) if i in found]
        where = _and({"doc_type": {"$in": list(types)}}, {"product_id": product_id} if product_id else None)
        res = self.collection.query(query_embeddings=[self._embed(query)], n_results=k, where=where,
                                    include=["documents", "metadatas", "distances"])
        return [_chunk(i, d, m, 1.0 - float(x))
                for i, d, m, x in zip(res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0])]

    def get_product(self, product_id: str) -> Product | None:
        got = self.collection.get(ids=[f"p:{product_id}:0"], include=["metadatas"])  # by id: no filter scan
        return Product.from_dict(json.loads(got["metadatas"][0]["product"])) if got["ids"] else None

    def brands(self) -> set[str]:
        return set(self.index.brand_names.values())


def soft_ranked(hits: list[ProductHit], state: DialogueState) -> list[ProductHit]:
    """Hits re-scored with knowledge.filters.soft_bonus and sorted best first (ties keep their order)."""
    scored = [replace(h, score=h.score + filters.soft_bonus(h.product.features, h.product.rooms, state))
              for h in hits]
    return sorted(scored, key=lambda h: -h.score)


def _chunk(id_: str, text: str, meta: dict[str, Any], score: float) -> DocChunk:
    return DocChunk(doc_id=meta["owner"], chunk_index=int(meta.get("chunk_index", 0)), text=text,
                    source=meta.get("source", ""), title=meta.get("title", ""), doc_type=meta.get("doc_type", ""),
                    product_id=meta.get("product_id"), score=score)


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


class CatalogRetriever:
    """In-memory Retriever: the same hard filters (filters.violations), keyword-overlap ranking."""

    def __init__(self, products: list[Product], docs: list[Document] | None = None):
        self.products = {p.id: p for p in products}
        self.docs = list(docs or [])

    def _score(self, text: str, words: set[str]) -> float:
        return len(words & _words(text)) / (len(words) or 1)

    def _candidates(self, state: DialogueState, query: str, k: int) -> list[ProductHit]:
        words = _words(query)
        hits = []
        for p in self.products.values():
            if not filters.violations(p, state):
                text = f"{p.name} {p.description} {' '.join(p.features)} {' '.join(p.rooms)}"
                chunk = DocChunk(f"p:{p.id}", 0, p.description or p.name, p.source, p.name, "product", p.id)
                score = self._score(text, words) + filters.soft_bonus(p.features, p.rooms, state)
                hits.append(ProductHit(p, score, (chunk,)))
        hits.sort(key=lambda h: (-h.score, h.product.price, h.product.id))
        return hits if k == 0 else hits[:k]

    def retrieve(self, state: DialogueState, query: str = "", k: int = 5) -> RetrievalResult:
        text = query_text(state, query)
        matches = self._candidates(state, text, 0)
        if matches:
            return RetrievalResult(products=tuple(matches[:k]), total_matches=len(matches))
        return _empty_result(state, k, lambda s: bool(self._candidates(s, "", 0)),
                             lambda s, key, n: self._nearest(s, key, n, text))

    def _nearest(self, relaxed: DialogueState, key: str, k: int, text: str) -> list[ProductHit]:
        order = filters.nearest_order(key)
        hits = self._candidates(relaxed, text, 0 if order else k)
        if order:
            hits = sorted(hits, key=lambda h: (order(h.product), h.product.id))[:k]
        return hits

    def retrieve_documents(self, query: str, k: int = 4, doc_types: tuple[str, ...] | None = None,
                           product_id: str | None = None) -> list[DocChunk]:
        words = _words(query)
        if product_id:
            p = self.products.get(product_id)
            return [DocChunk(f"p:{p.id}", 0, p.description, p.source, p.name, "product", p.id)] if p else []
        types = doc_types or NON_PRODUCT_DOCS
        chunks = [DocChunk(d.doc_id, 0, d.text, d.source, d.title, d.doc_type, None,
                           self._score(f"{d.title} {d.text}", words))
                  for d in self.docs if d.doc_type in types]
        return sorted(chunks, key=lambda c: -c.score)[:k]

    def get_product(self, product_id: str) -> Product | None:
        return self.products.get(product_id)

    def brands(self) -> set[str]:
        return {p.brand for p in self.products.values()}
