"""Text people wrote, put into a Markdown file as they wrote it: one rule for every file we make."""

from __future__ import annotations

# Markdown's own marks: unescaped, a name or a note could become a link, a heading or a table.
MARKS = "\\`*_[]<>#|"


def plain(text: str) -> str:
    """Text as written, with Markdown's own marks escaped so a note cannot turn into a link."""
    return "".join(f"\\{ch}" if ch in MARKS else ch for ch in text)
