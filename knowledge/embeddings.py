"""Sentence embeddings (all-MiniLM-L6-v2), computed by us so Chroma only stores and searches them.

The encoder loads once per process and is reused: a query costs one forward pass, not a load.
"""

from __future__ import annotations

import functools
from pathlib import Path

from assistant.paths import embedding_model_path


def encoder(model_path: str | Path | None = None, device: str = "cpu"):
    return _load(str(model_path or embedding_model_path()), device)


@functools.lru_cache(maxsize=2)
def _load(model_path: str, device: str):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(model_path, device=device)


def embed(texts: list[str], model_path: Path | None = None, batch_size: int = 64, device: str = "cpu"):
    """Unit-length float32 vectors (cosine similarity = dot product), as a numpy array."""
    import numpy as np

    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    model = encoder(model_path, device)
    return model.encode(texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
                        show_progress_bar=False)
