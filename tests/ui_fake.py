"""A small AssistantAPI for the UI tests: keyword state tracking over a four-product catalog,
so the tests exercise the UI (streaming, cards, chips, sessions) and not the dialogue logic."""

from __future__ import annotations

from assistant.reply import Citation, ProductCard, Reply
from assistant.state import DialogueState

CATALOG = [
    ProductCard("s1", "KLIPPAN 2-seat sofa", "IKEA", 299.0, "EUR", "sofa", {"width_cm": 180, "depth_cm": 88,
                "height_cm": 66}, {"cover": "washable"}, True, {}, "https://example.com/klippan"),
    ProductCard("s2", "Lund <b>corner</b> sofa", "Nordic", 1290.0, "EUR", "sofa", {"width_cm": 250, "depth_cm": 160,
                "height_cm": 80}, {"seats": 5}, False, {}, "https://example.com/lund"),
    ProductCard("d1", "SilentWash 45", "Bosch", 549.0, "EUR", "dishwasher", {"width_cm": 45, "depth_cm": 60,
                "height_cm": 85}, {"noise_db": 42}, True, {}, "javascript:alert(1)"),
    ProductCard("d2", "CleanMax 60", "Beko", 399.0, "EUR", "dishwasher", {"width_cm": 60, "depth_cm": 60,
                "height_cm": 85}, {"noise_db": 49}, True, {}, ""),
]
WORDS = {"sofa": "sofa", "dishwasher": "dishwasher"}


class FakeAssistant:
    def __init__(self, max_message_chars: int = 1000) -> None:
        self.max_message_chars = max_message_chars
        self.states: dict[str, DialogueState] = {}
        self.messages: dict[str, list[str]] = {}

    def _reply(self, session_id: str, text: str, action: str = "recommend") -> Reply:
        state = self.states.get(session_id, DialogueState())
        products = [c for c in CATALOG if (state.category in (None, c.category))
                    and (state.budget_max is None or c.price <= state.budget_max)
                    and c.brand not in state.excluded_brands] if state.category else []
        cards = [ProductCard(**{**c.__dict__, "why": {"category": f"a {c.category}"}}) for c in products]
        pieces = iter([text[i:i + 4] for i in range(0, len(text), 4)])
        return Reply(session_id, action, state, cards, [Citation(c.id, c.source, 0, c.name) for c in cards],
                     _pieces=pieces)

    def respond(self, session_id: str, message: str) -> Reply:
        self.messages.setdefault(session_id, []).append(message)
        state = self.states.get(session_id, DialogueState())
        words = message.lower().replace("?", " ").split()
        for w in words:
            if w in WORDS:
                state = state.replace(category=WORDS[w])
        if "under" in words and words.index("under") + 1 < len(words):
            state = state.replace(budget_max=float(words[words.index("under") + 1]))
        if "compare" in words:
            reply = self._reply(session_id, "Here is a comparison.", "compare")
            reply.comparison = [{"name": c.name, "price": c.price} for c in reply.products]
            return reply
        self.states[session_id] = state
        return self._reply(session_id, f"You said: {message}. I found some options.")

    def set_state(self, session_id: str, state: DialogueState) -> Reply:
        self.states[session_id] = state
        return self._reply(session_id, "Updated your preferences.")

    def get_state(self, session_id: str) -> DialogueState:
        return self.states.get(session_id, DialogueState())

    def handoff(self, session_id: str) -> Reply:
        reply = self._reply(session_id, "A colleague will take over.", "handoff")
        reply.handoff_summary = f"Wants: {self.get_state(session_id).to_json()}"
        return reply

    def reset(self, session_id: str) -> None:
        self.states.pop(session_id, None)
