"""Documents (Markdown with YAML front matter) and their overlapping chunks."""

from __future__ import annotations

import re

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Document:
    doc_id: str          # the path relative to the docs dir: stable across re-ingests
    text: str
    title: str = ""
    doc_type: str = ""   # guide | faq | policy
    category: str | None = None
    source: str = ""


def chunk_text(text: str, chunk_chars: int = 800, overlap_chars: int = 150) -> list[str]:
    """Split on word boundaries into pieces of at most ~chunk_chars, each starting ~overlap_chars
    before the previous one ended, so a sentence cut at a border is whole in one of the two."""
    words = text.split()
    chunks: list[str] = []
    start = 0
    while start < len(words):
        end, size = start, 0
        while end < len(words) and (size + len(words[end]) + 1 <= chunk_chars or end == start):
            size += len(words[end]) + 1
            end += 1
        chunks.append(" ".join(words[start:end]))
        if end == len(words):
            break
        back, overlap = end, 0
        while back > start + 1 and overlap + len(words[back - 1]) + 1 <= overlap_chars:
            back -= 1
            overlap += len(words[back]) + 1
        start = back
    return chunks


def read_document(path: Path, root: Path) -> Document:
    """A Markdown file; front matter (between ``---`` lines) gives title, doc_type, category."""
    import yaml

    text = path.read_text(encoding="utf-8")
    meta: dict = {}
    if text.startswith("---"):
        _, front, body = text.split("---", 2)
        meta = yaml.safe_load(front) or {}
        text = body
    text = _plain_headings(text, drop_first=bool(meta.get("title")))
    rel = path.relative_to(root).as_posix()
    folder_type = {"guides": "guide", "faq": "faq", "faqs": "faq", "policies": "policy"}.get(path.parent.name, "")
    doc_type = str(meta.get("doc_type") or folder_type)
    return Document(doc_id=rel, text=text.strip(), title=str(meta.get("title") or path.stem),
                    doc_type=doc_type, category=meta.get("category"), source=rel)


def _plain_headings(text: str, drop_first: bool) -> str:
    """Markdown headings as plain sentences ("## Large items" -> "Large items."), since chunks are quoted to
    shoppers as running text; the first one is dropped when the front matter's title already names the doc."""
    out, first = [], True
    for line in text.splitlines():
        m = re.match(r"\s*#{1,6}\s+(.*?)\s*#*\s*$", line)
        if m:
            if not (first and drop_first):
                heading = m.group(1)
                out.append(heading if heading[-1:] in ".?!:" else heading + ".")
        else:
            out.append(line)
        if line.strip():
            first = False
    return "\n".join(out)


def read_documents(root: Path) -> list[Document]:
    return [read_document(p, root) for p in sorted(Path(root).rglob("*.md"))]
