"""The shipped demo store: canonical, complete, and exactly what the generator writes."""

import filecmp
import json
from collections import Counter
from pathlib import Path

import yaml

from assistant.paths import DEMO_DATA_DIR
from assistant.state import CATEGORIES, FEATURES, ROOMS
from knowledge.demo_gen import write
from knowledge.schema import Product


def load():
    return [Product.from_dict(json.loads(line)) for line in (DEMO_DATA_DIR / "catalog.jsonl").open()]


def test_catalog_is_canonical_and_covers_every_category():
    products = load()
    assert len(products) >= 400
    assert len({p.id for p in products}) == len(products)
    counts = Counter(p.category for p in products)
    assert set(counts) == set(CATEGORIES) and min(counts.values()) >= 8
    for p in products:
        assert p.price > 0 and p.currency == "USD"
        assert set(p.features) <= set(FEATURES) and set(p.rooms) <= set(ROOMS) and p.rooms
    for cat in CATEGORIES:  # budgets matter: a real spread in every category
        prices = [p.price for p in products if p.category == cat]
        assert max(prices) >= 2 * min(prices), cat


def test_honesty_hooks_exist():
    products = load()
    assert 0 < sum(not p.in_stock for p in products) < len(products) * 0.2
    # "nothing under X" happens: no range hood under $300
    assert min(p.price for p in products if p.category == "range hood") > 300


def test_store_brands_are_fictional_and_absent_brands_are_not_carried():
    store = yaml.safe_load((DEMO_DATA_DIR / "store.yaml").read_text())
    carried = {b.lower() for b in store["brands"]}
    assert carried == {p.brand.lower() for p in load()}
    assert not carried & {b.lower() for b in store["absent_brands"]}


def test_documents_have_front_matter_and_every_category_a_guide_and_faq():
    docs = DEMO_DATA_DIR / "docs"
    for path in docs.rglob("*.md"):
        _, front, body = path.read_text().split("---", 2)
        meta = yaml.safe_load(front)
        assert meta["title"] and meta["doc_type"] in {"guide", "faq", "policy"} and body.strip()
    for cat in CATEGORIES:
        slug = cat.replace(" ", "-")
        assert (docs / "guides" / f"{slug}.md").exists() and (docs / "faq" / f"{slug}.md").exists()
    assert {p.stem for p in (docs / "policies").glob("*.md")} == {"delivery", "installation", "returns",
                                                                   "warranty", "payment"}


def test_generator_reproduces_the_committed_files(tmp_path):
    write(tmp_path, seed=7)
    for path in Path(DEMO_DATA_DIR).rglob("*"):
        if path.is_file() and path.name != "README.md":
            assert filecmp.cmp(path, tmp_path / path.relative_to(DEMO_DATA_DIR), shallow=False), path
