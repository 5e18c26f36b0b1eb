"""The named SPARQL queries of ``queries/``: the one place a query is written.

Each ``queries/<name>.rq`` starts with comment lines that describe it::

    # title: Projects per priority
    # description: How many projects each of the six priorities lists.
    # title@uk: Проєкти за пріоритетами
    # description@uk: Скільки проєктів має кожен із шести пріоритетів.
    # param: department            (the query uses ?department; callers bind it)
    # tags: stats, examples

``title`` and ``description`` may carry a language tag (``@uk``, ``@en``); the plain line is the
fallback for a language without its own (the plain lines of this project are in English).
:meth:`NamedQuery.title_in` and :meth:`NamedQuery.description_in` pick one.

Pages, the CLI and the query editor all read the same files through this module.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from zhytomyr_kg.resources import QUERIES_DIR

_HEADER = re.compile(
    r"^#\s*(?P<key>title|description|param|tags)(?:@(?P<lang>[a-z]{2}))?\s*:\s*(?P<value>.*)$"
)
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
_IRI_SAFE = re.compile(r'^[^<>"{}|^`\\\s]+$')


class UnknownQuery(LookupError):
    pass


class BadParameter(ValueError):
    pass


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    description: str
    text: str
    params: tuple[str, ...] = ()
    tags: tuple[str, ...] = field(default_factory=tuple)
    #: language → title / description from ``# title@uk:`` lines (the plain ones are ``title``)
    titles: dict[str, str] = field(default_factory=dict, compare=False)
    descriptions: dict[str, str] = field(default_factory=dict, compare=False)

    def title_in(self, lang: str | None) -> str:
        """The title in ``lang`` (``# title@lang:``), else the plain ``# title:``."""
        return self.titles.get(lang or "", self.title)

    def description_in(self, lang: str | None) -> str:
        return self.descriptions.get(lang or "", self.description)

    def bind(self, **values: str) -> str:
        """The query with ``VALUES ?param { <iri> }`` for each given parameter, at the top of every
        group that opens a WHERE clause: the outer one, and a subquery's (a subquery is evaluated
        before it is joined, so its LIMIT counts only the parameter's solutions).

        Values are IRIs (that is what pages pass: the entity they show), whole numbers (a year),
        which become integers, or plain strings, which become literals. Unknown parameters are refused so a typo cannot silently widen a query.
        """
        unknown = set(values) - set(self.params)
        if unknown:
            raise BadParameter(
                f"{self.name} takes {', '.join(self.params) or 'no parameters'}, not {', '.join(sorted(unknown))}"
            )
        clauses = []
        for name, value in values.items():
            if value.startswith(("http://", "https://")):
                if not _IRI_SAFE.match(value):
                    raise BadParameter(f"not a valid IRI for ?{name}: {value!r}")
                term = f"<{value}>"
            elif value.isascii() and value.isdigit() and len(value) <= 9:
                term = value
            else:
                term = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
            clauses.append(f"VALUES ?{name} {{ {term} }}")
        if not clauses:
            return self.text
        ends = [m.end() for m in _WHERE.finditer(self.text)]
        if not ends:
            raise BadParameter(f"{self.name} has no WHERE clause to bind parameters in")
        inserted = "\n  " + "\n  ".join(clauses)
        parts, last = [], 0
        for end in ends:
            parts += [self.text[last:end], inserted]
            last = end
        return "".join(parts) + self.text[last:]


def parse_query_file(path: Path) -> NamedQuery:
    meta: dict[str, list[str]] = {"title": [], "description": [], "param": [], "tags": []}
    tagged: dict[str, dict[str, list[str]]] = {"title": {}, "description": {}}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _HEADER.match(line.strip())
        if match:
            key, lang, value = match.group("key"), match.group("lang"), match.group("value").strip()
            if lang and key in tagged:
                tagged[key].setdefault(lang, []).append(value)
            elif not lang:
                meta[key].append(value)
        elif line.strip() and not line.lstrip().startswith("#"):
            break
    tags = tuple(t.strip() for value in meta["tags"] for t in value.split(",") if t.strip())
    params = tuple(p.split()[0] for p in meta["param"] if p)
    return NamedQuery(
        name=path.stem,
        title=(meta["title"] or [path.stem])[0],
        description=" ".join(meta["description"]),
        text=path.read_text(encoding="utf-8"),
        params=params,
        tags=tags,
        titles={lang: values[0] for lang, values in tagged["title"].items()},
        descriptions={lang: " ".join(values) for lang, values in tagged["description"].items()},
    )


@lru_cache(maxsize=4)
def load_all(directory: Path = QUERIES_DIR) -> dict[str, NamedQuery]:
    return {p.stem: parse_query_file(p) for p in sorted(directory.glob("*.rq"))}


def get(name: str, directory: Path = QUERIES_DIR) -> NamedQuery:
    try:
        return load_all(directory)[name]
    except KeyError:
        known = ", ".join(load_all(directory))
        raise UnknownQuery(f"no query named {name!r} in {directory} (known: {known})") from None


def is_iri(value: str) -> bool:
    """Whether a parameter value is taken as an IRI (``http://`` or ``https://``)."""
    return value.startswith(("http://", "https://"))


def bind_values(query: NamedQuery, name: str, values: Sequence[str]) -> str:
    """``query`` with ``VALUES ?name { v1 v2 … }``: one solution per value (a lookup of many
    entities at once, e.g. ``queries/page-labels.rq``); the values as :meth:`NamedQuery.bind` takes them."""
    if not values:
        raise BadParameter(f"no values for ?{name}")
    one = f"VALUES ?{name} {{ "
    terms = [_term_in(query.bind(**{name: value}), one) for value in values]
    first = query.bind(**{name: values[0]})
    return first.replace(one + terms[0] + " }", one + " ".join(terms) + " }")


def _term_in(bound: str, clause: str) -> str:
    start = bound.index(clause) + len(clause)
    return bound[start : bound.index(" }", start)]
