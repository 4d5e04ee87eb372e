"""The shopping assistant: one chat turn, readable top to bottom in ``respond``.

    from assistant import ShoppingAssistant
    bot = ShoppingAssistant.from_config()            # demo store, default model + adapter, hybrid extractor
    reply = bot.respond("s1", "a quiet dishwasher under 600")
    for piece in reply.stream(): print(piece, end="")
    reply.products, reply.alternatives, reply.citations, reply.action

A turn: admit -> normalise -> extract once -> classify once -> policy (one method per intent) -> a ``Turn``
plan -> count failures (one place) -> render (cards; template text, then an optional verified LM sentence)
-> record. Decisions are rules (fast, testable with a mock LM); every sentence comes from ``texts``.
"""

from __future__ import annotations

import dataclasses

import logging
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from assistant.dialogue import compare, intents, normalise, references
from assistant.dialogue.bundles import BundlePolicy
from assistant.dialogue.config import AssistantConfig
from assistant.dialogue.grounding import Evidence, GuardLog, guarded
from assistant.dialogue.sessions import Session, SessionStore, over_rate
from assistant.dialogue.texts import LANGUAGES, for_language
from assistant.reply import Action, BundleCard, BundleItemCard, Citation, ProductCard, Reply
from assistant.state import DialogueState
from knowledge import filters
from knowledge.schema import DocChunk, Product

log = logging.getLogger(__name__)
SEARCH_K = 12          # matches kept per search: three on screen, the rest one "show me more" away
TOPICS = {"dimension": ["width", "depth", "height", "size"], "size": ["width", "depth", "height", "size"],
          "wide": ["width"], "deep": ["depth"], "tall": ["height"], "big": ["width", "depth", "height"],
          "noise": ["noise"], "loud": ["noise"], "quiet": ["noise"], "db": ["noise"], "decibel": ["noise"],
          "warranty": ["warranty"], "energy": ["energy"], "capacity": ["capacity"], "price": ["price"],
          "cost": ["price"], "much": ["price"], "stock": ["stock"], "colour": ["colour"], "color": ["colour"],
          "material": ["material"], "seat": ["seats"], "firm": ["firmness"]}
QUESTION_WORDS = {"what", "when", "where", "which", "does", "have", "with", "your", "about", "there", "offer",
                  "could", "would", "should", "will", "they", "that", "this", "from", "much", "many", "store", "shop",
                  "first", "second", "third", "last", "come", "include", "thanks"}
BIG_TICKET = {"refrigerator", "washing machine", "dryer", "dishwasher", "oven", "television", "air conditioner",
              "sofa", "bed", "mattress", "wardrobe", "dining table", "range hood", "cooktop", "freezer"}


@dataclass
class Ask:
    """What the policy sees: the shopper's cleaned words, the proposed state, what is on screen."""

    message: str
    state: DialogueState                  # the extractor's proposal (== the session's for KEEP_STATE intents)
    shown: list[Product]
    refs: list[Product]
    bundle: Any = None                    # the bundle parser's reading (assistant.extract.bundle.BundleParse)


@dataclass
class Turn:
    """The plan one turn decided: products and alternatives are catalog records; render makes the Reply."""

    action: Action
    text: str
    state: DialogueState
    products: list[Product] = field(default_factory=list)       # satisfy ``state``
    alternatives: list[Product] = field(default_factory=list)   # nearest options that break it
    docs: list[DocChunk] = field(default_factory=list)
    cited: list[Product] = field(default_factory=list)          # named in the text only (a price range)
    bundles: list[Any] = field(default_factory=list)            # knowledge.bundles.Bundle records, shown as groups
    comparison: list[dict[str, Any]] | None = None
    failed: bool = False   # the shopper's question went unanswered (counts toward a hand-off)
    llm: bool = False      # worth an LM sentence
    summary: str | None = None   # the hand-off note


class ShoppingAssistant:
    def __init__(self, config: AssistantConfig, retriever, extractor, backend=None):
        self.config, self.retriever, self.extractor, self.backend = config, retriever, extractor, backend
        self.texts = for_language(config.language)
        self.sessions = SessionStore(config.session.max_sessions, config.session.idle_seconds)
        self.carried = {b.lower() for b in retriever.brands()}   # the store's brands, read once
        self.policies: dict[str, Callable[[Session, Ask], Turn]] = {
            "handoff": self._handoff, "greet": self._greet, "thanks": self._thanks, "off_topic": self._off_topic,
            "more": self._more, "cheaper": self._cheaper, "compare": self._compare,
            "product_question": self._product_question, "rank": self._best_match, "policy": self._policy,
            "shop": self._shop, "bundle": self._bundle}
        self.bundles = BundlePolicy(retriever, sorted(retriever.brands()))   # bundles: docs/bundles.md

    # ---- construction ------------------------------------------------------------------------
    @classmethod
    def from_config(cls, path=None, *, backend=None, retriever=None, extractor=None, **overrides) -> "ShoppingAssistant":
        """``overrides``: dotted config keys (``**{"model.device": "cpu"}``) or plain top-level keys.
        ``backend``, ``retriever`` and ``extractor`` may be ready objects (``extractor`` may also be a name)."""
        from assistant.config import load_config

        if isinstance(extractor, str):
            overrides["extractor"], extractor = extractor, None
        return cls.build(load_config(AssistantConfig, path, overrides), backend=backend, retriever=retriever,
                         extractor=extractor)

    @classmethod
    def build(cls, config: AssistantConfig, *, backend=None, retriever=None, extractor=None) -> "ShoppingAssistant":
        """The parts ``config`` names, except those given. The rules learn the store's own brands."""
        if backend is None and (config.llm_replies or config.extractor != "rules"):
            from assistant.backends import make_backend
            backend = make_backend(config.model)
        if retriever is None:
            retriever = open_retriever(config)
        if extractor is None:
            from assistant.extract import make_extractor
            extractor = make_extractor(config.extractor, backend=backend, brands=sorted(retriever.brands()))
        return cls(config, retriever, extractor, backend)

    @property
    def max_message_chars(self) -> int:
        """The one message-length limit (the UI refuses longer messages, the API reads the first part)."""
        return self.config.max_message_chars

    # ---- the API ------------------------------------------------------------------------------
    def respond(self, session_id: str, message: str) -> Reply:
        T, s = self.texts, self.sessions.get(session_id)
        with s.lock:
            refusal = self._admit(s)
            if refusal is not None:
                return self._render(s, refusal, remember=False)
            message, note = self._normalise(message)
            s.history.append({"role": "user", "content": message})
            try:
                turn = self._decide(s, message)
            except Exception:  # the store or the LM broke: a friendly reply here, details in the log
                log.exception("turn failed in session %s", s.id)
                turn = Turn("error", T.ERROR_TEXT, s.state, failed=True)
            turn = self._count_failures(s, turn, message)
            turn.text = note + turn.text
            return self._render(s, turn, message)

    def set_state(self, session_id: str, state: DialogueState) -> Reply:
        s = self.sessions.get(session_id)
        with s.lock:
            return self._render(s, self._search(s, state, "", list(state.brands)))

    def get_state(self, session_id: str) -> DialogueState:
        return self.sessions.get(session_id).state

    def handoff(self, session_id: str) -> Reply:
        s = self.sessions.get(session_id)
        with s.lock:
            return self._render(s, self._handoff(s, Ask("", s.state, [], [])))

    def reset(self, session_id: str) -> None:
        self.sessions.drop(session_id)   # its evidence and guard log go with it

    def evidence(self, session_id: str) -> Evidence | None:
        """What the session's last reply could cite (built on demand; None for an unknown session)."""
        s = self.sessions.peek(session_id)
        return None if s is None else s.evidence()

    def guard_log(self, session_id: str) -> GuardLog | None:
        s = self.sessions.peek(session_id)
        return None if s is None else s.guard_log

    # ---- the turn, in order -------------------------------------------------------------------
    def _admit(self, s: Session) -> Turn | None:
        """A refusal when the session is over its limits (nothing is remembered), else None."""
        if over_rate(s, self.config.session.rate_per_minute):
            return Turn("refused", self.texts.RATE_LIMITED, s.state)
        if s.turns >= self.config.session.max_turns:
            return Turn("refused", self.texts.TOO_MANY_TURNS, s.state)
        s.turns += 1
        return None

    def _normalise(self, message: str) -> tuple[str, str]:
        """Escape codes and control characters out (so "\\x1b[31m" is no budget), then the length limit."""
        message = normalise.clean(message)
        limit = self.config.max_message_chars
        if len(message) > limit:
            return message[:limit], self.texts.cut_note(limit)
        return message, ""

    def _decide(self, s: Session, message: str) -> Turn:
        shown = self._products(s.shown)   # fetched once per turn
        refs = references.resolve(message, shown)
        # A bundle request or an edit of the open bundle (rules, no LM) carries its own slots (docs/bundles.md):
        # the spec's ten stay as they were; any other message goes to the state extractor.
        bundle = self.bundles.parse(message, s.state)
        try:
            # The LM is asked only when the words may be shopping: a comparison, a store question or
            # "show me more" keeps the state whatever the LM would say (each LM call costs most of a second).
            proposed = s.state if bundle is not None else self.extractor.update(
                s.state, list(s.history[:-1]), message, allow_lm=intents.may_shop(message, bool(shown), bool(refs)))
        except Exception:  # a broken extraction must not lose the conversation
            log.exception("state extraction failed in session %s", s.id)
            return Turn("error", self.texts.REPHRASE, s.state, failed=True)
        why = normalise.impossible(message, s.state, proposed)
        if why is not None:
            return Turn("clarify", {"negative": self.texts.NEGATIVE_NUMBER, "zero": self.texts.ZERO_BUDGET,
                                    "instruction": self.texts.NOT_AN_INSTRUCTION}[why], s.state)
        intent = intents.classify(message, proposed != s.state, bool(shown), bool(refs), bundle=bundle is not None,
                                  has_category=bool(proposed.category))
        return self.policies[intent](s, Ask(message, proposed, shown, refs, bundle))

    def _count_failures(self, s: Session, turn: Turn, message: str) -> Turn:
        """The one place failures are counted: unanswered turns in a row; any answer resets the count.
        A hand-off comes when the shopper asks, or after ``handoff_after_failures`` failures in a row."""
        if turn.action == "handoff" or not turn.failed:
            s.failures = 0
            return turn
        s.failures += 1
        if s.failures < self.config.handoff_after_failures:
            return turn
        s.failures = 0
        h = self._handoff(s, Ask(message, s.state, [], []))
        turn.action, turn.summary = "handoff", h.summary
        turn.text += f"\n\n{self.texts.NOT_GETTING_IT} " + h.text
        return turn

    def _render(self, s: Session, turn: Turn, message: str = "", remember: bool = True) -> Reply:
        """Cards from the plan's records, the template text at once, then any verified LM sentences."""
        card = lambda p, alt: self._card(p, turn.state, alt)  # noqa: E731
        products = [card(p, False) for p in turn.products]
        alternatives = [card(p, True) for p in turn.alternatives]
        citations = [Citation(d.doc_id, d.source, d.chunk_index, d.title, d.text) for d in turn.docs]
        # Evidence is built only if something checks it (the LM speaks, or the eval asks); it lives on the
        # session. Everything shown this session may be named again (the hand-off note lists it all).
        quoted = message if turn.action == "handoff" else ""
        # A bundle reply names its items and the sums computed from their catalog prices: both are evidence.
        lines = [ln for b in turn.bundles for ln in b.lines]
        sums = " ".join(f"Total {b.total} {b.total_max or ''} {b.remaining or ''}" for b in turn.bundles)
        s.evidence_of(lambda: Evidence.build([*turn.products, *turn.alternatives, *turn.cited,
                                              *(ln.product for ln in lines), *self._products(s.discussed)],
                                             turn.docs, turn.state,
                                             quoted=f"{quoted} {sums} {' '.join(str(ln.cost) for ln in lines)}"))
        entry = {"role": "assistant", "content": turn.text}
        if remember:
            s.history.append(entry)
        pieces = self._pieces(s, turn, message, products, entry)
        return Reply(s.id, turn.action, turn.state, products, citations, turn.comparison, turn.summary,
                     alternatives, pieces, bundles=[self._bundle_card(b, turn.state) for b in turn.bundles])

    def _pieces(self, s: Session, turn: Turn, message: str, cards: list[ProductCard],
                entry: dict[str, str]) -> Iterator[str]:
        out = [turn.text]
        yield turn.text
        if self.config.llm_replies and turn.llm and self.backend is not None:
            from assistant import prompts

            msgs = prompts.reply_messages(prompts.dumps_compact(turn.state.to_dict()), turn.action, message,
                                          [c.__dict__ for c in cards], [],
                                          note="One short friendly sentence about these options.")
            # The configured settings travel with the call: a backend built elsewhere (a test's, a server's) honours them too.
            options = dataclasses.asdict(self.config.model.generation)
            gen = lambda: self.backend.generate(msgs, **options)  # noqa: E731
            first = True
            try:
                for sentence in guarded(gen, s.evidence(), s.guard_log):
                    piece = ("\n" if first else "") + sentence
                    first = False
                    out.append(piece)
                    yield piece
            except Exception:  # the LM broke mid-reply: the templated answer already stands
                log.exception("LM reply failed")
        entry["content"] = "".join(out)   # the history holds what the shopper saw

    # ---- policies: one per intent --------------------------------------------------------------
    def _greet(self, s: Session, ask: Ask) -> Turn:
        return Turn("greet", self.texts.GREET, s.state)

    def _thanks(self, s: Session, ask: Ask) -> Turn:
        return Turn("smalltalk", self.texts.THANKS, s.state)

    def _off_topic(self, s: Session, ask: Ask) -> Turn:
        return Turn("off_topic", self.texts.OFF_TOPIC, s.state)

    def _handoff(self, s: Session, ask: Ask) -> Turn:
        note = self.texts.handoff_note(s.state, self._products(s.discussed), ask.message)
        return Turn("handoff", self.texts.handoff(note), s.state, summary=note)

    def _shop(self, s: Session, ask: Ask) -> Turn:
        T, state, old = self.texts, ask.state, s.state
        self._set_state(s, state)
        declined = bool(intents.DECLINE.search(ask.message))
        if state.category is None and "category" not in s.clarified and not declined:
            s.clarified.add("category")
            return Turn("clarify", T.CATEGORY_QUESTION, state)
        if (state.category in BIG_TICKET and state.budget_min is None and state.budget_max is None
                and "budget" not in s.clarified and not declined and old.category != state.category):
            s.clarified.add("budget")
            # Typical options from the catalog itself, so the numbers in the question are real prices.
            hits = [h.product for h in self.retriever.retrieve(state.replace(features=()), "", k=SEARCH_K).products]
            return Turn("clarify", T.budget_question(state, hits), state, cited=hits)
        new_brands = [b for b in state.brands if b.lower() not in {x.lower() for x in old.brands}]
        return self._search(s, state, ask.message, new_brands)

    def _search(self, s: Session, state: DialogueState, message: str, asked_brands: list[str]) -> Turn:
        T = self.texts
        self._set_state(s, state)
        absent = [b for b in state.brands if b.lower() not in self.carried]
        prefix = T.absent_brands([b for b in absent if b in asked_brands] or absent) + " " if absent else ""
        if absent and all(b in absent for b in state.brands):
            # Only brands the store lacks: what other brands offer breaks "brands", so it is an alternative.
            state_ = state.replace(brands=())
            found = [h.product for h in self.retriever.retrieve(state_, message, k=SEARCH_K).products]
            if found:
                alts = found[:self.config.max_recommendations]
                self._show(s, alts, [])
                return Turn("no_match", prefix + T.carried_alternatives(alts, state), state, alternatives=alts)
        res = self.retriever.retrieve(state, message, k=SEARCH_K)   # the hard filters are the retriever's
        matches = [h.product for h in res.products]
        if matches:
            return self._page(s, state, matches, 0, prefix)
        # Nothing fits: say which constraint blocks, and show the nearest options apart from products.
        alts = [h.product for h in res.nearest][:self.config.max_recommendations]
        self._show(s, alts, [])
        return Turn("no_match", prefix + T.no_match(T.blocker(res.blocker, state, alts), alts, state), state,
                    alternatives=alts)

    def _page(self, s: Session, state: DialogueState, matches: list[Product], offset: int,
              prefix: str = "") -> Turn:
        page = matches[offset:offset + self.config.max_recommendations]
        self._show(s, page, [p.id for p in matches], offset + len(page))
        text = self.texts.recommend(page, state, len(matches), offset, prefix)
        return Turn("more" if offset else "recommend", text, state, page, llm=True)

    def _more(self, s: Session, ask: Ask) -> Turn:
        # Stored ids from the last search of this state (the state resets them when it changes).
        matches = self._products(s.matches)
        if s.offset >= len(matches):
            return Turn("more", self.texts.MORE_DONE, s.state)
        return self._page(s, s.state, matches, s.offset)

    def _cheaper(self, s: Session, ask: Ask) -> Turn:
        """"Anything cheaper?": matches of the same state priced under the cheapest product shown. The state
        keeps its budget (the shopper did not name one); the answer says what it compared against."""
        floor = min(p.price for p in ask.shown)
        cap = floor - 0.01 if s.state.budget_max is None else min(s.state.budget_max, floor - 0.01)
        res = self.retriever.retrieve(s.state.replace(budget_max=cap), "", k=SEARCH_K)
        cheaper = sorted((h.product for h in res.products), key=lambda p: (p.price, p.id))
        if not cheaper:
            return Turn("cheaper", self.texts.no_cheaper(s.state, min(ask.shown, key=lambda p: (p.price, p.id))),
                        s.state)
        turn = self._page(s, s.state, cheaper, 0, self.texts.cheaper_prefix(floor, ask.shown[0].currency))
        turn.action = "cheaper"
        return turn

    def _best_match(self, s: Session, ask: Ask) -> Turn:
        """"Which is the quietest?" before anything was shown: the matches ranked by what was asked."""
        key, reverse, word = references.superlative(ask.message)
        state = ask.state
        self._set_state(s, state)
        matches = [h.product for h in self.retriever.retrieve(state, ask.message, k=4 * SEARCH_K).products]
        ranked = sorted((p for p in matches if key(p) is not None),
                        key=lambda p: (key(p) * (-1 if reverse else 1), p.price, p.id))
        if not ranked:
            if not matches:
                return self._search(s, state, ask.message, [])  # says which constraint leaves nothing
            return Turn("clarify", self.texts.unknown_ranking(word, state), state, failed=True)
        return self._page(s, state, ranked, 0, self.texts.ranked_prefix(word))

    def _compare(self, s: Session, ask: Ask) -> Turn:
        T = self.texts
        products = (ask.refs if len(ask.refs) >= 2 else ask.shown)[:3]
        if len(products) < 2:
            return Turn("compare", T.COMPARE_NEED_TWO, s.state, products)
        table = compare.rows(products, T.money)
        text = T.comparison(products, table)
        best = references.superlative(ask.message)
        if best:
            key, reverse, word = best
            scored = [p for p in products if key(p) is not None]
            text = (T.compare_winner(sorted(scored, key=key, reverse=reverse)[0], word) if scored else
                    T.COMPARE_UNKNOWN + "\n") + text
        return Turn("compare", text, s.state, products, comparison=table)

    def _product_question(self, s: Session, ask: Ask) -> Turn:
        T, message = self.texts, ask.message
        target = ask.refs[0] if ask.refs else (ask.shown[0] if len(ask.shown) == 1 else None)
        if target is None:
            return Turn("clarify", T.which_one(ask.shown), s.state)
        words = re.findall(r"[a-z]+", message.lower())
        keys = list(dict.fromkeys(k for w in words for t, ks in TOPICS.items() if w.startswith(t) for k in ks))
        text = T.product_answer(target, keys)
        if not keys and re.search(r"\b(have|has|come with|include)\b", message.lower()):
            text = T.feature_answer(target, [w for w in words if len(w) > 3 and w not in QUESTION_WORDS
                                             and w not in target.name.lower()])
        docs: list[DocChunk] = []
        if "warranty" in keys and "warranty" not in text.lower().split("don't know")[0]:
            docs = self._policy_docs("warranty")
            if docs:
                text = T.no_model_warranty(target) + T.answer_from_docs("warranty", docs)
        docs = docs or self.retriever.retrieve_documents(message, k=1, product_id=target.id)
        return Turn("product_question", text, s.state, [target], docs=docs, failed="don't know" in text)

    def _bundle(self, s: Session, ask: Ask) -> Turn:
        """A room's worth under one total (docs/bundles.md): choose exactly, swap one item, compare two bundles.
        The spec's ten slots stay as they were; the bundle part is the bundle parser's."""
        T = for_language("zh") if "zh" in LANGUAGES and re.search(r"[\u4e00-\u9fff]", ask.message) else self.texts
        plan = self.bundles.plan(s.bundles, s.state, ask.bundle)
        self._set_state(s, plan.state)
        shown = [*plan.bundles, *([plan.nearest] if plan.nearest else [])]
        products = list({ln.product.id: ln.product for b in shown for ln in b.lines}.values())
        if products:   # on screen: "is the sofa in stock?" and the hand-off note can name them
            self._show(s, products, [])
        return Turn("bundle", T.bundle_reply(plan), plan.state, cited=products, bundles=shown)

    def _policy(self, s: Session, ask: Ask) -> Turn:
        docs = self._policy_docs(ask.message)
        m = intents.POLICY.search(ask.message)
        text = self.texts.answer_from_docs(m.group(0).lower() if m else "that", docs)
        return Turn("policy", text, s.state, docs=docs[:1], failed=not docs)

    def _policy_docs(self, message: str) -> list[DocChunk]:
        # The asked topic: policy words (stemmed by truncation: "delivered" ~ "delivery"), else content words.
        topics = {m.group(0).lower()[:6] for m in intents.POLICY.finditer(message)} or \
            {w for w in re.findall(r"[a-z]{4,}", message.lower()) if w not in QUESTION_WORDS}
        chunks = self.retriever.retrieve_documents(message, k=2, doc_types=("policy", "faq"))
        # Only a chunk that talks about the asked topic counts; otherwise say "I don't know".
        return [c for c in chunks if any(t in f"{c.title} {c.text}".lower() for t in topics)]

    # ---- session bookkeeping and catalog -----------------------------------------------------
    def _set_state(self, s: Session, state: DialogueState) -> None:
        if state != s.state:
            s.state, s.matches, s.offset = state, [], 0   # "show me more" never pages an older search

    def _show(self, s: Session, page: list[Product], matches: list[str], offset: int = 0) -> None:
        s.shown, s.matches, s.offset = [p.id for p in page], matches, offset
        s.discussed += [p.id for p in page if p.id not in s.discussed]

    def _card(self, p: Product, state: DialogueState, alternative: bool) -> ProductCard:
        return ProductCard(id=p.id, name=p.name, brand=p.brand, price=p.price, currency=p.currency,
                           category=p.category, sizes={"width_cm": p.width_cm, "depth_cm": p.depth_cm,
                                                       "height_cm": p.height_cm},
                           key_specs={k: v for k, v in list(p.specs.items())[:4] if v not in (None, "")},
                           in_stock=p.in_stock, why=self.texts.why(p, state), source=p.source,
                           alternative=alternative, image=p.image)

    def _bundle_card(self, bundle, state: DialogueState) -> BundleCard:
        """A bundle as one card group: each item's card explains itself against that item's own constraints."""
        def item_state(category: str) -> DialogueState:
            b = state.bundle
            return b.item_state(category) if b is not None and b.item(category) is not None else state
        items = [BundleItemCard(ln.category, ln.quantity, ln.cost,
                                self._card(ln.product, item_state(ln.category), bundle.alternative))
                 for ln in bundle.lines]
        return BundleCard(items, bundle.total, bundle.currency, bundle.total_max, bundle.remaining,
                          bundle.alternative)

    def _products(self, ids: list[str]) -> list[Product]:
        return [p for p in (self.retriever.get_product(i) for i in ids) if p is not None]


def open_retriever(config: AssistantConfig):
    """The configured store: a local folder, a Chroma server, or the demo store (built on first use)."""
    from pathlib import Path

    from knowledge.config import IngestConfig
    from knowledge.retrieve import ChromaRetriever

    cfg = IngestConfig()
    if config.store.host:
        cfg.chroma.mode, cfg.chroma.host, cfg.chroma.port = "http", config.store.host, config.store.port
        return ChromaRetriever(cfg).warm()
    return ChromaRetriever.open(cfg, Path(config.store.dir) if config.store.dir else None).warm()
