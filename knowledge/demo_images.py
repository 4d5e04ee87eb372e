"""Product pictures for the demo store: a clean category illustration tinted with the product's
colour and material, drawn as a small SVG (no text, no fetch, deterministic).

    python -m knowledge.demo_gen --seed 7 --out knowledge/demo     # writes knowledge/demo/images/*.svg

Products that share category, colour and material share one file (``images/sofa-navy-velvet.svg``),
so 480 products need about 200 small files. The catalog record names its file in ``image``.
"""

from __future__ import annotations

import re
from pathlib import Path

# Colour names of the demo catalog -> fill. Materials that are also colours (oak, walnut) look like wood.
COLOURS = {"white": "#f4f4f1", "stainless steel": "#c9ced3", "black": "#2b2d30", "silver": "#d5d8dc",
           "graphite": "#55595f", "oak": "#c89b63", "walnut": "#7a5134", "grey": "#9aa0a6", "beige": "#e2d3b5",
           "navy": "#2c3e66", "green": "#5d8a66", "natural": "#dcc6a0"}
NEUTRAL = "#b8bcb6"
WOOD = {"oak", "walnut", "natural", "solid oak", "solid pine", "oak veneer", "walnut veneer", "ash", "solid beech",
        "solid wood", "rattan"}
SOFT = {"fabric", "velvet", "boucle", "upholstered fabric"}
SHINY = {"leather", "stainless steel", "silver", "tempered glass", "steel", "lacquered MDF", "steel and mesh"}
BACKGROUND = "#f1f2ee"


def _shade(hex_colour: str, factor: float) -> str:
    """Darker (factor < 1) or lighter (> 1) version of a colour, for outlines and highlights."""
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    if factor < 1:
        r, g, b = (int(c * factor) for c in (r, g, b))
    else:
        r, g, b = (int(c + (255 - c) * (factor - 1)) for c in (r, g, b))
    return f"#{r:02x}{g:02x}{b:02x}"


def _finish(material: str) -> str:
    """Surface detail drawn over the body: wood grain, fabric weave or a shine."""
    if material in WOOD:
        return '<pattern id="f" width="12" height="6" patternUnits="userSpaceOnUse">' \
               '<path d="M0 3 Q3 1 6 3 T12 3" fill="none" stroke="#000" stroke-opacity=".12"/></pattern>'
    if material in SOFT:
        return '<pattern id="f" width="4" height="4" patternUnits="userSpaceOnUse">' \
               '<circle cx="2" cy="2" r=".7" fill="#000" fill-opacity=".12"/></pattern>'
    if material in SHINY:
        return '<linearGradient id="f" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#fff" ' \
               'stop-opacity=".45"/><stop offset=".5" stop-color="#fff" stop-opacity="0"/></linearGradient>'
    return '<linearGradient id="f"><stop offset="0" stop-color="#fff" stop-opacity="0"/></linearGradient>'


def _box(x, y, w, h, r=4) -> str:
    return f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="{r}" class="b"/>'


def _line(x1, y1, x2, y2) -> str:
    return f'<path d="M{x1} {y1}L{x2} {y2}" class="l"/>'


def _shape(category: str) -> str:
    """The category's silhouette on a 160x120 canvas, floor at y=108; class b = body, l = detail lines."""
    c = category
    if c in ("refrigerator", "freezer"):
        door = _line(56, 50, 104, 50) if c == "refrigerator" else ""
        return _box(56, 12, 48, 96) + door + _line(98, 22, 98, 40) + _line(98, 58, 98, 76)
    if c in ("washing machine", "dryer"):
        return _box(50, 40, 60, 68) + _line(50, 52, 110, 52) + \
            '<circle cx="80" cy="80" r="18" class="b"/><circle cx="80" cy="80" r="11" class="l"/>'
    if c == "dishwasher":
        return _box(50, 38, 60, 70) + _line(50, 50, 110, 50) + _line(64, 58, 96, 58)
    if c == "microwave":
        return _box(36, 62, 88, 46) + '<rect x="44" y="70" width="54" height="30" rx="3" class="l"/>' + \
            _line(108, 72, 116, 72) + _line(108, 80, 116, 80)
    if c == "oven":
        return _box(46, 40, 68, 68) + _line(46, 52, 114, 52) + \
            '<rect x="56" y="60" width="48" height="36" rx="3" class="l"/>'
    if c == "cooktop":
        return '<path d="M28 98 L132 98 L124 84 L36 84 Z" class="b"/>' + \
            '<ellipse cx="62" cy="91" rx="12" ry="3.5" class="l"/><ellipse cx="98" cy="91" rx="12" ry="3.5" class="l"/>'
    if c == "range hood":
        return '<path d="M72 10 H88 V46 H116 L124 70 H36 L44 46 H72 Z" class="b"/>' + _line(44, 62, 116, 62)
    if c == "coffee machine":
        return _box(60, 44, 40, 64) + '<rect x="70" y="74" width="20" height="16" class="l"/>' + _line(64, 54, 96, 54)
    if c in ("air conditioner",):
        return _box(28, 40, 104, 34, 10) + _line(40, 64, 120, 64) + _line(40, 68, 120, 68)
    if c in ("air purifier", "dehumidifier"):
        return _box(58, 34, 44, 74, 12) + "".join(_line(66, y, 94, y) for y in (46, 52, 58, 64))
    if c == "vacuum cleaner":
        return '<path d="M92 14 L78 92" class="l" stroke-width="5"/>' + _box(58, 90, 44, 14, 7) + \
            _box(86, 40, 14, 30, 6)
    if c == "robot vacuum":
        return '<ellipse cx="80" cy="96" rx="44" ry="12" class="b"/><ellipse cx="80" cy="92" rx="14" ry="4" class="l"/>'
    if c == "water heater":
        return _box(58, 14, 44, 90, 20) + _line(70, 104, 70, 110) + _line(90, 104, 90, 110)
    if c == "television":
        return _box(24, 22, 112, 66, 3) + '<rect x="30" y="28" width="100" height="54" rx="1" fill="#1d2428"/>' + \
            _line(80, 88, 80, 100) + _line(60, 104, 100, 104)
    if c == "sofa":
        return _box(30, 52, 100, 34, 10) + _box(22, 62, 18, 38, 7) + _box(120, 62, 18, 38, 7) + \
            _box(36, 76, 88, 22, 6) + _line(80, 78, 80, 96) + _line(34, 100, 34, 108) + _line(126, 100, 126, 108)
    if c == "armchair":
        return _box(52, 44, 56, 42, 10) + _box(44, 64, 14, 36, 6) + _box(102, 64, 14, 36, 6) + \
            _box(56, 78, 48, 20, 6) + _line(54, 100, 54, 108) + _line(106, 100, 106, 108)
    if c == "bed":
        return _box(22, 52, 14, 56, 3) + _box(30, 76, 112, 22, 3) + _box(40, 68, 100, 12, 5) + \
            _box(42, 62, 22, 10, 4) + _line(138, 98, 138, 108)
    if c == "mattress":
        return _box(24, 80, 112, 22, 6) + _line(24, 90, 136, 90)
    if c == "wardrobe":
        return _box(42, 10, 76, 96, 2) + _line(80, 10, 80, 106) + _line(74, 50, 74, 64) + _line(86, 50, 86, 64)
    if c == "chest of drawers":
        return _box(40, 40, 80, 66, 2) + "".join(_line(40, y, 120, y) + _line(74, y - 8, 86, y - 8)
                                                  for y in (62, 84)) + _line(74, 98, 86, 98)
    if c == "bookcase":
        return _box(52, 10, 56, 98, 1) + "".join(_line(52, y, 108, y) for y in (32, 54, 76)) + \
            "".join(f'<rect x="{x}" y="{y}" width="5" height="16" class="l"/>' for x, y in ((58, 16), (65, 16),
                                                                                            (60, 60), (90, 38)))
    if c == "tv stand":
        return _box(26, 72, 108, 30, 2) + _line(62, 72, 62, 102) + _line(98, 72, 98, 102) + \
            _line(30, 102, 30, 108) + _line(130, 102, 130, 108)
    if c == "shoe cabinet":
        return _box(46, 50, 68, 56, 2) + _line(46, 78, 114, 78) + _line(74, 62, 86, 62) + _line(74, 90, 86, 90)
    if c in ("coffee table", "dining table", "desk"):
        top = {"coffee table": 80, "dining table": 56, "desk": 58}[c]
        out = _box(26, top, 108, 8, 2) + f'<rect x="34" y="{top + 8}" width="6" height="{100 - top}" class="b"/>' + \
            f'<rect x="120" y="{top + 8}" width="6" height="{100 - top}" class="b"/>'
        if c == "desk":
            out += _box(96, top + 8, 30, 24, 1) + _line(104, top + 20, 118, top + 20)
        return out
    if c in ("dining chair", "office chair", "bar stool"):
        if c == "bar stool":
            return '<ellipse cx="80" cy="42" rx="22" ry="6" class="b"/>' + _line(66, 46, 58, 108) + \
                _line(94, 46, 102, 108) + _line(62, 80, 98, 80)
        if c == "office chair":
            return _box(62, 14, 36, 44, 10) + _box(56, 62, 48, 12, 5) + _line(80, 74, 80, 96) + \
                _line(58, 104, 102, 104) + _line(80, 96, 62, 104) + _line(80, 96, 98, 104)
        return _box(58, 16, 44, 44, 4) + _box(54, 60, 52, 10, 3) + _line(60, 70, 58, 108) + _line(100, 70, 102, 108)
    return _box(50, 40, 60, 68, 6)   # any other category: a plain box


def svg(category: str, colour: str | None, material: str | None = None) -> str:
    """One illustration: the category's shape filled with the colour, detailed by the material."""
    fill = COLOURS.get((colour or "").lower(), NEUTRAL)
    finish = (material or colour or "").lower()
    stroke = _shade(fill, 0.6) if fill not in ("#2b2d30", "#2c3e66", "#55595f") else _shade(fill, 1.6)
    return ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 160 120" width="160" height="120" '
            'aria-hidden="true">'
            f'<defs>{_finish(finish)}</defs><style>.b{{fill:{fill};stroke:{stroke};stroke-width:1.5}}'
            f'.l{{fill:none;stroke:{stroke};stroke-width:1.5;stroke-linecap:round}}</style>'
            f'<rect width="160" height="120" fill="{BACKGROUND}"/>'
            '<ellipse cx="80" cy="109" rx="60" ry="5" fill="#000" fill-opacity=".08"/>'
            f'<g>{_shape(category)}</g>'
            f'<g fill="url(#f)" stroke="none">{_overlay(category)}</g>'
            '</svg>\n')


def _overlay(category: str) -> str:
    """The body shapes again, filled with the material pattern (lines are not patterned)."""
    shape = _shape(category)
    return re.sub(r'class="b"', 'class="o"', shape).replace('class="l"', 'style="display:none"')


def image_name(category: str, colour: str | None, material: str | None = None) -> str:
    """``images/<category>-<colour>[-<material>].svg``, in plain ASCII."""
    parts = [category, colour or "plain"] + ([material] if material and material != colour else [])
    slug = "-".join(re.sub(r"[^a-z0-9]+", "-", p.lower()).strip("-") for p in parts)
    return f"images/{slug}.svg"


def write_images(products: list[dict], out: Path) -> None:
    """Write each product's picture under ``out`` and name it in the record's ``image`` field."""
    written: set[str] = set()
    for p in products:
        material = (p.get("specs") or {}).get("material")
        name = image_name(p["category"], p.get("colour"), material)
        p["image"] = name
        if name not in written:
            path = out / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(svg(p["category"], p.get("colour"), material), encoding="utf-8")
            written.add(name)
