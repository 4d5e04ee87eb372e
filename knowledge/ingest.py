"""Build a store from products and documents: chunk, embed (reusing unchanged embeddings), swap in.

    from knowledge.ingest import ingest
    report = ingest(products, documents, IngestConfig(store=Path("/tmp/store")), prune=True)

Ids are stable (``p:<product id>:<chunk>``, ``d:<doc path>:<chunk>``), so ingesting the same input
twice gives the same store; a changed row gets new text and a new embedding. Without ``prune``,
products and documents of the old store that the new input does not mention are carried over.
"""

from __future__ import annotations

import hashlib
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge import store as kstore
from knowledge.chunking import Document, chunk_text
from knowledge.config import IngestConfig
from knowledge.embeddings import embed
from knowledge.schema import Product

log = logging.getLogger(__name__)


@dataclass
class Item:
    id: str
    text: str
    metadata: dict[str, Any]


@dataclass
class IngestReport:
    products: int = 0        # products in the live store after the ingest
    chunks: int = 0          # chunks in the live store
    embedded: int = 0        # chunks encoded this time (new or changed)
    reused: int = 0          # unchanged chunks whose embedding was reused
    carried: int = 0         # chunks of the old store kept because the input did not mention them
    pruned: int = 0          # chunks removed with --prune
    collection: str = ""


def product_text(p: Product) -> str:
    parts = [p.description]
    if p.features:
        parts.append("Features: " + ", ".join(p.features) + ".")
    if p.rooms:
        parts.append("For the " + ", ".join(p.rooms) + ".")
    if p.colour:
        parts.append(f"Colour: {p.colour}.")
    parts += [f"{k.replace('_', ' ')}: {v}." for k, v in p.specs.items()]
    return " ".join(x for x in parts if x)


def product_items(p: Product, cfg: IngestConfig) -> list[Item]:
    head = f"{p.name} ({p.brand} {p.category})"
    meta: dict[str, Any] = {
        "doc_type": "product", "owner": f"p:{p.id}", "product_id": p.id, "category": p.category,
        "brand": p.brand, "brand_lc": p.brand.lower(), "price": float(p.price), "currency": p.currency,
        "in_stock": p.in_stock, "source": p.source, "title": p.name,
        # The whole record rides along, so a hit is a full Product with no second lookup.
        "product": json.dumps(p.to_dict(), ensure_ascii=False, default=str)}
    for field in ("width_cm", "depth_cm", "height_cm"):
        if getattr(p, field) is not None:  # absent, not null: an unknown size never passes a size filter
            meta[field] = float(getattr(p, field))
    pieces = chunk_text(product_text(p), cfg.chunking.chunk_chars, cfg.chunking.overlap_chars) or [""]
    return [Item(f"p:{p.id}:{i}", f"{head}: {piece}".strip(), {**meta, "chunk_index": i})
            for i, piece in enumerate(pieces)]


def document_items(d: Document, cfg: IngestConfig) -> list[Item]:
    meta: dict[str, Any] = {"doc_type": d.doc_type, "owner": f"d:{d.doc_id}", "source": d.source, "title": d.title}
    if d.category:
        meta["category"] = str(d.category)
    pieces = chunk_text(d.text, cfg.chunking.chunk_chars, cfg.chunking.overlap_chars)
    return [Item(f"d:{d.doc_id}:{i}", f"{d.title}: {piece}", {**meta, "chunk_index": i})
            for i, piece in enumerate(pieces)]


def _hash(item: Item) -> str:
    return hashlib.sha1((item.text + json.dumps(item.metadata, sort_keys=True)).encode()).hexdigest()


def ingest(products: list[Product], documents: list[Document], cfg: IngestConfig, *, store: Path | None = None,
           prune: bool = False, inputs_hash: str = "", progress: bool = True) -> IngestReport:
    """Build a fresh collection from the input (plus, without prune, the old store's other records),
    then make it live in one step. A crash before the swap leaves the old store in use."""
    import numpy as np
    from tqdm import tqdm

    client = kstore.open_client(cfg, store)
    old = kstore.active_collection(client)
    kstore.drop_orphans(client, keep=old.name if old else None)  # left by an interrupted ingest

    items = [it for p in products for it in product_items(p, cfg)]
    items += [it for d in documents for it in document_items(d, cfg)]
    for it in items:
        it.metadata["content_hash"] = _hash(it)
    owners = {it.metadata["owner"] for it in items}
    kinds = ({"p"} if products else set()) | ({"d"} if documents else set())

    report = IngestReport()
    reuse: dict[str, Any] = {}
    carried: list[tuple[str, Any, str, dict]] = []
    if old is not None:
        for page in kstore.iter_all(old, ["embeddings", "documents", "metadatas"]):
            for id_, emb, doc, meta in zip(page["ids"], page["embeddings"], page["documents"], page["metadatas"]):
                owner = meta.get("owner", "")
                if owner in owners:
                    reuse[id_ + meta.get("content_hash", "")] = emb
                elif prune and owner[:1] in kinds:
                    report.pruned += 1
                else:
                    carried.append((id_, emb, doc, meta))

    collection = kstore.new_collection(client)
    # Small batches, and each batch's Chroma add runs in a worker thread while the next batch is encoded:
    # both release the GIL, so the store's write time hides behind the encoder's instead of adding to it.
    batch = min(client.get_max_batch_size(), 128)
    bar = tqdm(total=len(items) + len(carried), desc="ingest", unit="chunk", disable=not progress)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="chroma-add") as writer:
        pending = None
        for start in range(0, len(items), batch):
            part = items[start:start + batch]
            todo = [i for i, it in enumerate(part) if it.id + it.metadata["content_hash"] not in reuse]
            fresh = embed([part[i].text for i in todo], cfg.embedding.model_path, cfg.embedding.batch_size,
                          cfg.embedding.device) if todo else []
            vectors = [reuse.get(it.id + it.metadata["content_hash"]) for it in part]
            for i, v in zip(todo, fresh):
                vectors[i] = v
            if pending is not None:
                pending.result()  # in order, at most one batch in flight; an add's error surfaces here
            pending = writer.submit(collection.add, ids=[it.id for it in part], documents=[it.text for it in part],
                                    metadatas=[it.metadata for it in part],
                                    embeddings=np.asarray(vectors, dtype=np.float32))
            report.embedded += len(todo)
            report.reused += len(part) - len(todo)
            bar.update(len(part))
        if pending is not None:
            pending.result()
    for start in range(0, len(carried), batch):
        part = carried[start:start + batch]
        collection.add(ids=[c[0] for c in part], embeddings=np.asarray([c[1] for c in part], dtype=np.float32),
                       documents=[c[2] for c in part], metadatas=[c[3] for c in part])
        bar.update(len(part))
    bar.close()
    report.carried = len(carried)
    report.chunks = collection.count()
    report.products = len({it.metadata["owner"] for it in items if it.metadata["doc_type"] == "product"}
                          | {c[3]["owner"] for c in carried if c[3].get("doc_type") == "product"})
    report.collection = collection.name
    kstore.swap(client, collection, inputs_hash=inputs_hash, products=report.products)
    return report


def ingest_files(catalog: Path | None, mapping: Path | None, docs: Path | None, cfg: IngestConfig, *,
                 store: Path | None = None, prune: bool = False, inputs_hash: str = "", progress: bool = True):
    """Load a catalog file and a docs dir, then ingest them. Returns (CatalogLoad, IngestReport)."""
    from knowledge.catalog import CatalogLoad, load_catalog
    from knowledge.chunking import read_documents
    from knowledge.mapping import load_mapping

    load = load_catalog(catalog, load_mapping(mapping)) if catalog else CatalogLoad()
    if docs is not None and not Path(docs).is_dir():
        raise FileNotFoundError(f"docs dir not found: {docs}")
    documents = read_documents(Path(docs)) if docs else []
    report = ingest(load.products, documents, cfg, store=store, prune=prune, inputs_hash=inputs_hash,
                    progress=progress)
    return load, report


def demo_inputs_hash(demo_dir: Path) -> str:
    """Hash of every demo data file and of the ingest code's version of the record layout."""
    h = hashlib.sha1(b"layout-2")
    for path in sorted(p for p in Path(demo_dir).rglob("*") if p.is_file()):
        h.update(path.relative_to(demo_dir).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def ensure_demo_store(cfg: IngestConfig | None = None, demo_dir: Path | None = None) -> Path:
    """The demo store, built from knowledge/demo on first use and rebuilt when the demo data changes."""
    from assistant.paths import DEMO_DATA_DIR

    cfg = cfg or IngestConfig()
    demo_dir = Path(demo_dir or DEMO_DATA_DIR)
    store = Path(cfg.store or kstore.default_store_dir())
    catalog = demo_dir / "catalog.jsonl"
    if not catalog.is_file():
        raise FileNotFoundError(f"demo catalog not found: {catalog}")
    digest = demo_inputs_hash(demo_dir)
    client = kstore.open_client(cfg, store)
    if kstore.active_info(client).get("inputs_hash") != digest:
        log.info("building the demo store in %s (first use or the demo data changed)", store)
        docs = demo_dir / "docs"
        ingest_files(catalog, None, docs if docs.is_dir() else None, cfg, store=store, prune=True,
                     inputs_hash=digest)
    return store
