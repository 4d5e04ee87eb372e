"""Spec tables for two or three shown products ("compare the first two", "which is quieter?")."""

from __future__ import annotations

from typing import Any

from knowledge.schema import Product


def rows(products: list[Product], money) -> list[dict[str, Any]]:
    """One row per attribute any of the products has: {"attribute": <spec key>, <product id>: value};
    ``money`` formats the price row (the language's one money format)."""
    table = [{"attribute": "name", **{p.id: p.name for p in products}},
             {"attribute": "brand", **{p.id: p.brand for p in products}},
             {"attribute": "price", **{p.id: money(p.price, p.currency) for p in products}}]
    for attr in ("width_cm", "depth_cm", "height_cm"):
        if any(getattr(p, attr) is not None for p in products):
            table.append({"attribute": attr, **{p.id: getattr(p, attr) for p in products}})
    keys = [k for p in products for k in p.specs]
    for key in dict.fromkeys(keys):
        table.append({"attribute": key, **{p.id: p.specs.get(key) for p in products}})
    table.append({"attribute": "in_stock", **{p.id: p.in_stock for p in products}})
    return table
