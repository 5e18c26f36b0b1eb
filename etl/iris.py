"""The stable IRIs of docs/DESIGN.md, minted from a report's structure and names.

Rebuilding gives the same IRIs, and a later report gives its progress reports to the same tasks
and projects: a priority by its slug, a goal and a task by their positions in the Concept, a
project by its title (and its period, when one title is printed with two).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable

from pyoxigraph import NamedNode

from etl.normalize import ProjectTitle
from etl.slug import slugify
from etl.structure import Goal, PriorityTable, ReportTree, Task
from zhytomyr_kg.settings import Settings


class Iris:
    """Mints the stable IRIs of docs/DESIGN.md from the report's structure and names."""

    def __init__(self, settings: Settings, tree: ReportTree) -> None:
        self.base = settings.id_base
        self.city_slug = slugify(tree.city_nominative)
        self.doc_slug = f"{self.city_slug}-{tree.year}"
        self.year = tree.year

    def node(self, path: str) -> NamedNode:
        return NamedNode(self.base + path)

    def source(self) -> NamedNode:
        return self.node(f"source/{self.doc_slug}")

    def source_line(self, line: int) -> NamedNode:
        return self.node(f"source/{self.doc_slug}#L{line}")

    def priority(self, p: PriorityTable) -> NamedNode:
        return self.node(f"priority/{p.slug}")

    def goal_path(self, p: PriorityTable, g: Goal) -> str:
        return f"{p.slug}/{g.ordinal}"

    def goal(self, p: PriorityTable, g: Goal) -> NamedNode:
        return self.node(f"goal/{self.goal_path(p, g)}")

    def task_path(self, p: PriorityTable, g: Goal, t: Task) -> str:
        return f"{self.goal_path(p, g)}/{t.ordinal}"

    def task(self, p: PriorityTable, g: Goal, t: Task) -> NamedNode:
        return self.node(f"task/{self.task_path(p, g, t)}")

    def department(self, dept_id: str) -> NamedNode:
        return self.node(f"department/{dept_id}")

    def status(self, code: str) -> NamedNode:
        return self.node(f"status/{code}")

    def cause(self, code: str) -> NamedNode:
        return self.node(f"cause/{code}")

    def concept_scheme(self) -> NamedNode:
        return self.node("concept/zhytomyr-2030")


def project_slugs(titles: Iterable[ProjectTitle]) -> dict[tuple[str, int | None, int | None], str]:
    """One slug per distinct project. A title printed with two different periods is two projects
    (the period joins the slug); two titles whose first words coincide get a short hash."""
    periods: dict[str, set[tuple[int | None, int | None]]] = defaultdict(set)
    for t in titles:
        periods[t.title].add((t.start_year, t.end_year))
    slugs: dict[tuple[str, int | None, int | None], str] = {}
    owners: dict[str, str] = {}
    for title in sorted(periods):
        base = slugify(title, max_words=10) or "project"
        if owners.setdefault(base, title) != title:
            base = f"{base}-{hashlib.sha1(title.encode()).hexdigest()[:6]}"
        for start, end in sorted(periods[title], key=lambda p: (p[0] or 0, p[1] or 0)):
            suffix = f"-{start}-{end}" if len(periods[title]) > 1 and start else ""
            slugs[(title, start, end)] = base + suffix
    return slugs
