"""The shopping assistant: one turn = update the state, decide, retrieve, reply (grounded), remember.

    from assistant import ShoppingAssistant
    bot = ShoppingAssistant.from_config()            # demo store, default model + adapter, hybrid extractor
    reply = bot.respond("s1", "a quiet dishwasher under 600")
    for piece in reply.stream(): print(piece, end="")
    reply.products, reply.citations, reply.action

Decisions are rules (fast, testable with a mock LM); the LM extracts the state and, with
``llm_replies: true``, adds a short verified sentence after the templated reply.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any, Iterator

from assistant.dialogue import compare, handoff as handoff_note, intents, references, templates
from assistant.dialogue.config import AssistantConfig
from assistant.dialogue.grounding import Evidence, GuardLog, guarded
from assistant.dialogue.sessions import Session, SessionStore, over_rate
from assistant.reply import Citation, ProductCard, Reply
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


@dataclass
class Turn:
    """What one turn decided, before it becomes a Reply."""

    action: str
    text: str
    state: DialogueState
    products: list[Product] = field(default_factory=list)
    cards: list[ProductCard] = field(default_factory=list)
    docs: list[DocChunk] = field(default_factory=list)
    comparison: list[dict[str, Any]] | None = None
    failed: bool = False
    facts: list[str] = field(default_factory=list)
    llm: bool = False     # worth an LM sentence
    summary: str | None = None   # the hand-off note


class ShoppingAssistant:
    def __init__(self, config: AssistantConfig, retriever, extractor, backend=None):
        self.config, self.retriever, self.extractor, self.backend = config, retriever, extractor, backend
        self.sessions = SessionStore(config.session.max_sessions, config.session.idle_seconds)
        self.guard_log: dict[str, GuardLog] = {}
        self.evidence: dict[str, Evidence] = {}
        self._carried: set[str] | None = None

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
        """The parts ``config`` names, except those given."""
        if backend is None and (config.llm_replies or config.extractor != "rules"):
            from assistant.backends import make_backend
            backend = make_backend(config.model)
        if extractor is None:
            from assistant.extract import make_extractor
            extractor = make_extractor(config.extractor, backend=backend)
        if retriever is None:
            retriever = open_retriever(config)
        return cls(config, retriever, extractor, backend)

    # ---- the API ------------------------------------------------------------------------------
    def respond(self, session_id: str, message: str) -> Reply:
        s = self.sessions.get(session_id)
        with s.lock:
            note = ""
            if len(message) > self.config.max_message_chars:
                message = message[:self.config.max_message_chars]
                note = (f"(Your message was longer than {self.config.max_message_chars} characters; "
                        "I read only the first part.)\n")
            if over_rate(s, self.config.session.rate_per_minute):
                return self._reply(s, Turn("refused", "You're sending messages very quickly — please wait a "
                                                      "moment and try again.", s.state), remember=False)
            if s.turns >= self.config.session.max_turns:
                return self._reply(s, Turn("refused", "This conversation has reached its length limit — please "
                                                      "start a new one.", s.state), remember=False)
            s.turns += 1
            s.history.append({"role": "user", "content": message})
            try:
                turn = self._decide(s, message)
            except Exception:  # the store or the LM broke: a friendly reply here, details in the log
                log.exception("turn failed in session %s", s.id)
                s.failures += 1
                turn = Turn("error", "Sorry, something went wrong on our side. Please try again in a moment.",
                            s.state, failed=True)
            turn.text = note + turn.text
            return self._reply(s, turn, message)

    def set_state(self, session_id: str, state: DialogueState) -> Reply:
        s = self.sessions.get(session_id)
        with s.lock:
            s.state = state
            return self._reply(s, self._search(s, state, "", list(state.brands)))

    def get_state(self, session_id: str) -> DialogueState:
        return self.sessions.get(session_id).state

    def handoff(self, session_id: str) -> Reply:
        s = self.sessions.get(session_id)
        with s.lock:
            return self._reply(s, self._handoff(s, ""))

    def reset(self, session_id: str) -> None:
        self.sessions.drop(session_id)
        self.guard_log.pop(session_id, None)
        self.evidence.pop(session_id, None)

    # ---- decisions ----------------------------------------------------------------------------
    def _decide(self, s: Session, message: str) -> Turn:
        shown = self._products(s.shown)
        refs = references.resolve(message, shown)
        try:
            new_state = self._extract(s, message, shown, refs)
        except Exception as e:  # a broken extraction must not lose the conversation
            log.exception("state extraction failed in session %s", s.id)
            s.failures += 1
            return self._maybe_handoff(s, Turn("error", "Sorry, I didn't get that. "
                                                        "Could you rephrase?", s.state, failed=True), message)
        changed = new_state != s.state
        intent = intents.classify(message, changed, bool(shown), bool(refs))
        if intent in ("off_topic", "policy") and not shown and new_state.category and \
                references.superlative(message):
            return self._maybe_handoff(s, self._best_match(s, new_state, message), message)  # "the quietest?"
        if intent == "handoff":
            return self._handoff(s, message)
        if intent == "greet":
            return Turn("greet", templates.GREET, s.state)
        if intent == "thanks":
            return Turn("smalltalk", templates.THANKS, s.state)
        if intent == "off_topic":
            return Turn("off_topic", templates.OFF_TOPIC, s.state)
        if intent == "more":
            return self._more(s)
        if intent == "cheaper":
            return self._cheaper(s, shown)
        if intent == "compare":   # questions about shown products leave the state as it was
            return self._compare(s, message, refs if len(refs) >= 2 else shown[:3])
        if intent == "product_question":
            return self._maybe_handoff(s, self._product_question(s, message, refs, shown), message)
        if intent == "policy":
            return self._maybe_handoff(s, self._policy(s, message), message)
        return self._maybe_handoff(s, self._shop(s, new_state, message), message)

    def _extract(self, s: Session, message: str, shown: list[Product], refs: list[Product]) -> DialogueState:
        """The new state. An extractor with a rules stage (hybrid) asks the LM only when the turn may be
        shopping: a comparison, a policy question or "show me more" leaves the state as it was whatever
        the LM would say, and on 2 CPU cores each LM call costs most of a second."""
        history = list(s.history[:-1])
        rules = getattr(self.extractor, "rules", None)
        if rules is not None:
            ruled = rules.update(s.state, history, message)
            if intents.classify(message, ruled != s.state, bool(shown), bool(refs)) in intents.KEEP_STATE:
                return ruled
        return self.extractor.update(s.state, history, message)

    def _cheaper(self, s: Session, shown: list[Product]) -> Turn:
        """"Anything cheaper?": matches of the same state priced under the cheapest product shown. The state
        keeps its budget (the shopper did not name one); the answer says what it compared against."""
        floor = min(p.price for p in shown)
        cap = floor - 0.01 if s.state.budget_max is None else min(s.state.budget_max, floor - 0.01)
        res = self.retriever.retrieve(s.state.replace(budget_max=cap), "", k=SEARCH_K)
        cheaper = sorted((h.product for h in res.products if not filters.violations(h.product, s.state)
                          and h.product.price < floor), key=lambda p: (p.price, p.id))
        what = s.state.category or "product"
        if not cheaper:
            cheapest = min(shown, key=lambda p: (p.price, p.id))
            return Turn("cheaper", f"I don't have a cheaper {what} that fits what you asked for: the "
                                   f"{cheapest.name} at {templates.money(cheapest.price, cheapest.currency)} is the "
                                   "cheapest match. I can look again if you relax another preference.", s.state)
        s.matches = [p.id for p in cheaper]
        prefix = f"Cheaper than {templates.money(floor, shown[0].currency)}:\n"
        return self._page(s, s.state, cheaper[:self.config.max_recommendations], len(cheaper), 0, prefix)

    def _best_match(self, s: Session, state: DialogueState, message: str) -> Turn:
        """"Which is the quietest?" before anything was shown: the matches ranked by what was asked."""
        key, reverse, word = references.superlative(message)
        s.state = state
        res = self.retriever.retrieve(state, message, k=4 * SEARCH_K)
        matches = [h.product for h in res.products if not filters.violations(h.product, state)]
        ranked = sorted((p for p in matches if key(p) is not None), key=lambda p: (key(p) * (-1 if reverse else 1),
                                                                                   p.price, p.id))
        if not ranked:
            if not matches:
                return self._search(s, state, message, [])  # says which constraint leaves nothing
            return Turn("clarify", f"I don't know which is {word} — the catalog doesn't list that for these "
                                   f"{state.category}s. Would a budget or size help me narrow "
                                   "them down?", state, failed=True)
        s.matches, s.offset = [p.id for p in ranked], 0
        return self._page(s, state, ranked[:self.config.max_recommendations], len(ranked), 0,
                          f"Ranked {word} first:\n")

    def _shop(self, s: Session, state: DialogueState, message: str) -> Turn:
        old, s.state = s.state, state
        declined = bool(intents.DECLINE.search(message))
        if state.category is None and "category" not in s.clarified and not declined:
            s.clarified.add("category")
            return Turn("clarify", templates.CATEGORY_QUESTION, state)
        if (state.category in templates.BIG_TICKET and state.budget_min is None and state.budget_max is None
                and "budget" not in s.clarified and not declined and old.category != state.category):
            s.clarified.add("budget")
            # Typical options from the catalog itself, so the numbers in the question are real prices.
            hits = [h.product for h in self.retriever.retrieve(state.replace(features=()), "", k=SEARCH_K).products]
            return Turn("clarify", templates.budget_question(state, hits), state, products=hits)
        new_brands = [b for b in state.brands if b.lower() not in {x.lower() for x in old.brands}]
        return self._search(s, state, message, new_brands)

    def _search(self, s: Session, state: DialogueState, message: str, asked_brands: list[str]) -> Turn:
        carried = {b.lower() for b in self._brands()}
        absent = [b for b in state.brands if b.lower() not in carried]
        prefix = templates.absent_brands([b for b in absent if b in asked_brands] or absent) + " " if absent else ""
        # Search without the absent brands; what comes back breaks "brands", so it is shown as alternatives.
        search_state = state.replace(brands=tuple(b for b in state.brands if b.lower() in carried))
        res = self.retriever.retrieve(search_state, message, k=SEARCH_K)
        matches = [h.product for h in res.products if not filters.violations(h.product, search_state)]
        if matches:
            s.matches, s.offset = [p.id for p in matches], 0
            page = matches[:self.config.max_recommendations]
            alternative = bool(absent)
            if alternative:
                prefix += "Here are the closest options from brands we do carry:\n"
            return self._page(s, state, page, len(matches), 0, prefix, alternative)
        # Nothing fits: say which constraint blocks, show the nearest options labelled as such.
        nearest = [h.product for h in res.nearest][:self.config.max_recommendations]
        cards = [templates.card(p, state, alternative=True) for p in nearest]
        s.shown, s.matches, s.offset = [p.id for p in nearest], [], 0
        s.discussed += [p.id for p in nearest if p.id not in s.discussed]
        blocker = res.blocker_message or "I couldn't find a product that matches everything you asked for."
        s.failures += 1
        return Turn("no_match", prefix + templates.no_match(blocker, cards), state, nearest, cards, failed=True)

    def _page(self, s: Session, state: DialogueState, page: list[Product], total: int, offset: int,
              prefix: str = "", alternative: bool = False) -> Turn:
        cards = [templates.card(p, state, alternative) for p in page]
        s.shown = [p.id for p in page]
        s.offset = offset + len(page)
        s.discussed += [p.id for p in page if p.id not in s.discussed]
        s.failures = 0
        text = prefix + templates.recommend(cards, state, total, offset)
        return Turn("more" if offset else "recommend", text, state, page, cards, llm=True)

    def _more(self, s: Session) -> Turn:
        rest = [p for p in self._products(s.matches[s.offset:]) if not filters.violations(p, s.state)]
        if not rest:
            return Turn("more", "That's all the matches I have for what you asked. Would you like to change "
                                "the budget or another preference to see different options?", s.state)
        page = rest[:self.config.max_recommendations]
        return self._page(s, s.state, page, s.offset + len(rest), s.offset)

    def _compare(self, s: Session, message: str, products: list[Product]) -> Turn:
        products = products[:3]
        if len(products) < 2:
            return Turn("compare", "I need at least two of the products I showed you to compare — which ones?",
                        s.state, products)
        table = compare.rows(products)
        text = compare.text(products, table)
        best = references.superlative(message)
        if best:
            key, reverse, word = best
            scored = [p for p in products if key(p) is not None]
            if scored:
                winner = sorted(scored, key=key, reverse=reverse)[0]
                text = f"{winner.name} by {winner.brand} is the one you're after ({word}).\n" + text
            else:
                text = "I don't know — the catalog doesn't list that for these products.\n" + text
        cards = [templates.card(p, s.state) for p in products]
        return Turn("compare", text, s.state, products, cards, comparison=table)

    def _product_question(self, s: Session, message: str, refs: list[Product], shown: list[Product]) -> Turn:
        target = refs[0] if refs else (shown[0] if len(shown) == 1 else None)
        if target is None:
            names = ", ".join(f"{i + 1}. {p.name}" for i, p in enumerate(shown))
            return Turn("clarify", f"Which one do you mean? {names}", s.state)
        words = re.findall(r"[a-z]+", message.lower())
        keys = list(dict.fromkeys(k for w in words for t, ks in TOPICS.items() if w.startswith(t) for k in ks))
        text = templates.product_answer(target, keys)
        if not keys and re.search(r"\b(have|has|come with|include)\b", message.lower()):
            text = templates.feature_answer(target, [w for w in words if len(w) > 3 and w not in QUESTION_WORDS
                                                     and w not in target.name.lower()])
        docs: list[DocChunk] = []
        if "warranty" in keys and "warranty" not in text.lower().split("don't know")[0]:
            docs = self._policy_docs("warranty")
            if docs:
                text = f"The catalog doesn't list a model-specific warranty for the {target.name}. " + \
                       templates.answer_from_docs("warranty", docs)
        docs = docs or self.retriever.retrieve_documents(message, k=1, product_id=target.id)
        failed = "don't know" in text
        return Turn("product_question", text, s.state, [target], [templates.card(target, s.state)], docs,
                    failed=failed)

    def _policy_docs(self, message: str) -> list[DocChunk]:
        # The asked topic: policy words (stemmed by truncation: "delivered" ~ "delivery"), else content words.
        topics = {m.group(0).lower()[:6] for m in intents.POLICY.finditer(message)} or \
            {w for w in re.findall(r"[a-z]{4,}", message.lower()) if w not in QUESTION_WORDS}
        chunks = self.retriever.retrieve_documents(message, k=2, doc_types=("policy", "faq"))
        # Only a chunk that talks about the asked topic counts; otherwise say "I don't know".
        return [c for c in chunks if any(t in f"{c.title} {c.text}".lower() for t in topics)]

    def _policy(self, s: Session, message: str) -> Turn:
        docs = self._policy_docs(message)
        m = intents.POLICY.search(message)
        topic = m.group(0).lower() if m else "that"
        text = templates.answer_from_docs(topic, docs)
        return Turn("policy", text, s.state, docs=docs[:1], failed=not docs)

    def _handoff(self, s: Session, message: str) -> Turn:
        note = handoff_note.summary(s.state, self._products(s.discussed), message)
        return Turn("handoff", "I'll pass you to a member of our team; they'll see this summary so you won't "
                               f"have to repeat yourself:\n{note}", s.state, summary=note)

    def _maybe_handoff(self, s: Session, turn: Turn, message: str) -> Turn:
        if not turn.failed:
            return turn
        s.failures += 0 if turn.action == "no_match" else 1   # _search counted its own failure
        if s.failures < self.config.handoff_after_failures:
            return turn
        s.failures = 0
        h = self._handoff(s, message)
        turn.action, turn.summary = "handoff", h.summary
        turn.text += "\n\nI'm not getting this right. " + h.text
        return turn

    # ---- replies ------------------------------------------------------------------------------
    def _reply(self, s: Session, turn: Turn, message: str = "", remember: bool = True) -> Reply:
        # Everything shown this session may be named again (the hand-off note lists it all).
        seen = self._products(list(dict.fromkeys([*s.shown, *s.discussed])))
        ev = Evidence.build([*turn.products, *seen], turn.docs, turn.state,
                            quoted=message if turn.action == "handoff" else "")
        log = GuardLog()
        self.evidence[s.id], self.guard_log[s.id] = ev, log
        citations = [Citation(d.doc_id, d.source, d.chunk_index, d.title, d.text) for d in turn.docs]
        entry = {"role": "assistant", "content": turn.text}
        if remember:
            s.history.append(entry)
        pieces = self._pieces(turn, message, ev, log, entry)
        return Reply(s.id, turn.action, turn.state, turn.cards, citations, turn.comparison, turn.summary, pieces)

    def _pieces(self, turn: Turn, message: str, ev: Evidence, guard_log: GuardLog,
                entry: dict[str, str]) -> Iterator[str]:
        """The templated text at once (it is built from the catalog), then any verified LM sentences."""
        out = [turn.text]
        yield turn.text
        if self.config.llm_replies and turn.llm and self.backend is not None:
            from assistant import prompts

            cards = [c.__dict__ for c in turn.cards]
            msgs = prompts.reply_messages(prompts.dumps_compact(turn.state.to_dict()), turn.action, message, cards,
                                          turn.facts, note="One short friendly sentence about these options.")
            gen = lambda: self.backend.generate(msgs, max_new_tokens=40)  # noqa: E731  (short: ~2 s of decode)
            first = True
            try:
                for sentence in guarded(gen, ev, guard_log):
                    piece = ("\n" if first else "") + sentence
                    first = False
                    out.append(piece)
                    yield piece
            except Exception:  # the LM broke mid-reply: the templated answer already stands
                log.exception("LM reply failed")
        entry["content"] = "".join(out)   # the history holds what the shopper saw

    # ---- catalog ------------------------------------------------------------------------------
    def _products(self, ids: list[str]) -> list[Product]:
        return [p for p in (self.retriever.get_product(i) for i in ids) if p is not None]

    def _brands(self) -> set[str]:
        if self._carried is None:
            self._carried = set(self.retriever.brands())
        return self._carried


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
