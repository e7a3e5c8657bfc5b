"""The small corpus the RAG examples search: examples/data/*.md, written for this project (Varo Island)."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
QUESTIONS = [
    "When was the Varo Light automated?",
    "How long does the ferry crossing to Varo Island take?",
]


def pages() -> list[tuple[str, str]]:
    """(file name, text) of every page, in a stable order."""
    return [(path.name, path.read_text(encoding="utf-8")) for path in sorted(DATA.glob("*.md"))]


def paragraphs() -> list[tuple[str, str]]:
    """(file name, paragraph) pairs: the pages split at blank lines, headings dropped."""
    return [
        (name, block.strip())
        for name, text in pages()
        for block in text.split("\n\n")
        if block.strip() and not block.startswith("#")
    ]
