"""The Chroma side of a store: the client, and which collection is live.

A store is one Chroma database (a folder for the embedded client, or a `chroma run` server). Each
ingest builds a fresh collection ``kb-<random>``; the live one is named in the metadata of a small
pointer collection, switched in one Chroma transaction, so readers never see a half-built store.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant.paths import cache_dir
from knowledge.config import IngestConfig

POINTER = "shopassist-active"
PREFIX = "kb-"


class StoreError(RuntimeError):
    """A store that is missing or was never ingested."""


def default_store_dir() -> Path:
    return cache_dir() / "stores" / "demo"


def open_client(cfg: IngestConfig, store: Path | None = None):
    """PersistentClient on the store dir, or HttpClient to the configured server."""
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False)
    if cfg.chroma.mode == "http":
        return chromadb.HttpClient(host=cfg.chroma.host, port=cfg.chroma.port, settings=settings)
    path = Path(store or cfg.store or default_store_dir())
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=settings)


def active_info(client) -> dict[str, Any]:
    """The pointer's metadata: {"collection": name, "inputs_hash": ...}; {} before the first ingest."""
    names = {c.name for c in client.list_collections()}
    if POINTER not in names:
        return {}
    return dict(client.get_collection(POINTER, embedding_function=None).metadata or {})


def active_collection(client):
    info = active_info(client)
    if not info.get("collection"):
        return None
    return client.get_collection(info["collection"], embedding_function=None)


def new_collection(client):
    import uuid

    return client.create_collection(PREFIX + uuid.uuid4().hex[:12], embedding_function=None,
                                    configuration={"hnsw": {"space": "cosine"}})


def swap(client, collection, **info: Any) -> None:
    """Make ``collection`` live (one metadata update), then drop every other kb- collection:
    the previous one and any left by an interrupted ingest."""
    pointer = client.get_or_create_collection(POINTER, embedding_function=None)
    pointer.modify(metadata={"collection": collection.name, **info})
    drop_orphans(client, keep=collection.name)


def drop_orphans(client, keep: str | None) -> None:
    for c in client.list_collections():
        if c.name.startswith(PREFIX) and c.name != keep:
            client.delete_collection(c.name)


def iter_all(collection, include: list[str], batch: int = 5000):
    """Every record of a collection, in pages (get() without a limit loads all at once)."""
    offset = 0
    while True:
        page = collection.get(include=include, limit=batch, offset=offset)
        if not page["ids"]:
            return
        yield page
        offset += len(page["ids"])
