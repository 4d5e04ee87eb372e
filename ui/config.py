"""ServeConfig: how the browser chat is served (``configs/serve/default.yaml``).

    shopassist serve --config configs/serve/default.yaml --port 7860
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal


@dataclass
class ServeConfig:
    host: str = field(default="127.0.0.1", metadata={"help": "interface to bind; loopback unless you mean it"})
    port: int = field(default=7860, metadata={"help": "TCP port"})
    root_path: str = field(default="", metadata={"help": "URL prefix when behind a reverse proxy"})
    mount_path: str = field(default="/chat", metadata={"help": "where the Gradio app is mounted"})
    queue_max_size: int = field(default=64, metadata={"help": "waiting requests before new ones are refused"})
    concurrency_limit: int = field(default=2, metadata={"help": "replies generated at once"})
    transcripts_db: Path | None = field(default=None, metadata={"help": "SQLite file (default: cache dir)"})
    chat_config: Path | None = field(default=None, metadata={"help": "the assistant's chat config YAML"})
    share: bool = field(default=False, metadata={"help": "always false: no public Gradio share links"})
    language: Literal["auto", "en", "zh"] = field(
        default="auto", metadata={"help": "widget labels: auto = follow the conversation; en/zh pins one"})
    image_hosts: list[str] = field(
        default_factory=list, metadata={"help": "hosts remote product pictures may load from (e.g. cdn.shop.com)"})
    media_dir: Path | None = field(
        default=None, metadata={"help": "folder of the catalog's local pictures (default: the demo store's)"})
    profile_retention_days: int = field(default=180, metadata={
        "help": "shopper profiles unused this long are deleted (opt-in memory across visits)"})
    insights_token: str | None = field(default=None, metadata={
        "help": "token for /insights/ (?token=... or Authorization: Bearer ...); null = the page is off"})

    def validate(self) -> None:
        if self.share:
            raise ValueError("share: public share links are not supported; put the app behind your own proxy")
        if not 0 < self.port < 65536:
            raise ValueError(f"port: {self.port} is not a TCP port")
        if not self.mount_path.startswith("/") or self.mount_path == "/":
            raise ValueError(f"mount_path: {self.mount_path!r} must be a sub-path such as /chat")
        for host in self.image_hosts:
            if not re.fullmatch(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?", host or ""):
                raise ValueError(f"image_hosts: {host!r} must be a host name such as cdn.example.com")
        if self.media_dir is not None and not Path(self.media_dir).is_dir():
            raise ValueError(f"media_dir: {self.media_dir} is not a folder")
        if self.insights_token is not None and len(self.insights_token) < 16:
            raise ValueError("insights_token: use at least 16 characters (or null to turn /insights/ off)")
        for name in ("queue_max_size", "concurrency_limit", "profile_retention_days"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name}: must be at least 1")

    def transcripts_path(self) -> Path:
        from assistant.paths import cache_dir

        return self.transcripts_db or cache_dir() / "transcripts.sqlite3"

    def media_path(self) -> Path:
        from assistant.paths import DEMO_DATA_DIR

        return Path(self.media_dir) if self.media_dir is not None else DEMO_DATA_DIR
