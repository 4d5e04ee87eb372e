"""Catalog and retrieval records shared by ingestion, retrieval, the dialogue manager and the UI.

Products shown to the shopper are always built from these records (never from generated text).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # pragma: no cover
    from assistant.state import DialogueState


@dataclass(frozen=True)
class Product:
    id: str                       # stable: the store's SKU, or a content hash when it has none
    name: str
    brand: str
    category: str                 # canonical category (assistant.state.CATEGORIES)
    price: float
    currency: str = "USD"
    width_cm: float | None = None
    depth_cm: float | None = None
    height_cm: float | None = None
    colour: str | None = None
    rooms: tuple[str, ...] = ()   # canonical rooms
    features: tuple[str, ...] = ()  # canonical features
    in_stock: bool = True
    description: str = ""
    # Category-specific specs shoppers ask about: noise_db, energy_class, capacity_l, capacity_kg,
    # firmness, seats, material, ... and, for bring-your-own catalogs, the store's unknown columns.
    specs: dict[str, Any] = field(default_factory=dict)
    source: str = ""              # where the record came from (file and row), for citations
    url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["rooms"] = list(self.rooms)
        d["features"] = list(self.features)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Product":
        d = dict(d)
        d["rooms"] = tuple(d.get("rooms") or ())
        d["features"] = tuple(d.get("features") or ())
        d["specs"] = dict(d.get("specs") or {})
        return cls(**d)


@dataclass(frozen=True)
class DocChunk:
    """A retrieved piece of a document (product description, buying guide, FAQ, policy)."""

    doc_id: str
    chunk_index: int
    text: str
    source: str                   # path of the document, relative to the store's data
    title: str = ""
    doc_type: str = ""            # product | guide | faq | policy
    product_id: str | None = None
    score: float = 0.0


@dataclass(frozen=True)
class ProductHit:
    product: Product
    score: float = 0.0
    chunks: tuple[DocChunk, ...] = ()


@dataclass(frozen=True)
class RetrievalResult:
    products: tuple[ProductHit, ...] = ()
    documents: tuple[DocChunk, ...] = ()
    # When the hard filters leave nothing: which constraint emptied the result ("budget_max",
    # "brands", "max_width_cm", ..., or "catalog" when the store is empty) and the nearest options
    # (alternatives: they break ``blocker``; the limit is the state's, the nearest value theirs).
    # Wording it is the dialogue's job (assistant/dialogue/texts).
    blocker: str | None = None
    nearest: tuple[ProductHit, ...] = ()
    total_matches: int = 0


class Retriever(Protocol):
    """What the dialogue manager needs from a knowledge base (Chroma-backed or in-memory)."""

    def retrieve(self, state: "DialogueState", query: str = "", k: int = 5) -> RetrievalResult:
        """Products satisfying every hard constraint of ``state`` (category, budget, brands in/out,
        size limits), ranked by the semantic query (features, room, free text); with the blocker and
        nearest options when nothing matches."""
        ...

    def retrieve_documents(self, query: str, k: int = 4, doc_types: tuple[str, ...] | None = None,
                           product_id: str | None = None) -> list[DocChunk]:
        """Document chunks (guides, FAQs, policies, product descriptions) for a question."""
        ...

    def get_product(self, product_id: str) -> Product | None:
        ...

    def brands(self) -> set[str]:
        """Brands the store carries (to say honestly when a requested brand is not carried)."""
        ...
