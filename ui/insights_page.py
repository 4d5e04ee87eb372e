"""The store insights page at ``/insights/``, behind the token from the serve config.

    shopassist serve --insights_token "$(python -c 'import secrets; print(secrets.token_urlsafe(24))')"
    # http://127.0.0.1:7860/insights/?token=...      (or the header  Authorization: Bearer ...)

Without a configured token the page does not exist (404); a missing or wrong token is refused (401).
The page holds aggregates only (``ui.insights``), with the plots inline; it is rebuilt at most once a
minute, as the plots cost a second of CPU. (No ``from __future__ import annotations`` here: FastAPI
reads the route's ``Request`` annotation at runtime.)
"""

import hmac
import threading
import time

from ui.config import ServeConfig
from ui.transcripts import TranscriptStore

CACHE_SECONDS = 60.0


def add_insights_route(app, config: ServeConfig, store: TranscriptStore) -> None:
    """Mount ``GET /insights/`` on the FastAPI ``app``."""
    from fastapi import Request
    from fastapi.responses import HTMLResponse, RedirectResponse, Response

    cache: dict[str, tuple[float, str]] = {}
    lock = threading.Lock()
    headers = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}

    def page() -> str:
        from ui.insights import compute, plots, render_html

        with lock:
            built = cache.get("page")
            if built is None or time.monotonic() - built[0] > CACHE_SECONDS:
                data = compute(store)
                built = (time.monotonic(), render_html(data, plots(data)))
                cache["page"] = built
            return built[1]

    def allowed(request: Request) -> bool:
        given = request.query_params.get("token") or ""
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            given = auth[7:].strip()
        return bool(given) and hmac.compare_digest(given.encode(), config.insights_token.encode())

    @app.get("/insights")
    def insights_slash(request: Request):
        return RedirectResponse(f"{config.root_path}/insights/?{request.url.query}" if request.url.query
                                else f"{config.root_path}/insights/")

    @app.get("/insights/")
    def insights(request: Request):
        if not config.insights_token:
            return Response("Not Found", status_code=404)
        if not allowed(request):
            return Response("The insights page needs the token from the server's config.", status_code=401,
                            headers={"WWW-Authenticate": "Bearer", **headers})
        return HTMLResponse(page(), headers=headers)
