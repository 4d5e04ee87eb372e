"""Opt-in shopper profiles: what lasts between visits, in the transcripts' SQLite database.

    from ui.transcripts import open_store
    from ui.profiles import ProfileStore
    profiles = ProfileStore(open_store("transcripts.sqlite3"), retention_days=180)
    profiles.consent("shopper-42", source="widget")          # nothing is kept before this
    profiles.link_session("shopper-42", "session-1")
    profiles.remember("shopper-42", state_dict, products, "recommend")
    profiles.get("shopper-42").offer()    # 'Last time: not Samsung, kitchen gap 60 cm — use these?'
    profiles.forget("shopper-42")          # the profile, the consent and the shopper's conversations

What lasts: rooms (or product categories) with their measurements, brands ruled out, features and
materials preferred, the budget band per category, products viewed and liked. A profile is offered
as chips at the start of a new conversation and applied only to the chips the shopper accepts.
Profiles unused for ``retention_days`` are deleted (``purge``; run on start-up and on use).
The tables share the transcripts' writer connection: SQLite allows one writer per file.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Mapping

from assistant.state import ROOMS, DialogueState
from ui.transcripts import TranscriptStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS shoppers (
    shopper_id TEXT PRIMARY KEY,
    consent_time REAL NOT NULL,
    consent_source TEXT NOT NULL,
    last_seen REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS profile_facts (
    shopper_id TEXT NOT NULL REFERENCES shoppers(shopper_id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    value_json TEXT NOT NULL,
    updated REAL NOT NULL,
    PRIMARY KEY (shopper_id, kind, key)
);
CREATE TABLE IF NOT EXISTS shopper_sessions (
    session_id TEXT PRIMARY KEY,
    shopper_id TEXT NOT NULL REFERENCES shoppers(shopper_id) ON DELETE CASCADE
);
"""
SHOPPER_ID = re.compile(r"^[A-Za-z0-9_.:-]{8,128}$")
SIZE_KEYS = ("max_width_cm", "max_depth_cm", "max_height_cm")
SIZE_WORDS = {"max_width_cm": "wide", "max_depth_cm": "deep", "max_height_cm": "tall"}
# Actions whose products the shopper looked at (a no-match turn's alternatives were not asked for).
VIEWED_ACTIONS = frozenset({"recommend", "more", "cheaper", "compare", "product_question"})
MAX_VIEWED = 30
MAX_CHIPS = 6


def check_shopper_id(shopper_id: str) -> str:
    if not isinstance(shopper_id, str) or not SHOPPER_ID.match(shopper_id):
        raise ValueError("a shopper id is 8-128 characters of letters, digits and _ . : - "
                         f"(got {str(shopper_id)[:40]!r})")
    return shopper_id


@dataclass(frozen=True)
class Chip:
    """One remembered preference offered to the shopper; ``changes`` are the state slots it sets."""

    id: str
    label: str
    changes: dict[str, Any]


@dataclass
class Profile:
    shopper_id: str
    consent_time: float
    consent_source: str
    last_seen: float
    rooms: dict[str, dict[str, float]] = field(default_factory=dict)      # room (or category) -> size limits
    excluded_brands: list[str] = field(default_factory=list)
    features: list[str] = field(default_factory=list)
    budgets: dict[str, dict[str, float]] = field(default_factory=dict)    # category -> budget_min/budget_max
    viewed: list[dict[str, Any]] = field(default_factory=list)
    liked: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def chips(self) -> list[Chip]:
        """The lasting parts as chips, most useful first: measurements, ruled-out brands, budgets, features."""
        out = []
        for where, sizes in self.rooms.items():
            dims = [f"{v:g} cm {SIZE_WORDS[k]}" for k, v in sizes.items()]
            label = f"{where} gap {sizes['max_width_cm']:g} cm" if list(sizes) == ["max_width_cm"] \
                else f"{where}: " + ", ".join(dims)
            where_key = {"room": where} if where in ROOMS else {"category": where}
            out.append(Chip(f"room:{where}", label, {**where_key, **sizes}))
        out += [Chip(f"not:{b.lower()}", f"not {b}", {"excluded_brands": [b]}) for b in self.excluded_brands]
        for category, band in self.budgets.items():
            lo, hi = band.get("budget_min"), band.get("budget_max")
            text = f"{lo:g}–{hi:g}" if lo is not None and hi is not None else \
                f"up to {hi:g}" if hi is not None else f"from {lo:g}"
            out.append(Chip(f"budget:{category}", f"{category} {text}", {"category": category, **band}))
        out += [Chip(f"feature:{f}", f, {"features": [f]}) for f in self.features]
        return out[:MAX_CHIPS]

    def offer(self) -> str:
        """The opening line offering the chips ("" when there is nothing to offer)."""
        chips = self.chips()
        if not chips:
            return ""
        return "Last time: " + ", ".join(c.label for c in chips[:4]) + " — use these?"


def apply_chips(state: DialogueState, chips: list[Chip], accepted: list[str]) -> DialogueState:
    """``state`` with the accepted chips' slots set (lists extended); the others are ignored."""
    changes: dict[str, Any] = {}
    for chip in chips:
        if chip.id not in accepted:
            continue
        for key, value in chip.changes.items():
            if isinstance(value, list):
                changes[key] = tuple(changes.get(key, getattr(state, key))) + tuple(value)
            else:
                changes[key] = value
    return state.replace(**changes) if changes else state


class ProfileStore:
    def __init__(self, store: TranscriptStore, retention_days: float = 180):
        self.store, self.retention_days = store, retention_days
        with store.transaction() as db:
            db.executescript(SCHEMA)
        self.purge()

    # --- consent -----------------------------------------------------------------------------
    def consent(self, shopper_id: str, source: str = "widget") -> None:
        """Record the shopper's agreement to be remembered (``source``: widget, page, ...)."""
        check_shopper_id(shopper_id)
        now = time.time()
        with self.store.transaction() as db:
            db.execute("INSERT INTO shoppers VALUES (?, ?, ?, ?) ON CONFLICT (shopper_id) DO UPDATE SET "
                       "last_seen = excluded.last_seen", (shopper_id, now, source[:40], now))

    def has_consent(self, shopper_id: str) -> bool:
        with self.store.transaction() as db:
            return db.execute("SELECT 1 FROM shoppers WHERE shopper_id = ?", (shopper_id,)).fetchone() is not None

    def link_session(self, shopper_id: str, session_id: str) -> bool:
        """Tie a conversation to the shopper (so ``forget`` deletes it too); only with consent."""
        with self.store.transaction() as db:
            if not self._touch(db, shopper_id):
                return False
            db.execute("INSERT OR REPLACE INTO shopper_sessions VALUES (?, ?)", (session_id, shopper_id))
        return True

    def shopper_of(self, session_id: str) -> str | None:
        with self.store.transaction() as db:
            row = db.execute("SELECT shopper_id FROM shopper_sessions WHERE session_id = ?", (session_id,)).fetchone()
        return row[0] if row else None

    # --- remembering ---------------------------------------------------------------------------
    def remember(self, shopper_id: str, state: Mapping[str, Any], products: list[Mapping[str, Any]] = (),
                 action: str = "") -> bool:
        """Keep the lasting parts of one turn; False (and nothing written) without consent."""
        now = time.time()
        s = DialogueState.from_dict(dict(state))
        facts: list[tuple[str, str, Any]] = []
        sizes = {k: getattr(s, k) for k in SIZE_KEYS if getattr(s, k) is not None}
        if sizes and (s.room or s.category):
            facts.append(("room", s.room or s.category, sizes))
        facts += [("excluded_brand", b.lower(), b) for b in s.excluded_brands]
        facts += [("feature", f, f) for f in s.features]
        band = {k: getattr(s, k) for k in ("budget_min", "budget_max") if getattr(s, k) is not None}
        if band and s.category:
            facts.append(("budget", s.category, band))
        if action in VIEWED_ACTIONS:
            facts += [("viewed", str(p["id"]), _product(p)) for p in products if p.get("id")]
        with self.store.transaction() as db:
            if not self._touch(db, shopper_id):
                return False
            for brand in s.brands:   # asking for a brand again takes it off the ruled-out list
                db.execute("DELETE FROM profile_facts WHERE shopper_id = ? AND kind = 'excluded_brand' AND key = ?",
                           (shopper_id, brand.lower()))
            for i, (kind, key, value) in enumerate(facts):
                db.execute("INSERT OR REPLACE INTO profile_facts VALUES (?, ?, ?, ?, ?)",
                           (shopper_id, kind, key, json.dumps(value, ensure_ascii=False), now + i * 1e-6))
            db.execute("DELETE FROM profile_facts WHERE shopper_id = ? AND kind = 'viewed' AND key NOT IN "
                       "(SELECT key FROM profile_facts WHERE shopper_id = ? AND kind = 'viewed' "
                       "ORDER BY updated DESC LIMIT ?)", (shopper_id, shopper_id, MAX_VIEWED))
        return True

    def remember_liked(self, shopper_id: str, products: list[Mapping[str, Any]]) -> bool:
        """Products of a reply the shopper rated thumbs-up; False without consent."""
        with self.store.transaction() as db:
            if not self._touch(db, shopper_id):
                return False
            for p in products:
                if p.get("id"):
                    db.execute("INSERT OR REPLACE INTO profile_facts VALUES (?, 'liked', ?, ?, ?)",
                               (shopper_id, str(p["id"]), json.dumps(_product(p), ensure_ascii=False), time.time()))
        return True

    def _touch(self, db, shopper_id: str) -> bool:
        cur = db.execute("UPDATE shoppers SET last_seen = ? WHERE shopper_id = ?", (time.time(), shopper_id))
        return cur.rowcount == 1

    # --- reading, export, deletion ---------------------------------------------------------------
    def get(self, shopper_id: str) -> Profile | None:
        with self.store.transaction() as db:
            row = db.execute("SELECT * FROM shoppers WHERE shopper_id = ?", (shopper_id,)).fetchone()
            if row is None:
                return None
            facts = db.execute("SELECT kind, key, value_json FROM profile_facts WHERE shopper_id = ? "
                               "ORDER BY updated DESC", (shopper_id,)).fetchall()
        p = Profile(shopper_id, row["consent_time"], row["consent_source"], row["last_seen"])
        for kind, key, value in facts:
            value = json.loads(value)
            if kind == "room":
                p.rooms[key] = value
            elif kind == "excluded_brand":
                p.excluded_brands.append(value)
            elif kind == "feature":
                p.features.append(value)
            elif kind == "budget":
                p.budgets[key] = value
            elif kind == "viewed":
                p.viewed.append(value)
            elif kind == "liked":
                p.liked.append(value)
        return p

    def export(self, shopper_id: str) -> dict[str, Any]:
        """Everything kept about the shopper: consent, profile, and their conversations (redacted)."""
        profile = self.get(shopper_id)
        if profile is None:
            raise KeyError(f"no profile for shopper {shopper_id!r} (never consented, forgotten or expired)")
        with self.store.transaction() as db:
            sessions = [r[0] for r in db.execute("SELECT session_id FROM shopper_sessions WHERE shopper_id = ? "
                                                 "ORDER BY rowid", (shopper_id,))]
        turns = [t for s in sessions for t in self.store.turns(s)]
        return {"shopper_id": shopper_id, "exported": time.time(), "profile": profile.to_dict(),
                "sessions": sessions, "turns": turns}

    def forget(self, shopper_id: str) -> dict[str, int]:
        """Delete the shopper's profile, consent, links and conversations (turns, feedback); row counts."""
        counts: dict[str, int] = {}
        with self.store.transaction() as db:
            sessions = [r[0] for r in db.execute("SELECT session_id FROM shopper_sessions WHERE shopper_id = ?",
                                                 (shopper_id,))]
            marks = ",".join("?" * len(sessions))
            for table in ("feedback", "turns", "sessions"):
                counts[table] = db.execute(f"DELETE FROM {table} WHERE session_id IN ({marks})",
                                           sessions).rowcount if sessions else 0
            for table in ("shopper_sessions", "profile_facts", "shoppers"):
                counts[table] = db.execute(f"DELETE FROM {table} WHERE shopper_id = ?", (shopper_id,)).rowcount
        return counts

    def purge(self, now: float | None = None) -> int:
        """Delete profiles unused for ``retention_days`` (their conversations stay, anonymous); how many."""
        cutoff = (time.time() if now is None else now) - self.retention_days * 86400
        with self.store.transaction() as db:
            old = [r[0] for r in db.execute("SELECT shopper_id FROM shoppers WHERE last_seen < ?", (cutoff,))]
            for table in ("shopper_sessions", "profile_facts", "shoppers"):
                db.executemany(f"DELETE FROM {table} WHERE shopper_id = ?", [(s,) for s in old])
        return len(old)


def _product(p: Mapping[str, Any]) -> dict[str, Any]:
    return {k: p.get(k) for k in ("id", "name", "brand", "price", "currency", "category")}
