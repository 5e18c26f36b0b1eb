"""A task (zkg:Task): its projects; its own report years (state, cause, outputs with amounts,
support by relation) and reports with the mentions highlighted."""

from __future__ import annotations

from collections import OrderedDict

from graph_service.web.context import Ctx, Page, table_of, unique
from graph_service.web.entities.bounded import first
from graph_service.web.entities.model import Entity, source_line_ref, work_links, work_reports
from graph_service.web.entities.years import work_years
from zhytomyr_kg.settings import ZKG


def task_page(ctx: Ctx, entity: Entity) -> Page:
    latest = ctx.latest_year()  # the projects' states of the latest report year
    rows = (
        ctx.rows("page-task", entity=entity.iri, year=latest)
        if latest
        else ctx.rows("page-task", entity=entity.iri)
    )
    crumbs = [ctx.ref(rows[0], "priority"), ctx.ref(rows[0], "goal")] if rows else []
    projects: OrderedDict[str, dict] = OrderedDict()
    for row in rows:
        if row.get("project"):
            p = projects.setdefault(row["project"].value, {"ref": ctx.ref(row, "project"), "statuses": []})
            if row.get("status"):
                p["statuses"].append(ctx.ref(row, "status"))
    reports, report_rows, mention_rows = work_reports(ctx, entity.iri)
    shown, more = first(ctx, list(projects.values()), "projects")
    for p in shown:
        p["statuses"] = unique(p["statuses"])
    years, year_tables = work_years(ctx, entity.iri, reports, report_rows) if reports else ([], [])
    return Page(
        "task.html",
        entity.label.text,
        {
            "crumbs": crumbs,
            "projects": shown,
            "more": more,
            "reports": reports,
            "years": years,
            "line": source_line_ref(ctx, entity, entity.literal(ZKG + "sourceLine")),
            **work_links(ctx, entity, reports),
        },
        [
            table_of("projects", rows),
            table_of("reports", report_rows),
            *year_tables,
            table_of("mentions", mention_rows),
        ],
    )
