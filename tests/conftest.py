"""Shared fixtures. Tests never touch the network or the user's home: the cache and HF dirs are
redirected under a per-session temp dir, and the hub is switched off."""

from __future__ import annotations

import os
import tempfile

import pytest

_SESSION_TMP = tempfile.mkdtemp(prefix="shopassist-tests-")
os.environ["SHOPASSIST_CACHE"] = os.path.join(_SESSION_TMP, "cache")
os.environ["HF_HOME"] = os.path.join(_SESSION_TMP, "hf")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["ANONYMIZED_TELEMETRY"] = "False"  # chromadb
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def pytest_collection_modifyitems(config, items):
    from assistant.probes import cuda_available

    if cuda_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU")
    for item in items:
        if "cuda" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def mock_backend():
    from assistant.backends.mock import MockBackend

    return MockBackend()
