"""Templated replies and product cards, built only from catalog records and the state.

They must read well on their own: with ``llm_replies: false`` they are the whole reply.
"""

from __future__ import annotations

import re

from assistant.reply import ProductCard
from assistant.state import DialogueState
from knowledge.filters import violations
from knowledge.schema import DocChunk, Product

# One question per missing slot, with typical options so the shopper can just pick.
BIG_TICKET = {"refrigerator", "washing machine", "dryer", "dishwasher", "oven", "television", "air conditioner",
              "sofa", "bed", "mattress", "wardrobe", "dining table", "range hood", "cooktop", "freezer"}
CATEGORY_QUESTION = ("What are you shopping for? For example a sofa, a refrigerator, a washing machine, "
                     "a desk or a mattress.")
SPEC_LABELS = {"noise_db": ("noise", " dB"), "energy_class": ("energy class", ""), "capacity_l": ("capacity", " l"),
               "capacity_kg": ("capacity", " kg"), "warranty_years": ("warranty", " years"), "seats": ("seats", ""),
               "firmness": ("firmness", ""), "material": ("material", "")}


def money(value: float, currency: str = "") -> str:
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    return f"{text} {currency}".strip()


def budget_question(state: DialogueState, products: list[Product]) -> str:
    """Ask for a budget, with the price range of what the store has in that category (real prices)."""
    ask = f"What budget do you have in mind for the {state.category}?"
    if len(products) >= 2:
        lo, hi = min(products, key=lambda p: p.price), max(products, key=lambda p: p.price)
        ask += f" We have models from {money(lo.price, lo.currency)} to {money(hi.price, hi.currency)}."
    return ask + " Or say \"any price\" and I'll show the best matches."


def key_specs(p: Product, limit: int = 4) -> dict[str, object]:
    return {k: v for k, v in list(p.specs.items())[:limit] if v not in (None, "")}


def why(p: Product, state: DialogueState) -> dict[str, str]:
    """Slot -> a short reason in terms of what the shopper asked for (or, for an alternative, how it misses)."""
    out: dict[str, str] = {}
    price = money(p.price, p.currency)
    if state.category:
        out["category"] = f"a {p.category}, as you asked" if p.category == state.category else f"a {p.category}"
    lo, hi = state.budget_min, state.budget_max
    if lo is not None or hi is not None:
        if hi is not None and p.price > hi:
            out["budget"] = f"{price}, over your {money(hi)} limit"
        elif lo is not None and p.price < lo:
            out["budget"] = f"{price}, below your {money(lo)} minimum"
        elif lo is not None and hi is not None:
            out["budget"] = f"{price}, within your {money(lo)}–{money(hi)} range"
        else:
            out["budget"] = f"{price}, under your {money(hi)} limit" if hi is not None else f"{price}, above your {money(lo)} minimum"
    for f in state.features:
        if f in p.features:
            detail = f" ({p.specs['noise_db']} dB)" if f == "quiet" and "noise_db" in p.specs else ""
            out[f"feature:{f}"] = f"{f}{detail}, which you wanted"
    if state.room and state.room in p.rooms:
        out["room"] = f"suits a {state.room}"
    if p.brand.lower() in {b.lower() for b in state.brands}:
        out["brands"] = f"{p.brand}, a brand you asked for"
    for key, size in (("max_width_cm", p.width_cm), ("max_depth_cm", p.depth_cm), ("max_height_cm", p.height_cm)):
        limit = getattr(state, key)
        if limit is not None and size is not None:
            dim = key.split("_")[1]
            out[key] = f"{size:g} cm {dim}, fits your {limit:g} cm" if size <= limit else \
                f"{size:g} cm {dim}, more than your {limit:g} cm"
    return out


def card(p: Product, state: DialogueState, alternative: bool = False) -> ProductCard:
    """A card from the catalog record. One that breaks the state is always labelled an alternative."""
    alternative = alternative or bool(violations(p, state))
    return ProductCard(id=p.id, name=p.name, brand=p.brand, price=p.price, currency=p.currency, category=p.category,
                       sizes={"width_cm": p.width_cm, "depth_cm": p.depth_cm, "height_cm": p.height_cm},
                       key_specs=key_specs(p), in_stock=p.in_stock, why=why(p, state), source=p.source,
                       alternative=alternative, image=p.image)


def product_line(i: int, c: ProductCard) -> str:
    # The price is already on the line: the budget reason keeps only its "under your X limit" part.
    reasons = [r.split(", ", 1)[-1] if k == "budget" else r for k, r in c.why.items() if k != "category"]
    stock = "" if c.in_stock else " (currently out of stock)"
    return f"{i}. {c.name} by {c.brand} — {money(c.price, c.currency)}{stock}" + (
        f": {'; '.join(reasons)}." if reasons else ".")


def recommend(cards: list[ProductCard], state: DialogueState, total: int, offset: int = 0) -> str:
    what = f"{state.category}s" if state.category else "products"
    head = (f"Here are {len(cards)} more {what}:" if offset else
            f"Here {'is' if len(cards) == 1 else 'are'} {'the' if len(cards) == total else 'my top'} "
            f"{len(cards) if len(cards) > 1 else ''} {what if len(cards) > 1 else what[:-1]} that match"
            f"{'es' if len(cards) == 1 else ''}:").replace("  ", " ")
    lines = [head, *(product_line(offset + i + 1, c) for i, c in enumerate(cards))]
    left = total - offset - len(cards)
    if left > 0:
        lines.append(f"{left} more match{'es' if left > 1 else ''} — say \"show me more\" to see them.")
    return "\n".join(lines)


def no_match(message: str, cards: list[ProductCard]) -> str:
    lines = [message.strip()]
    if cards:
        lines.append("The nearest alternatives (they don't meet that constraint):")
        lines += [product_line(i + 1, c) for i, c in enumerate(cards)]
        lines.append("Would you like to change that constraint?")
    return "\n".join(lines)


def absent_brands(brands: list[str]) -> str:
    names = " or ".join(brands)
    return f"Sorry, we don't carry {names}."


def answer_from_docs(question_topic: str, chunks: list[DocChunk]) -> str:
    if not chunks:
        return (f"I don't know — I couldn't find anything about {question_topic} in the store's documents. "
                "I can hand you over to a person who can check.")
    from assistant.dialogue.grounding import clean_quote

    best = chunks[0]
    body = best.text
    if best.title and body.startswith(f"{best.title}:"):  # chunks carry their title for retrieval
        body = body[len(best.title) + 1:]
    text, dropped = clean_quote(" ".join(body.split()))
    if len(text) > 400:
        text = text[:400].rsplit(" ", 1)[0] + " …"
    note = " (I left out part of that document that looked like instructions or code, not store information.)" \
        if dropped else ""
    if not text:
        return (f"I don't know — what I found about {question_topic} in the store's documents looked like "
                "instructions or code, not store information. I can hand you over to a person who can check.")
    title = re.sub(r"<[^>]*>", "", best.title or "").strip() or best.source
    return f"From our {title}: {text}{note}"


def product_facts(p: Product) -> list[str]:
    facts = [f"Price: {money(p.price, p.currency)}{'' if p.in_stock else ' (out of stock)'}"]
    sizes = [f"{n} {v:g} cm" for n, v in (("width", p.width_cm), ("depth", p.depth_cm), ("height", p.height_cm)) if v]
    if sizes:
        facts.append("Size: " + ", ".join(sizes))
    for k, v in p.specs.items():
        label, unit = SPEC_LABELS.get(k, (k.replace("_", " "), ""))
        facts.append(f"{label.capitalize()}: {v}{unit}")
    return facts


def product_answer(p: Product, topic_keys: list[str]) -> str:
    """Answer about one product; ``topic_keys`` picks the facts asked about (all when empty)."""
    facts = product_facts(p)
    picked = [f for f in facts if any(k in f.lower() for k in topic_keys)] if topic_keys else facts
    if topic_keys and not picked:
        return (f"I don't know the {' / '.join(topic_keys)} of the {p.name} — the catalog doesn't list it. "
                f"Here is what it does list: " + "; ".join(facts) + ".")
    return f"{p.name} by {p.brand}: " + "; ".join(picked) + "."


def feature_answer(p: Product, words: list[str]) -> str:
    """"Does it have a drain hose?": yes only when the catalog record says so, else "I don't know"."""
    record = f"{p.name} {p.description} {' '.join(p.features)} {' '.join(f'{k} {v}' for k, v in p.specs.items())}"
    found = [w for w in words if w.rstrip("s") in record.lower()]
    if words and len(found) == len(words):
        return f"Yes — the catalog record for the {p.name} mentions {' '.join(found)}."
    asked = " ".join(words) or "that"
    return (f"I don't know whether the {p.name} has {asked} — the catalog doesn't say. "
            "I can hand you to a colleague who can check.")


GREET = "Hi! I can help you find home appliances and furniture. What are you looking for today?"
THANKS = "You're welcome! Let me know if there's anything else I can help with."
OFF_TOPIC = ("I can only help with our home appliances and furniture — products, prices, delivery and returns. "
             "What are you shopping for?")
