"""The widget's chrome per language: one module per language (``en.py``, ``zh.py``) with the same
tables, and the few helpers the panel and the API use.

    from ui.texts import labels, language_of
    labels("zh")["send"]            # '发送'
    language_of("我想要一台冰箱")    # 'zh'

The chrome follows the conversation: the language of the shopper's last message (mixed text goes
by the majority of its letters), unless the store pins one (``ServeConfig.language``).
"""

from __future__ import annotations

import re
from types import ModuleType
from typing import Any

from ui.texts import en, zh

LANGUAGES: dict[str, ModuleType] = {"en": en, "zh": zh}
DEFAULT = "en"
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


def table(lang: str) -> ModuleType:
    return LANGUAGES.get(lang, LANGUAGES[DEFAULT])


def labels(lang: str) -> dict[str, Any]:
    return table(lang).LABELS


def language_of(text: str, previous: str = DEFAULT) -> str:
    """'zh' when Chinese characters outnumber Latin words' letters / 2 (a Chinese character carries
    about as much as a short word), 'en' when Latin letters dominate, ``previous`` for numbers only."""
    cjk, latin = len(_CJK.findall(text or "")), len(_LATIN.findall(text or ""))
    if not cjk and not latin:
        return previous
    return "zh" if cjk * 2 >= latin else "en"


def value_label(value: Any, lang: str) -> str:
    shown = f"{value:,g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)
    return table(lang).VALUES.get(shown, shown)


def chip_label(key: str, value: Any, lang: str) -> str:
    """'Budget up to 600' / '预算不超过 600'; sizes get their unit."""
    prefix = table(lang).CHIP_LABELS.get(key, key)
    unit = " cm" if key.startswith("max_") and key.endswith("_cm") else ""
    sep = "" if prefix.endswith("：") else " "
    return f"{prefix}{sep}{value_label(value, lang)}{unit}"


def spec_label(key: str, lang: str) -> str:
    return table(lang).SPEC_LABELS.get(key, key.replace("_", " "))


def chrome() -> dict[str, dict[str, Any]]:
    """Every language's labels, for the panel (it switches without a round trip)."""
    return {lang: dict(module.LABELS) for lang, module in LANGUAGES.items()}
