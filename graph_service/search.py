"""Full-text search over the index the ETL writes (``etl/search_index.py``): query side.

The query is lemmatised with the same analyser as the index; the passage shown with each result
is cut from the original text around the first word whose forms match the query, with the
matching words marked (as segments: the template escapes them).
"""
from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from etl.search_index import INDEX_NAME, match_expression, query_terms, tokens, word_lemmas
from zhytomyr_kg.store_layout import NoStore, live_build

from .backend import OxigraphBackend

WINDOW = 90  # characters of context on each side of the first match


@dataclass
class Hit:
    iri: str  # the entity the result links to (for a report: the project or task it is on)
    source: str  # the indexed entity (the report itself for report texts)
    kind: str
    label_uk: str | None
    label_en: str | None
    alt: list[str]
    line: int | None
    snippet: list[tuple[str, bool]]  # (text, is a match)
    score: float
    field: str  # "names" or "text"


def index_path(backend) -> Path | None:
    """The index of the live build (embedded store), or ``ZKG_SEARCH_INDEX`` for a remote backend."""
    env = os.environ.get("ZKG_SEARCH_INDEX")
    if env:
        return Path(env)
    if isinstance(backend, OxigraphBackend):
        try:
            return live_build(backend.store_dir).directory / INDEX_NAME
        except NoStore:
            return None
    return None


def _query_forms(query: str) -> set[str]:
    return {t for _, _, w in tokens(query) for t in query_terms(w)}


def highlight(text: str, forms: set[str], window: int | None = WINDOW) -> list[tuple[str, bool]]:
    """``text`` (or a window of it around the first match) as segments, matches flagged."""
    spans = [(a, b) for a, b, w in tokens(text) if forms & set((w.lower(), *word_lemmas(w)))]
    if not spans:
        return [(text if window is None or len(text) <= 2 * window else text[: 2 * window] + "…", False)]
    start, end = 0, len(text)
    if window is not None:
        start = max(0, spans[0][0] - window)
        end = min(len(text), spans[0][1] + window)
        while start > 0 and not text[start - 1].isspace():
            start -= 1
        while end < len(text) and not text[end].isspace():
            end += 1
    out: list[tuple[str, bool]] = [("…", False)] if start > 0 else []
    pos = start
    for a, b in spans:
        if a < start or b > end:
            continue
        if a > pos:
            out.append((text[pos:a], False))
        out.append((text[a:b], True))
        pos = b
    if pos < end:
        out.append((text[pos:end], False))
    if end < len(text):
        out.append(("…", False))
    return out


def search(path: Path, query: str, limit: int = 50) -> tuple[list[Hit], str | None]:
    """Hits for ``query`` (best first) and the FTS5 expression used."""
    expression = match_expression(query)
    if not expression:
        return [], None
    forms = _query_forms(query)
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT iri, kind, label_uk, label_en, alt, text, target, line, bm25(entries, 5.0, 1.0) AS score "
            "FROM entries WHERE entries MATCH ? ORDER BY score LIMIT ?",
            (expression, limit),
        ).fetchall()
    finally:
        con.close()
    hits = []
    for iri, kind, uk, en, alt, text, target, line, score in rows:
        alts = [a for a in (alt or "").split("\n") if a]
        names = " · ".join(x for x in (uk, en, *alts) if x)
        in_names = kind != "report"
        snippet = highlight(names, forms, None) if in_names else highlight(text or "", forms)
        hits.append(Hit(target or iri, iri, kind, uk, en, alts, line, snippet, score, "names" if in_names else "text"))
    return hits, expression
