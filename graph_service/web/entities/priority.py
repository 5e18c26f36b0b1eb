"""A priority (zkg:Priority): its goals and their tasks with project counts, and the state of its
works by strategic goal (with those martial law stopped) as bar charts."""

from __future__ import annotations

from collections import OrderedDict

from graph_service.web.charts import state_charts
from graph_service.web.context import Ctx, Page, table_of
from graph_service.web.entities.model import Entity


def priority_page(ctx: Ctx, entity: Entity) -> Page:
    rows = ctx.rows("page-priority", entity=entity.iri)
    chart_rows = ctx.rows("page-chart-goals", entity=entity.iri)  # the latest report year
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
    charts = state_charts(
        ctx, chart_rows, "goal", "priority", ("chart_goal_states", "chart_goal_martial_law")
    )
    return Page(
        "priority.html",
        entity.label.text,
        {"goals": list(goals.values()), **charts},
        [table_of("goals", rows), table_of("chart", chart_rows)],
    )
