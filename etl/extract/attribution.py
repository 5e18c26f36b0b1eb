"""Attribution at the paragraph: whose part of a row's progress text a mention is.

A row of the report may name several responsible bodies (seven, in the task row of lines 423–433)
and one progress text with a paragraph per body or per activity. A funder, programme or place named
in a paragraph belongs to the body whose part it is — where the text makes that clear:

* a row with one body: every paragraph is that body's, except a sentence that names another body
  of the council and not this one ("Управління муніципального розвитку міської ради постійно
  надає консультації … у програмі «ЕНЕРГОДІМ»" in a row of the economic development department):
  the work is that other body's, which is not a body of the row (a row of the collective
  "Виконавчі органи міської ради" keeps every sentence: each body is one of them);
* a row with several: the paragraph opens with one of the row's bodies ("Департаментом освіти
  міської ради в засобах масової інформації …", "Управлінням у справах сім'ї, молоді та спорту …
  поширено …"), or the mention's own sentence names exactly one of them;
* otherwise the mention is nobody's in particular: the row alone links it to its bodies, and
  department–funder queries do not count it. A body named in another sentence of the paragraph is
  not enough: "Тривали … роботи … за фінансової підтримки … (SECO). На конкурс … департаментом
  економічного розвитку було підготовлено … заявки" does not make SECO the department's.

Names are matched on lemmas, in any case form, with the curated spellings of
``etl/data/department_aliases.csv``; the closing "(Житомирської) міської ради" is not needed.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from etl.extract.mentions import gazetteer
from etl.sentences import sentence_spans
from zhytomyr_kg.resources import ETL_DATA_DIR

__all__ = ["Attribution", "Paragraph"]

#: "… міської ради", "… Житомирської міської ради": the tail every body's name shares
_COUNCIL_TAIL = re.compile(r"\s+(?:житомирської\s+)?міської\s+ради$", re.IGNORECASE)
#: a paragraph "opens with" a body when the name starts within its first words
_OPENING_TOKENS = 3


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of a progress text: offsets into the text and the body it is attributed to."""

    index: int
    start: int
    end: int
    body: str | None


@lru_cache(maxsize=1)
def _names() -> tuple[tuple[str, tuple[frozenset[str], ...]], ...]:
    """(body id, lemma keys of a name without the council tail) for every curated spelling."""
    g = gazetteer()
    spellings: set[tuple[str, str]] = set()
    with open(ETL_DATA_DIR / "departments.csv", encoding="utf-8", newline="") as fh:
        spellings |= {(r["id"], r["label_uk"]) for r in csv.DictReader(fh)}
    with open(ETL_DATA_DIR / "department_aliases.csv", encoding="utf-8", newline="") as fh:
        spellings |= {(r["department_id"], r["alias"]) for r in csv.DictReader(fh)}
    out = []
    for body, name in sorted(spellings):
        core = _COUNCIL_TAIL.sub("", name.strip())
        keys = tuple(k for k in g._alias_keys(core, exact=False) if k)
        if len(keys) >= 2:  # a one-word name ("Управління") would name every body
            out.append((body, keys))
    return tuple(out)


@lru_cache(maxsize=1)
def _collective_bodies() -> frozenset[str]:
    """Bodies that stand for all of the council's bodies ("Виконавчі органи міської ради",
    departments.csv kind ``executive_bodies``): any other body a sentence names is one of them."""
    with open(ETL_DATA_DIR / "departments.csv", encoding="utf-8", newline="") as fh:
        return frozenset(r["id"] for r in csv.DictReader(fh) if r["kind"] == "executive_bodies")


@lru_cache(maxsize=1)
def _names_by_first_key() -> dict[str, tuple[int, ...]]:
    """Each lemma form a name can start with → the indices in ``_names()`` of those names."""
    index: dict[str, list[int]] = {}
    for n, (_, keys) in enumerate(_names()):
        for form in keys[0]:
            index.setdefault(form, []).append(n)
    return {form: tuple(ns) for form, ns in index.items()}


def _bodies_named(text: str) -> list[tuple[int, str]]:
    """(token index, body id) of every body name in ``text``: only the names that can start at a
    token are tried there (a multi-body row's paragraphs and sentences are read many times)."""
    tokens = gazetteer().tokens(text)
    names, starting = _names(), _names_by_first_key()
    found = []
    for i, token in enumerate(tokens):
        for n in {n for form in token.keys for n in starting.get(form, ())}:
            body, keys = names[n]
            if i + len(keys) <= len(tokens) and all(
                tokens[i + k].keys & keys[k] for k in range(1, len(keys))
            ):
                found.append((i, body))
    return sorted(found)


class Attribution:
    """The paragraphs of one progress text (newline-separated) and the row body each mention in it
    belongs to, if the text makes that clear."""

    def __init__(self, text: str, bodies: Sequence[str]) -> None:
        self.text = text
        self.bodies = tuple(bodies)
        self.paragraphs: list[Paragraph] = []
        start = 0
        for index, part in enumerate(text.split("\n")):
            end = start + len(part)
            self.paragraphs.append(Paragraph(index, start, end, self._opening_body(part)))
            start = end + 1
        self._sentences = sentence_spans(text)

    def paragraph_at(self, offset: int) -> Paragraph:
        return next(p for p in self.paragraphs if p.start <= offset <= p.end)

    def body_at(self, offset: int) -> str | None:
        """The body the words at ``offset`` belong to: the row's only body (unless the sentence
        names another council body and not it), the body the paragraph opens with, or the one body
        of the row the sentence names."""
        if len(self.bodies) == 1:
            (body,) = self.bodies
            if body in _collective_bodies():
                return body
            named = self._named_in_sentence(offset)
            return None if named and body not in named else body
        paragraph = self.paragraph_at(offset)
        if paragraph.body is not None:
            return paragraph.body
        named = self._named_in_sentence(offset) & set(self.bodies)
        return named.pop() if len(named) == 1 else None

    def _named_in_sentence(self, offset: int) -> set[str]:
        """The bodies the sentence around ``offset`` names."""
        start, end = next(((s, e) for s, e in self._sentences if s <= offset < e), (offset, offset))
        return {body for _, body in _bodies_named(self.text[start:end])}

    def _opening_body(self, paragraph: str) -> str | None:
        if len(self.bodies) == 1:
            return self.bodies[0]
        named = [(i, body) for i, body in _bodies_named(paragraph) if body in self.bodies]
        return named[0][1] if named and named[0][0] < _OPENING_TOKENS else None
