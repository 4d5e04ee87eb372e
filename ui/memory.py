"""What the chat keeps besides the reply: each turn's purchase intent (stored with the transcript),
a no-match turn's blocker, the hand-off reason, and the opt-in shopper profile across visits.

    memory = ShopperMemory(store, ProfileStore(store, retention_days=180))
    offer = memory.start(session, shopper_id, page_consent=False)   # chips offered, nothing applied
    shopper_id = memory.consent(session)                               # the shopper agreed in the widget
    turn, meta = memory.record(session, "a quiet dishwasher", reply_data)
    state = memory.accept(session, shopper_id, ["not:samsung"], state) # only the chips ticked
    memory.forget(session, shopper_id)                                 # "Forget me"
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from dataclasses import replace
from typing import Any

from assistant.dialogue.intent_stage import Intent, stages, update
from assistant.state import DialogueState
from ui.insights import blocker_of, handoff_reason
from ui.profiles import Chip, ProfileStore, apply_chips, check_shopper_id
from ui.transcripts import TranscriptStore

MAX_SESSIONS = 10_000


class ShopperMemory:
    def __init__(self, store: TranscriptStore, profiles: ProfileStore | None = None):
        self.store, self.profiles = store, profiles
        self._intents: OrderedDict[str, Intent] = OrderedDict()
        self._lock = threading.Lock()

    # ---- every turn ---------------------------------------------------------------------------
    def intent(self, session: str) -> Intent:
        """The conversation's intent so far (rebuilt from the stored turns after a restart)."""
        with self._lock:
            if session in self._intents:
                self._intents.move_to_end(session)
                return self._intents[session]
        turns = self.store.turns(session)
        return stages(turns)[-1] if turns else Intent()

    def turn_meta(self, session: str, user_text: str, data: dict[str, Any]) -> dict[str, Any]:
        """The meta stored with a turn: its intent, and for a no-match or hand-off turn, why."""
        prev = self.intent(session)
        if user_text:
            now = update(prev, user_text, data["action"], data["state"])
        else:   # a chip edit or the hand-off button: the stage stays, the needs may have narrowed
            now = stages([{"user_text": "", "action": data["action"], "state": data["state"]}])[-1]
            now = replace(prev, constraints=now.constraints, signals=(), shown=prev.shown or now.shown)
        with self._lock:
            self._intents[session] = now
            self._intents.move_to_end(session)
            while len(self._intents) > MAX_SESSIONS:
                self._intents.popitem(last=False)
        meta: dict[str, Any] = {"intent": now.to_dict()}
        turn = {"state": data["state"], "products": data["products"], "alternatives": data.get("alternatives"),
                "user_text": user_text,
                "reply_text": data.get("text", ""), "meta": {}}
        if data["action"] == "no_match":
            blocker = data.get("blocker") or blocker_of(turn)
            if blocker:
                meta["blocker"] = blocker
        if data["action"] == "handoff":
            meta["handoff_reason"] = data.get("handoff_reason") or handoff_reason(turn)
        return meta

    def record(self, session: str, user_text: str, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Store the turn with its meta; a consenting shopper's profile keeps the lasting parts."""
        meta = self.turn_meta(session, user_text, data)
        turn = self.store.add_turn(session, user_text, data.get("text", ""), data["state"], data["products"],
                                   data["action"], meta)
        shopper = self.profiles.shopper_of(session) if self.profiles else None
        if shopper:
            self.profiles.remember(shopper, data["state"], data["products"], data["action"])
        return turn, meta

    def liked(self, session: str, products: list[dict[str, Any]]) -> None:
        shopper = self.profiles.shopper_of(session) if self.profiles else None
        if shopper:
            self.profiles.remember_liked(shopper, products)

    def reset(self, session: str) -> None:
        with self._lock:
            self._intents.pop(session, None)

    def restart(self, session: str) -> None:
        """The shopper cleared the chat: the next turns are a new conversation, whose intent starts afresh."""
        with self._lock:
            self._intents[session] = Intent()

    # ---- visits -------------------------------------------------------------------------------
    def start(self, session: str, shopper_id: str | None, page_consent: bool = False) -> dict[str, Any]:
        """A new conversation. ``shopper_id``: from the widget's cookie or passed by the page
        (``page_consent``: the page recorded the shopper's agreement). Returns what the widget shows:
        ``{"shopper_id", "consented", "ask_consent", "offer", "chips": [(label, id)]}``; nothing is applied."""
        out = {"shopper_id": None, "consented": False, "ask_consent": self.profiles is not None,
               "offer": "", "chips": []}
        if self.profiles is None or not shopper_id:
            return out
        try:
            check_shopper_id(shopper_id)
        except ValueError:
            return out
        if page_consent and not self.profiles.has_consent(shopper_id):
            self.profiles.consent(shopper_id, "page")
        if not self.profiles.has_consent(shopper_id):
            return {**out, "shopper_id": shopper_id}
        self.profiles.link_session(shopper_id, session)
        profile = self.profiles.get(shopper_id)
        chips = profile.chips() if profile else []
        return {**out, "shopper_id": shopper_id, "consented": True, "ask_consent": False,
                "offer": profile.offer() if profile else "", "chips": [(c.label, c.id) for c in chips]}

    def consent(self, session: str, shopper_id: str | None = None) -> str:
        """The shopper agreed to be remembered: record it (a new random id unless the page gave one)."""
        if self.profiles is None:
            raise RuntimeError("shopper memory is off on this server")
        shopper_id = shopper_id or "sa-" + secrets.token_urlsafe(18)
        self.profiles.consent(shopper_id, "widget")
        self.profiles.link_session(shopper_id, session)
        return shopper_id

    def chips(self, shopper_id: str | None) -> list[Chip]:
        profile = self.profiles.get(shopper_id) if self.profiles and shopper_id else None
        return profile.chips() if profile else []

    def accept(self, shopper_id: str | None, accepted: list[str], state: DialogueState) -> DialogueState:
        """``state`` with the remembered chips the shopper ticked applied."""
        return apply_chips(state, self.chips(shopper_id), accepted)

    def forget(self, session: str, shopper_id: str | None) -> dict[str, int]:
        """"Forget me": the shopper's profile, consent and conversations (this one included)."""
        if self.profiles is None:
            return {}
        shopper_id = shopper_id or self.profiles.shopper_of(session)
        self.reset(session)
        return self.profiles.forget(shopper_id) if shopper_id else {}
