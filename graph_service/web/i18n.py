"""Interface strings in Ukrainian and English, and the choice of language for a request.

The language is ``?lang=uk|en`` when given (links then carry it, so the choice persists), else
the best of ``Accept-Language``, else Ukrainian (the language of the source report). Labels come
from the data in both languages; :func:`pick` returns the one in the page's language or, where the
data has no translation, the other one marked with its language.

The names of classes (project, funder, department …) are not written here: they are the
``rdfs:label`` of the class in the ontology (``ontology/*.ttl``, :data:`CLASS_KEYS`), so a list,
an entity page and the data say the same word. A key missing from the table is shown as itself
and remembered in :data:`MISSING` (the tests fail on it).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from graph_service.conneg import parse_accept
from zhytomyr_kg.resources import MESSAGES_CSV, ONTOLOGY_DIR
from zhytomyr_kg.vocab import PREFIXES

LANGS = ("uk", "en")
DEFAULT = "uk"


def _read_messages() -> dict[str, tuple[str, str]]:
    """The interface strings' table: a reviewable file for translators, not code."""
    out: dict[str, tuple[str, str]] = {}
    with MESSAGES_CSV.open(encoding="utf-8", newline="") as table:
        for line, row in enumerate(csv.DictReader(table), start=2):
            if row["key"] in out:
                raise ValueError(f"{MESSAGES_CSV.name}:{line}: the key {row['key']!r} is there twice")
            out[row["key"]] = (row["uk"], row["en"])
    return out


#: key → (Ukrainian, English): the table ``graph_service/web/messages.csv`` (its ``where`` column
#: says where a string is shown); templates call ``t("key")``.
MESSAGES: dict[str, tuple[str, str]] = _read_messages()


#: interface key → the ontology class whose ``rdfs:label`` is its text
CLASS_KEYS: dict[str, str] = {
    "priority": "Priority",
    "goal": "StrategicGoal",
    "task": "Task",
    "project": "Project",
    "report": "ProgressReport",
    "department": "Department",
    "funder": "Funder",
    "programme": "Programme",
    "organization": "Organization",
    "place": "Place",
    "status": "Status",
}
#: keys asked for but missing from the table (shown as the key itself)
MISSING: set[str] = set()


@cache
def class_labels() -> dict[str, dict[str, list[str]]]:
    """``rdfs:label`` of every class of the ontology files: local name → language → labels."""
    import pyoxigraph

    zkg, label = PREFIXES["zkg"], PREFIXES["rdfs"] + "label"
    out: dict[str, dict[str, list[str]]] = {}
    for path in sorted(ONTOLOGY_DIR.glob("zkg*.ttl")):
        for triple in pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TURTLE):
            s, p, o = triple.subject, triple.predicate, triple.object
            if p.value == label and isinstance(s, pyoxigraph.NamedNode) and s.value.startswith(zkg):
                lang = getattr(o, "language", None) or ""
                labels = out.setdefault(s.value[len(zkg) :], {}).setdefault(lang, [])
                if o.value not in labels:
                    labels.append(o.value)
    return out


def _from_ontology() -> None:
    labels = class_labels()
    for key, cls in CLASS_KEYS.items():
        by_lang = labels.get(cls, {})
        uk, en = by_lang.get("uk"), by_lang.get("en")
        if uk and en:
            MESSAGES[key] = (uk[0], en[0])


_from_ontology()


def t(key: str, lang: str) -> str:
    pair = MESSAGES.get(key)
    if pair is None:
        MISSING.add(key)
        return key
    return pair[1] if lang == "en" else pair[0]


def has(key: str) -> bool:
    return key in MESSAGES


def negotiate(query_lang: str | None, accept_language: str | None) -> tuple[str, bool]:
    """(language, chosen explicitly by ``?lang=``)."""
    if query_lang:
        code = query_lang.strip().lower()[:2]
        if code in LANGS:
            return code, True
    if accept_language:  # ranked like Accept: q, then header order
        for language, q in parse_accept(accept_language):
            if language[:2] in LANGS and q > 0:
                return language[:2], False
    return DEFAULT, False


@dataclass(frozen=True)
class Label:
    """A label in the page's language, or in the other one (``fallback``) where none exists."""

    text: str
    lang: str | None
    fallback: bool = False

    def __str__(self) -> str:
        return self.text


def pick(uk: str | None, en: str | None, lang: str, default: str = "") -> Label:
    first, second = (en, uk) if lang == "en" else (uk, en)
    other = "uk" if lang == "en" else "en"
    if first:
        return Label(first, lang)
    if second:
        return Label(second, other, True)
    return Label(default, None, bool(default))
