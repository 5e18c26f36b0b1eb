"""``/`` (and ``/index.json``, ``/index.csv``) — the six priorities with counts, the state of the
works by priority and the works martial law stopped as bar charts, funders with counts, a search
box."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from graph_service.web.charts import state_charts
from graph_service.web.context import Ctx, Page, table_of
from graph_service.web.views.base import respond
from graph_service.web.views.lists import LISTS, first_items, list_table

#: the priorities with their counts, and the states of the latest report year by priority
PRIORITIES_QUERY, CHART_QUERY = "page-home-priorities", "page-chart-priorities"


#: priorities the home page shows and charts (one strategy has six; a graph of many cities has
#: hundreds, and each shown priority adds a row and two chart bars): the rest are in the .csv twin
HOME_PRIORITIES = 12


def shown_priorities(rows: list) -> list[str]:
    """The priorities the home page shows (the first :data:`HOME_PRIORITIES` of its query), whose
    states it charts (``graph_service/web/keep.py`` keeps that chart with the build)."""
    return [r["priority"].value for r in rows[:HOME_PRIORITIES]]


def home_page(ctx: Ctx) -> Page:
    prio_rows = ctx.rows(PRIORITIES_QUERY)
    # a graph of many strategies has many priorities: the first ones, with a link to all
    shown = prio_rows[:HOME_PRIORITIES]
    more = (
        {"n": len(prio_rows), "href": ctx.format_url("csv", "priorities")}
        if len(prio_rows) > len(shown)
        else None
    )
    chart_rows = ctx.rows_of_each(CHART_QUERY, "priority", shown_priorities(prio_rows)) if shown else []
    charts = state_charts(ctx, chart_rows, "priority", "home", ("chart_states", "chart_martial_law"))
    statuses: dict[str, list] = {}
    for bar in charts["charts"][0].bars:
        statuses[bar.key] = [(s.category, s.count) for s in bar.segments]
    priorities = [
        {
            "ref": ctx.ref(r, "priority"),
            "notation": r.get("notation"),
            "goals": int(r["goals"].value),
            "tasks": int(r["tasks"].value),
            "projects": int(r["projects"].value),
            "statuses": statuses.get(r["priority"].value, []),
        }
        for r in shown
    ]
    funders = first_items(ctx, LISTS["funders"])
    return Page(
        "home.html",
        ctx.t("site"),
        {"priorities": priorities, "more": more, "funders": funders, **charts},
        [
            table_of("priorities", prio_rows),
            table_of("statuses", chart_rows),
            list_table(LISTS["funders"], funders),
        ],
    )


async def home(request: Request) -> Response:
    return await respond(request, home_page, suffix=request.path_params.get("ext"))
