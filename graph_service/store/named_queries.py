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

from graph_service.store.sparql_text import tokens
from zhytomyr_kg.resources import QUERIES_DIR

_HEADER = re.compile(
    r"^#\s*(?P<key>title|description|param|tags)(?:@(?P<lang>[a-z]{2}))?\s*:\s*(?P<value>.*)$"
)
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
_COMMENT = re.compile(r"(?m)(?:^|(?<=\s))#[^\n]*")
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
    #: parameters bound by writing the value in place of the variable (``# param: year constant``):
    #: a planner starts from a constant where it would start from a VALUES row, e.g. every report
    #: of the year instead of the entity's own; such a query never tests ``BOUND(?year)``
    constants: tuple[str, ...] = ()
    #: language → title / description from ``# title@uk:`` lines (the plain ones are ``title``)
    titles: dict[str, str] = field(default_factory=dict, compare=False)
    descriptions: dict[str, str] = field(default_factory=dict, compare=False)

    def title_in(self, lang: str | None) -> str:
        """The title in ``lang`` (``# title@lang:``), else the plain ``# title:``."""
        return self.titles.get(lang or "", self.title)

    def description_in(self, lang: str | None) -> str:
        return self.descriptions.get(lang or "", self.description)

    def bind(self, **values: str) -> str:
        """The query with ``VALUES ?param { <iri> }`` for each given parameter, at the top of each
        group that names it (:func:`_with_values`); a ``constant`` parameter's value is written in
        place of its variable instead.

        Values are IRIs (that is what pages pass: the entity they show), whole numbers (a year),
        which become integers, or plain strings, which become literals. Unknown parameters are
        refused so a typo cannot silently widen a query.
        """
        unknown = set(values) - set(self.params)
        if unknown:
            raise BadParameter(
                f"{self.name} takes {', '.join(self.params) or 'no parameters'}, not {', '.join(sorted(unknown))}"
            )
        terms = {name: _term(name, value) for name, value in values.items()}
        text = self.text
        for name in self.constants:
            if name in terms:
                text = _write_in_place(text, name, terms.pop(name))
        if not terms:
            return text
        groups = _where_groups(text)
        if not groups:
            raise BadParameter(f"{self.name} has no WHERE clause to bind parameters in")
        return _with_values(
            text, groups, {name: f"VALUES ?{name} {{ {term} }}" for name, term in terms.items()}
        )


def _write_in_place(text: str, name: str, term: str) -> str:
    """``text`` with ``term`` for each ``?name``/``$name`` token: a comment or a string that
    mentions the variable keeps it, so the query a page shows still reads as written."""
    spots = [t for t in tokens(text) if t.kind == "var" and t.text[1:] == name]
    for tok in reversed(spots):
        text = text[: tok.start] + term + text[tok.end :]
    return text


def _term(name: str, value: str) -> str:
    """``value`` as a SPARQL term: an IRI, an integer (whole numbers up to 9 digits) or a string."""
    if value.startswith(("http://", "https://")):
        if not _IRI_SAFE.match(value):
            raise BadParameter(f"not a valid IRI for ?{name}: {value!r}")
        return f"<{value}>"
    if value.isascii() and value.isdigit() and len(value) <= 9:
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _with_values(text: str, groups: list[tuple[int, int]], clauses: dict[str, str]) -> str:
    """``text`` with each parameter's VALUES clause at the top of each subquery that names it,
    itself or in a subquery of its own, and of the outer group where that group names it outside
    its subqueries (a parameter no group names: the outer group). Elsewhere VALUES would be a cross
    product (a page's fifty keys times the solutions of a subquery that does not name the key),
    and a planner starts a group from the VALUES it holds."""
    texts = [_COMMENT.sub(" ", text[s:e]) for s, e in groups]
    texts[0] = _COMMENT.sub(" ", _outside(text, groups[0][0], groups[0][1], groups[1:]))
    targets: dict[int, list[str]] = {}
    for name, clause in clauses.items():
        using = [s for (s, _), own in zip(groups, texts, strict=True) if re.search(rf"[?$]{name}\b", own)]
        for start in using or [groups[0][0]]:
            targets.setdefault(start, []).append(clause)
    parts, last = [], 0
    for start in sorted(targets):
        parts += [text[last:start], "\n  " + "\n  ".join(targets[start])]
        last = start
    return "".join(parts) + text[last:]


def _outside(text: str, start: int, end: int, subqueries: list[tuple[int, int]]) -> str:
    """``text[start:end]`` without its subqueries (each from its brace before SELECT to the brace
    that closes it, past a GROUP BY or LIMIT)."""
    kept, at = [], start
    for group_start, _ in subqueries:
        brace = text.rfind("{", 0, text.rfind("SELECT", 0, group_start))
        if brace >= at:
            kept.append(text[at:brace])
            at = _closing(text, brace + 1) + 1
    kept.append(text[at:end])
    return "".join(kept)


def _where_groups(text: str) -> list[tuple[int, int]]:
    """The group each WHERE clause opens: (the offset just after its opening brace, the offset of
    its closing brace)."""
    return [(m.end(), _closing(text, m.end())) for m in _WHERE.finditer(text)]


def _closing(text: str, i: int) -> int:
    """The offset of the brace closing the group whose opening brace is just before ``i``, found by
    counting braces outside strings, IRIs and comments."""
    depth = 1
    while i < len(text) and depth:
        char = text[i]
        if char == '"':
            i += 1
            while i < len(text) and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif char == "<" and (end := text.find(">", i)) != -1 and " " not in text[i:end]:
            i = end
        elif char == "#" and (i == 0 or text[i - 1] in " \t\n"):
            i = text.find("\n", i) if "\n" in text[i:] else len(text)
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        i += 1
    return i - 1


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
    constants = tuple(p.split()[0] for p in meta["param"] if p.split()[1:2] == ["constant"])
    text = path.read_text(encoding="utf-8")
    for name in constants:
        if re.search(rf"BOUND\s*\(\s*[?$]{name}\b|\bAS\s+[?$]{name}\b", text, re.IGNORECASE):
            raise ValueError(
                f"{path.name}: the constant parameter ?{name} cannot be tested with BOUND or assigned"
            )
    return NamedQuery(
        name=path.stem,
        title=(meta["title"] or [path.stem])[0],
        description=" ".join(meta["description"]),
        text=text,
        params=params,
        constants=constants,
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
    entities at once, e.g. ``queries/page-labels.rq``); the values as :meth:`NamedQuery.bind` takes
    them. The query is bound once (binding places the clause, which reads the whole text)."""
    if not values:
        raise BadParameter(f"no values for ?{name}")
    if name in query.constants:
        raise BadParameter(f"?{name} of {query.name} is a constant: it takes one value")
    first = query.bind(**{name: values[0]})  # checks the parameter and places its clauses
    one = f"VALUES ?{name} {{ {_term(name, values[0])} }}"
    return first.replace(one, f"VALUES ?{name} {{ " + " ".join(_term(name, v) for v in values) + " }")
