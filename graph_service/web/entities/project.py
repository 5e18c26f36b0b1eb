"""A project (zkg:Project): where it sits in the strategy, its period, reports and links."""

from __future__ import annotations

from graph_service.web.context import Ctx, Page, table_of
from graph_service.web.entities.model import Entity, source_line_ref, work_links, work_reports
from zhytomyr_kg.settings import ZKG


def project_page(ctx: Ctx, entity: Entity) -> Page:
    rows = ctx.rows("page-project", entity=entity.iri)
    trails = [[ctx.ref(r, "priority"), ctx.ref(r, "goal"), ctx.ref(r, "task")] for r in rows]
    reports, report_rows, mention_rows = work_reports(ctx, entity.iri)
    start, end = entity.literal(ZKG + "startYear"), entity.literal(ZKG + "endYear")
    period = "–".join(x for x in (start, end) if x) or entity.literal(ZKG + "periodText")
    return Page(
        "project.html",
        entity.label.text,
        {
            "trails": trails,
            "reports": reports,
            "period": period,
            "line": source_line_ref(ctx, entity, entity.literal(ZKG + "sourceLine")),
            **work_links(ctx, entity, reports),
        },
        [table_of("reports", report_rows), table_of("mentions", mention_rows), table_of("breadcrumb", rows)],
    )
