"""A small catalog, policy documents and an assistant over them, for the dialogue tests (no Chroma, no model)."""

from __future__ import annotations

from assistant.backends.mock import MockBackend
from assistant.dialogue.config import AssistantConfig
from assistant.dialogue.manager import ShoppingAssistant
from assistant.extract.rules import RulesExtractor
from knowledge.chunking import Document
from knowledge.retrieve import CatalogRetriever
from knowledge.schema import Product


def _dw(id_, name, brand, price, noise, feats=("quiet",), width=60.0):
    return Product(id_, name, brand, "dishwasher", price, "USD", width, 57.0, 85.0, rooms=("kitchen",),
                   features=feats, description=f"{name} dishwasher", specs={"noise_db": noise, "energy_class": "C"})


PRODUCTS = [
    _dw("d1", "Quietline 45", "Bosch", 549, 42),
    _dw("d2", "Silentio 300", "Siemens", 599, 44),
    _dw("d3", "Basic Wash", "Samsung", 399, 49, feats=()),
    _dw("d4", "Nordhavn Pro", "Electrolux", 579, 46),
    _dw("d5", "EcoClean 50", "Beko", 449, 47, width=45.0),
    _dw("d6", "Premium X", "Miele", 1299, 40),
    Product("s1", "Kivik 3-seat", "IKEA", "sofa", 699, "USD", 228.0, 95.0, 83.0, rooms=("living room",),
            features=("washable cover",), specs={"seats": 3}),
    Product("m1", "Turbo 20", "Panasonic", "microwave", 129, "USD", 49.0, 40.0, 29.0, specs={"capacity_l": 20}),
]
DOCS = [
    Document("policies/returns.md", "You can return any product within 30 days of delivery for a full refund, "
             "if it is unused and in its original packaging.", "Returns policy", "policy", source="policies/returns.md"),
    Document("policies/delivery.md", "Delivery is free on orders over 500. Large appliances are delivered within "
             "5 working days.", "Delivery", "policy", source="policies/delivery.md"),
    Document("policies/warranty.md", "Every appliance comes with a 2 year warranty from the manufacturer.",
             "Warranty", "policy", source="policies/warranty.md"),
]


def make_assistant(replies=(), **overrides) -> tuple[ShoppingAssistant, MockBackend]:
    from assistant.config import load_config

    backend = MockBackend(list(replies))
    config = load_config(AssistantConfig, None, {"model.backend": "mock", "extractor": "rules", **overrides})
    return ShoppingAssistant(config, CatalogRetriever(PRODUCTS, DOCS), RulesExtractor(), backend), backend
