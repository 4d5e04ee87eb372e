"""Product pictures: every demo product has a local picture (generated, reproducible, safe SVG),
and a brought catalog maps an ``image`` column (URL or file) with unsafe values dropped.

    python -m pytest tests/test_product_images.py -q
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from knowledge.catalog import image_ref, load_catalog
from knowledge.demo_gen import write
from knowledge.demo_images import COLOURS, image_name, svg
from knowledge.mapping import Mapping, load_mapping

DEMO = Path(__file__).resolve().parents[1] / "knowledge" / "demo"
SVG = "{http://www.w3.org/2000/svg}"


def test_every_demo_product_has_its_picture_and_the_generator_reproduces_them(tmp_path):
    records = [json.loads(line) for line in (DEMO / "catalog.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(records) == 480 and all((DEMO / r["image"]).is_file() for r in records)
    write(tmp_path, seed=7)
    made = sorted(p.relative_to(tmp_path).as_posix() for p in (tmp_path / "images").glob("*.svg"))
    shipped = sorted(p.relative_to(DEMO).as_posix() for p in (DEMO / "images").glob("*.svg"))
    assert made == shipped
    assert all((tmp_path / n).read_bytes() == (DEMO / n).read_bytes() for n in made)
    assert (tmp_path / "catalog.jsonl").read_bytes() == (DEMO / "catalog.jsonl").read_bytes()


def test_pictures_are_inert_svg_tinted_by_colour_and_shaped_by_category():
    for path in sorted((DEMO / "images").glob("*.svg")):
        root = ET.fromstring(path.read_text(encoding="utf-8"))   # well-formed
        tags = {el.tag.removeprefix(SVG) for el in root.iter()}
        assert not tags & {"script", "foreignObject", "text", "image", "a"}, path.name
        assert not any(k.endswith("href") or k.startswith("on") for el in root.iter() for k in el.attrib), path.name
    assert COLOURS["navy"] in svg("sofa", "navy") and COLOURS["oak"] in svg("sofa", "oak")
    assert svg("sofa", "navy") != svg("bed", "navy")
    assert svg("sofa", "navy", "leather") != svg("sofa", "navy", "velvet")   # shine vs weave
    assert "#b8bcb6" in svg("sofa", "plum")       # an unknown colour: neutral, not an error
    assert image_name("tv stand", "stainless steel", "oak veneer") == "images/tv-stand-stainless-steel-oak-veneer.svg"


@pytest.mark.parametrize("value, kept", [
    ("https://cdn.shop.test/a.jpg", "https://cdn.shop.test/a.jpg"), ("HTTP://cdn.shop.test/a.jpg", "HTTP://cdn.shop.test/a.jpg"),
    ("pictures/sofa 1.jpg", "pictures/sofa 1.jpg"), ("pictures\\sofa.jpg", "pictures/sofa.jpg"), ("  ", None),
    ("javascript:alert(1)", None), ("data:image/png;base64,AA", None), ("/etc/passwd", None),
    ("../../secret.png", None), ("C:\\pics\\a.jpg", None), ("https:///nohost", None)])
def test_image_values(value, kept):
    assert image_ref(value) == kept


def test_a_brought_catalog_maps_an_image_column(tmp_path):
    (tmp_path / "shop.csv").write_text(
        "sku,title,cost,type,photo\n"
        "A1,Blue sofa,499,Sofas,https://cdn.shop.test/a1.jpg\n"
        "A2,Grey sofa,599,Sofas,photos/a2.png\n"
        "A3,Red sofa,699,Sofas,javascript:alert(1)\n"
        "A4,Green sofa,799,Sofas,\n", encoding="utf-8")
    (tmp_path / "map.yaml").write_text(
        "columns: {id: sku, name: title, price: cost, category: type, image: photo}\n"
        "categories: {Sofas: sofa}\n", encoding="utf-8")
    load = load_catalog(tmp_path / "shop.csv", load_mapping(tmp_path / "map.yaml"))
    assert load.errors == []
    assert [p.image for p in load.products] == ["https://cdn.shop.test/a1.jpg", "photos/a2.png", None, None]
    assert all("photo" not in p.specs for p in load.products)   # the column is the picture, not a spec
    # The product record keeps the picture through the store (the record rides in the metadata).
    from knowledge.schema import Product

    assert Product.from_dict(load.products[1].to_dict()).image == "photos/a2.png"
    assert "image" in Mapping().columns
