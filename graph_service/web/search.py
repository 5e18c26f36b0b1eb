"""Full-text search over the index the ETL writes (``etl/search_index.py``): query side.

The query is lemmatised with the same analyser as the index; the passage shown with each result
is cut from the original text around the first word whose forms match the query, with the
matching words marked (as segments: the template escapes them).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from etl.search_index import INDEX_NAME, match_expression, query_terms, tokens, word_lemmas
from zhytomyr_kg.settings import env
from zhytomyr_kg.store_layout import NoStore

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
    configured = env("ZKG_SEARCH_INDEX")
    if configured:
        return Path(configured)
    try:
        build = backend.live_build()
    except NoStore:
        return None
    return None if build is None else build.directory / INDEX_NAME


def _query_groups(query: str) -> list[set[str]]:
    """The forms each query word may take (one set per word)."""
    return [set(query_terms(w)) for _, _, w in tokens(query)]


def highlight(text: str, groups: list[set[str]], window: int | None = WINDOW) -> list[tuple[str, bool]]:
    """``text`` (or the window of it where most query words meet) as segments, matches flagged."""
    spans = []
    for a, b, w in tokens(text):
        forms = {w.lower(), *word_lemmas(w)}
        matched = frozenset(i for i, g in enumerate(groups) if g & forms)
        if matched:
            spans.append((a, b, matched))
    if not spans:
        return [(text if window is None or len(text) <= 2 * window else text[: 2 * window] + "…", False)]
    start, end = 0, len(text)
    if window is not None:

        def covered(i: int) -> int:
            reach = spans[i][0] + 2 * window
            return len(frozenset().union(*(m for a, _, m in spans[i:] if a < reach)))

        best = max(range(len(spans)), key=lambda i: (covered(i), -i))
        start = max(0, spans[best][0] - window // 3)
        end = min(len(text), spans[best][0] + 2 * window)
        while start > 0 and not text[start - 1].isspace():
            start -= 1
        while end < len(text) and not text[end].isspace():
            end += 1
    out: list[tuple[str, bool]] = [("…", False)] if start > 0 else []
    pos = start
    for a, b, _ in spans:
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
    groups = _query_groups(query)
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
        snippet = highlight(names, groups, None) if in_names else highlight(text or "", groups)
        hits.append(
            Hit(target or iri, iri, kind, uk, en, alts, line, snippet, score, "names" if in_names else "text")
        )
    return hits, expression
