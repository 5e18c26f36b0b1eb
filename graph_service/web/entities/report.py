"""A progress report (zkg:ProgressReport): the generic properties plus its text with the mentions highlighted."""

from __future__ import annotations

from graph_service.web.context import Ctx, Page, table_of
from graph_service.web.entities.model import Entity, Report, source_line_ref, work_reports
from zhytomyr_kg.settings import ZKG


def report_page(ctx: Ctx, entity: Entity) -> Page:
    """A progress report: the generic properties plus its text with the mentions highlighted."""
    works = entity.refs(ZKG + "reportsOn")
    reports: list[Report] = []
    tables = []
    if works:
        reports, _report_rows, mention_rows = work_reports(ctx, works[0].iri, only=entity.iri)
        tables = [table_of("mentions", [m for m in mention_rows if m["report"].value == entity.iri])]
    return Page(
        "report.html",
        entity.label.text,
        {
            "reports": reports,
            "works": works,
            "line": source_line_ref(ctx, entity, entity.literal(ZKG + "sourceLine")),
        },
        tables,
    )
