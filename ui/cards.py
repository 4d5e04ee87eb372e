"""HTML for what the chat shows beside the reply: product cards, the comparison table, and the
preference chips. Every value from the catalog or the shopper is escaped here; links are kept
only when they are plain http(s) URLs, and no image is ever built from text."""

from __future__ import annotations

from html import escape
from typing import Any

from assistant.dialogue.texts import for_language
from assistant.reply import Citation, ProductCard
from assistant.state import KEYS, LIST_KEYS, DialogueState

T = for_language("en")   # the labels, money format and spec labels shoppers read (one module per language)
UNITS = {"max_width_cm": " cm", "max_depth_cm": " cm", "max_height_cm": " cm"}


def _link(href: str, label: str) -> str:
    if href.startswith(("https://", "http://")):
        return f'<a href="{escape(href)}" target="_blank" rel="noopener noreferrer nofollow">{escape(label)}</a>'
    return escape(label)


def _sizes(sizes: dict[str, float | None]) -> str:
    dims = [sizes.get(k) for k in ("width_cm", "depth_cm", "height_cm")]
    if not any(d is not None for d in dims):
        return ""
    return " × ".join("?" if d is None else f"{d:g}" for d in dims) + " cm (W×D×H)"


def render_card(card: ProductCard, citation: Citation | None = None) -> str:
    stock = (f'<span class="sa-stock sa-in">{T.IN_STOCK}</span>' if card.in_stock
             else f'<span class="sa-stock sa-out">{T.OUT_OF_STOCK}</span>')
    specs = [(T.spec_label(k)[0], T.spec_value(k, v)) for k, v in card.key_specs.items()
             if v not in (None, "", [])][:5]
    if _sizes(card.sizes):
        specs.insert(0, (T.SIZE_LABEL, _sizes(card.sizes)))
    spec_rows = "".join(f"<li><b>{escape(str(k))}</b> {escape(str(v))}</li>" for k, v in specs)
    why = "".join(f'<li><span class="sa-slot">{escape(T.SLOT_LABELS.get(k, k))}</span> {escape(v)}</li>'
                  for k, v in card.why.items())
    source = citation.source if citation else card.source
    title = (citation.title if citation and citation.title else "") or T.PRODUCT_PAGE
    cite = f'<div class="sa-cite">{T.SOURCE}: {_link(source, title)}</div>' if source else ""
    badge = f'<span class="sa-alt">{T.NEAREST_BADGE}</span>' if card.alternative else ""
    return (f'<div class="sa-card" data-product-id="{escape(card.id)}">'
            f'<div class="sa-card-head"><span class="sa-brand">{escape(card.brand)}</span>{badge}</div>'
            f'<div class="sa-name">{escape(card.name)}</div>'
            f'<div class="sa-price">{escape(T.money(card.price, card.currency))} {stock}</div>'
            f'<ul class="sa-specs">{spec_rows}</ul>'
            + (f'<div class="sa-why-title">{T.WHY_TITLE}</div><ul class="sa-why">{why}</ul>' if why else "")
            + cite + "</div>")


def render_cards(cards: list[ProductCard], citations: list[Citation] = (),
                 alternatives: list[ProductCard] = ()) -> str:
    """The matches, then (apart, under their own heading) the nearest options that break a constraint."""
    if not cards and not alternatives:
        return f'<div class="sa-empty">{T.NO_CARDS}</div>'
    by_source = {c.source: c for c in citations}
    html = ""
    if cards:
        html += '<div class="sa-cards">' + "".join(render_card(c, by_source.get(c.source)) for c in cards) + "</div>"
    if alternatives:
        html += (f'<div class="sa-alt-title">{T.ALTERNATIVES_TITLE}</div><div class="sa-cards sa-alternatives">'
                 + "".join(render_card(c) for c in alternatives) + "</div>")
    return html


def render_comparison(rows: list[dict[str, Any]] | None) -> str:
    """The comparison rows ({"attribute": spec key, <product id>: value}) as a table: one column per product."""
    if not rows:
        return ""
    ids = list(dict.fromkeys(k for row in rows for k in row if k != "attribute"))
    body = "".join(f"<tr><th>{escape(T.spec_label(row['attribute'])[0])}</th>"
                   + "".join(f"<td>{escape(_cell(row['attribute'], row.get(i)))}</td>" for i in ids) + "</tr>"
                   for row in rows)
    return f'<table class="sa-compare"><tbody>{body}</tbody></table>'


def _cell(key: str, value: Any) -> str:
    return str(value) if key in ("name", "brand", "price") and value is not None else T.spec_value(key, value)


# --- preference chips --------------------------------------------------------------------------
# A chip's value is "key=value"; the UI shows them as a checkbox group so unticking one removes it.

def chips(state: DialogueState) -> list[tuple[str, str]]:
    """(label, value) pairs, one per slot value, in the spec's key order."""
    out = []
    for key in KEYS:
        value = getattr(state, key)
        for v in (value if key in LIST_KEYS else () if value is None else (value,)):
            shown = f"{v:,}" if isinstance(v, (int, float)) else str(v)
            out.append((f"{T.CHIP_LABELS[key]} {shown}{UNITS.get(key, '')}", f"{key}={v}"))
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
