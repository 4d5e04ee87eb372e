"""AssistantConfig: everything ``ShoppingAssistant.from_config`` reads (configs/chat/default.yaml)."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.config import ConfigError
from assistant.model_config import ModelConfig


@dataclass
class StoreConfig:
    dir: str = ""          # a store built by `shopassist ingest`; "" = the demo store
    host: str = ""         # a `chroma run` server instead of a local folder
    port: int = 8000


@dataclass
class SessionConfig:
    max_sessions: int = 1000       # least recently used sessions beyond this are evicted
    idle_seconds: float = 3600.0   # sessions idle longer than this are evicted
    max_turns: int = 200           # turns per session before the assistant asks to start over
    rate_per_minute: int = 30      # messages per session per minute


@dataclass
class AssistantConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    extractor: str = "hybrid"
    language: str = "en"           # the shopper texts (assistant/dialogue/texts/<language>.py)
    store: StoreConfig = field(default_factory=StoreConfig)
    max_recommendations: int = 3
    llm_replies: bool = False      # templated replies read well alone; the LM only adds a sentence
    max_message_chars: int = 1000   # the one limit: the UI refuses longer messages, the API reads the first part
    handoff_after_failures: int = 3
    session: SessionConfig = field(default_factory=SessionConfig)

    def validate(self) -> None:
        if self.store.dir and self.store.host:
            raise ConfigError("store.dir and store.host conflict: use a local store folder or a server, not both")
        if not 1 <= self.max_recommendations <= 10:
            raise ConfigError("max_recommendations must be between 1 and 10")
        from assistant.dialogue.texts import LANGUAGES

        if self.language not in LANGUAGES:
            raise ConfigError(f"language must be one of {list(LANGUAGES)}, not {self.language!r}")
        for name in ("max_message_chars", "handoff_after_failures"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be >= 1")
        s = self.session
        if min(s.max_sessions, s.max_turns, s.rate_per_minute) < 1 or s.idle_seconds <= 0:
            raise ConfigError("session limits must be positive")
