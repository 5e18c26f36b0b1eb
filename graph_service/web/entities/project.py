"""A project (zkg:Project): where it sits in the strategy, its period, its report years (state,
cause, outputs with amounts, support by relation), reports and links."""

from __future__ import annotations

from graph_service.web.context import Ctx, Page, Ref, table_of
from graph_service.web.entities.model import Entity, source_line_ref, work_links, work_reports
from graph_service.web.entities.years import Year, work_years
from zhytomyr_kg.settings import ZKG


def project_page(ctx: Ctx, entity: Entity) -> Page:
    rows = ctx.rows("page-project", entity=entity.iri)
    trails = [[ctx.ref(r, "priority"), ctx.ref(r, "goal"), ctx.ref(r, "task")] for r in rows]
    reports, report_rows, mention_rows = work_reports(ctx, entity.iri)
    start, end = entity.literal(ZKG + "startYear"), entity.literal(ZKG + "endYear")
    period = "–".join(x for x in (start, end) if x) or entity.literal(ZKG + "periodText")
    timeline_rows = ctx.rows("page-work-timeline", work=entity.iri)
    years, year_tables = work_years(ctx, entity.iri, reports, report_rows)
    timeline = [timeline_entry(ctx, r, years) for r in timeline_rows]
    return Page(
        "project.html",
        entity.label.text,
        {
            "trails": trails,
            "reports": reports,
            "period": period,
            "timeline": timeline,
            "years": years,
            "line": source_line_ref(ctx, entity, entity.literal(ZKG + "sourceLine")),
            **work_links(ctx, entity, reports),
        },
        [
            table_of("timeline", timeline_rows),
            table_of("reports", report_rows),
            *year_tables,
            table_of("mentions", mention_rows),
            table_of("breadcrumb", rows),
        ],
    )


def timeline_entry(ctx: Ctx, row: dict, years: list[Year]) -> dict:
    """One report year of a work: states, causes, the number of outputs and who backed it.
    States and causes are shown by their labels (the refs ``years`` holds), their codes sorted
    (a GROUP_CONCAT's order is the engine's)."""

    def text(name: str) -> str:
        term = row.get(name)
        return term.value if term is not None else ""

    refs: dict[str, Ref] = {}
    for y in years:
        for state in y.states:
            if state.code and state.status:
                refs[state.code] = state.status
            if state.cause_code and state.cause:
                refs[state.cause_code] = state.cause
    iris = text("support").split()
    labels = text("supportEn" if ctx.lang == "en" else "supportUk") or text("supportUk")
    return {
        "year": text("year"),
        # sorted: a GROUP_CONCAT's order is the engine's (page-work-timeline.rq)
        "states": sorted(text("states").split()),
        "causes": sorted(text("causes").split()),
        "refs": refs,
        "outputs": int(text("outputs") or 0),
        "reports": int(text("reports") or 0),
        "support": "; ".join(sorted(filter(None, labels.split("; ")))),
        "supporters": len(iris),
    }
