"""A strategic goal (zkg:StrategicGoal): its tasks and their projects."""

from __future__ import annotations

from collections import OrderedDict

from graph_service.web.context import Ctx, Page, table_of
from graph_service.web.entities.model import Entity


def goal_page(ctx: Ctx, entity: Entity) -> Page:
    rows = ctx.rows("page-goal", entity=entity.iri)
    tasks: OrderedDict[str, dict] = OrderedDict()
    for row in rows:
        if row.get("task"):
            task = tasks.setdefault(
                row["task"].value,
                {"ref": ctx.ref(row, "task"), "notation": row.get("taskNotation"), "projects": []},
            )
            if row.get("project"):
                task["projects"].append(ctx.ref(row, "project"))
    crumbs = [ctx.ref(rows[0], "priority")] if rows else []
    return Page(
        "goal.html",
        entity.label.text,
        {"crumbs": crumbs, "tasks": list(tasks.values())},
        [table_of("tasks", rows)],
    )
