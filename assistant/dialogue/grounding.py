"""The grounding guard: every product name, price and spec number in reply text must come from the turn's evidence.

Evidence = the products and document chunks retrieved for the turn, plus the shopper's own numbers
(their budget and sizes). A 135M model paraphrases well but invents freely; it never gets to show
a sentence the guard has not checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

from assistant.state import CATEGORIES, FEATURES, ROOMS, DialogueState
from knowledge.schema import DocChunk, Product

NUMBER = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.])\d+(?:\.\d+)?")
CAPITALISED = re.compile(r"\b[A-Z][\w-]*[A-Za-z][\w-]*\b")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
# Capitalised words any reply may use without evidence (sentence starts are skipped anyway).
COMMON = {"i", "i'm", "i'd", "i'll", "you", "we", "our", "the", "this", "that", "these", "it", "its", "here", "there",
          "yes", "no", "sure", "sorry", "great", "thanks", "hi", "hello", "a", "an", "and", "or", "but", "if",
          "option", "eu", "usd", "eur", "dkk", "sek", "ok", "okay", "both", "all", "each", "all-in-one",
          # labels the templates use mid-sentence ("Price: 399 USD; Size: ...")
          "price", "size", "noise", "energy", "class", "capacity", "warranty", "seats", "material", "firmness",
          "width", "depth", "height", "needs", "products", "last", "message"}
# Words that may open a sentence without evidence. Any other capitalised opener must be backed by the
# evidence: "Frostmaster is great." is a name even at the start, and a 135M model writes such lines.
STARTERS = set("""
a about absolutely after also alternatively an and another any are as at awesome because before best both but
by can check consider could do does don't each enjoy every feel for from glad good great happy he here here's
hello hi how however i i'd i'll i'm if in is it it's just let let's looking many may maybe most my no not note
now of ok okay on once one or other ours our overall perfect please plus she since so some sorry sure thank
thanks that that's the their then there there's these they this those three to two unfortunately we we're
welcome well what when where which while who why will with would yes you you're your ideal nice yours
under within over below above around only really very more less first second still even yet same similar ranked
""".split())


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def numbers(text: str) -> set[float]:
    return {_number(n) for n in NUMBER.findall(text)}


@dataclass
class Evidence:
    """What a reply may mention this turn."""

    numbers: set[float] = field(default_factory=set)
    words: set[str] = field(default_factory=set)

    @classmethod
    def build(cls, products: Iterable[Product], docs: Iterable[DocChunk] = (),
              state: DialogueState | None = None, quoted: str = "") -> "Evidence":
        """``quoted``: the shopper's own words the reply repeats on purpose (the hand-off note)."""
        ev = cls(numbers={float(n) for n in range(0, 11)})  # counts ("3 options", "1 year") need no evidence
        texts = [*CATEGORIES, *FEATURES, *ROOMS]
        for p in products:
            ev.numbers |= {float(p.price), float(round(p.price))}
            ev.numbers |= {float(v) for v in (p.width_cm, p.depth_cm, p.height_cm) if v is not None}
            texts += [p.id, p.name, p.brand, p.category, p.colour or "", p.description,
                      " ".join(f"{k} {v}" for k, v in p.specs.items())]
        for d in docs:
            texts += [d.title, d.text]
        if state is not None:
            ev.numbers |= {float(v) for v in (state.budget_min, state.budget_max, state.max_width_cm,
                                             state.max_depth_cm, state.max_height_cm) if v is not None}
            texts += [*state.brands, *state.excluded_brands]
        texts.append(quoted)
        for t in texts:
            ev.numbers |= numbers(t)
            ev.words |= {w.lower() for w in re.findall(r"[\w-]+", t)}
        return ev


# Markup or links in LM text are never needed in a reply and are how injected content exfiltrates.
MARKUP = re.compile(r"https?://|www\.|javascript:|!\[|\]\(|<\s*/?\s*[a-zA-Z][^>]*>", re.I)


# Sentences of store documents that speak to the assistant rather than the shopper: a poisoned policy or
# description ("ignore all previous instructions ...") is never quoted back, even escaped.
INSTRUCTIONS = re.compile(
    r"\b(ignore|disregard|forget|override)\b[^.!?\n]{0,40}\b(instructions?|rules|prompts?|guidelines)\b"
    r"|\byou are now\b|\b(system|developer|hidden) prompt\b|\badmin mode\b|\bjailbreak|\bnew instructions\b"
    r"|\b(assistant|ai|chatbot|model)\s*(must|should|shall)\b|\btell the (shopper|customer|user)\b", re.I)


def clean_quote(text: str) -> tuple[str, int]:
    """``text`` without the sentences that carry markup, links or instructions to the assistant;
    returns the cleaned text and how many sentences were left out."""
    kept, dropped = [], 0
    for sentence in SENTENCE_END.split(text):
        if not sentence.strip():
            continue
        # An opening tag counts even unclosed (a chunk border can cut one); a bare "<" or ">" is prose.
        if MARKUP.search(sentence) or INSTRUCTIONS.search(sentence) or re.search(r"<\s*/?\s*[a-zA-Z]", sentence):
            dropped += 1
        else:
            kept.append(sentence.strip())
    return " ".join(kept), dropped


def _system_prompt_runs(n: int = 6) -> frozenset[tuple[str, ...]]:
    """Every run of n words of the system prompts, to catch a reply that leaks them."""
    from assistant import prompts

    runs: set[tuple[str, ...]] = set()
    for name in dir(prompts):
        if name.endswith("_SYSTEM"):
            words = re.findall(r"\w+", getattr(prompts, name).lower())
            runs.update(tuple(words[i:i + n]) for i in range(len(words) - n + 1))
    return frozenset(runs)


_LEAK_RUNS = _system_prompt_runs()


def leaks_system_prompt(text: str, n: int = 6) -> bool:
    words = re.findall(r"\w+", text.lower())
    return any(tuple(words[i:i + n]) in _LEAK_RUNS for i in range(len(words) - n + 1))


def problems(sentence: str, ev: Evidence) -> list[str]:
    """What in ``sentence`` the evidence does not back: unknown numbers and unknown proper names;
    also links/markup and text copied from the system prompts."""
    out = [f"number {n}" for n in NUMBER.findall(sentence) if _number(n) not in ev.numbers]
    if MARKUP.search(sentence):
        out.append("markup or link")
    if leaks_system_prompt(sentence):
        out.append("system prompt text")
    for m in CAPITALISED.finditer(sentence):
        word = m.group(0).lower()
        at_start = not sentence[:m.start()].strip(" \"'*-([")
        if word not in ev.words and word not in COMMON and not (at_start and word in STARTERS):
            out.append(f"name {m.group(0)}")
    return out


def check(text: str, ev: Evidence) -> list[str]:
    return [p for s in split_sentences(text) for p in problems(s, ev)]


def split_sentences(text: str) -> list[str]:
    return [s for s in SENTENCE_END.split(text) if s.strip()]


@dataclass
class GuardLog:
    failures: list[str] = field(default_factory=list)   # problems caught (and kept from the shopper)
    regenerated: int = 0


def guarded(generate: Callable[[], Iterator[str]], ev: Evidence, log: GuardLog, retries: int = 1) -> Iterator[str]:
    """Yield the LM's text one verified sentence at a time.

    A sentence is buffered until it ends, then checked. If the very first sentence fails, the LM
    gets one more try; a failure after that ends the LM's part (what was already shown stands, and
    the templated reply before it already answered the shopper).
    """
    for attempt in range(retries + 1):
        buf, shown_any = "", False
        for piece in generate():
            buf += piece
            *done, buf = SENTENCE_END.split(buf)
            for sentence in done:
                if not sentence.strip():
                    continue
                bad = problems(sentence, ev)
                if bad:
                    log.failures += bad
                    break
                shown_any = True
                yield sentence.strip() + " "
            else:
                continue
            break  # a sentence failed
        else:
            if buf.strip():
                bad = problems(buf, ev)
                if not bad:
                    yield buf.strip()
                    return
                log.failures += bad
            else:
                return
        if shown_any or attempt == retries:
            return
        log.regenerated += 1
