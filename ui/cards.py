"""HTML for what the chat shows beside the reply: product cards, the comparison table, and the
preference chips. Every value from the catalog or the shopper is escaped here; links are kept
only when they are plain http(s) URLs, and no image is ever built from text."""

from __future__ import annotations

from html import escape
from typing import Any

from assistant.reply import Citation, ProductCard
from assistant.state import KEYS, LIST_KEYS, DialogueState

SLOT_LABELS = {"category": "Category", "budget_min": "Budget from", "budget_max": "Budget up to",
               "brands": "Brand", "excluded_brands": "Not", "features": "Feature", "room": "Room",
               "max_width_cm": "Width ≤", "max_depth_cm": "Depth ≤", "max_height_cm": "Height ≤"}
CHIP_LABELS = {**SLOT_LABELS, "category": "Category:", "brands": "Brand:", "excluded_brands": "Not",
               "features": "Feature:", "room": "Room:"}
UNITS = {"max_width_cm": " cm", "max_depth_cm": " cm", "max_height_cm": " cm"}


def _link(href: str, label: str) -> str:
    if href.startswith(("https://", "http://")):
        return f'<a href="{escape(href)}" target="_blank" rel="noopener noreferrer nofollow">{escape(label)}</a>'
    return escape(label)


def _money(value: float, currency: str) -> str:
    return f"{value:,.0f} {escape(currency)}"


def _sizes(sizes: dict[str, float | None]) -> str:
    dims = [sizes.get(k) for k in ("width_cm", "depth_cm", "height_cm")]
    if not any(d is not None for d in dims):
        return ""
    return " × ".join("?" if d is None else f"{d:g}" for d in dims) + " cm (W×D×H)"


def render_card(card: ProductCard, citation: Citation | None = None) -> str:
    stock = ('<span class="sa-stock sa-in">In stock</span>' if card.in_stock
             else '<span class="sa-stock sa-out">Out of stock</span>')
    specs = [(k.replace("_", " "), v) for k, v in card.key_specs.items() if v not in (None, "", [])][:5]
    if _sizes(card.sizes):
        specs.insert(0, ("size", _sizes(card.sizes)))
    spec_rows = "".join(f"<li><b>{escape(str(k))}</b> {escape(str(v))}</li>" for k, v in specs)
    why = "".join(f'<li><span class="sa-slot">{escape(SLOT_LABELS.get(k, k))}</span> {escape(v)}</li>'
                  for k, v in card.why.items())
    source = citation.source if citation else card.source
    title = (citation.title if citation and citation.title else "") or "product page"
    cite = f'<div class="sa-cite">Source: {_link(source, title)}</div>' if source else ""
    badge = '<span class="sa-alt">Nearest option</span>' if card.alternative else ""
    return (f'<div class="sa-card" data-product-id="{escape(card.id)}">'
            f'<div class="sa-card-head"><span class="sa-brand">{escape(card.brand)}</span>{badge}</div>'
            f'<div class="sa-name">{escape(card.name)}</div>'
            f'<div class="sa-price">{_money(card.price, card.currency)} {stock}</div>'
            f'<ul class="sa-specs">{spec_rows}</ul>'
            + (f'<div class="sa-why-title">Why it matches</div><ul class="sa-why">{why}</ul>' if why else "")
            + cite + "</div>")


def render_cards(cards: list[ProductCard], citations: list[Citation] = ()) -> str:
    if not cards:
        return '<div class="sa-empty">Products that match what you ask for appear here.</div>'
    by_source = {c.source: c for c in citations}
    return '<div class="sa-cards">' + "".join(render_card(c, by_source.get(c.source)) for c in cards) + "</div>"


def render_comparison(rows: list[dict[str, Any]] | None) -> str:
    if not rows:
        return ""
    keys = list(dict.fromkeys(k for row in rows for k in row))
    head = "".join(f"<th>{escape(str(k).replace('_', ' '))}</th>" for k in keys)
    body = "".join("<tr>" + "".join(f"<td>{escape(_cell(row.get(k)))}</td>" for k in keys) + "</tr>"
                   for row in rows)
    return f'<table class="sa-compare"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


# --- preference chips --------------------------------------------------------------------------
# A chip's value is "key=value"; the UI shows them as a checkbox group so unticking one removes it.

def chips(state: DialogueState) -> list[tuple[str, str]]:
    """(label, value) pairs, one per slot value, in the spec's key order."""
    out = []
    for key in KEYS:
        value = getattr(state, key)
        for v in (value if key in LIST_KEYS else () if value is None else (value,)):
            shown = f"{v:,}" if isinstance(v, (int, float)) else str(v)
            out.append((f"{CHIP_LABELS[key]} {shown}{UNITS.get(key, '')}", f"{key}={v}"))
    return out


def keep_chips(state: DialogueState, kept: list[str]) -> DialogueState:
    """The state with only the chips still ticked."""
    kept_set = set(kept)
    changes: dict[str, Any] = {}
    for key in KEYS:
        value = getattr(state, key)
        if key in LIST_KEYS:
            changes[key] = tuple(v for v in value if f"{key}={v}" in kept_set)
        elif value is not None and f"{key}={value}" not in kept_set:
            changes[key] = None
    return state.replace(**changes)
