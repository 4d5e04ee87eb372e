"""Everything a shopper reads, one module per language with the same names (``en.py``; a ``zh.py`` plugs in).

    from assistant.dialogue.texts import for_language
    T = for_language("en"); T.money(1299.5, "EUR")   # '1,299.50 EUR'
"""

from __future__ import annotations

import importlib
from types import ModuleType

LANGUAGES = ("en",)


def for_language(lang: str = "en") -> ModuleType:
    """The text module of ``lang`` (a language code such as "en")."""
    if lang not in LANGUAGES:
        raise ValueError(f"no shopper texts for language {lang!r}; have {list(LANGUAGES)}")
    return importlib.import_module(f"assistant.dialogue.texts.{lang}")
