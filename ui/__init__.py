"""The browser chat, its embeddable widget, and the transcript store (Gradio + FastAPI + SQLite)."""
