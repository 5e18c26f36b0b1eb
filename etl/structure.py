"""Stage 2 — structure: numbered lines → priority → goal → task → entries, as the authors meant it.

The export is messy, and every trap it holds is recovered here from the shape of the line and the
curated department table, never from a line number:

* a table starts at a ``**Інформація … пріоритету "…"`` title and its ``№ з/п`` header row;
* a goal is a ``Стратегічна ціль N`` row followed by its title row, or a lone ``<i>title</i>`` row;
  goals are numbered by position, the printed number is kept (two goals may print the same one);
* a row is re-aligned on its responsible-body column: rows that lost a leading tab, or whose
  task moved into the number column, are shifted back; a department merged with its text in one
  cell is split by the department table;
* a row with a task starts a task (its number may be ``1``, ``1.1.``, ``2.`` or missing); a row
  with a project adds a project to the current task; a row that only names a body is that body's
  part of the current task or project; a row with only text continues the previous entry;
* markdown separators (``---``) and blank lines carry nothing.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from etl.departments import UnknownDepartment
from etl.errors import ReportError
from etl.extract.morph import nominative
from etl.reader import SourceDocument
from etl.text import paragraphs, strip_html

COLUMNS = 5  # № | task | project | responsible body | progress text
NUMBER, TASK, PROJECT, BODY, TEXT = range(COLUMNS)

_TITLE = re.compile(r'^\*\*\s*Інформація про виконання.*?пріоритету\s*["«“](?P<name>[^"»”]+)["»”]')
_TITLE_TAIL = re.compile(
    r"Концепції інтегрованого розвитку\s+м\.\s*(?P<city>[^\s]+)\s+до\s+(?P<horizon>\d{4})"
)
_HEADER = re.compile(r"^№\s*з/п$")
_YEAR = re.compile(r"за\s+(?P<year>\d{4})\s+рік")
_GOAL = re.compile(r"^Стратегічна ціль\s*(?P<number>\d+)?\.?$")
_ITALIC_GOAL = re.compile(r"^<i>(?P<title>[^<]+)</i>$")
_SEPARATOR = re.compile(r"^-+$")
_TASK_NUMBER = re.compile(r"^(?P<number>\d+(?:\.\d+)*\.?)\s+(?P<rest>\S.*)$")

EntryKind = Literal["project", "task", "department"]


class DepartmentSplitter(Protocol):
    """What the parser needs of the curated department table (see ``etl.departments``)."""

    def split(self, cell: str, line: int) -> list[str]: ...

    def split_prefix(self, cell: str) -> tuple[list[str], str]: ...


@dataclass
class Paragraph:
    line: int
    text: str


@dataclass
class Entry:
    """One row of work under a task: a project, the task itself, or one body's part of it."""

    kind: EntryKind
    line: int
    project_cell: str = ""
    department_ids: list[str] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    continuation_lines: list[int] = field(default_factory=list)
    #: for a ``department`` entry: the project it belongs to, if the row followed a project row
    parent_project_cell: str = ""


@dataclass
class Task:
    ordinal: int
    notation: str | None
    description: str
    line: int
    entries: list[Entry] = field(default_factory=list)


@dataclass
class Goal:
    ordinal: int
    notation: str | None
    title: str
    line: int
    tasks: list[Task] = field(default_factory=list)


@dataclass
class PriorityTable:
    notation: str
    slug: str
    label_uk: str
    label_en: str
    line: int
    goals: list[Goal] = field(default_factory=list)
    #: the table's last line with content (before the next title, or the file's last one)
    end_line: int = 0


@dataclass
class ReportTree:
    source: SourceDocument
    year: int
    city: str
    priorities: list[PriorityTable]
    #: the city as printed in the title (genitive: "Житомира") and in the nominative ("Житомир")
    city_nominative: str = ""
    #: every line with content → what it is (title, header, separator, goal, goal-title, task,
    #: project, department, continuation, …) — the parser's own account of the whole file
    roles: dict[int, str] = field(default_factory=dict)
    #: the line of the title that names the city (None if no title names it)
    city_line: int | None = None


@dataclass(frozen=True)
class PriorityInfo:
    notation: str
    slug: str
    label_uk: str
    label_en: str


def load_priorities(data_dir: Path) -> dict[str, PriorityInfo]:
    """The concept's priorities by Ukrainian name (``etl/data/priorities.csv``)."""
    with open(data_dir / "priorities.csv", encoding="utf-8", newline="") as fh:
        rows = [PriorityInfo(**row) for row in csv.DictReader(fh)]
    return {row.label_uk.casefold(): row for row in rows}


class _Parser:
    def __init__(
        self, doc: SourceDocument, departments: DepartmentSplitter, priorities: dict[str, PriorityInfo]
    ) -> None:
        self.doc = doc
        self.departments = departments
        self.known_priorities = priorities
        self.priorities: list[PriorityTable] = []
        self.roles: dict[int, str] = {}
        self.year: int | None = None
        self.city: str | None = None
        self.city_line: int | None = None
        self.city_check: Callable[[SourceDocument, int, str], None] | None = None
        self.header_seen = False
        self.pending_goal: Goal | None = None  # a "Стратегічна ціль N" row still waiting for its title
        self.entry: Entry | None = None
        self.subject_project_cell = ""  # the project the latest rows are about (for department parts)
        self.last_line = 0  # the last line with content seen so far

    def fail(self, line: int, message: str) -> ReportError:
        return ReportError(self.doc.path, line, message)

    # --- the walk ---------------------------------------------------------------------------
    def parse(self) -> ReportTree:
        for number, raw in enumerate(self.doc.lines, start=1):
            if raw.strip():
                self.line(number, raw)
                self.last_line = number
        self.finish_table(len(self.doc.lines))
        assert self.year is not None and self.city is not None
        return ReportTree(
            self.doc, self.year, self.city, self.priorities, nominative(self.city), self.roles, self.city_line
        )

    def line(self, number: int, raw: str) -> None:
        cells = [c.strip() for c in raw.rstrip("\n").split("\t")]
        first = cells[0]
        rest_empty = not any(cells[1:])
        if match := _TITLE.match(first):
            self.start_table(number, match.group("name"))
            return
        if rest_empty and (tail := _TITLE_TAIL.search(first)):
            self.roles[number] = "title"
            if self.city is None:
                self.city, self.city_line = tail.group("city"), number
                if self.city_check is not None:
                    self.city_check(self.doc, number, nominative(self.city))
            return
        if not self.priorities:
            raise self.fail(number, 'expected a table title like **Інформація … пріоритету "Ефективне місто"')
        if _HEADER.match(first):
            self.header(number, cells)
            return
        if not self.header_seen:
            raise self.fail(number, "expected the column header row (№ з/п | Опис завдання | Проєкт | …)")
        if all(_SEPARATOR.match(c) or not c for c in cells):
            self.roles[number] = "separator"
            return
        plain_first = strip_html(first)
        if rest_empty and (goal := _GOAL.match(plain_first)):
            self.start_goal(number, goal.group("number"))
            return
        if rest_empty and (italic := _ITALIC_GOAL.match(first)):
            self.start_goal(number, None)
            self.title_goal(number, strip_html(italic.group("title")))
            return
        if self.pending_goal is not None:
            if not rest_empty:
                raise self.fail(
                    number, "expected the title of the strategic goal on the line after its number"
                )
            self.title_goal(number, plain_first)
            return
        self.row(number, self.align(number, cells))

    def at_end(self, number: int) -> bool:
        """Whether ``number`` is the file's last line with content."""
        return not any(line.strip() for line in self.doc.lines[number:])

    # --- tables and goals -------------------------------------------------------------------
    def start_table(self, number: int, name: str) -> None:
        self.finish_table(number)
        info = self.known_priorities.get(name.strip().casefold())
        if info is None:
            known = ", ".join(p.label_uk for p in self.known_priorities.values())
            raise self.fail(
                number, f'unknown priority "{name}": expected one of {known} (etl/data/priorities.csv)'
            )
        if any(p.slug == info.slug for p in self.priorities):
            raise self.fail(number, f'priority "{name}" has a second table')
        self.priorities.append(PriorityTable(info.notation, info.slug, info.label_uk, info.label_en, number))
        self.roles[number] = "title"
        self.header_seen = False
        self.entry = None

    def header(self, number: int, cells: list[str]) -> None:
        if len(cells) != COLUMNS:
            raise self.fail(
                number,
                f"the column header has {len(cells)} columns, expected {COLUMNS}: "
                "№ з/п | Опис завдання | Проєкт | Виконавчий орган | Інформація про виконання",
            )
        year = _YEAR.search(cells[TEXT])
        if not year:
            raise self.fail(number, "the last column header must name the report year (… за 2022 рік)")
        if self.year is not None and int(year.group("year")) != self.year:
            raise self.fail(
                number, f"report year {year.group('year')} differs from {self.year} of earlier tables"
            )
        self.year = int(year.group("year"))
        self.header_seen = True
        self.roles[number] = "header"

    def finish_table(self, number: int) -> None:
        if self.pending_goal is not None:
            raise self.fail(self.pending_goal.line, "a strategic goal without a title")
        if not self.priorities:
            return
        table = self.priorities[-1]
        table.end_line = self.last_line
        if not self.header_seen:
            raise self.fail(number, f'the table of "{table.label_uk}" has no column header row')
        if not table.goals:
            raise self.fail(number, f'the table of "{table.label_uk}" ends without any strategic goal')
        for goal in table.goals:
            if not goal.tasks:
                raise self.fail(goal.line, f'strategic goal "{goal.title}" has no tasks')

    def start_goal(self, number: int, printed: str | None) -> None:
        if self.pending_goal is not None:
            raise self.fail(number, "expected the title of the previous strategic goal")
        table = self.priorities[-1]
        if table.goals and not table.goals[-1].tasks:
            raise self.fail(number, f'strategic goal "{table.goals[-1].title}" has no tasks')
        goal = Goal(ordinal=len(table.goals) + 1, notation=printed, title="", line=number)
        self.pending_goal = goal
        self.roles[number] = "goal"
        self.entry = None

    def title_goal(self, number: int, title: str) -> None:
        goal = self.pending_goal
        assert goal is not None
        goal.title = title
        self.priorities[-1].goals.append(goal)
        self.pending_goal = None
        self.roles[number] = "goal-title" if number != goal.line else "goal"

    # --- rows -------------------------------------------------------------------------------
    def is_body_cell(self, cell: str, number: int) -> bool:
        if not strip_html(cell):
            return False
        try:
            return bool(self.departments.split(cell, number))
        except UnknownDepartment:
            return False

    def align(self, number: int, cells: list[str]) -> list[str]:
        """Put the row's cells back in their five columns, anchored on the body column."""
        while len(cells) > COLUMNS and not cells[-1]:
            cells = cells[:-1]
        if self.is_body_cell(cells[BODY] if len(cells) > BODY else "", number):
            aligned = cells
        elif len(cells) > BODY - 1 and self.is_body_cell(cells[BODY - 1], number):
            aligned = [""] + cells  # the row lost one leading tab
            while len(aligned) > COLUMNS and not aligned[-1]:
                aligned = aligned[:-1]
        elif len(cells) == COLUMNS - 1:
            ids, rest = self.departments.split_prefix(cells[BODY])
            if not ids:
                raise self.fail(
                    number,
                    f"a row with {len(cells)} columns whose body column does not start with a known "
                    "responsible body; expected 5 columns (add the spelling to etl/data/department_aliases.csv "
                    "if it is a body)",
                )
            aligned = cells[:BODY] + [cells[BODY][: len(cells[BODY]) - len(rest)], rest]
        else:
            aligned = cells
        if len(aligned) != COLUMNS:
            cut = (
                ": the file's last line, cut mid-row? is the report truncated?" if self.at_end(number) else ""
            )
            raise self.fail(number, f"a row with {len(cells)} columns, expected {COLUMNS}{cut}")
        return aligned

    def row(self, number: int, cells: list[str]) -> None:
        number_cell, task_cell, project_cell, body_cell, text_cell = cells
        table = self.priorities[-1]
        if not table.goals:
            raise self.fail(number, "a row before the first strategic goal of the table")
        goal = table.goals[-1]
        try:
            body_ids = self.departments.split(body_cell, number) if strip_html(body_cell) else []
        except UnknownDepartment as exc:
            raise self.fail(number, str(exc)) from exc
        if strip_html(task_cell) or strip_html(number_cell):
            task = self.start_task(number, goal, number_cell, task_cell)
            kind: EntryKind = "project" if strip_html(project_cell) else "task"
            self.subject_project_cell = project_cell if kind == "project" else ""
            self.new_entry(task, kind, number, project_cell, body_ids, text_cell)
        elif strip_html(project_cell):
            self.new_entry(self.current_task(number), "project", number, project_cell, body_ids, text_cell)
            self.subject_project_cell = project_cell
        elif body_ids:
            entry = self.new_entry(self.current_task(number), "department", number, "", body_ids, text_cell)
            entry.parent_project_cell = self.subject_project_cell
        elif strip_html(text_cell):
            if self.entry is None:
                raise self.fail(number, "progress text with no task or project before it")
            self.entry.paragraphs += [Paragraph(number, p) for p in paragraphs(text_cell)]
            self.entry.continuation_lines.append(number)
            self.roles[number] = "continuation"
        else:
            raise self.fail(number, "a row with no task, project, responsible body or text")

    def current_task(self, number: int) -> Task:
        goal = self.priorities[-1].goals[-1]
        if not goal.tasks:
            raise self.fail(number, "a project row before the first task of its strategic goal")
        return goal.tasks[-1]

    def start_task(self, number: int, goal: Goal, number_cell: str, task_cell: str) -> Task:
        description = strip_html(task_cell)
        printed = strip_html(number_cell) or None
        if match := _TASK_NUMBER.match(description):
            # "2.1. Організація …": the task carries its own number; the number cell, if any,
            # is then the goal's number (the "Зелене місто" table numbers tasks goal.task)
            printed, description = match.group("number"), match.group("rest")
        if not description:
            raise self.fail(number, "a task number without a task description")
        task = Task(ordinal=len(goal.tasks) + 1, notation=printed, description=description, line=number)
        goal.tasks.append(task)
        return task

    def new_entry(
        self, task: Task, kind: EntryKind, number: int, project_cell: str, body_ids: list[str], text_cell: str
    ) -> Entry:
        entry = Entry(kind=kind, line=number, project_cell=project_cell, department_ids=body_ids)
        entry.paragraphs = [Paragraph(number, p) for p in paragraphs(text_cell)]
        task.entries.append(entry)
        self.entry = entry
        self.roles[number] = kind
        return entry


def parse_report(
    doc: SourceDocument,
    departments: DepartmentSplitter,
    priorities: dict[str, PriorityInfo],
    city_check: Callable[[SourceDocument, int, str], None] | None = None,
) -> ReportTree:
    """Recover the report's tree; raises :class:`ReportError` naming the line of any surprise.

    ``city_check(doc, line, city)``, if given, is called as soon as a title names the city (in
    the nominative), so a report of another city is refused before its rows are read."""
    parser = _Parser(doc, departments, priorities)
    parser.city_check = city_check
    return parser.parse()
