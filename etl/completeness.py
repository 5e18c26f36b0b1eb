"""Stage 2b — completeness: a parsed report holds the whole Concept, or the build stops.

A truncated export parses cleanly up to where it was cut: every row before the cut is a good
row. What gives it away is what is *not* there, so the parsed tree is compared with the
Concept's own structure, kept as curated data in ``etl/data/concept_tasks.csv`` (one row per
strategic goal — its ``task`` cell empty — and per task: the priority's notation of
``priorities.csv``, the goal's and the task's position in their table, and the Ukrainian title).
The table was derived once from the 2022 report through this ETL's parser (``python -m
etl.completeness`` prints it) and reviewed by hand; goals and tasks are compared by position,
as the IRIs are minted, because the printed numbers repeat and go missing in the export.

A report must hold

* a table for every priority of ``priorities.csv``;
* in each table, every strategic goal and every task of the Concept;
* a last row with all its columns: a row cut at the end of the file has fewer than the header.

Projects are not compared: a year's report need not report on every project of the Concept,
and a missing project at the very end is the only cut the tasks would not give away.

Any gap is a :class:`~etl.errors.ReportError` naming the line where the table (or the file)
ended: the usual sign of a report cut short.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from etl.errors import ReportError
from etl.structure import COLUMNS, PriorityInfo, PriorityTable, ReportTree
from zhytomyr_kg.resources import ETL_DATA_DIR

CONCEPT_FILE = "concept_tasks.csv"
FIELDS = ("priority", "goal", "task", "title_uk")
#: roles of table rows (``ReportTree.roles``): a cut inside one of them leaves fewer columns
ROW_ROLES = frozenset({"task", "project", "department", "continuation"})


@dataclass(frozen=True)
class Item:
    """A strategic goal (``task`` None) or a task of the Concept, by position."""

    priority: str  # the notation of priorities.csv
    goal: int
    task: int | None
    title_uk: str

    @property
    def notation(self) -> str:
        return f"{self.priority}.{self.goal}" + (f".{self.task}" if self.task is not None else "")

    def describe(self) -> str:
        kind = "task" if self.task is not None else "strategic goal"
        title = self.title_uk if len(self.title_uk) <= 70 else self.title_uk[:69] + "…"
        return f'{kind} {self.notation} "{title}"'


@dataclass(frozen=True)
class Concept:
    """The Concept's goals and tasks, per priority notation, in order."""

    items: tuple[Item, ...]

    @classmethod
    def load(cls, data_dir: Path = ETL_DATA_DIR) -> Concept:
        path = data_dir / CONCEPT_FILE
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        items = []
        for number, row in enumerate(rows, start=2):
            try:
                items.append(
                    Item(
                        row["priority"].strip(),
                        int(row["goal"]),
                        int(row["task"]) if row["task"].strip() else None,
                        row["title_uk"].strip(),
                    )
                )
            except (KeyError, ValueError, AttributeError) as exc:
                raise ReportError(path, number, f"expected the columns {', '.join(FIELDS)}: {exc}") from None
        return cls(tuple(items))

    def of(self, priority: str) -> list[Item]:
        return [item for item in self.items if item.priority == priority]


def derive(tree: ReportTree) -> list[Item]:
    """The Concept as a report shows it (how ``concept_tasks.csv`` was made)."""
    items: list[Item] = []
    for table in tree.priorities:
        for goal in table.goals:
            items.append(Item(table.notation, goal.ordinal, None, goal.title))
            items += [Item(table.notation, goal.ordinal, t.ordinal, t.description) for t in goal.tasks]
    return items


def write_csv(items: Iterable[Item], out=sys.stdout) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
    for item in items:
        writer.writerow([item.priority, item.goal, "" if item.task is None else item.task, item.title_uk])


def _present(table: PriorityTable) -> set[tuple[int, int | None]]:
    found: set[tuple[int, int | None]] = set()
    for goal in table.goals:
        found.add((goal.ordinal, None))
        found |= {(goal.ordinal, task.ordinal) for task in goal.tasks}
    return found


def _last_content_line(tree: ReportTree) -> int:
    lines = tree.source.lines
    for number in range(len(lines), 0, -1):
        if lines[number - 1].strip():
            return number
    return 1


def check_complete(tree: ReportTree, concept: Concept, priorities: dict[str, PriorityInfo]) -> None:
    """Raise :class:`ReportError` if ``tree`` lacks a priority, strategic goal or task of the
    Concept, or its last row was cut; the line is where the table or the file ended."""
    path = tree.source.path
    last = _last_content_line(tree)
    check_last_row(tree, last)
    tables = {table.notation: table for table in tree.priorities}
    for info in sorted(priorities.values(), key=lambda p: _order(p.notation)):
        table = tables.get(info.notation)
        if table is None:
            later = [t for t in tree.priorities if _order(t.notation) > _order(info.notation)]
            if later:
                where = min(t.line for t in later)
                message = f"the table of priority {info.notation} ({info.label_uk}) of the Concept is missing before this line"
            else:
                where = last
                message = (
                    f"the report ends here without priority {info.notation} ({info.label_uk}) of the Concept"
                )
            raise ReportError(path, where, message + ": is the report truncated?")
        present = _present(table)
        missing = [item for item in concept.of(info.notation) if (item.goal, item.task) not in present]
        if missing:
            goals = sum(1 for item in missing if item.task is None)
            tasks = len(missing) - goals
            counted = [
                f"{n} {word}{'s' if n != 1 else ''}" for n, word in ((goals, "goal"), (tasks, "task")) if n
            ]
            raise ReportError(
                path,
                table.end_line or last,
                f"priority {info.notation} ({info.label_uk}) ends here without {missing[0].describe()} "
                f"of the Concept (missing: {', '.join(counted)}): is the report truncated?",
            )


def check_last_row(tree: ReportTree, last: int | None = None) -> None:
    """A table row at the end of the file with fewer columns than the header was cut mid-row."""
    last = last or _last_content_line(tree)
    if tree.roles.get(last) not in ROW_ROLES:
        return
    cells = tree.source.lines[last - 1].split("\t")
    if len(cells) < COLUMNS:
        raise ReportError(
            tree.source.path,
            last,
            f"the last row has {len(cells)} of the header's {COLUMNS} columns: is the report truncated?",
        )


def _order(notation: str) -> tuple[int, str]:
    return (int(notation), notation) if notation.isdigit() else (10**6, notation)


def main() -> int:
    """Print the Concept's goals and tasks as the bundled report shows them (CSV)."""
    from etl.departments import DepartmentIndex
    from etl.reader import read_report
    from etl.structure import load_priorities, parse_report
    from zhytomyr_kg.resources import BUNDLED_REPORT

    path = Path(sys.argv[1]) if len(sys.argv) > 1 else BUNDLED_REPORT
    tree = parse_report(read_report(path), DepartmentIndex.load(), load_priorities(ETL_DATA_DIR))
    write_csv(derive(tree))
    return 0


if __name__ == "__main__":
    sys.exit(main())
