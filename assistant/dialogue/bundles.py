"""The bundle part of a chat turn: understand, update the state's bundle, choose / swap / compare, plan the reply.

    policy = BundlePolicy(retriever)                  # the store's brands are learnt once
    parsed = policy.parse("Furnish my living room for 2,000: sofa, coffee table and a TV stand", state)
    plan = policy.plan(memory, state, parsed)         # memory: the session's BundleMemory
    plan.state.bundle, plan.bundles, plan.blocker, plan.comparison, plan.kind

No sentence is written here: the manager words ``plan`` with the texts module of the shopper's language
(``texts.bundle_reply``). Every bundle shown comes from ``knowledge.bundles`` and keeps every promise
(each item's constraints, the shared colour / material, the total); a nearest bundle offered when none
fits is marked ``alternative``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.bundle import BundleState, apply_bundle_update
from assistant.extract.bundle import BundleParse, BundleParser
from assistant.state import DialogueState
from knowledge.bundles import Blocker, Bundle, BundleSolver, RetrieverSource, check_bundle, compare, swap

KEEP_SHOWN = 2   # the bundles a "compare the two bundles" can refer to


@dataclass
class BundleMemory:
    """Per session: the bundles shown (newest last) and, per item, the products already offered."""

    shown: list[Bundle] = field(default_factory=list)
    seen: dict[str, set[str]] = field(default_factory=dict)

    def remember(self, bundle: Bundle) -> None:
        self.shown = (self.shown + [bundle])[-KEEP_SHOWN:]
        for line in bundle.lines:
            self.seen.setdefault(line.category, set()).add(line.product.id)

    @property
    def current(self) -> Bundle | None:
        return self.shown[-1] if self.shown else None


@dataclass
class BundlePlan:
    """What a bundle turn decided. ``kind``: new | updated | swapped | no_swap | compare | compare_need_two |
    unsupported | closed. ``bundles``: to show, best first; when none fits, ``blocker`` and the nearest bundle
    (``alternative``) instead."""

    kind: str
    state: DialogueState
    bundles: list[Bundle] = field(default_factory=list)
    blocker: Blocker | None = None
    nearest: Bundle | None = None
    comparison: list[dict[str, Any]] | None = None
    swap: tuple[str, str] | None = None
    unsupported: tuple[str, ...] = ()
    exempt: tuple[tuple[str, str], ...] = ()

    @property
    def products(self):
        """Every catalog record the reply shows (for grounding and the hand-off note)."""
        shown = [*self.bundles, *([self.nearest] if self.nearest else [])]
        return [line.product for b in shown for line in b.lines]


class BundlePolicy:
    def __init__(self, retriever, brands: list[str] | None = None, top_k: int = 12):
        self.source = RetrieverSource(retriever)
        self.solver = BundleSolver(self.source, top_k)
        self.parser = BundleParser(sorted(brands if brands is not None else retriever.brands()))

    def parse(self, message: str, state: DialogueState) -> BundleParse | None:
        """None when the message is not about a bundle (the ordinary single-product turn)."""
        return self.parser.parse(message, state.bundle)

    def plan(self, memory: BundleMemory, state: DialogueState, parsed: BundleParse) -> BundlePlan:
        """``state``: the turn's proposed state (its ten slots as the extractor left them); its bundle changes here."""
        bundle = state.bundle
        if parsed.compare:
            if len(memory.shown) < 2:
                return BundlePlan("compare_need_two", state, bundles=memory.shown[-1:])
            a, b = memory.shown[-2], memory.shown[-1]
            return BundlePlan("compare", state, bundles=[a, b], comparison=compare(a, b))
        if parsed.swap and bundle is not None:
            category, how = parsed.swap
            current = memory.current
            if current is None or check_bundle(bundle, current):
                current = self._first(bundle)   # the bundle changed since it was shown (or none fitted)
            if current is None:
                return self._solve("new", memory, state, bundle, parsed)
            swapped = swap(bundle, current, category, how, self.source, memory.seen.get(category, ()),
                           self.solver.top_k)
            if swapped is None:
                return BundlePlan("no_swap", state, bundles=[current], swap=parsed.swap)
            memory.remember(swapped)
            return BundlePlan("swapped", state, bundles=[swapped], swap=parsed.swap)
        new = apply_bundle_update(bundle, parsed.update)
        if new is None:
            memory.shown, memory.seen = [], {}
            kind = "closed" if bundle is not None or parsed.update.close else "unsupported"
            return BundlePlan(kind, state.replace(bundle=None), unsupported=parsed.unsupported)
        if new == bundle and parsed.unsupported and memory.current is not None:
            return BundlePlan("unsupported", state, bundles=[memory.current], unsupported=parsed.unsupported)
        if parsed.update.new is not None:
            memory.seen = {}
        return self._solve("new" if parsed.update.new is not None else "updated", memory, state, new, parsed)

    def _first(self, bundle: BundleState) -> Bundle | None:
        res = self.solver.solve(bundle)
        return res.bundles[0] if res.bundles else None

    def _solve(self, kind: str, memory: BundleMemory, state: DialogueState, bundle: BundleState,
               parsed: BundleParse) -> BundlePlan:
        res = self.solver.solve(bundle)
        state = state.replace(bundle=bundle)
        if res.bundles:
            memory.remember(res.bundles[0])
            return BundlePlan(kind, state, bundles=list(res.bundles), unsupported=parsed.unsupported,
                              exempt=res.exempt)
        return BundlePlan(kind, state, blocker=res.blocker, nearest=res.nearest, unsupported=parsed.unsupported,
                          exempt=res.exempt)


__all__ = ["BundleMemory", "BundlePlan", "BundlePolicy"]
