"""Cleaning cell text: HTML fragments out, whitespace and apostrophes made uniform."""

from __future__ import annotations

import html
import re

_TAG = re.compile(r"</?\s*[a-zA-Z][^>]*>")
_PARAGRAPH_BREAK = re.compile(r"</p>\s*(?:<p[^>]*>)?|<br\s*/?>", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
_APOSTROPHES = re.compile(r"[\u2019\u02bc\u2018`´]")


def strip_html(cell: str) -> str:
    """Remove tags (``<p>``, ``<i>``…), decode entities, collapse whitespace."""
    return collapse(html.unescape(_TAG.sub(" ", cell)))


def collapse(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def paragraphs(cell: str) -> list[str]:
    """A progress cell as its paragraphs: ``<p>a</p> <p>b</p>`` → ``["a", "b"]``."""
    parts = (strip_html(part) for part in _PARAGRAPH_BREAK.split(cell))
    return [p for p in parts if p]


def key(text: str) -> str:
    """Lookup key for curated tables: no HTML, one space, one kind of apostrophe."""
    return _APOSTROPHES.sub("'", strip_html(text))
