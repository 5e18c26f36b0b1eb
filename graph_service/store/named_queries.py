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

from graph_service.store.sparql_text import Token, tokens
from zhytomyr_kg.resources import QUERIES_DIR

_HEADER = re.compile(
    r"^#\s*(?P<key>title|description|param|tags)(?:@(?P<lang>[a-z]{2}))?\s*:\s*(?P<value>.*)$"
)
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
        toks = _lexed(text)
        groups = _where_groups(toks)
        if not groups:
            raise BadParameter(f"{self.name} has no WHERE clause to bind parameters in")
        clauses = {name: f"VALUES ?{name} {{ {term} }}" for name, term in terms.items()}
        return _with_values(text, toks, groups, clauses)


def _write_in_place(text: str, name: str, term: str) -> str:
    """``text`` with ``term`` for each ``?name``/``$name`` token: a comment or a string that
    mentions the variable keeps it, so the query a page shows still reads as written."""
    spots = [t for t in _lexed(text) if t.kind == "var" and t.text[1:] == name]
    for tok in reversed(spots):
        text = text[: tok.start] + term + text[tok.end :]
    return text


@lru_cache(maxsize=512)
def _lexed(text: str) -> tuple[Token, ...]:
    """The tokens of a catalogue query's text, or of one with a constant written in: every page
    binds the same few texts, so each is lexed once (a lexing costs about what the bind does)."""
    return tuple(tokens(text))


def _term(name: str, value: str) -> str:
    """``value`` as a SPARQL term: an IRI, an integer (whole numbers up to 9 digits) or a string."""
    if value.startswith(("http://", "https://")):
        if not _IRI_SAFE.match(value):
            raise BadParameter(f"not a valid IRI for ?{name}: {value!r}")
        return f"<{value}>"
    if value.isascii() and value.isdigit() and len(value) <= 9:
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _with_values(
    text: str, toks: Sequence[Token], groups: list[tuple[int, int]], clauses: dict[str, str]
) -> str:
    """``text`` with each parameter's VALUES clause at the top of each subquery that names it,
    itself or in a subquery of its own, and of the outer group where that group names it outside
    its subqueries (a parameter no group names: the outer group). Elsewhere VALUES would be a cross
    product (a page's fifty keys times the solutions of a subquery that does not name the key),
    and a planner starts a group from the VALUES it holds. ``groups`` are :func:`_where_groups`
    of ``toks``, the tokens of ``text``."""
    subqueries = [_subquery(toks, opening) for opening, _ in groups[1:]]
    named: list[set[str]] = []
    for g, (opening, closing) in enumerate(groups):
        skipped = subqueries if g == 0 else []  # the outer group: outside its subqueries
        named.append(
            {
                toks[i].text[1:]
                for i in range(opening + 1, closing)
                if toks[i].kind == "var" and not any(a <= i <= b for a, b in skipped)
            }
        )
    targets: dict[int, list[str]] = {}
    for name, clause in clauses.items():
        using = [
            toks[opening].end for (opening, _), names in zip(groups, named, strict=True) if name in names
        ]
        for offset in using or [toks[groups[0][0]].end]:
            targets.setdefault(offset, []).append(clause)
    parts, last = [], 0
    for offset in sorted(targets):
        parts += [text[last:offset], "\n  " + "\n  ".join(targets[offset])]
        last = offset
    return "".join(parts) + text[last:]


def _where_groups(toks: Sequence[Token]) -> list[tuple[int, int]]:
    """The group each WHERE clause opens, as indexes into ``toks``: its opening brace and the brace
    that closes it (comments, strings and IRIs are tokens of their own, so a brace or a WHERE
    inside them counts for nothing)."""
    return [
        (i + 1, _closing(toks, i + 1))
        for i, tok in enumerate(toks[:-1])
        if tok.kind == "word" and tok.text.upper() == "WHERE" and toks[i + 1].text == "{"
    ]


def _subquery(toks: Sequence[Token], opening: int) -> tuple[int, int]:
    """The tokens of the subquery whose WHERE group opens at ``opening``: from the brace the grammar
    puts before its SELECT keyword to the brace that closes it, past a GROUP BY or LIMIT."""
    select = max(i for i in range(opening) if toks[i].kind == "word" and toks[i].text.upper() == "SELECT")
    return select - 1, _closing(toks, select - 1)


def _closing(toks: Sequence[Token], opening: int) -> int:
    """The index of the brace closing the one at ``opening`` (the last token if none does)."""
    depth = 0
    for i in range(opening, len(toks)):
        depth += {"{": 1, "}": -1}.get(toks[i].text, 0) if toks[i].kind == "other" else 0
        if depth == 0:
            return i
    return len(toks) - 1


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
        if _tested_or_assigned(text, name):
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


def _tested_or_assigned(text: str, name: str) -> bool:
    """Whether the query tests ``?name`` with BOUND or assigns it (``AS ?name``): written in place
    of its variable, a constant would make that a syntax error or change its meaning."""
    toks = [t.text.upper() if t.kind == "word" else t.text for t in tokens(text)]
    return any(
        toks[i : i + 3] in (["BOUND", "(", "?" + name], ["BOUND", "(", "$" + name])
        or toks[i : i + 2] in (["AS", "?" + name], ["AS", "$" + name])
        for i in range(len(toks))
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
