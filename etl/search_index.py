"""Stage 7 — search index: labels and progress texts → SQLite FTS5, by lemma.

Every word is indexed as its lower-cased surface form plus its lemma from the same Ukrainian
analyser the mention finder uses (``etl.extract.morph``), so an inflected query ("башти") finds the
nominative in a label ("Водонапірна башта"), and acronyms ("ЄБРР", "EBRD", stored as
``skos:altLabel``) find their organisation. The service lemmatises the query with
:func:`query_terms` (every lemma a word may have) and matches any of them.

``search.sqlite`` is written into the build directory next to ``oxigraph/`` before the build is
published, so the index always belongs to the data it is served with.

One row per entity that has a page (priority, goal, task, project, department, funder,
programme, organisation, place, status) with its labels in both languages (the English ones are
the curated translations), and one row per progress report with its text (``target`` = the
project or task the report is on, whose page shows the text).

English words are indexed with their singular forms too (:func:`english_forms`: "trolleybuses"
also as "trolleybus"), so an English query finds a plural label and the other way round; an
English query word also matches the Ukrainian words a small curated glossary gives it
(``etl/data/search_glossary.csv``: "trolleybus" → тролейбус, тролейбусний), so it finds the
report texts, which are in Ukrainian only.

The table ``mentions`` keeps every ``zkg:Mention``: the entity named, the report that names it, the
work that report is on, its source line and character offsets. A query that finds an entity by its
label or alias also finds, through it, the reports and works that name it in other words ("ЄБРР" →
the report that writes "Європейського банку реконструкції та розвитку").
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

INDEX_NAME = "search.sqlite"

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS = "http://www.w3.org/2004/02/skos/core#"
ZKG = "https://w3id.org/zhytomyr-kg/ontology#"

_WORD = re.compile(r"\w+(?:['’ʼ`]\w+)*", re.UNICODE)
_APOSTROPHES = str.maketrans("", "", "'’ʼ`")
_CYRILLIC = re.compile(r"[а-яєіїґ]", re.IGNORECASE)

#: the classes whose instances get a row of their own (kind = the IRI path segment)
PAGE_CLASSES = {
    ZKG + c
    for c in (
        "Priority",
        "StrategicGoal",
        "Task",
        "Project",
        "Department",
        "Funder",
        "Programme",
        "Organization",
        "Place",
        "Status",
    )
}

SCHEMA = """
CREATE VIRTUAL TABLE entries USING fts5(
    names, body,
    iri UNINDEXED, kind UNINDEXED, label_uk UNINDEXED, label_en UNINDEXED, alt UNINDEXED,
    text UNINDEXED, target UNINDEXED, line UNINDEXED,
    tokenize = "unicode61 remove_diacritics 0"
);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE mentions (
    entity TEXT NOT NULL, report TEXT NOT NULL, work TEXT, line INTEGER,
    start INTEGER, "end" INTEGER, form TEXT
);
"""
INDEXES = "CREATE INDEX mentions_entity ON mentions (entity);"


def tokens(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, word) of every word in ``text``."""
    for match in _WORD.finditer(text):
        yield match.start(), match.end(), match.group()


def _norm(word: str) -> str:
    return word.lower().translate(_APOSTROPHES)


def english_forms(word: str) -> tuple[str, ...]:
    """A lower-cased Latin word and the singular forms it may be a plural of: "trolleybuses" →
    trolleybuses, trolleybuse, trolleybus; "cities" → cities, city; "towers" → towers, tower.
    Indexed and queried alike, so singular and plural find each other."""
    out = [word]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        out.append(word[:-1])
        if word.endswith("ies") and len(word) > 4:
            out.append(word[:-3] + "y")
        elif word.endswith(("ses", "xes", "zes", "ches", "shes")):
            out.append(word[:-2])
    return tuple(dict.fromkeys(out))


@lru_cache(maxsize=200_000)
def word_lemmas(word: str) -> tuple[str, ...]:
    """Every lemma the analyser gives ``word`` (best first), lower-cased, apostrophes dropped; a
    Latin word's own form and its singular forms (:func:`english_forms`)."""
    surface = _norm(word)
    if not _CYRILLIC.search(surface):
        return english_forms(surface)
    from etl.extract.morph import analyzer

    out = [p.normal_form for p in analyzer().parse(word.lower())]
    return tuple(dict.fromkeys(_norm(w) for w in out if w)) or (surface,)


def index_terms(word: str) -> tuple[str, ...]:
    """What a word of an indexed text is stored as: its surface form and every lemma the analyser
    gives it ("парку" → парку, парка, паркий, парк; a Latin word: every singular form it may have)."""
    return tuple(dict.fromkeys((_norm(word), *word_lemmas(word))))


@lru_cache(maxsize=1)
def glossary() -> dict[str, tuple[str, ...]]:
    """English word → the Ukrainian lemmas it stands for (``etl/data/search_glossary.csv``)."""
    import csv

    from zhytomyr_kg.resources import ETL_DATA_DIR

    path = ETL_DATA_DIR / "search_glossary.csv"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as f:
        return {row["en"].strip().lower(): tuple(row["uk"].split()) for row in csv.DictReader(f) if row["en"]}


def query_terms(word: str) -> tuple[str, ...]:
    """What a word of a query matches: its surface form or any of its lemmas, and for an English
    word the Ukrainian words the glossary gives it ("trolleybus" also finds «тролейбусами»)."""
    forms = (_norm(word), *word_lemmas(word))
    words = glossary()
    translated = [uk for form in forms for uk in words.get(form, ())]
    return tuple(dict.fromkeys((*forms, *translated)))


def index_text(text: str) -> str:
    return " ".join(term for _, _, word in tokens(text) for term in index_terms(word))


def match_expression(query: str) -> str | None:
    """An FTS5 MATCH expression: every query word (as any of its forms) must occur."""
    groups = []
    for _, _, word in tokens(query):
        terms = [t for t in query_terms(word) if t]
        if terms:
            groups.append("(" + " OR ".join('"' + t.replace('"', '""') + '"' for t in terms) + ")")
    return " AND ".join(groups) or None


def _records(quads: Iterable, id_base: str, mentions: list[tuple] | None = None) -> Iterator[dict]:
    """One record per page-worthy entity and per progress report, from the build's quads; the
    ``zkg:Mention`` nodes go to ``mentions`` as (entity, report, work, line, start, end, form)."""
    subjects: dict[str, dict] = {}
    for q in quads:
        s = q.subject
        if not hasattr(s, "value") or not s.value.startswith(id_base) or type(s).__name__ != "NamedNode":
            continue
        rec = subjects.setdefault(
            s.value,
            {"types": set(), "uk": None, "en": None, "alt": [], "text": None, "target": None, "line": None},
        )
        p, o = q.predicate.value, q.object
        if p == RDF_TYPE:
            rec["types"].add(o.value)
        elif p in (RDFS_LABEL, SKOS + "prefLabel"):
            lang = getattr(o, "language", None)
            if lang in ("uk", "en") and not rec[lang]:
                rec[lang] = o.value
            elif o.value not in rec["alt"]:
                rec["alt"].append(o.value)
        elif p == SKOS + "altLabel":
            if o.value not in rec["alt"]:
                rec["alt"].append(o.value)
        elif p == ZKG + "text":
            rec["text"] = o.value
        elif p in (ZKG + "reportsOn", ZKG + "target"):  # a report's work; a mention's entity
            rec["target"] = o.value
        elif p == ZKG + "sourceLine":
            rec["line"] = int(o.value)
        elif p in _MENTION_PROPS:
            rec[_MENTION_PROPS[p]] = o.value
    if mentions is not None:
        for rec in subjects.values():
            if ZKG + "Mention" in rec["types"] and rec.get("target") and rec.get("in_report"):
                report = subjects.get(rec["in_report"], {})
                mentions.append(
                    (
                        rec["target"],
                        rec["in_report"],
                        report.get("target"),
                        rec["line"],
                        int(rec.get("start", -1)),
                        int(rec.get("end", -1)),
                        rec.get("form"),
                    )
                )
    for iri, rec in subjects.items():
        kind = iri[len(id_base) :].split("/", 1)[0]
        if rec["types"] & PAGE_CLASSES:
            alt = [a for a in rec["alt"] if a not in (rec["uk"], rec["en"])]
            names = " ".join(x for x in (rec["uk"], rec["en"], *alt) if x)
            yield {
                "iri": iri,
                "kind": kind,
                "uk": rec["uk"],
                "en": rec["en"],
                "alt": alt,
                "names": names,
                "text": None,
                "target": None,
                "line": rec["line"],
            }
        elif ZKG + "ProgressReport" in rec["types"] and rec["text"]:
            target = subjects.get(rec["target"] or "", {})
            yield {
                "iri": iri,
                "kind": "report",
                "uk": target.get("uk"),
                "en": target.get("en"),
                "alt": [],
                "names": "",
                "text": rec["text"],
                "target": rec["target"],
                "line": rec["line"],
            }


_MENTION_PROPS = {
    ZKG + "inReport": "in_report",
    ZKG + "startOffset": "start",
    ZKG + "endOffset": "end",
    ZKG + "surfaceForm": "form",
}


def build_index(quads: Iterable, path: Path, id_base: str) -> int:
    """Write the FTS5 index of ``quads`` to ``path`` (replacing it); returns the number of rows."""
    path = Path(path)
    if path.exists():
        path.unlink()
    con = sqlite3.connect(str(path))
    try:
        con.executescript(SCHEMA)
        mentions: list[tuple] = []
        rows = [
            (
                index_text(r["names"]),
                index_text(r["text"] or ""),
                r["iri"],
                r["kind"],
                r["uk"],
                r["en"],
                "\n".join(r["alt"]),
                r["text"],
                r["target"],
                r["line"],
            )
            for r in _records(quads, id_base, mentions)
        ]
        con.executemany(
            "INSERT INTO entries (names, body, iri, kind, label_uk, label_en, alt, text, target, line) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        con.executemany("INSERT INTO mentions VALUES (?, ?, ?, ?, ?, ?, ?)", mentions)
        con.executescript(INDEXES)
        con.execute("INSERT INTO meta VALUES ('id_base', ?)", (id_base,))
        con.execute("INSERT INTO entries(entries) VALUES ('optimize')")
        con.commit()
    finally:
        con.close()
    return len(rows)
