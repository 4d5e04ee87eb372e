"""The compact chat widget's server side: the one-line loader (``/widget.js``), the panel page it
opens in an iframe (``/widget/panel``), the panel's JSON API (``/api/*``) and product pictures
(``/media/*``). Everything the widget loads comes from this server, so it works offline.

    shopassist serve --port 7860
    # a shop page: <script src="http://127.0.0.1:7860/widget.js" defer></script>
    curl -N -X POST http://127.0.0.1:7860/api/chat -H 'content-type: application/json' \\
         -d '{"session": "0123456789abcdef", "message": "a quiet dishwasher under 600"}'

A reply streams as NDJSON: ``{"type": "text", "text": ...}`` pieces, then one
``{"type": "reply", ...}`` with the structured part (products with their picture URL, the
comparison, the preference chips and the chrome language), all built from catalog records and
escaped by the panel when shown.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections import OrderedDict
from dataclasses import asdict
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlsplit

from assistant.reply import AssistantAPI, Reply
from assistant.state import KEYS, LIST_KEYS, NUMBER_KEYS, StateError
from ui.cards import keep_chips
from ui.config import ServeConfig
from ui.texts import chip_label, chrome, labels, language_of, spec_label, value_label
from ui.transcripts import TranscriptStore

log = logging.getLogger(__name__)

WIDGET_DIR = Path(__file__).resolve().parent / "widget"
IMAGE_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".webp": "image/webp", ".gif": "image/gif"}
PLACEHOLDER = "/widget/static/placeholder.svg"
_SESSION = re.compile(r"[A-Za-z0-9_-]{16,64}")
# The panel's own pages: scripts and styles only from this server; pictures also from the store's hosts.
PANEL_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
             "img-src 'self' {hosts}; frame-ancestors *; base-uri 'none'; form-action 'none'")


def image_src(image: str | None, config: ServeConfig) -> str | None:
    """The URL the panel may load for a product picture, or None (the panel shows the placeholder):
    a local file under the media folder -> ``/media/<path>``; a remote http(s) URL only when its
    host is one the store allows (``image_hosts``)."""
    if not image:
        return None
    if image.startswith(("http://", "https://")):
        host = urlsplit(image).netloc.lower()
        return image if host in {h.lower() for h in config.image_hosts} else None
    if ":" in image or image.startswith(("/", "\\")) or ".." in re.split(r"[/\\]", image):
        return None
    return f"{config.root_path}/media/" + image.replace("\\", "/")


def _money(value: float, currency: str) -> str:
    symbol = {"USD": "$", "EUR": "€", "GBP": "£", "CNY": "¥"}.get(currency)
    amount = f"{value:,.2f}".removesuffix(".00")
    return f"{symbol}{amount}" if symbol else f"{amount} {currency}"


def product_json(card: Any, config: ServeConfig, lang: str) -> dict[str, Any]:
    """One card as the panel shows it (labels in the chrome language, values from the catalog)."""
    sizes = [card.sizes.get(k) for k in ("width_cm", "depth_cm", "height_cm")]
    specs = [[spec_label(k, lang), value_label(v, lang)] for k, v in card.key_specs.items()
             if v not in (None, "", [])][:3]
    size = " × ".join("?" if d is None else f"{d:g}" for d in sizes) + " cm" if any(sizes) else ""
    url = getattr(card, "url", None) or (card.source if str(card.source).startswith(("https://", "http://")) else "")
    return {"id": card.id, "name": card.name, "brand": card.brand, "category": value_label(card.category, lang),
            "price": card.price, "currency": card.currency, "price_text": _money(card.price, card.currency),
            "in_stock": card.in_stock, "alternative": card.alternative, "size": size, "specs": specs,
            "image": image_src(getattr(card, "image", None), config), "url": url or None}


def comparison_json(rows: list[dict[str, Any]] | None, lang: str) -> dict[str, Any] | None:
    """The comparison as a compact table: one column per product, one row per attribute (a narrow
    panel fits two or three products side by side better than a dozen attribute columns).
    Takes the dialogue's attribute rows (``{"attribute": "price", <product id>: value, ...}``) or
    product rows (``{"name": ..., "price": ...}``)."""
    if not rows:
        return None
    if all("attribute" in row for row in rows):
        ids = list(dict.fromkeys(k for row in rows for k in row if k != "attribute"))
        names = next((row for row in rows if row["attribute"] == "name"), {})
        head = [str(names.get(i, i)) for i in ids]
        body = [[spec_label(str(row["attribute"]), lang)] + [_cell(row.get(i), lang) for i in ids]
                for row in rows if row["attribute"] != "name"]
        return {"products": head, "rows": body}
    keys = list(dict.fromkeys(k for row in rows for k in row))
    head = [str(row.get("name", "")) for row in rows]
    body = [[spec_label(k, lang)] + [_cell(row.get(k), lang) for row in rows] for k in keys if k != "name"]
    return {"products": head, "rows": body}


def _cell(value: Any, lang: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return {"en": ("yes", "no"), "zh": ("是", "否")}.get(lang, ("yes", "no"))[0 if value else 1]
    if isinstance(value, (list, tuple)):
        return ", ".join(value_label(v, lang) for v in value)
    return value_label(value, lang)


def chips_json(state: Any, lang: str) -> list[dict[str, str]]:
    out = []
    for key in KEYS:
        value = getattr(state, key)
        for v in (value if key in LIST_KEYS else () if value is None else (value,)):
            out.append({"key": key, "value": f"{key}={v}", "label": chip_label(key, v, lang)})
    return out


class Sessions:
    """The chrome language per widget session (bounded: the oldest are forgotten first)."""

    def __init__(self, size: int = 5000) -> None:
        self._langs: OrderedDict[str, str] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def language(self, session: str, config: ServeConfig, message: str | None = None,
                 reply: Reply | None = None, page: str | None = None) -> str:
        """The store's pin, else the page's pin (the script tag's ``data-lang``), else the reply's
        own language, else the shopper's last message, else what the session had."""
        with self._lock:
            previous = self._langs.get(session, "en")
            if config.language != "auto":
                lang = config.language
            elif page in ("en", "zh"):
                lang = page
            elif reply is not None and getattr(reply, "language", None) in ("en", "zh"):
                lang = reply.language   # the dialogue decided (the reply's own language)
            elif message:
                lang = language_of(message, previous)
            else:
                lang = previous
            self._langs[session] = lang
            self._langs.move_to_end(session)
            while len(self._langs) > self._size:
                self._langs.popitem(last=False)
            return lang


class Gate:
    """At most ``limit`` replies at once and ``queue`` waiting; beyond that the caller is told to retry."""

    def __init__(self, limit: int, queue: int) -> None:
        self._slots = threading.BoundedSemaphore(limit)
        self._waiting = 0
        self._max = queue
        self._lock = threading.Lock()

    def enter(self) -> bool:
        with self._lock:
            if self._waiting >= self._max:
                return False
            self._waiting += 1
        self._slots.acquire()
        with self._lock:
            self._waiting -= 1
        return True

    def leave(self) -> None:
        self._slots.release()


def mount_widget(app, assistant: AssistantAPI, config: ServeConfig, store: TranscriptStore | None = None) -> None:
    """Add the widget's routes to the FastAPI ``app``."""
    from fastapi import Body, HTTPException
    from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
    from fastapi.staticfiles import StaticFiles

    limit = assistant.max_message_chars   # the assistant's one limit: refused here, before the queue
    sessions = Sessions()
    gate = Gate(config.concurrency_limit, config.queue_max_size)
    media_root = config.media_path().resolve()
    csp = PANEL_CSP.format(hosts=" ".join(f"https://{h} http://{h}" for h in config.image_hosts))

    def session_of(body: dict[str, Any]) -> str:
        session = str(body.get("session") or "")
        if not _SESSION.fullmatch(session):
            raise HTTPException(400, "session: 16-64 letters, digits, '-' or '_'")
        return "w-" + session   # never the same id as a Gradio tab's session

    def page_lang(body: dict[str, Any]) -> str | None:
        return body.get("lang") if body.get("lang") in ("en", "zh") else None

    def run(session: str, make_reply, user_text: str, lang_hint: str | None, page: str | None) -> Iterator[bytes]:
        """Stream one turn: text pieces, then the structured reply; errors become a friendly reply."""
        def line(obj: dict[str, Any]) -> bytes:
            return (json.dumps(obj, ensure_ascii=False) + "\n").encode()

        lang = sessions.language(session, config, lang_hint, page=page)
        if not gate.enter():
            yield line({"type": "reply", "action": "error", "text": labels(lang)["busy"], "language": lang,
                        "busy": True})
            return
        try:
            try:
                reply = make_reply()
                text = ""
                for piece in reply.stream():
                    text += piece
                    yield line({"type": "text", "text": piece})
                lang = sessions.language(session, config, lang_hint, reply, page)
                state = reply.state
                payload = {
                    "type": "reply", "action": reply.action, "text": reply.text, "language": lang,
                    "state": state.to_dict(), "chips": chips_json(state, lang),
                    "products": [product_json(c, config, lang) for c in reply.products],
                    "alternatives": [product_json(c, config, lang) for c in reply.alternatives],
                    "comparison": comparison_json(reply.comparison, lang),
                    "handoff_summary": reply.handoff_summary}
            except Exception:
                log.exception("widget turn failed for session %s", session)
                yield line({"type": "reply", "action": "error", "text": labels(lang)["error"], "language": lang})
                return
            if store is not None:
                try:
                    payload["turn"] = store.add_turn(session, user_text, payload["text"], payload["state"],
                                                     [asdict(c) for c in reply.products], reply.action)
                except Exception:   # a full disk must not cost the shopper the reply
                    log.exception("could not record the turn of session %s", session)
            yield line(payload)
        finally:
            gate.leave()

    def stream(chunks: Iterator[bytes]) -> StreamingResponse:
        return StreamingResponse(chunks, media_type="application/x-ndjson",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    @app.post("/api/chat")
    def api_chat(body: dict[str, Any] = Body(...)) -> StreamingResponse:
        session = session_of(body)
        message = str(body.get("message") or "").strip()
        if not message:
            raise HTTPException(400, "message: empty")
        if len(message) > limit:
            lang = sessions.language(session, config, message, page=page_lang(body))
            text = labels(lang)["too_long"].format(n=f"{len(message):,}", limit=f"{limit:,}")
            return JSONResponse({"type": "reply", "action": "refused", "text": text, "language": lang})
        return stream(run(session, lambda: assistant.respond(session, message), message, message,
                             page_lang(body)))

    @app.post("/api/chips")
    def api_chips(body: dict[str, Any] = Body(...)) -> StreamingResponse:
        """The shopper edited the chips: keep the ones still listed (``keep``: their values), set the
        numbers changed in place (``set``: {"budget_max": 800}), and search again."""
        session = session_of(body)
        keep, changes = body.get("keep"), body.get("set") or {}
        if not isinstance(keep, list) or not all(isinstance(v, str) for v in keep):
            raise HTTPException(400, "keep: a list of chip values")
        if not isinstance(changes, dict) or not set(changes) <= set(NUMBER_KEYS):
            raise HTTPException(400, f"set: only {list(NUMBER_KEYS)} can be changed in place")
        try:
            numbers = {k: float(v) for k, v in changes.items()}
        except (TypeError, ValueError):
            raise HTTPException(400, "set: numbers only") from None
        if any(not 0 < v < 1e7 for v in numbers.values()):
            raise HTTPException(400, "set: a positive number")
        state = keep_chips(assistant.get_state(session), keep)
        try:
            state = state.replace(**numbers)
        except (StateError, ValueError) as e:   # e.g. a minimum above the maximum
            raise HTTPException(400, f"set: {e}") from None
        return stream(run(session, lambda: assistant.set_state(session, state), "", None, page_lang(body)))

    @app.post("/api/handoff")
    def api_handoff(body: dict[str, Any] = Body(...)) -> StreamingResponse:
        session = session_of(body)
        return stream(run(session, lambda: assistant.handoff(session), "", None, page_lang(body)))

    @app.post("/api/reset")
    def api_reset(body: dict[str, Any] = Body(...)) -> dict[str, str]:
        assistant.reset(session_of(body))
        return {"status": "ok"}

    @app.get("/api/labels")
    def api_labels() -> dict[str, Any]:
        return {"languages": chrome(), "pinned": None if config.language == "auto" else config.language,
                "max_message_chars": limit}

    @app.get("/widget.js")
    def loader() -> FileResponse:
        return FileResponse(WIDGET_DIR / "widget.js", media_type="text/javascript",
                            headers={"Cache-Control": "no-cache", "Access-Control-Allow-Origin": "*"})

    @app.get("/widget/panel")
    def panel() -> FileResponse:
        return FileResponse(WIDGET_DIR / "panel.html", media_type="text/html",
                            headers={"Content-Security-Policy": csp, "Cache-Control": "no-cache",
                                     "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"})

    @app.get("/media/{path:path}")
    def media(path: str) -> Response:
        """A local product picture from the media folder; nothing outside it, only picture types."""
        target = (media_root / path).resolve()
        kind = IMAGE_TYPES.get(target.suffix.lower())
        if kind is None or not target.is_relative_to(media_root) or not target.is_file():
            raise HTTPException(404)
        # An SVG opened on its own must not run script: a catalog's files are not ours to trust.
        return FileResponse(target, media_type=kind, headers={
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
            "X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=86400"})

    app.mount("/widget/static", StaticFiles(directory=WIDGET_DIR / "static"), name="widget-static")
