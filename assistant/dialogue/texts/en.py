"""English: every sentence, label and number format a shopper reads (the manager, the cards, the UI).

    python -c "from assistant.dialogue.texts import en; print(en.money(1299.5, 'EUR'))"

A second language is a sibling module with the same names (``texts.for_language``). Functions take
catalog records and the state, never pre-formatted strings, so word order can differ per language.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.state import DialogueState
from knowledge.schema import DocChunk, Product

# ---- numbers and labels --------------------------------------------------------------------------

def money(value: float, currency: str = "") -> str:
    """The one price format: whole amounts without decimals, others with cents ("1,299.50 EUR")."""
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    return f"{text} {currency}".strip()


# Spec key -> (label, unit). Keys not listed read as their words ("energy_class" -> "energy class").
SPEC_LABELS = {"noise_db": ("noise", " dB"), "energy_class": ("energy class", ""), "capacity_l": ("capacity", " l"),
               "capacity_kg": ("capacity", " kg"), "warranty_years": ("warranty", " years"), "seats": ("seats", ""),
               "firmness": ("firmness", ""), "material": ("material", ""), "width_cm": ("width", " cm"),
               "depth_cm": ("depth", " cm"), "height_cm": ("height", " cm"), "in_stock": ("in stock", ""),
               "price": ("price", ""), "name": ("name", ""), "brand": ("brand", ""), "colour": ("colour", "")}


def spec_label(key: str) -> tuple[str, str]:
    """(label, unit) of a spec key."""
    return SPEC_LABELS.get(key, (key.removesuffix("_cm").replace("_", " "), " cm" if key.endswith("_cm") else ""))


def spec_value(key: str, value: Any) -> str:
    """A spec value as a shopper reads it: units, yes/no for booleans, a dash for unknown."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        value = f"{value:g}"
    return f"{value}{spec_label(key)[1]}"


# ---- fixed replies -----------------------------------------------------------------------------------
GREET = "Hi! I can help you find home appliances and furniture. What are you looking for today?"
THANKS = "You're welcome! Let me know if there's anything else I can help with."
OFF_TOPIC = ("I can only help with our home appliances and furniture — products, prices, delivery and returns. "
             "What are you shopping for?")
CATEGORY_QUESTION = ("What are you shopping for? For example a sofa, a refrigerator, a washing machine, "
                     "a desk or a mattress.")
ERROR_TEXT = "Sorry, something went wrong on our side. Please try again in a moment, or ask for a person."
REPHRASE = "Sorry, I didn't get that. Could you rephrase?"
RATE_LIMITED = "You're sending messages very quickly — please wait a moment and try again."
TOO_MANY_TURNS = "This conversation has reached its length limit — please start a new one."
MORE_DONE = ("That's all the matches I have for what you asked. Would you like to change the budget or another "
             "preference to see different options?")
COMPARE_NEED_TWO = "I need at least two of the products I showed you to compare — which ones?"
COMPARE_UNKNOWN = "I don't know — the catalog doesn't list that for these products."
NOT_GETTING_IT = "I'm not getting this right."
NEGATIVE_NUMBER = ("A budget or a size can't be negative, so I kept your preferences as they were. "
                   "What budget do you have in mind?")
ZERO_BUDGET = ("A budget has to be more than zero, so I kept your preferences as they were. "
               "What budget do you have in mind?")
NOT_AN_INSTRUCTION = ("I can't change prices or store rules — prices come from our catalog. I kept your "
                      "preferences as they were. What budget do you have in mind?")


def cut_note(limit: int) -> str:
    return f"(Your message was longer than {limit:,} characters; I read only the first part.)\n"


def too_long(length: int, limit: int) -> str:
    return (f"Your message is {length:,} characters long; the limit is {limit:,}. "
            "Please shorten it and send it again.")


# ---- recommendations -----------------------------------------------------------------------------

def budget_question(state: DialogueState, products: list[Product]) -> str:
    """Ask for a budget, with the price range of what the store has in that category (real prices)."""
    ask = f"What budget do you have in mind for the {state.category}?"
    if len(products) >= 2:
        lo, hi = min(products, key=lambda p: p.price), max(products, key=lambda p: p.price)
        ask += f" We have models from {money(lo.price, lo.currency)} to {money(hi.price, hi.currency)}."
    return ask + " Or say \"any price\" and I'll show the best matches."


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
            out["budget"] = f"{price}, under your {money(hi)} limit" if hi is not None else \
                f"{price}, above your {money(lo)} minimum"
    for f in state.features:
        if f in p.features:
            detail = f" ({spec_value('noise_db', p.specs['noise_db'])})" if f == "quiet" and "noise_db" in p.specs else ""
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


def product_line(i: int, p: Product, state: DialogueState) -> str:
    # The price is already on the line: the budget reason keeps only its "under your X limit" part.
    reasons = [r.split(", ", 1)[-1] if k == "budget" else r for k, r in why(p, state).items() if k != "category"]
    stock = "" if p.in_stock else " (currently out of stock)"
    return f"{i}. {p.name} by {p.brand} — {money(p.price, p.currency)}{stock}" + (
        f": {'; '.join(reasons)}." if reasons else ".")


def recommend(page: list[Product], state: DialogueState, total: int, offset: int = 0, prefix: str = "") -> str:
    what = f"{state.category}s" if state.category else "products"
    n = len(page)
    head = (f"Here are {n} more {what}:" if offset else
            f"Here {'is' if n == 1 else 'are'} {'the' if n == total else 'my top'} "
            f"{n if n > 1 else ''} {what if n > 1 else what[:-1]} that match{'es' if n == 1 else ''}:").replace("  ", " ")
    lines = [prefix + head, *(product_line(offset + i + 1, p, state) for i, p in enumerate(page))]
    left = total - offset - n
    if left > 0:
        lines.append(f"{left} more match{'es' if left > 1 else ''} — say \"show me more\" to see them.")
    return "\n".join(lines)


def cheaper_prefix(floor: float, currency: str) -> str:
    return f"Cheaper than {money(floor, currency)}:\n"


def no_cheaper(state: DialogueState, cheapest: Product) -> str:
    return (f"I don't have a cheaper {state.category or 'product'} that fits what you asked for: the "
            f"{cheapest.name} at {money(cheapest.price, cheapest.currency)} is the cheapest match. "
            "I can look again if you relax another preference.")


def ranked_prefix(word: str) -> str:
    return f"Ranked {word} first:\n"


def unknown_ranking(word: str, state: DialogueState) -> str:
    return (f"I don't know which is {word} — the catalog doesn't list that for these {state.category}s. "
            "Would a budget or size help me narrow them down?")


# ---- nothing matches ---------------------------------------------------------------------------------

def blocker(key: str | None, state: DialogueState, nearest: list[Product]) -> str:
    """One honest sentence: which constraint (``key``, from knowledge's retrieval) left nothing, and what is closest."""
    what = state.category or "product"
    first = nearest[0] if nearest else None
    cur = first.currency if first else ""
    if key == "catalog":
        return "The store's catalog is empty."
    if key == "category":
        return f"The store does not carry any {what}."
    if key == "brands":
        tail = f"; the closest from another brand is {first.name} ({first.brand}) at {money(first.price, cur)}." \
            if first else "."
        return f"No {what} from {' or '.join(state.brands)} with your other requirements" + tail
    if key == "excluded_brands":
        return f"Every matching {what} is from a brand you ruled out ({', '.join(state.excluded_brands)})."
    if key == "budget_max":
        tail = f"; the cheapest is {first.name} at {money(first.price, cur)}." if first else "."
        return f"No {what} at or under {money(state.budget_max, cur)} with your other requirements" + tail
    if key == "budget_min":
        tail = f"; the most expensive is {first.name} at {money(first.price, cur)}." if first else "."
        return f"No {what} from {money(state.budget_min, cur)} up with your other requirements" + tail
    if key in ("max_width_cm", "max_depth_cm", "max_height_cm"):
        dim = key.removeprefix("max_").removesuffix("_cm")
        size = getattr(first, f"{dim}_cm") if first else None
        word = "narrowest" if dim == "width" else "smallest"
        tail = f"; the {word} fit is {first.name} at {size:g} cm." if first and size is not None else "."
        return f"No {what} is at most {getattr(state, key):g} cm in {dim} with your other requirements" + tail
    return "I couldn't find a product that matches everything you asked for."


def no_match(blocker_text: str, alternatives: list[Product], state: DialogueState) -> str:
    lines = [blocker_text.strip()]
    if alternatives:
        lines.append("The nearest alternatives (they don't meet that constraint):")
        lines += [product_line(i + 1, p, state) for i, p in enumerate(alternatives)]
        lines.append("Would you like to change that constraint?")
    return "\n".join(lines)


def absent_brands(brands: list[str]) -> str:
    return f"Sorry, we don't carry {' or '.join(brands)}."


def carried_alternatives(alternatives: list[Product], state: DialogueState) -> str:
    lines = ["Here are the closest options from brands we do carry (not the brand you asked for):"]
    lines += [product_line(i + 1, p, state) for i, p in enumerate(alternatives)]
    return "\n".join(lines)


# ---- questions about products and the store ------------------------------------------------------------

def product_facts(p: Product) -> list[str]:
    facts = [f"Price: {money(p.price, p.currency)}{'' if p.in_stock else ' (out of stock)'}"]
    sizes = [f"{n} {v:g} cm" for n, v in (("width", p.width_cm), ("depth", p.depth_cm), ("height", p.height_cm)) if v]
    if sizes:
        facts.append("Size: " + ", ".join(sizes))
    for k, v in p.specs.items():
        facts.append(f"{spec_label(k)[0].capitalize()}: {spec_value(k, v)}")
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


def no_model_warranty(p: Product) -> str:
    return f"The catalog doesn't list a model-specific warranty for the {p.name}. "


def which_one(shown: list[Product]) -> str:
    return "Which one do you mean? " + ", ".join(f"{i + 1}. {p.name}" for i, p in enumerate(shown))


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


def comparison(products: list[Product], rows: list[dict[str, Any]]) -> str:
    lines = [" vs ".join(p.name for p in products) + ":"]
    for row in rows[2:]:   # name and brand are in the heading line
        values = [spec_value(row["attribute"], row.get(p.id)) if row["attribute"] != "price" else
                  (row.get(p.id) or "—") for p in products]
        lines.append(f"- {spec_label(row['attribute'])[0]}: " + " | ".join(str(v) for v in values))
    return "\n".join(lines)


def compare_winner(p: Product, word: str) -> str:
    return f"{p.name} by {p.brand} is the one you're after ({word}).\n"


# ---- hand-off ------------------------------------------------------------------------------------------

def handoff_note(state: DialogueState, discussed: list[Product], last_message: str = "") -> str:
    """The note a person reads before taking over: the shopper's needs and the products discussed."""
    needs = ", ".join(f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}"
                      for k, v in state.to_dict().items()) or "not stated yet"
    products = "; ".join(f"{p.name} ({p.brand}, {money(p.price, p.currency)}, id {p.id})" for p in discussed) or "none"
    note = f"Needs — {needs}. Products discussed — {products}."
    return note + (f" Last message: \"{last_message[:200]}\"" if last_message else "")


def handoff(note: str) -> str:
    return ("I'll pass you to a member of our team; they'll see this summary so you won't have to repeat "
            f"yourself:\n{note}")


# ---- the browser chat's labels ---------------------------------------------------------------------------
EXAMPLES = ["I need a quiet dishwasher under 600 euros", "A sofa bed for a small living room, not too expensive",
            "Compare the first two", "What is the return policy?"]
EDITABLE = {"Budget up to": "budget_max", "Budget from": "budget_min", "Category": "category", "Room": "room",
            "Add a brand": "brands", "Exclude a brand": "excluded_brands", "Add a feature": "features",
            "Max width (cm)": "max_width_cm", "Max depth (cm)": "max_depth_cm", "Max height (cm)": "max_height_cm"}
SLOT_LABELS = {"category": "Category", "budget_min": "Budget from", "budget_max": "Budget up to",
               "brands": "Brand", "excluded_brands": "Not", "features": "Feature", "room": "Room",
               "max_width_cm": "Width ≤", "max_depth_cm": "Depth ≤", "max_height_cm": "Height ≤"}
CHIP_LABELS = {**SLOT_LABELS, "category": "Category:", "brands": "Brand:", "excluded_brands": "Not",
               "features": "Feature:", "room": "Room:"}
IN_STOCK, OUT_OF_STOCK = "In stock", "Out of stock"
WHY_TITLE = "Why it matches"
NEAREST_BADGE = "Nearest option"
ALTERNATIVES_TITLE = "Nearest options — they don't meet everything you asked for"
SOURCE, PRODUCT_PAGE = "Source", "product page"
SIZE_LABEL = "size"
NO_CARDS = "Products that match what you ask for appear here."
HANDOFF_TITLE = "Summary for our team:"
COULD_NOT_SET = "Could not set {slot}: {error}"
CHAT_FIRST = "Chat first, then tell us what you think of a reply."
FEEDBACK_THANKS = "Thanks for your feedback!"
