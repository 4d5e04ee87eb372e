"""State extractors: ``make_extractor("rules" | "llm" | "hybrid", backend) -> Extractor``.

    ex = make_extractor("rules")
    state = ex.update(DialogueState(), [], "a quiet fridge under 1k")
"""

from __future__ import annotations

from assistant.extract.base import Extractor

EXTRACTORS = ("rules", "llm", "hybrid")


def make_extractor(name: str = "hybrid", backend=None, brands=None) -> Extractor:
    """``backend`` (any LLMBackend) is required for llm and hybrid; rules never loads a model.
    ``brands``: the store's own brands (``retriever.brands()``), known to the rules besides the well-known ones."""
    if name not in EXTRACTORS:
        raise ValueError(f"unknown extractor {name!r}; choose one of {list(EXTRACTORS)}")
    from assistant.extract.rules import RulesExtractor

    if name == "rules":
        return RulesExtractor(brands)
    if backend is None:
        raise ValueError(f"the {name!r} extractor needs an LLM backend (see assistant.backends.make_backend)")
    if name == "llm":
        from assistant.extract.llm import LLMExtractor

        return LLMExtractor(backend)
    from assistant.extract.hybrid import HybridExtractor

    return HybridExtractor(backend, RulesExtractor(brands))


__all__ = ["EXTRACTORS", "Extractor", "make_extractor"]
