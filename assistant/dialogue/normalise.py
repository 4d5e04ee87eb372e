"""Input before parsing: terminal escape codes and control characters out; impossible state changes refused.

    from assistant.dialogue.normalise import clean, impossible
    clean("\\x1b[31mred\\x1b[0m sofa")                      # 'red sofa' (no "31" left to read as a budget)
    impossible("under -300", old_state, proposed_state)   # "negative": keep the old state, say why

The number parser reads "-300" as 300 (it keeps no sign), so a sign is checked here, on the message.
"""

from __future__ import annotations

import re
import unicodedata

from assistant.state import DialogueState

# CSI ("\x1b[31m"), OSC ("\x1b]0;title\x07"), and two-character escapes ("\x1bc").
ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?|\x9b[0-?]*[ -/]*[@-~]")
# A minus sign stuck to a number, not a range ("200-300", "200 - 300") nor a word ("3-seat").
NEGATIVE = re.compile(r"(?<![\w.,])[-−–]\s?[$€£¥]?\s?\d")
# Orders to the shop rather than wishes of a shopper: "set every price to $1", "make all prices 0".
INSTRUCTION = re.compile(r"\b(set|change|make|override|update|reduce|lower|drop)\b[^.!?\n]{0,30}\b(prices?|costs?)\b"
                         r"|\b(every|all)( the)? (prices?|products?|items?)\b[^.!?\n]{0,20}\b(to|at|for|=)\s*[$€£]?\s*\d",
                         re.I)
# A bound on zero: "under 0", "budget of $0" (a parser may ignore it; the shopper still asked for it).
ZERO_BOUND = re.compile(r"\b(under|below|less than|up to|at most|max(imum)?|budget( of| is)?|cheaper than|within)"
                        r"\s*[$€£¥]?\s*0+(?:[.,]0+)?(?![\d.,]*\d)", re.I)
# A bound on a negative amount: "under -300", "less than −50".
NEGATIVE_BOUND = re.compile(r"\b(under|below|less than|up to|at most|max(imum)?|budget( of| is)?|over|above|more than"
                            r"|at least|from|between|around|about|for|cheaper than|within)\s*[$€£¥]?\s*[-−–]\s?[$€£¥]?\s?\d",
                            re.I)
NUMERIC = ("budget_min", "budget_max", "max_width_cm", "max_depth_cm", "max_height_cm")


def clean(message: str) -> str:
    """``message`` without escape sequences and control/format characters (zero-width, bidi); tabs and
    newlines become spaces, so words either side stay apart."""
    text = ESCAPES.sub("", message)
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in "\t\n\r":
            out.append(" " if ch == "\t" else ch)
        elif cat in ("Cc", "Cf", "Cs", "Co"):
            continue
        else:
            out.append(ch)
    return "".join(out).strip()


def negative_number(message: str) -> bool:
    for m in NEGATIVE.finditer(message):
        before = message[:m.start()].rstrip()
        if before and before[-1].isdigit():   # "200 - 300" is a range
            continue
        return True
    return False


def impossible(message: str, old: DialogueState, new: DialogueState) -> str | None:
    """Why the change from ``old`` to ``new`` cannot be what the shopper meant: "negative", "zero" or
    "instruction"; None when it can. A budget below everything in the store is possible (they learn so)."""
    changed = [k for k in NUMERIC if getattr(new, k) != getattr(old, k) and getattr(new, k) is not None]
    if NEGATIVE_BOUND.search(message):
        return "negative"
    if ZERO_BOUND.search(message):
        return "zero"
    if not changed:
        return None
    if INSTRUCTION.search(message):
        return "instruction"
    if negative_number(message):
        return "negative"
    if any(getattr(new, k) <= 0 for k in changed):
        return "zero"
    return None
