"""A priority (zkg:Priority): its goals and their tasks with project counts."""

from __future__ import annotations

from collections import OrderedDict

from graph_service.web.context import Ctx, Page, table_of
from graph_service.web.entities.model import Entity


def priority_page(ctx: Ctx, entity: Entity) -> Page:
    rows = ctx.rows("page-priority", entity=entity.iri)
    goals: OrderedDict[str, dict] = OrderedDict()
    for row in rows:
        g = goals.setdefault(
            row["goal"].value, {"ref": ctx.ref(row, "goal"), "notation": row.get("goalNotation"), "tasks": []}
        )
        if row.get("task"):
            g["tasks"].append(
                {
                    "ref": ctx.ref(row, "task"),
                    "notation": row.get("taskNotation"),
                    "projects": int(row["projects"].value) if row.get("projects") else 0,
                }
            )
    return Page(
        "priority.html", entity.label.text, {"goals": list(goals.values())}, [table_of("goals", rows)]
    )
