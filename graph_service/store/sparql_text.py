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
  the store scans becomes a row of the answer, and the work is bounded by the answer's size.

The lexer skips comments, string literals (all four quote styles, with escapes) and IRI
references, so keywords inside them never count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<var>[?$][\w\u00B7\u00C0-\U000EFFFF]+)
    | (?P<word>(?:[A-Za-z_\u00C0-\U000EFFFF][\w\-.\u00B7\u00C0-\U000EFFFF]*)?:(?:[\w\-.:%\\\u00B7\u00C0-\U000EFFFF])*
             | [A-Za-z_\u00C0-\U000EFFFF][\w\-\u00B7\u00C0-\U000EFFFF]*)
    | (?P<num>[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    end: int


def tokens(query: str) -> list[Token]:
    """Significant tokens of ``query`` (no whitespace, no comments)."""
    out: list[Token] = []
    pos = 0
    n = len(query)
    while pos < n:
        m = _TOKEN.match(query, pos)
        if m is None:  # an unterminated string or similar: the rest is one opaque token
            out.append(Token("other", query[pos:], pos, n))
            break
        kind = m.lastgroup or "other"
        if kind not in ("ws", "comment"):
            out.append(Token(kind, m.group(), m.start(), m.end()))
        pos = m.end()
    return out


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
    #: one triple pattern, distinct variables, no modifier but a trailing LIMIT (see
    #: :func:`is_bounded_lookup`)
    bounded_lookup: bool = False


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
    depth = 0
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
    info.bounded_lookup = form is not None and not info.services and is_bounded_lookup(toks[i:])
    return info


def is_bounded_lookup(toks: list[Token]) -> bool:
    """Whether a query (its tokens after the prologue) costs no more than its answer's size.

    True for a SELECT of plain variables (or ``*``), an ASK, or a short-form CONSTRUCT (no
    template) whose group holds exactly one triple pattern, and for ``DESCRIBE`` of one IRI;
    each with an optional trailing ``LIMIT n``. The pattern's terms are single terms, the
    predicate no path, and no variable repeats. Then the store answers from one index range and every quad it reads is a row of
    the result: no join, filter, sort, grouping, DISTINCT or OFFSET can make it read
    without answering. Anything else, however harmless, is False: this is an allow-list.
    """
    if (
        len(toks) >= 2
        and toks[-2].kind == "word"
        and toks[-2].text.upper() == "LIMIT"
        and toks[-1].kind == "num"
    ):
        toks = toks[:-2]
    if not toks or toks[0].kind != "word":
        return False
    form = toks[0].text.upper()
    if form == "DESCRIBE":
        return len(toks) == 2 and _is_constant(toks[1])
    j = 1
    if form == "SELECT":
        if j < len(toks) and toks[j].text == "*":
            j += 1
        else:
            while j < len(toks) and toks[j].kind == "var":
                j += 1
            if j == 1:
                return False
    elif form not in ("ASK", "CONSTRUCT"):
        return False
    if j < len(toks) and toks[j].kind == "word" and toks[j].text.upper() == "WHERE":
        j += 1
    elif form == "CONSTRUCT":
        return False  # a template of its own: only the short form (no template) counts
    if len(toks) < j + 2 or toks[j].text != "{" or toks[-1].text != "}":
        return False
    body = toks[j + 1 : -1]
    if body and body[-1].text == ".":
        body = body[:-1]
    if len(body) < 3:
        return False
    subject, predicate, obj = body[0], body[1], body[2:]
    if not (subject.kind == "var" or _is_constant(subject)):
        return False
    if not (predicate.kind == "var" or _is_constant(predicate) or predicate.text == "a"):
        return False
    if not _is_object(obj):
        return False
    names = [t.text[1:] for t in (subject, predicate, obj[0]) if t.kind == "var"]
    return len(names) == len(set(names))


def _is_constant(tok: Token) -> bool:
    """An IRI: ``<…>`` or a prefixed name (not a blank node label)."""
    return tok.kind == "iri" or (tok.kind == "word" and ":" in tok.text and not tok.text.startswith("_:"))


def _is_object(toks: list[Token]) -> bool:
    """One object term: a variable, an IRI, a number, true/false, or a literal with an optional
    language tag or datatype."""
    first = toks[0]
    if len(toks) == 1:
        return (
            first.kind in ("var", "num", "string")
            or _is_constant(first)
            or (first.kind == "word" and first.text in ("true", "false"))
        )
    if first.kind != "string":
        return False
    rest = [t.text for t in toks[1:]]
    if rest[0] == "@":
        return len(toks) == 3 and toks[2].kind == "word" and ":" not in toks[2].text
    return len(toks) == 4 and rest[:2] == ["^", "^"] and _is_constant(toks[3])


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
