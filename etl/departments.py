"""Responsible bodies (departments) of the city council, read from curated CSV tables.

The report's responsible-body cells name one or more bodies in free text, with varying case,
with or without the "міської ради" suffix, with HTML around them, and sometimes glued to the
progress text. Which spellings denote which body is a *curation* decision, so it lives in
``etl/data/department_aliases.csv`` (reviewable, with a note per doubtful merge); this module
only applies that table. Names may themselves contain commas ("…сім'ї, молоді та спорту…"),
so cells are split by matching known aliases (longest first), never by splitting on commas.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from zhytomyr_kg.resources import ETL_DATA_DIR

DEFAULT_DATA_DIR = ETL_DATA_DIR

KINDS = frozenset(
    {"department", "executive_bodies", "municipal_enterprise", "municipal_institution", "other"}
)

_TAG = re.compile(r"<[^>]*>")
_APOSTROPHES = frozenset("'\u2019\u02bc\u2018`\u00b4\u02b9")
# Between two bodies: a comma, a semicolon or the conjunction "та".
_SEPARATOR = re.compile(r" ?(?:[,;] ?|та )")
# What may follow the last body of a cell: nothing, or a stray final period/comma/semicolon.
_CELL_END = re.compile(r" ?[.,;]? ?$")
# What the rest of a merged cell may start with once the body list is cut off.
_LEADING_JUNK = re.compile(r"^(?:\s|</[^>]+>)+")


class UnknownDepartment(ValueError):
    """A responsible-body cell contains a spelling the alias table does not know.

    Raised instead of guessing, so that every body in the graph is a curated one.
    """

    def __init__(self, spelling: str, line: int | None) -> None:
        self.spelling = spelling
        self.line = line
        where = f"line {line}" if line is not None else "an unknown line"
        super().__init__(
            f"Unknown responsible body {spelling!r} at {where} of the report: add this "
            f"spelling to etl/data/department_aliases.csv (alias,department_id,note)."
        )


@dataclass(frozen=True)
class Department:
    """One canonical body; ``aliases`` are all spellings seen in the report (for altLabel)."""

    id: str
    label_uk: str
    label_en: str
    kind: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Text:
    """A cell normalised for matching, with a way back to the raw cell.

    ``key`` is lower-cased with tags turned into spaces, whitespace collapsed and apostrophes
    unified; ``shown`` is the same text with case kept (for error messages); ``raw_at[i]`` is
    the index in the raw cell of ``key[i]`` (``raw_at[len(key)] == len(raw)``).
    """

    key: str
    shown: str
    raw_at: tuple[int, ...]


def _normalise(raw: str) -> _Text:
    """Normalise ``raw`` for case/apostrophe/whitespace/HTML-tolerant matching."""
    key: list[str] = []
    shown: list[str] = []
    raw_at: list[int] = []
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "<":
            tag = _TAG.match(raw, i)
            if tag:
                ch, nxt = " ", tag.end()
            else:
                nxt = i + 1
        else:
            nxt = i + 1
        if ch.isspace():
            if key and key[-1] != " ":
                key.append(" ")
                shown.append(" ")
                raw_at.append(i)
        else:
            if ch in _APOSTROPHES:
                ch = "'"
            low = ch.lower()
            key.append(low if len(low) == 1 else ch)
            shown.append(ch)
            raw_at.append(i)
        i = nxt
    while key and key[-1] == " ":
        key.pop()
        shown.pop()
        raw_at.pop()
    raw_at.append(len(raw))
    return _Text("".join(key), "".join(shown), tuple(raw_at))


def normalise_key(text: str) -> str:
    """The matching key of a spelling (public so tests and callers compare the same way)."""
    return _normalise(text).key


class DepartmentIndex:
    """Canonical departments plus the alias table, with cell splitting on top."""

    def __init__(self, departments: list[Department], aliases: dict[str, str]) -> None:
        self._by_id = {d.id: d for d in departments}
        self._aliases = aliases  # normalised alias key -> department id
        # Longest first, so "управління транспорту та зв'язку міської ради" wins over shorter.
        self._keys = sorted(aliases, key=len, reverse=True)

    # -- loading -----------------------------------------------------------------------
    @classmethod
    def load(cls, data_dir: str | Path = DEFAULT_DATA_DIR) -> DepartmentIndex:
        """Read ``departments.csv`` and ``department_aliases.csv``; fail loudly on bad data."""
        data_dir = Path(data_dir)
        with open(data_dir / "departments.csv", encoding="utf-8", newline="") as f:
            dept_rows = list(csv.DictReader(f))
        with open(data_dir / "department_aliases.csv", encoding="utf-8", newline="") as f:
            alias_rows = list(csv.DictReader(f))

        ids = [r["id"] for r in dept_rows]
        if len(set(ids)) != len(ids):
            raise ValueError("departments.csv: duplicate id")
        for r in dept_rows:
            if r["kind"] not in KINDS:
                raise ValueError(f"departments.csv: bad kind {r['kind']!r} for {r['id']}")

        aliases: dict[str, str] = {}
        spellings: dict[str, list[str]] = {i: [] for i in ids}
        # A body's own canonical label always matches, even if no alias row repeats it.
        for r in dept_rows:
            aliases[normalise_key(r["label_uk"])] = r["id"]
        for r in alias_rows:
            dep = r["department_id"]
            if dep not in spellings:
                raise ValueError(f"department_aliases.csv: unknown id {dep!r} for {r['alias']!r}")
            key = normalise_key(r["alias"])
            if aliases.get(key, dep) != dep:
                raise ValueError(
                    f"department_aliases.csv: {r['alias']!r} maps to both {aliases[key]} and {dep}"
                )
            aliases[key] = dep
            spellings[dep].append(r["alias"])

        departments = [
            Department(r["id"], r["label_uk"], r["label_en"], r["kind"], tuple(spellings[r["id"]]))
            for r in dept_rows
        ]
        return cls(departments, aliases)

    # -- lookup ------------------------------------------------------------------------
    def get(self, dep_id: str) -> Department:
        """The department with this id (KeyError if there is none)."""
        return self._by_id[dep_id]

    def __iter__(self) -> Iterator[Department]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, dep_id: object) -> bool:
        return dep_id in self._by_id

    def alias_id(self, spelling: str) -> str | None:
        """The department id of one exact spelling (normalised), or None."""
        return self._aliases.get(normalise_key(spelling))

    # -- splitting ---------------------------------------------------------------------
    def _bodies_at(self, key: str, pos: int) -> Iterator[tuple[str, int]]:
        """(id, end) for every alias that starts at ``pos`` and ends at a word boundary."""
        for alias in self._keys:
            end = pos + len(alias)
            if key.startswith(alias, pos) and (end == len(key) or not key[end].isalnum()):
                yield self._aliases[alias], end

    def _walk(self, key: str) -> tuple[dict[int, list[str]], int]:
        """Every position reachable by a chain "body (separator body)*" from the start.

        Returns the end position of each chain mapped to its ids (the first chain found, which
        prefers longer aliases), and the furthest position where a body was expected (for
        error messages). Positions are explored breadth-first and each only once, so there is
        no exponential backtracking.
        """
        ends: dict[int, list[str]] = {}
        starts: dict[int, list[str]] = {0: []}
        todo = [0]
        while todo:
            pos = todo.pop(0)
            for dep, end in self._bodies_at(key, pos):
                ids = starts[pos] + [dep]
                ends.setdefault(end, ids)
                sep = _SEPARATOR.match(key, end)
                if sep and sep.end() < len(key) and sep.end() not in starts:
                    starts[sep.end()] = ids
                    todo.append(sep.end())
        return ends, max(starts)

    @staticmethod
    def _dedupe(ids: list[str]) -> list[str]:
        return list(dict.fromkeys(ids))

    def split(self, cell: str, line: int) -> list[str]:
        """Department ids named in a responsible-body cell, in order, without repeats.

        The whole cell must be a list of known bodies; anything else raises
        :class:`UnknownDepartment` naming the first unrecognised part and ``line``.
        """
        text = _normalise(cell)
        if not text.key.strip(" .,;"):
            return []
        ends, furthest_start = self._walk(text.key)
        for end in sorted(ends, reverse=True):
            if _CELL_END.fullmatch(text.key, end):
                return self._dedupe(ends[end])
        unknown = text.shown[furthest_start:]
        cut = _SEPARATOR.search(unknown)
        raise UnknownDepartment(unknown[: cut.start()] if cut else unknown, line)

    def split_prefix(self, cell: str, line: int | None = None) -> tuple[list[str], str]:
        """Split a merged cell "bodies + progress text" into (ids, rest of the raw cell).

        Used where the report lost the tab between the responsible-body column and the
        progress text. The longest known body list at the start wins; the rest keeps its
        HTML (leading whitespace and closing tags are dropped). Returns ``([], cell)`` if the
        cell does not start with a known body. Only call this on cells known to be merged:
        a progress text that happens to begin with a body's name would be cut too.
        """
        text = _normalise(cell)
        ends, _ = self._walk(text.key)
        if not ends:
            return [], cell
        end = max(ends)
        rest_key = text.key[end:].lstrip()
        if rest_key[:1] in {",", ";"}:
            # A separator right after the known bodies means the next body is unknown.
            unknown = text.shown[end:].lstrip(" ,;")
            raise UnknownDepartment(unknown[:80], line)
        rest = _LEADING_JUNK.sub("", cell[text.raw_at[end] :])
        return self._dedupe(ends[end]), rest
