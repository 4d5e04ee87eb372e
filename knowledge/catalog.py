"""Load a store's catalog (CSV or JSONL) into ``Product`` records, reporting every bad row.

    load = load_catalog("catalog.csv", load_mapping("map.yaml"))
    load.products, load.errors   # errors: [RowError(line=17, reason="price: 'abc' is not a number"), ...]

A bad row (bad number, missing required field, unmappable category, broken encoding, a truncated
line) is reported with its line number and reason; the good rows still load. Rows repeating an id
(IKEA lists one item under several categories) merge into one product.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from assistant.state import FEATURES, ROOMS
from knowledge.mapping import Mapping
from knowledge.schema import Product

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_TRUE = {"true", "yes", "1", "y", "in stock"}
_FALSE = {"false", "no", "0", "n", "out of stock"}


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str
    row_id: str | None = None

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class CatalogLoad:
    products: list[Product] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    excluded: list[RowError] = field(default_factory=list)  # rows the mapping sends nowhere (spare parts)
    merged: int = 0          # rows that repeated an id already loaded
    rows: int = 0            # data rows read


class RowProblem(ValueError):
    pass


class Excluded(RowProblem):
    """The mapping says on purpose that the assistant does not sell this row (``category: null``)."""


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """(line number, row, problem) per data row; row is None when the line itself is unusable."""
    raw = path.read_bytes()
    # surrogateescape keeps undecodable bytes visible per row instead of failing the whole file.
    text = raw.decode("utf-8-sig", errors="surrogateescape")
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            if _broken(line):
                yield n, None, "broken encoding (not UTF-8)"
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                yield n, None, f"not valid JSON ({e.msg}; a truncated line?)"
                continue
            yield (n, row, None) if isinstance(row, dict) else (n, None, "not a JSON object")
        return
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return
    line = reader.line_num
    for values in reader:
        n = line + 1
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            yield n, None, f"has {len(values)} fields, the header has {len(header)} (a truncated or broken line?)"
        elif any(_broken(v) for v in values):
            yield n, None, "broken encoding (not UTF-8)"
        else:
            yield n, dict(zip(header, values)), None


def _broken(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def parse_number(value: Any, what: str) -> float | None:
    """'1,299', 'SR 2,375', '$12.5', 12 -> a float; '' -> None; 'abc' -> RowProblem."""
    if value is None or isinstance(value, bool):
        if value is None:
            return None
        raise RowProblem(f"{what}: {value!r} is not a number")
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip().replace(",", "")
    if not text:
        return None
    m = _NUMBER.search(text)
    # Only currency/unit decoration may surround the number: "12 cm" yes, "12x40" or "abc" no.
    if not m or re.search(r"\d", text[:m.start()] + text[m.end():]) or len(text) - len(m.group()) > 4:
        raise RowProblem(f"{what}: {value!r} is not a number")
    number = float(m.group())
    if number < 0:
        raise RowProblem(f"{what}: {value!r} is negative")
    return number


def _parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE or not text:
        return True
    if text in _FALSE:
        return False
    raise RowProblem(f"in_stock: {value!r} is not true/false")


def _words_in(text: str, vocabulary: tuple[str, ...]) -> tuple[str, ...]:
    low = text.lower()
    return tuple(w for w in vocabulary if re.search(rf"\b{re.escape(w).replace(chr(92) + ' ', '[ -]')}\b", low))


def _list(value: Any) -> tuple[str, ...]:
    if value in (None, ""):
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(str(v).strip().lower() for v in value)
    return tuple(v.strip().lower() for v in str(value).split(",") if v.strip())


def map_row(row: dict[str, Any], mapping: Mapping, source: str) -> Product:
    """One row -> one Product, or RowProblem naming the field."""
    def get(name: str) -> Any:
        if name in mapping.constants:
            return mapping.constants[name]
        values = [row.get(c) for c in mapping.columns.get(name, ())]
        values = [v for v in values if v not in (None, "")]
        if not values:
            return None
        if len(values) == 1:
            return values[0]
        return " ".join(" ".join(str(v).split()) for v in values)  # e.g. IKEA's line name + description

    def text(name: str) -> str:
        value = get(name)
        return " ".join(str(value).split()) if value is not None else ""

    for name in mapping.required:
        if get(name) in (None, ""):
            raise RowProblem(f"missing required field {name!r} (column {'/'.join(mapping.columns.get(name, ()))})")
    name, description = text("name"), text("description")
    price = parse_number(get("price"), "price")
    store_category = text("category")
    category = mapping.canonical_category(store_category, name, description)
    if category is None and mapping.excludes(store_category, name, description):
        raise Excluded(f"category {store_category!r}: excluded by the mapping (name {name!r})")
    if category is None:
        raise RowProblem(f"category {store_category!r} maps onto no canonical category (name {name!r})")
    used = mapping.used_columns()
    specs = dict(row.get("specs") or {}) if isinstance(row.get("specs"), dict) else {}
    specs.update({k: v for k, v in row.items() if k not in used and v not in (None, "")})
    extra = " ".join(f"{k}: {v}" for k, v in specs.items())
    features = _list(get("features")) or _words_in(f"{name} {description} {extra}", FEATURES)
    rooms = _list(get("rooms")) or _words_in(f"{name} {description}", ROOMS)
    product_id = text("id") or hashlib.sha1(json.dumps(row, sort_keys=True, default=str).encode()).hexdigest()[:16]
    return Product(
        id=product_id, name=name, brand=text("brand") or "Unbranded", category=category, price=price or 0.0,
        currency=text("currency") or mapping.currency,
        width_cm=parse_number(get("width"), "width"), depth_cm=parse_number(get("depth"), "depth"),
        height_cm=parse_number(get("height"), "height"), colour=text("colour") or None,
        rooms=tuple(r for r in rooms if r in ROOMS), features=tuple(f for f in features if f in FEATURES),
        in_stock=_parse_bool(get("in_stock") if get("in_stock") is not None else True),
        description=description, specs=specs, source=source, url=text("url") or None,
        image=image_ref(text("image")))


def image_ref(value: str) -> str | None:
    """A picture reference kept as given when it is an http(s) URL or a plain relative file path
    (``images/sofa.jpg``); anything else (``javascript:``, ``data:``, absolute or ``..`` paths) is
    dropped, so the product still loads and shows the neutral placeholder."""
    value = value.strip()
    if not value:
        return None
    if re.match(r"https?://[^\s/]+", value, re.IGNORECASE):
        return value
    if ":" in value or value.startswith(("/", "\\")) or ".." in re.split(r"[/\\]", value):
        return None
    return value.replace("\\", "/")


def load_catalog(path: str | Path, mapping: Mapping) -> CatalogLoad:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"catalog not found: {path}")
    out = CatalogLoad()
    seen: dict[str, int] = {}          # product id -> index in out.products
    failed: dict[str, RowError] = {}   # id -> the error of a row that may still merge with a good one
    id_columns = mapping.columns.get("id", ())
    for line, row, problem in read_rows(path):
        out.rows += 1
        row_id = next((str(row[c]).strip() for c in id_columns if row and row.get(c) not in (None, "")), None)
        if problem is not None:
            out.errors.append(RowError(line, problem, row_id))
            continue
        if row_id is not None and row_id in seen:
            out.merged += 1
            continue
        try:
            product = map_row(row, mapping, f"{path.name}:{line}")
        except RowProblem as e:
            error = RowError(line, str(e), row_id)
            if isinstance(e, Excluded):
                out.excluded.append(error)
            elif row_id is not None and row_id not in failed:
                failed[row_id] = error  # a later row with the same id may map (another store category)
            else:
                out.errors.append(error)
            continue
        if product.id in seen:
            out.merged += 1
            continue
        if product.id in failed:
            failed.pop(product.id)
            out.merged += 1
        seen[product.id] = len(out.products)
        out.products.append(product)
    out.errors.extend(failed.values())
    out.errors.sort(key=lambda e: e.line)
    return out
