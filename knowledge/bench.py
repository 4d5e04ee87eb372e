"""Knowledge-base benchmark: ingestion throughput against the raw encoder, filtered query latency at scale.

    python -c "from knowledge import bench; print(bench.run())"      # or: shopassist bench

Ingestion is timed on the same texts as the encoder alone (ratio = ingest docs/s / encoder docs/s).
Latency stores of 1k/10k/100k products are synthetic: a few hundred products are encoded once and
their embeddings perturbed for the variants, so building 100k costs Chroma's insert time, not 100k
forward passes. Latency rows time ``ChromaRetriever.retrieve`` over random dialogue states with hard
filters (blocker search included when a state empties the result), for the default in-memory
search and, up to ``chroma_max`` products, Chroma's own filtered query (``retrieval.search: chroma``);
the query texts are encoded once beforehand, and the encoder's own per-query time is a separate row.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path

from assistant.state import CATEGORIES, FEATURES, ROOMS, DialogueState
from knowledge.schema import Product

BRANDS = ("Nordhem", "Kalvik", "Brightline", "Osterby", "Veltra", "Quillon", "Maresco", "Tundra")
# Rough price and width ranges so budgets and size limits cut the catalog realistically.
_PRICE = {c: (150, 2500) for c in CATEGORIES} | {"microwave": (60, 600), "coffee machine": (40, 1200),
                                                  "dining chair": (30, 400), "bar stool": (25, 300)}


def synthetic_products(n: int, seed: int = 0) -> list[Product]:
    """Fictional products over every canonical category: prices, brands, sizes (some unknown)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        category = CATEGORIES[i % len(CATEGORIES)]
        lo, hi = _PRICE[category]
        brand = rng.choice(BRANDS)
        features = tuple(rng.sample(FEATURES, 2))
        room = rng.choice(ROOMS)
        size = [None if rng.random() < 0.1 else float(rng.randint(30, 220)) for _ in range(3)]
        out.append(Product(
            id=f"syn-{i:06d}", name=f"{brand} {category.title()} {rng.choice('ABCDEFGHJK')}{rng.randint(10, 99)}",
            brand=brand, category=category, price=float(round(rng.uniform(lo, hi))),
            width_cm=size[0], depth_cm=size[1], height_cm=size[2], rooms=(room,), features=features,
            in_stock=rng.random() > 0.1, source=f"synthetic:{i}",
            description=f"A {', '.join(features)} {category} for the {room} by {brand}."))
    return out


def random_state(rng: random.Random, products: list[Product]) -> DialogueState:
    """A random state whose values come from the catalog (plus an unknown brand now and then)."""
    p = rng.choice(products)
    brands = sorted({q.brand for q in products})
    d: dict = {}
    if rng.random() < 0.8:
        d["category"] = p.category
    if rng.random() < 0.5:
        d["budget_max"] = round(p.price * rng.uniform(0.5, 1.5))
    if rng.random() < 0.2:
        d["budget_min"] = round(p.price * rng.uniform(0.3, 1.0))
    if rng.random() < 0.3:
        d["brands"] = [b.upper() if rng.random() < 0.5 else b for b in rng.sample(brands, min(2, len(brands)))]
        if rng.random() < 0.2:
            d["brands"].append("Samsung")
    if rng.random() < 0.3:
        d["excluded_brands"] = [rng.choice(brands).lower()]
    for key in ("max_width_cm", "max_depth_cm", "max_height_cm"):
        if rng.random() < 0.2:
            d[key] = rng.randint(40, 200)
    if rng.random() < 0.3:
        d["features"] = rng.sample(FEATURES, 1)
    return DialogueState.from_dict(d)


def _ingest_throughput(tmp: Path, n: int = 256) -> tuple[int, float, float]:
    from knowledge.config import IngestConfig
    from knowledge.embeddings import embed, encoder
    from knowledge.ingest import ingest, product_items

    cfg = IngestConfig(store=tmp / "ingest")
    products = synthetic_products(n, seed=1)
    texts = [it.text for p in products for it in product_items(p, cfg)]
    encoder()  # load once, outside both timings
    from knowledge import store as kstore

    kstore.open_client(cfg, tmp / "warm")  # likewise Chroma's import and client start (~1 s, once per process)
    t0 = time.perf_counter()
    embed(texts, batch_size=cfg.embedding.batch_size)
    raw = len(texts) / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    ingest(products, [], cfg, progress=False)
    full = len(texts) / (time.perf_counter() - t0)
    return len(texts), raw, full


def _latency_store(tmp: Path, n: int, base: list[Product], vectors) -> Path:
    """A store of n products: variants of ``base`` with perturbed embeddings."""
    import dataclasses

    import numpy as np

    from knowledge import store as kstore
    from knowledge.config import IngestConfig
    from knowledge.ingest import product_items

    cfg, path = IngestConfig(), tmp / f"lat-{n}"
    client = kstore.open_client(cfg, path)
    col = kstore.new_collection(client)
    rng = np.random.default_rng(n)
    meta_rng = random.Random(n)
    batch = client.get_max_batch_size()
    for start in range(0, n, batch):
        ids, metas, docs, embs = [], [], [], []
        for i in range(start, min(n, start + batch)):
            src = base[i % len(base)]
            p = dataclasses.replace(src, id=f"v{i:07d}", price=float(round(src.price * meta_rng.uniform(0.7, 1.3))))
            item = product_items(p, cfg)[0]
            v = vectors[i % len(base)] + rng.normal(0, 0.03, vectors.shape[1])
            ids.append(item.id), metas.append(item.metadata), docs.append(item.text)
            embs.append(v / np.linalg.norm(v))
        col.add(ids=ids, metadatas=metas, documents=docs, embeddings=np.asarray(embs, dtype=np.float32))
    kstore.swap(client, col)
    return path


def run(sizes: tuple[int, ...] = (1_000, 10_000, 100_000), queries: int = 100, budget_s: float = 360,
        chroma_max: int = 10_000) -> str:
    """Run the benchmark and return the printed table (Markdown)."""
    from knowledge.config import IngestConfig, RetrievalSection
    from knowledge.embeddings import embed
    from knowledge.retrieve import ChromaRetriever, query_text

    started = time.perf_counter()
    lines = ["| measure | value |", "| --- | --- |"]
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as d:
        tmp = Path(d)
        n, raw, full = _ingest_throughput(tmp)
        lines += [f"| encoder alone, {n} product texts | {raw:.1f} docs/s |",
                  f"| ingest (chunk + embed + Chroma add + swap) | {full:.1f} docs/s |",
                  f"| ingest / encoder ratio (target >= 0.8) | {full / raw:.2f} |"]
        base = synthetic_products(320, seed=2)
        vectors = embed([f"{p.name}. {p.description}" for p in base])
        rng = random.Random(0)
        texts = ["quiet", "for a small flat", "good value", ""]
        t0 = time.perf_counter()
        for text in texts * 5:
            embed([text])
        lines.append(f"| encoder, one query | {(time.perf_counter() - t0) * 1000 / 20:.1f} ms mean |")
        build, last = 0.0, 0
        for size in sizes:
            projected = build * size / last if last else 0.0
            if time.perf_counter() - started + projected > budget_s:
                lines.append(f"| filtered retrieve p50 / p95 at {size:,} products | skipped (would pass the "
                             f"{budget_s:.0f} s budget) |")
                continue
            t0 = time.perf_counter()
            path = _latency_store(tmp, size, base, vectors)
            build, last = time.perf_counter() - t0, size
            states = [random_state(rng, base) for _ in range(queries)]
            queries_text = [rng.choice(texts) for _ in range(queries)]
            modes = ("memory", "chroma") if size <= chroma_max else ("memory",)
            for mode in modes:
                cfg = IngestConfig(retrieval=RetrievalSection(search=mode))
                retriever = ChromaRetriever(cfg, store=path)
                t0 = time.perf_counter()
                retriever.warm()  # memory: reads the whole store into the index once
                load = time.perf_counter() - t0
                for text in texts:
                    retriever.retrieve(DialogueState(category="sofa"), text, k=5)  # warm up
                for state, text in zip(states, queries_text):
                    retriever._embed(query_text(state, text))  # the encoder has its own row above
                times = []
                for state, text in zip(states, queries_text):
                    t0 = time.perf_counter()
                    retriever.retrieve(state, text, k=5)
                    times.append((time.perf_counter() - t0) * 1000)
                times.sort()
                p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
                extra = ""
                if mode == "memory":
                    mb = retriever.store_index.vectors.nbytes / 2 ** 20
                    extra = f", index read in {load:.1f} s, vectors {mb:.0f} MB"
                lines.append(f"| filtered retrieve p50 / p95 at {size:,} products ({mode}) | "
                             f"{statistics.median(times):.1f} / {p95:.1f} ms (store built in {build:.0f} s{extra}) |")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    print(run())
