"""A small SPARQL lexer: just enough to guard and route a query before the store sees it.

The store parses the query for real; this module only answers questions the service must
answer *before* running it:

* which query form it is (``SELECT``/``ASK``/``CONSTRUCT``/``DESCRIBE``), to negotiate the
  response's media type (and a 406) without touching the store;
* whether it is an update (``INSERT``, ``LOAD``, ``CLEAR`` …), refused by a read-only service;
* which ``SERVICE`` targets it names, checked against the allow-list;
* whether it declares its own dataset (``FROM``/``FROM NAMED``), in which case the union
  default graph must not be forced on it;
* how to cap its number of result rows (an appended or clamped ``LIMIT``);
* whether it is a *bounded lookup*: one triple pattern and nothing else, so that every quad
  the store scans becomes a row of the answer, and the work is bounded by the answer's size;
* how deeply it nests, so a query that would overflow the engine's parser is refused first.

The lexer skips comments, string literals (all four quote styles, with escapes) and IRI
references, so keywords inside them never count. It reads prefixed names as the grammar does,
escapes included (``x:a\\'`` is one name, not a name and a string); a codepoint escape
(``\\u0049``) outside a literal or an IRI is refused, since the engine may read it as part of a
keyword.

**Safe by construction.** This reader can only ever *refuse* a query or route it. Anything it lets
through runs either in a query worker (no network, a time limit) or, for a bounded lookup, in the
HTTP process — but then as :attr:`QueryInfo.lookup`, a query text rebuilt here from the parsed
terms (each checked by pyoxigraph), never the request's own text. Whatever this reader gets
wrong, the HTTP process's engine only ever sees one triple pattern.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

import pyoxigraph as ox

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)

_TOKEN = re.compile(
    r"""
      (?P<ws>\s+)
    | (?P<comment>\#[^\n\r]*)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''
               | \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               | '(?:[^'\\\n\r]|\\.)*'
               | "(?:[^"\\\n\r]|\\.)*")
    | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
    | (?P<var>[?$][\w\u00B7\u00C0-\U000EFFFF]+)
    | (?P<word>(?:[A-Za-z_\u00C0-\U000EFFFF][\w\-.\u00B7\u00C0-\U000EFFFF]*)?:(?:[\w\-.:\u00B7\u00C0-\U000EFFFF]|%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?\#@%])*
             | [A-Za-z_\u00C0-\U000EFFFF][\w\-\u00B7\u00C0-\U000EFFFF]*)
    | (?P<num>[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


class Token(NamedTuple):
    kind: str
    text: str
    start: int
    end: int


def tokens(query: str) -> list[Token]:
    """Significant tokens of ``query`` (no whitespace, no comments). Every character matches some
    alternative of ``_TOKEN`` (``other`` takes any one), so the matches tile the text; an
    unterminated string is a lone quote (``other``) and the words after it."""
    return [
        Token(m.lastgroup or "other", m.group(), m.start(), m.end())
        for m in _TOKEN.finditer(query)
        if m.lastgroup not in ("ws", "comment")
    ]


@dataclass
class QueryInfo:
    """What the service needs to know about a request's SPARQL text."""

    form: str | None  # SELECT / ASK / CONSTRUCT / DESCRIBE, or None if unknown
    is_update: bool = False
    prefixes: dict[str, str] = field(default_factory=dict)
    base: str | None = None
    #: SERVICE targets: an IRI, or None for a variable / unresolvable name.
    services: list[str | None] = field(default_factory=list)
    has_dataset_clause: bool = False  # FROM or FROM NAMED
    #: (start, end, value) of a trailing top-level ``LIMIT n`` the query ends with, if any
    trailing_limit: tuple[int, int, int] | None = None
    first_keyword: str | None = None
    #: a bounded lookup rebuilt from its parsed terms (see :func:`bounded_lookup`), else None
    lookup: str | None = None
    #: deepest nesting of ``{`` ``(`` ``[``
    depth: int = 0
    #: a backslash outside a literal, an IRI or a prefixed name's escape (``\u0049``)
    stray_escape: bool = False

    @property
    def bounded_lookup(self) -> bool:
        return self.lookup is not None


def analyse(query: str) -> QueryInfo:
    toks = tokens(query)
    prefixes: dict[str, str] = {}
    base: str | None = None
    i = 0
    # Prologue: BASE <iri> | PREFIX pname: <iri>
    while i < len(toks):
        word = toks[i].text.upper() if toks[i].kind == "word" else None
        if word == "BASE" and i + 1 < len(toks) and toks[i + 1].kind == "iri":
            base = toks[i + 1].text[1:-1]
            i += 2
        elif (
            word == "PREFIX"
            and i + 2 < len(toks)
            and toks[i + 1].kind == "word"
            and toks[i + 1].text.endswith(":")
            and toks[i + 2].kind == "iri"
        ):
            prefixes[toks[i + 1].text[:-1]] = toks[i + 2].text[1:-1]
            i += 3
        else:
            break
    first = toks[i].text.upper() if i < len(toks) and toks[i].kind == "word" else None
    form = first if first in QUERY_FORMS else None
    info = QueryInfo(
        form=form,
        is_update=first in UPDATE_KEYWORDS if first else False,
        prefixes=prefixes,
        base=base,
        first_keyword=first,
    )
    depth = nesting = 0
    for t in toks:
        if t.kind == "other" and t.text in "{([":
            nesting += 1
            info.depth = max(info.depth, nesting)
        elif t.kind == "other" and t.text in "})]":
            nesting -= 1
        elif t.kind == "other" and t.text.startswith("\\"):
            info.stray_escape = True
    for j in range(i, len(toks)):
        t = toks[j]
        if t.kind == "other":
            if t.text == "{":
                depth += 1
            elif t.text == "}":
                depth -= 1
            continue
        if t.kind != "word":
            continue
        up = t.text.upper()
        if up == "SERVICE":
            k = j + 1
            if k < len(toks) and toks[k].kind == "word" and toks[k].text.upper() == "SILENT":
                k += 1
            info.services.append(_service_target(toks[k] if k < len(toks) else None, prefixes, base))
        elif up == "FROM" and depth == 0:
            info.has_dataset_clause = True
        elif up in UPDATE_KEYWORDS - {"WITH"} and depth == 0 and j > i and _after_semicolon(toks, j):
            info.is_update = True  # "SELECT … ; INSERT …" is not a query, but flag it anyway
    # trailing LIMIT n [OFFSET m] | OFFSET m LIMIT n
    if len(toks) >= 2 and toks[-1].kind == "num" and toks[-2].kind == "word":
        if toks[-2].text.upper() == "LIMIT" and toks[-1].text.isdigit():
            info.trailing_limit = (toks[-1].start, toks[-1].end, int(toks[-1].text))
        elif (
            toks[-2].text.upper() == "OFFSET"
            and len(toks) >= 4
            and toks[-4].kind == "word"
            and toks[-4].text.upper() == "LIMIT"
            and toks[-3].kind == "num"
            and toks[-3].text.isdigit()
        ):
            info.trailing_limit = (toks[-3].start, toks[-3].end, int(toks[-3].text))
    if form is not None and not info.services and not info.stray_escape:
        info.lookup = bounded_lookup(toks[i:], prefixes, base)
    return info


def bounded_lookup(toks: list[Token], prefixes: dict[str, str], base: str | None) -> str | None:
    """The query rebuilt from its parsed terms if it costs no more than its answer's size.

    ``toks`` are the query's tokens after the prologue. The text returned is made here from
    pyoxigraph terms (each IRI and literal checked by pyoxigraph), so it is exactly one triple
    pattern whatever the request's text hid: that is what the HTTP process may run itself.

    True for a SELECT of plain variables (or ``*``), an ASK, or a short-form CONSTRUCT (no
    template) whose group holds exactly one triple pattern, and for ``DESCRIBE`` of one IRI;
    each with an optional trailing ``LIMIT n``. The pattern's terms are single terms, the
    predicate no path, and no variable repeats. Then the store answers from one index range and every quad it reads is a row of
    the result: no join, filter, sort, grouping, DISTINCT or OFFSET can make it read
    without answering. Anything else, however harmless, is None: this is an allow-list, and
    anything unusual (an escape, a relative IRI, a unicode variable name) goes to a worker.
    """
    limit = ""
    if (
        len(toks) >= 2
        and toks[-2].kind == "word"
        and toks[-2].text.upper() == "LIMIT"
        and toks[-1].kind == "num"
        and toks[-1].text.isdigit()
    ):
        limit = f" LIMIT {int(toks[-1].text)}"
        toks = toks[:-2]
    if not toks or toks[0].kind != "word":
        return None
    form = toks[0].text.upper()
    if form == "DESCRIBE":
        iri = _iri(toks[1], prefixes, base) if len(toks) == 2 else None
        return f"DESCRIBE {iri}{limit}" if iri else None
    j = 1
    projection = ""
    if form == "SELECT":
        if j < len(toks) and toks[j].text == "*":
            projection, j = " *", j + 1
        else:
            while j < len(toks) and toks[j].kind == "var":
                name = _variable(toks[j])
                if name is None:
                    return None
                projection += " " + name
                j += 1
            if j == 1:
                return None
    elif form not in ("ASK", "CONSTRUCT"):
        return None
    if j < len(toks) and toks[j].kind == "word" and toks[j].text.upper() == "WHERE":
        j += 1
    elif form == "CONSTRUCT":
        return None  # a template of its own: only the short form (no template) counts
    if len(toks) < j + 2 or toks[j].text != "{" or toks[-1].text != "}":
        return None
    body = toks[j + 1 : -1]
    if body and body[-1].text == ".":
        body = body[:-1]
    if len(body) < 3:
        return None
    subject = _variable(body[0]) or _iri(body[0], prefixes, base)
    if body[1].kind == "word" and body[1].text == "a":
        predicate: str | None = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    else:
        predicate = _variable(body[1]) or _iri(body[1], prefixes, base)
    obj = _object(body[2:], prefixes, base)
    if subject is None or predicate is None or obj is None:
        return None
    names = [t for t in (subject, predicate, obj) if t.startswith("?")]
    if len(names) != len(set(names)):
        return None
    where = f"{{ {subject} {predicate} {obj} }}"
    keyword = "CONSTRUCT WHERE" if form == "CONSTRUCT" else f"{form}{projection} WHERE"
    return f"{keyword} {where}{limit}"


_PLAIN_VARIABLE = re.compile(r"[?$][A-Za-z_][A-Za-z0-9_]*")
_PLAIN_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_\-.]*[A-Za-z0-9_\-])?|")
_PLAIN_NUMBER = re.compile(r"[0-9]+|[0-9]*\.[0-9]+")


def _variable(tok: Token) -> str | None:
    """``?name`` for a variable of plain ASCII letters, digits and ``_``."""
    if tok.kind == "var" and _PLAIN_VARIABLE.fullmatch(tok.text):
        return "?" + tok.text[1:]
    return None


def _iri(tok: Token, prefixes: dict[str, str], base: str | None) -> str | None:
    """``<absolute IRI>`` for an IRI reference or a prefixed name without escapes."""
    if tok.kind == "iri":
        value = tok.text[1:-1]
    elif tok.kind == "word" and ":" in tok.text and not tok.text.startswith("_:"):
        prefix, local = tok.text.split(":", 1)
        if prefix not in prefixes or not _PLAIN_LOCAL.fullmatch(local):
            return None
        value = prefixes[prefix] + local
    else:
        return None
    if "\\" in value or not re.match(r"[A-Za-z][A-Za-z0-9+.\-]*:", value):
        return None  # an escape, or a relative IRI (the base would resolve it): not here
    try:
        return str(ox.NamedNode(value))
    except ValueError:
        return None


def _object(toks: list[Token], prefixes: dict[str, str], base: str | None) -> str | None:
    """One object term, rebuilt: a variable, an IRI, a number, true/false, or a literal without
    escapes, with an optional language tag or datatype."""
    first = toks[0]
    if len(toks) == 1:
        if first.kind == "num":
            return first.text if _PLAIN_NUMBER.fullmatch(first.text) else None
        if first.kind == "word" and first.text in ("true", "false"):
            return first.text
        if first.kind != "string":
            return _variable(first) or _iri(first, prefixes, base)
    value = _string(first)
    if value is None:
        return None
    try:
        if len(toks) == 1:
            return str(ox.Literal(value))
        rest = [t.text for t in toks[1:]]
        if rest[0] == "@" and len(toks) == 3 and re.fullmatch(r"[A-Za-z]+(?:-[A-Za-z0-9]+)*", rest[1]):
            return str(ox.Literal(value, language=rest[1]))
        if len(toks) == 4 and rest[:2] == ["^", "^"]:
            datatype = _iri(toks[3], prefixes, base)
            return str(ox.Literal(value, datatype=ox.NamedNode(datatype[1:-1]))) if datatype else None
    except ValueError:
        return None
    return None


def _string(tok: Token) -> str | None:
    """The value of a one-line string literal without escapes."""
    if tok.kind != "string" or "\\" in tok.text or tok.text[:3] in ("'''", '"""'):
        return None
    return tok.text[1:-1]


def _after_semicolon(toks: list[Token], j: int) -> bool:
    return j > 0 and toks[j - 1].kind == "other" and toks[j - 1].text == ";"


def _service_target(tok: Token | None, prefixes: dict[str, str], base: str | None) -> str | None:
    if tok is None:
        return None
    if tok.kind == "iri":
        iri = tok.text[1:-1]
        if "\\" in iri:
            return None  # escapes in an IRI: refuse rather than guess
        if base and not re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:", iri):
            return None  # relative IRI: refuse rather than resolve
        return iri
    if tok.kind == "word" and ":" in tok.text and not tok.text.startswith("_:"):
        prefix, local = tok.text.split(":", 1)
        if prefix in prefixes and "\\" not in local and "%" not in local:
            return prefixes[prefix] + local
    return None  # a variable, or a name we cannot resolve


def with_row_cap(query: str, info: QueryInfo, max_rows: int) -> str | None:
    """``query`` with its result rows capped at ``max_rows``, or None when it already is.

    A trailing ``LIMIT n`` larger than the cap is lowered; a query without one gets
    ``LIMIT max_rows`` appended. The caller must fall back to the original text if the store
    cannot parse the result (a trailing ``VALUES`` block, for example, cannot be followed by a
    ``LIMIT``).
    """
    if info.form not in ("SELECT", "CONSTRUCT", "DESCRIBE") or max_rows <= 0:
        return None
    if info.trailing_limit is not None:
        start, end, value = info.trailing_limit
        if value <= max_rows:
            return None
        return query[:start] + str(max_rows) + query[end:]
    return f"{query}\nLIMIT {max_rows}"
