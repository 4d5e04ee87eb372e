"""Catalog loading: column mappings, per-row errors with line numbers, the IKEA example, configs."""

from __future__ import annotations

import glob
import json
from pathlib import Path

import pytest

from assistant.config import load_config
from knowledge.catalog import load_catalog, parse_number, RowProblem
from knowledge.config import IngestConfig
from knowledge.mapping import MappingError, load_mapping

ROOT = Path(__file__).resolve().parent.parent
IKEA = Path("/work/shared/data/ikea_sa_2020.csv")
IKEA = IKEA if IKEA.exists() else ROOT.parent / "shared" / "data" / "ikea_sa_2020.csv"

MAPPING = """
currency: EUR
columns: {id: sku, name: title, price: cost, category: group, brand: maker, width: w, description: text}
categories:
  Seating:
    - {keywords: [armchair], category: armchair}
    - {keywords: [sofa, couch], category: sofa}
  Spares: [{category: null}]
  Fridges: refrigerator
"""


def _write(tmp_path: Path, text: str | bytes, name: str = "cat.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def test_mapping_rules_specs_and_errors(tmp_path):
    mapping = load_mapping(_write(tmp_path, MAPPING, "map.yaml"))
    csv = (b"sku,title,cost,group,maker,w,text,fabric\n"
           b"1,Oslo,499,Seating,Acme,200,A three-seat sofa,linen\n"        # line 2: sofa by keyword
           b"2,Bergen,1 299,Seating,Acme,,Cosy armchair,wool\n"            # line 3: armchair, '1 299' is bad
           b"3,Cold One,abc,Fridges,Frost,60,Big fridge,\n"                # line 4: bad price
           b"4,,300,Fridges,Frost,60,No name,\n"                           # line 5: missing name
           b"5,Chair pad,10,Spares,Acme,,Cushion,\n"                       # line 6: excluded by the mapping
           b"6,Lamp,40,Lighting,Acme,,A lamp,\n"                           # line 7: unmappable category
           b"7,Caf\xe9 fridge,300,Fridges,Frost,55,Small,\n"               # line 8: not UTF-8
           b"8,Ok fridge,\"$1,050\",Fridges,Frost,59.5,Fine,steel\n"       # line 9: good, price with symbol
           b"9,Trunc,30")                                                  # line 10: truncated
    load = load_catalog(_write(tmp_path, csv), mapping)
    assert [p.id for p in load.products] == ["1", "8"]
    sofa, fridge = load.products
    assert (sofa.category, sofa.currency, sofa.width_cm, sofa.specs) == ("sofa", "EUR", 200.0, {"fabric": "linen"})
    assert sofa.source == "cat.csv:2"
    assert (fridge.category, fridge.price, fridge.width_cm) == ("refrigerator", 1050.0, 59.5)
    reasons = {e.line: e.reason for e in load.errors}
    assert sorted(reasons) == [3, 4, 5, 7, 8, 10]
    assert "price" in reasons[4] and "abc" in reasons[4]
    assert "name" in reasons[5]
    assert "Lighting" in reasons[7]
    assert "encoding" in reasons[8]
    assert "truncated" in reasons[10]
    assert [e.line for e in load.excluded] == [6]
    assert load.rows == len(load.products) + len(load.errors) + len(load.excluded) + load.merged


def test_jsonl_default_mapping_and_duplicate_ids(tmp_path):
    rows = [{"id": "a", "name": "Fridge A", "brand": "Kalvik", "category": "fridge", "price": 500,
             "features": ["quiet"], "specs": {"noise_db": 38}},
            {"id": "a", "name": "Fridge A again", "brand": "Kalvik", "category": "refrigerator", "price": 510},
            {"id": "b", "name": "Sofa B", "brand": "Nordhem", "category": "couch", "price": "abc"}]
    text = "\n".join(json.dumps(r) for r in rows) + '\n{"id": "c", "name": "Trunc'
    load = load_catalog(_write(tmp_path, text, "cat.jsonl"), load_mapping(None))
    assert [(p.id, p.category, p.price) for p in load.products] == [("a", "refrigerator", 500.0)]
    assert load.products[0].features == ("quiet",) and load.products[0].specs == {"noise_db": 38}
    assert load.merged == 1
    assert [(e.line, "price" in e.reason) for e in load.errors] == [(3, True), (4, False)]
    assert "JSON" in load.errors[1].reason


def test_parse_number():
    assert parse_number("SR 2,375", "p") == 2375.0
    assert parse_number(" 12.5 cm ", "p") == 12.5
    assert parse_number("", "p") is None
    for bad in ("abc", "12x40", "-5"):
        with pytest.raises(RowProblem):
            parse_number(bad, "p")


def test_bad_mapping_names_the_key(tmp_path):
    with pytest.raises(MappingError, match="not a canonical category"):
        load_mapping(_write(tmp_path, "columns: {name: a, price: b, category: c}\ncategories: {X: spaceship}",
                            "m.yaml"))
    with pytest.raises(MappingError, match="colums"):
        load_mapping(_write(tmp_path, "colums: {}", "m2.yaml"))


@pytest.mark.skipif(not IKEA.exists(), reason="../shared/data/ikea_sa_2020.csv is not in this checkout")
def test_ikea_mapping_accounts_for_every_row():
    load = load_catalog(IKEA, load_mapping(ROOT / "knowledge/examples/ikea_sa_2020.yaml"))
    assert load.rows == 3694
    assert len(load.products) + load.merged + len(load.errors) + len(load.excluded) == 3694
    assert load.errors == []          # every row is ingested, merged or deliberately excluded
    assert len(load.products) > 1500
    assert len({p.id for p in load.products}) == len(load.products)
    assert {"sofa", "armchair", "desk", "dining table", "wardrobe", "bed", "bookcase"} <= {
        p.category for p in load.products}
    stool = next(p for p in load.products if p.id == "80155205")
    assert (stool.category, stool.currency, stool.brand, stool.height_cm) == ("bar stool", "SAR", "IKEA", 100.0)
    assert stool.specs["designer"] == "Henrik Preutz"


@pytest.mark.parametrize("path", sorted(glob.glob(str(ROOT / "configs/ingest/*.yaml"))))
def test_ingest_configs_parse(path):
    assert isinstance(load_config(IngestConfig, path), IngestConfig)


def test_example_mappings_parse():
    for path in (ROOT / "knowledge/examples").glob("*.yaml"):
        assert load_mapping(path).categories
