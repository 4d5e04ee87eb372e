"""The FastAPI app around the chat: the Gradio app mounted at ``/chat``, ``/healthz``, and the
embed pages with Gradio's web-component script served from this server (works offline).

    shopassist serve --host 127.0.0.1 --port 7860
    # http://127.0.0.1:7860/chat/          the chat
    # http://127.0.0.1:7860/embed/         a store page embedding it; /embed/widget.html the chat button
    # http://127.0.0.1:7860/insights/?token=...   store insights (with insights_token in the config)
"""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path
from typing import Iterator

from assistant.reply import AssistantAPI
from ui.config import ServeConfig
from ui.transcripts import TranscriptStore, open_store

EMBED_DIR = Path(__file__).resolve().parent / "embed"
EMBED_PAGES = {"": "index.html", "index.html": "index.html", "widget.html": "widget.html"}


def blocked_paths(config: ServeConfig) -> list[str]:
    """What Gradio's file routes must never serve: transcripts, the cache (vector store,
    converted models) and the adapters."""
    from assistant.paths import DEFAULT_ADAPTER_DIR, cache_dir

    db = config.transcripts_path()
    return [str(p) for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), cache_dir(), DEFAULT_ADAPTER_DIR.parent)]


def build_server(assistant: AssistantAPI, config: ServeConfig, store: TranscriptStore | None = None):
    """FastAPI app with the chat mounted at ``config.mount_path``; transcripts go to ``store``
    (default: the config's database)."""
    import gradio as gr
    from fastapi import FastAPI, HTTPException
    from fastapi.responses import FileResponse, RedirectResponse
    from fastapi.staticfiles import StaticFiles

    from ui.app import CSS, build_app, theme

    store = store if store is not None else open_store(config.transcripts_path())
    app = FastAPI(title="Shopping assistant", docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/")
    def home() -> RedirectResponse:
        return RedirectResponse(f"{config.root_path}{config.mount_path}/")

    @app.get("/embed/{page:path}")
    def embed_page(page: str) -> FileResponse:
        if page not in EMBED_PAGES:
            raise HTTPException(404)
        return FileResponse(EMBED_DIR / EMBED_PAGES[page], media_type="text/html")

    # gradio.js imports ./assets/*, so the whole frontend folder is served under one prefix.
    frontend = Path(gr.__file__).parent / "templates" / "frontend"
    app.mount("/static/gradio", StaticFiles(directory=frontend), name="gradio-frontend")

    from ui.widget import mount_widget

    mount_widget(app, assistant, config, store)   # /widget.js, /widget/panel, /api/*, /media/*

    from ui.insights_page import add_insights_route

    add_insights_route(app, config, store)   # /insights/: 404 unless config.insights_token is set
    demo = build_app(assistant, config, store)
    return gr.mount_gradio_app(app, demo, path=config.mount_path, root_path=config.root_path or None,
                               show_error=False, blocked_paths=blocked_paths(config), allowed_paths=[],
                               footer_links=["api"], theme=theme(), css=CSS, ssr_mode=False, mcp_server=False)


def run_server(app, config: ServeConfig, open_browser: bool = False) -> None:
    """Serve until interrupted."""
    import uvicorn

    url = f"http://{config.host}:{config.port}{config.mount_path}/"
    print(f"Shopping assistant on {url}  (embed example: http://{config.host}:{config.port}/embed/)")
    if open_browser:
        import webbrowser

        threading.Timer(1.5, webbrowser.open, (url,)).start()
    uvicorn.run(app, host=config.host, port=config.port, log_level="warning")


def launch(config: ServeConfig | None = None, open_browser: bool = False) -> None:
    """Build the assistant from ``config.chat_config`` and serve the chat until interrupted."""
    from assistant.dialogue.manager import ShoppingAssistant

    config = config or ServeConfig()
    assistant = ShoppingAssistant.from_config(config.chat_config)
    run_server(build_server(assistant, config), config, open_browser=open_browser)


@contextlib.contextmanager
def serve_in_thread(app, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Run the app in a background thread (tests, notebooks); yields its base URL."""
    import uvicorn

    # Open event streams (a client's heartbeat) would hold a graceful shutdown for long.
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning",
                                           timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the server did not start on {host}:{port}")
        time.sleep(0.05)
    bound = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{bound}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
