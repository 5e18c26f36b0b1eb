"""``/projects`` ``/departments`` ``/funders`` ``/places`` — lists with facets, one page at a time.

A page shows ``ZKG_PAGE_SIZE`` items in a stable order (``?page=``, with ``rel=prev/next``
links), facet counts from aggregate queries (kept per build) and, for funders, the work backed by
each relation in its own column — ``Funds`` / ``Partner`` / ``Supported``, never one mixed column.
The ``.csv`` / ``.json`` twins (or ``?format=``) are the whole filtered list, streamed in chunks.
The data comes from ``list_data``.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import math
from collections.abc import Iterator
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from graph_service import conneg
from graph_service.store import named_queries
from graph_service.web import i18n
from graph_service.web.context import Ctx, Page, Ref, Table
from graph_service.web.views import list_data
from graph_service.web.views.base import UNAVAILABLE, VARY, respond, site_of, text, truncated, unavailable
from graph_service.web.views.list_data import ListSpec, Summary, Tally
from zhytomyr_kg.settings import env

__all__ = ["LISTS", "ListSpec", "Tally", "first_items", "list_table", "view"]

LISTS = {
    "projects": ListSpec(
        "projects",
        "project",
        ("status", "priority", "department", "funds", "partner", "supported"),
        ("priority", "status", "department", "funds", "partner", "supported"),
        extra=("start", "end", "line"),
    ),
    "departments": ListSpec(
        "departments",
        "department",
        ("priority", "status", "funds", "partner", "supported"),
        ("priority", "status", "funds", "partner", "supported"),
        counts=("works",),
    ),
    "funders": ListSpec(
        "funders",
        "funder",
        ("kind", "relation", "priority", "department", "status"),
        ("kind", "priority", "department", "status"),
        counts=("works", *list_data.RELATIONS),
    ),
    "places": ListSpec(
        "places", "place", ("kind", "priority", "status"), ("kind", "priority", "status"), counts=("works",)
    ),
}
#: the interface key of a facet or column's heading where it is not the name itself
HEADINGS = {
    "works": "works_count",
    "funds": "funds",
    "partner": "partner_column",
    "supported": "supported",
    "fundedBy": "funds",
    "supportedBy": "supported",
}


class BadRequest(ValueError):
    pass


def heading(name: str) -> str:
    return HEADINGS.get(name, name)


def page_size() -> int:
    return max(1, int(env("ZKG_PAGE_SIZE")))


def report_years(ctx: Ctx) -> tuple[list[tuple[str, int]], str | None]:
    """The report years with their number of progress reports (latest first), and the year the
    list shows: ``?year=`` when it is one of them, else the latest."""
    years = ctx.report_years()
    asked = ctx.query_params.get("year")
    known = [y for y, _ in years]
    return years, (asked if asked in known else (known[0] if known else None))


def year_facet(ctx: Ctx, years: list[tuple[str, int]], year: str | None) -> dict[str, Any]:
    values = [[Ref(y, f"?year={y}", i18n.Label(y, ctx.lang)), n] for y, n in years]
    return {"name": "year", "values": values, "selected": year, "more": 0}


def filters(spec: ListSpec, query_params: Any) -> dict[str, str]:
    """The facets asked for (``?status=<iri>`` …); a value the query cannot bind is a 400."""
    selected = {f: query_params[f] for f in spec.facets if query_params.get(f)}
    try:
        named_queries.get(spec.query).bind(**selected)
    except named_queries.BadParameter as exc:
        raise BadRequest(str(exc)) from None
    return selected


def page_number(query_params: Any) -> int:
    raw = query_params.get("page")
    if raw is None or raw == "":
        return 1
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1 or len(raw) > 9:
        raise BadRequest(f"?page must be a whole number from 1, not {raw!r}")
    return int(raw)


def facet_view(ctx: Ctx, spec: ListSpec, summary: Summary, selected: dict[str, str]) -> list[dict[str, Any]]:
    """Each facet's values, the most frequent :data:`list_data.FACET_VALUES` (the selected one
    always), and how many more there are."""
    shown = []
    for name in spec.facets:
        values = summary.facets.get(name, [])
        top = values[: list_data.FACET_VALUES]
        chosen = selected.get(name)
        if chosen and all(v.iri != chosen for v in top):
            top = top + [v for v in values if v.iri == chosen]
        refs = [(v.ref(ctx), v.n) for v in top]
        shown.append({"name": name, "values": refs, "selected": chosen, "more": len(values) - len(top)})
    return shown


def pager(ctx: Ctx, spec: ListSpec, params: dict[str, str], number: int, pages: int) -> dict[str, Any]:
    """Links to the first, previous, next and last page and a few around this one."""

    def url(n: int) -> str:
        return ctx.url(spec.name, **params, page=n if n > 1 else None)

    near = sorted({1, pages, *range(max(1, number - 2), min(pages, number + 2) + 1)})
    return {
        "number": number,
        "pages": pages,
        "prev": url(number - 1) if number > 1 else None,
        "next": url(number + 1) if number < pages else None,
        "near": [(n, url(n)) for n in near],
    }


def list_page(ctx: Ctx, spec: ListSpec, links: dict[str, str] | None = None) -> Page | None:
    """One page of the list (None: a page past the last one)."""
    years, year = report_years(ctx)
    selected = filters(spec, ctx.query_params)
    number = page_number(ctx.query_params)
    params = {**({"year": year} if year else {}), **selected}
    counts = list_data.summary(ctx, spec, params)
    size = page_size()
    pages = max(1, math.ceil(counts.matching / size))
    if number > pages:
        return None
    keys = list_data.page_keys(ctx, spec, params, size, (number - 1) * size)
    items = list_data.items_of(ctx, spec, keys, list_data.describe(ctx, spec, keys, year))
    facets = facet_view(ctx, spec, counts, selected)
    shown = dict(selected)
    if len(years) > 1:  # states, statuses and support are those of one report year (the latest by default)
        asked = ctx.query_params.get("year") == year
        facets.insert(0, year_facet(ctx, years, year if asked else None))
        if asked and year:
            shown = {"year": year, **selected}
    nav = pager(ctx, spec, shown, number, pages)
    if links is not None:
        links.update({rel: nav[rel] for rel in ("prev", "next") if nav[rel]})
    first = (number - 1) * size + 1 if items else 0
    return Page(
        "list.html",
        ctx.t(spec.name),
        {
            "spec": spec,
            "items": items,
            "facets": facets,
            "selected": shown,
            "total": counts.total,
            "matching": counts.matching,
            "first": first,
            "last": first + len(items) - 1 if items else 0,
            "pager": nav,
            "heading": heading,
        },
        # the page names its tables; their rows are the streamed twins' (twin(), not this page:
        # the facet table alone has 16 k rows at 5 M quads)
        [Table(spec.name, list_data.table_columns(spec), []), Table("facets", FACET_COLUMNS, [])],
    )


def first_items(ctx: Ctx, spec: ListSpec) -> list[dict]:
    """The first page of a list, unfiltered, any year (the home page's funders: their counts
    of work by relation do not depend on the year)."""
    keys = list_data.page_keys(ctx, spec, {}, page_size(), 0)
    return list_data.items_of(ctx, spec, keys, list_data.describe(ctx, spec, keys, None))


def list_table(spec: ListSpec, items: list[dict]) -> Table:
    return Table(spec.name, list_data.table_columns(spec), list(list_data.table_rows(spec, items)))


FACET_COLUMNS = ["facet", "value", "labelUk", "labelEn", "count"]


def facet_table(ctx: Ctx, spec: ListSpec, counts: Summary) -> Table:
    rows: list[dict[str, Any]] = [
        {"facet": "total", "value": None, "labelUk": None, "labelEn": None, "count": counts.total},
        {"facet": "matching", "value": None, "labelUk": None, "labelEn": None, "count": counts.matching},
    ]
    for name, values in counts.facets.items():
        for v in values:
            label = ctx.label(v.uk, v.en, v.iri)
            rows.append({"facet": name, "value": v.iri, "labelUk": None, "labelEn": None, "count": v.n})
            rows[-1]["labelUk" if label.lang == "uk" else "labelEn"] = label.text
    return Table("facets", FACET_COLUMNS, rows)


# --------------------------------------------------------------------------- the data twins


def csv_lines(columns: list[str], rows: Iterator[dict[str, Any]]) -> Iterator[bytes]:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
        if out.tell() > 1 << 16:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")


def json_lines(
    title: str, spec: ListSpec, rows: Iterator[dict[str, Any]], facets: Table, uses
) -> Iterator[bytes]:
    """The page's JSON (``title``, ``tables``, ``queries``), its list table written row by row."""
    dump = json.dumps
    yield (
        '{"title": '
        + dump(title)
        + ', "tables": {'
        + dump(spec.name)
        + ': {"columns": '
        + dump(list_data.table_columns(spec))
        + ', "rows": ['
    ).encode()
    for i, row in enumerate(rows):
        yield ((", " if i else "") + dump(row, ensure_ascii=False)).encode("utf-8")
    tail = {"columns": facets.columns, "rows": facets.rows}
    queries = [{"name": u.name, "title": u.title, "query": u.text} for u in uses]
    yield (
        "]}, "
        + dump("facets")
        + ": "
        + dump(tail, ensure_ascii=False)
        + '}, "queries": '
        + dump(queries, ensure_ascii=False)
        + "}"
    ).encode("utf-8")


def prepare(ctx: Ctx, spec: ListSpec) -> tuple[Table, Iterator[list[dict]], list[dict]]:
    """The facet table and the chunks of the filtered list, its first chunk read already."""
    selected = filters(spec, ctx.query_params)
    _, year = report_years(ctx)
    params = {**({"year": year} if year else {}), **selected}
    facets = facet_table(ctx, spec, list_data.summary(ctx, spec, params))
    for name, bound in ((spec.query, params), (spec.rows_query, {"year": year} if year else {})):
        ctx.record(name, named_queries.get(name).bind(**bound))
    pieces = list_data.chunks(ctx.site, ctx, spec, params)
    return facets, pieces, next(pieces, [])


async def twin(request: Request, spec: ListSpec, fmt: str) -> Response:
    """The whole filtered list as CSV or JSON, streamed (``?table=facets``: the facet counts)."""
    ctx = Ctx(site_of(request), request)
    headers = {"Vary": VARY}
    table = request.query_params.get("table")
    if fmt == "csv" and table not in (None, "", spec.name, "facets"):
        return text(404, f"no table {table!r}; tables: {spec.name}, facets", headers)
    try:  # the store answers before the response starts (else a 503)
        facets, pieces, first = await asyncio.to_thread(prepare, ctx, spec)
    except UNAVAILABLE as exc:
        return unavailable(exc, headers)
    headers.update(truncated(ctx))  # the store cut the facets or the first chunk

    def rows() -> Iterator[dict[str, Any]]:
        yield from list_data.table_rows(spec, first)
        for chunk in pieces:
            yield from list_data.table_rows(spec, chunk)

    if fmt == "csv":
        columns, body = (
            (facets.columns, iter(facets.rows))
            if table == "facets"
            else (list_data.table_columns(spec), rows())
        )
        return StreamingResponse(
            csv_lines(columns, body), media_type="text/csv; charset=utf-8", headers=headers
        )
    lines = json_lines(ctx.t(spec.name), spec, rows(), facets, ctx.uses)
    return StreamingResponse(lines, media_type="application/json", headers=headers)


def view(spec: ListSpec):
    """The endpoint of the list ``spec`` (``/{name}`` and ``/{name}.{ext}``)."""

    async def endpoint(request: Request) -> Response:
        suffix = request.path_params.get("ext")
        try:
            fmt = conneg.choose(suffix, request.query_params.get("format"), None)
            filters(spec, request.query_params)
            page_number(request.query_params)
        except conneg.NotAcceptable:
            return text(406, "format not offered: " + ", ".join(conneg.PAGE_FORMATS))
        except BadRequest as exc:
            return text(400, str(exc), {"Vary": VARY})
        if fmt in ("csv", "json"):
            return await twin(request, spec, fmt)
        links: dict[str, str] = {}
        response = await respond(request, lambda ctx: list_page(ctx, spec, links), suffix=suffix)
        if links:
            response.headers["Link"] = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())
        return response

    endpoint.__name__ = f"list_{spec.name}"
    return endpoint
