"""Full-text search over the index the ETL writes (``etl/search_index.py``): query side.

The query is lemmatised with the same analyser as the index; the passage shown with each result
is cut from the original text around the first word whose forms match the query, with the
matching words marked (as segments: the template escapes them).

An entity found by its label or alias brings the reports that name it (the index's ``mentions``
table, from ``zkg:Mention``), each ranked right below it with the words that name it marked: "ЄБРР"
finds the bank, then the report of line 160 that writes "Європейського банку реконструкції та
розвитку". Results come best first; :func:`grouped` puts them under their class with counts.
"""

from __future__ import annotations

import dataclasses
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from etl.search_index import INDEX_NAME, match_expression, query_terms, tokens, word_lemmas
from zhytomyr_kg.settings import env
from zhytomyr_kg.store_layout import NoStore

_CYRILLIC = re.compile(r"[А-Яа-яІіЇїЄєҐґ]")
WINDOW = 90  # characters of context on each side of the first match
#: reports brought in through the mentions of one found entity, and of all of them
MENTIONS_PER_ENTITY = 25
MAX_RESULTS = 120


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
    field: str  # "names", "text", or "mention" (a report that names an entity found by name)
    via: list[str] = dataclasses.field(default_factory=list)  # for "mention": the entities the report names
    #: for "names": each name (Ukrainian, English, aliases) with its language, matches marked
    names: list[tuple[str | None, list[tuple[str, bool]]]] = dataclasses.field(default_factory=list)


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


def _window(text: str, at: int, window: int) -> tuple[int, int]:
    start = max(0, at - window // 3)
    end = min(len(text), at + 2 * window)
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    return start, end


def _segments(text: str, spans: list[tuple[int, int]], start: int, end: int) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = [("…", False)] if start > 0 else []
    pos = start
    for a, b in spans:
        if a < start or b > end or a < pos:
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
        start, end = _window(text, spans[best][0], window)
    return _segments(text, [(a, b) for a, b, _ in spans], start, end)


def highlight_span(text: str, a: int, b: int, window: int = WINDOW) -> list[tuple[str, bool]]:
    """The window of ``text`` around the characters ``a``–``b`` (a mention), those marked."""
    if not 0 <= a < b <= len(text):
        return [(text if len(text) <= 2 * window else text[: 2 * window] + "…", False)]
    start, end = _window(text, a, window)
    return _segments(text, [(a, b)], start, end)


def search(path: Path, query: str, limit: int = 50) -> tuple[list[Hit], str | None]:
    """Hits for ``query`` (best first) and the FTS5 expression used: the entities and report texts
    that match, each entity followed by the reports that name it (not already found by their text)."""
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
        hits: list[Hit] = []
        for iri, kind, uk, en, alt, text, target, line, score in rows:
            alts = [a for a in (alt or "").split("\n") if a]
            in_names = kind != "report"
            if in_names:
                named: list[tuple[str | None, str]] = [(lang, x) for lang, x in (("uk", uk), ("en", en)) if x]
                named += [("uk" if _CYRILLIC.search(a) else None, a) for a in alts]
                parts: list[tuple[str | None, list[tuple[str, bool]]]] = [
                    (lang, highlight(x, groups, None)) for lang, x in named
                ]
                snippet = [
                    seg for i, (_, segs) in enumerate(parts) for seg in ([(" · ", False)] if i else []) + segs
                ]
            else:
                parts, snippet = [], highlight(text or "", groups)
            hit = Hit(
                target or iri, iri, kind, uk, en, alts, line, snippet, score, "names" if in_names else "text"
            )
            hit.names = parts
            hits.append(hit)
        hits = _with_mentions(con, hits)
    finally:
        con.close()
    return hits[:MAX_RESULTS], expression


def _has_mentions(con: sqlite3.Connection) -> bool:
    return con.execute("SELECT 1 FROM sqlite_master WHERE name = 'mentions'").fetchone() is not None


def _with_mentions(con: sqlite3.Connection, hits: list[Hit]) -> list[Hit]:
    """``hits`` with, right below each entity found by name, the reports that name it."""
    if not _has_mentions(con):  # an index written before mentions were kept
        return hits
    found_reports = {h.source for h in hits if h.kind == "report"}
    added: dict[str, Hit] = {}
    out: list[Hit] = []
    for hit in hits:
        out.append(hit)
        if hit.kind == "report":
            continue
        rows = con.execute(
            'SELECT m.report, m.work, m.line, m.start, m."end", e.text, e.label_uk, e.label_en '
            "FROM mentions m JOIN entries e ON e.iri = m.report "
            "WHERE m.entity = ? ORDER BY m.line, m.start LIMIT ?",
            (hit.source, MENTIONS_PER_ENTITY * 4),
        ).fetchall()
        below: list[Hit] = []
        for report, work, line, start, end, text, uk, en in rows:
            if report in found_reports:
                continue
            seen = added.get(report)
            if seen is not None:
                if hit.source not in seen.via:
                    seen.via.append(hit.source)
                continue
            if len(below) >= MENTIONS_PER_ENTITY:
                continue
            mention = Hit(
                work or report,
                report,
                "report",
                uk,
                en,
                [],
                line,
                highlight_span(text or "", start, end),
                hit.score,
                "mention",
                [hit.source],
            )
            added[report] = mention
            below.append(mention)
        out.extend(below)
    return out


@dataclass
class Group:
    kind: str
    hits: list[Hit] = dataclasses.field(default_factory=list)


def grouped(results: list, kind=lambda r: r["kind"]) -> list[Group]:
    """``results`` (best first) under their class, classes in the order of their best result."""
    by_kind: dict[str, Group] = {}
    for r in results:
        by_kind.setdefault(kind(r), Group(kind(r))).hits.append(r)
    return list(by_kind.values())
