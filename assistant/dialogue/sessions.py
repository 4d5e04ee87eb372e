"""Per-shopper sessions: history, state, shown products; isolated, bounded, thread-safe."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Callable

from assistant.dialogue.grounding import Evidence, GuardLog

from assistant.state import DialogueState


@dataclass
class Session:
    id: str
    state: DialogueState = field(default_factory=DialogueState)
    history: list[dict[str, str]] = field(default_factory=list)   # {"role", "content"}
    shown: list[str] = field(default_factory=list)        # product ids on screen, in order (for "the second one")
    discussed: list[str] = field(default_factory=list)    # every product id shown this session (hand-off summary)
    matches: list[str] = field(default_factory=list)      # ranked matches of the last search ("show me more")
    offset: int = 0                                       # how many of ``matches`` were shown
    clarified: set[str] = field(default_factory=set)      # slots already asked about: ask once, never again
    failures: int = 0                                     # unanswered turns in a row (hand-off after N)
    turns: int = 0
    stamps: deque = field(default_factory=deque)          # message times in the last minute (rate limit)
    last_used: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)   # one turn at a time per session
    guard_log: GuardLog = field(default_factory=GuardLog)  # what the guard kept from the shopper, last reply
    _evidence: Evidence | Callable[[], Evidence] | None = None

    def evidence_of(self, build: Callable[[], Evidence]) -> None:
        """The last reply's evidence, built by ``build`` only when first asked for (an LM speaks, the eval
        checks): a templated turn never pays for it."""
        self._evidence, self.guard_log = build, GuardLog()

    def evidence(self) -> Evidence | None:
        if callable(self._evidence):
            self._evidence = self._evidence()
        return self._evidence


class SessionStore:
    def __init__(self, max_sessions: int = 1000, idle_seconds: float = 3600.0):
        self.max_sessions, self.idle_seconds = max_sessions, idle_seconds
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session_id: str) -> Session:
        now = time.monotonic()
        with self._lock:
            s = self._sessions.pop(session_id, None) or Session(session_id)
            s.last_used = now
            self._sessions[session_id] = s
            # OrderedDict is in last-used order: evict from the front.
            while self._sessions:
                oldest = next(iter(self._sessions.values()))
                if len(self._sessions) > self.max_sessions or now - oldest.last_used > self.idle_seconds:
                    self._sessions.popitem(last=False)
                else:
                    break
            return s

    def peek(self, session_id: str) -> Session | None:
        """The session if it is alive, without creating or touching it."""
        with self._lock:
            return self._sessions.get(session_id)

    def drop(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)

    def __len__(self) -> int:
        return len(self._sessions)


def over_rate(session: Session, per_minute: int, now: float | None = None) -> bool:
    """Record one message; True when the session sent more than ``per_minute`` in the last 60 s."""
    now = time.monotonic() if now is None else now
    while session.stamps and now - session.stamps[0] > 60:
        session.stamps.popleft()
    session.stamps.append(now)
    return len(session.stamps) > per_minute
