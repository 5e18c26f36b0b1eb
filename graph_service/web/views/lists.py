"""``/projects`` ``/departments`` ``/funders`` ``/places`` — lists with facets and counts
(``.json`` / ``.csv`` or ``?format=`` give their tables)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from graph_service.web import i18n
from graph_service.web.context import Ctx, Page, Ref, Row, Table, local_name, table_of
from graph_service.web.views.base import respond


@dataclass(frozen=True)
class ListSpec:
    name: str
    query: str
    item: str
    facets: tuple[str, ...]
    count: str | None = None  # a variable whose distinct values are counted per item
    split: str | None = None  # a variable whose values split the count (relation)
    extra: tuple[str, ...] = ()  # literal columns shown as they are


LISTS = {
    "projects": ListSpec(
        "projects",
        "page-projects",
        "project",
        ("status", "priority", "department", "funder"),
        extra=("start", "end", "line"),
    ),
    "departments": ListSpec(
        "departments", "page-departments", "department", ("priority", "status", "funder"), count="work"
    ),
    "funders": ListSpec(
        "funders",
        "page-funders",
        "funder",
        ("kind", "priority", "department", "status"),
        count="work",
        split="relation",
    ),
    "places": ListSpec("places", "page-places", "place", ("kind", "priority", "status"), count="work"),
}


def group_list(ctx: Ctx, spec: ListSpec, rows: Sequence[Row], selected: dict[str, str]) -> dict[str, Any]:
    items: OrderedDict[str, dict] = OrderedDict()
    for row in rows:
        key = row[spec.item].value
        item = items.get(key)
        if item is None:
            item = items[key] = {
                "ref": ctx.ref(row, spec.item),
                "facets": {f: OrderedDict() for f in spec.facets},
                "works": set(),
                "split": {},
                "extra": {},
            }
            for col in spec.extra:
                item["extra"][col] = row[col].value if row.get(col) else None
        for facet in spec.facets:
            ref = ctx.ref(row, facet)
            if ref is not None:
                item["facets"][facet].setdefault(ref.iri, ref)
        if spec.count and row.get(spec.count):
            item["works"].add(row[spec.count].value)
            if spec.split and row.get(spec.split):
                item["split"].setdefault(local_name(row[spec.split].value), set()).add(row[spec.count].value)

    def matches(item: dict, skip: str | None = None) -> bool:
        return all(value in item["facets"][facet] for facet, value in selected.items() if facet != skip)

    facets = []
    for facet in spec.facets:
        counts: OrderedDict[str, list] = OrderedDict()
        for item in items.values():
            if not matches(item, skip=facet):
                continue
            for iri, ref in item["facets"][facet].items():
                counts.setdefault(iri, [ref, 0])[1] += 1
        values = sorted(counts.values(), key=lambda rc: (-rc[1], rc[0].label.text))
        facets.append({"name": facet, "values": values, "selected": selected.get(facet)})
    shown = [i for i in items.values() if matches(i)]
    shown.sort(key=lambda i: (-len(i["works"]), i["ref"].label.text) if spec.count else 0)
    return {"items": shown, "total": len(items), "facets": facets}


def list_table(spec: ListSpec, items: list[dict]) -> Table:
    columns = [spec.item, "labelUk", "labelEn", *spec.extra, *spec.facets]
    if spec.count:
        columns.append(spec.count + "s")
    rows = []
    for item in items:
        ref: Ref = item["ref"]
        row = {spec.item: ref.iri, "labelUk": None, "labelEn": None, **item["extra"]}
        row["labelUk" if ref.label.lang == "uk" else "labelEn"] = ref.label.text
        for facet in spec.facets:
            row[facet] = " ".join(item["facets"][facet])
        if spec.count:
            row[spec.count + "s"] = len(item["works"])
        rows.append(row)
    return Table(spec.name, columns, rows)


def report_years(ctx: Ctx) -> tuple[list[tuple[str, int]], str | None]:
    """The report years with their number of progress reports (latest first), and the year the
    list shows: ``?year=`` when it is one of them, else the latest."""
    years = [(r["year"].value, int(r["reports"].value)) for r in ctx.rows("report-years") if r.get("year")]
    asked = ctx.query_params.get("year")
    known = [y for y, _ in years]
    return years, (asked if asked in known else (known[0] if known else None))


def year_facet(ctx: Ctx, years: list[tuple[str, int]], year: str | None) -> dict[str, Any]:
    values = [[Ref(y, f"?year={y}", i18n.Label(y, ctx.lang)), n] for y, n in years]
    return {"name": "year", "values": values, "selected": year}


def list_page(ctx: Ctx, spec: ListSpec) -> Page:
    years, year = report_years(ctx)
    rows = ctx.rows(spec.query, year=year) if year else ctx.rows(spec.query)
    selected = {f: ctx.query_params[f] for f in spec.facets if ctx.query_params.get(f)}
    grouped = group_list(ctx, spec, rows, selected)
    if len(years) > 1:  # states, statuses and support are those of one report year (the latest by default)
        asked = ctx.query_params.get("year") == year
        grouped["facets"].insert(0, year_facet(ctx, years, year if asked else None))
        if asked and year is not None:
            selected = {"year": year, **selected}
    return Page(
        "list.html",
        ctx.t(spec.name),
        {"spec": spec, **grouped, "selected": selected},
        [list_table(spec, grouped["items"]), table_of("rows", rows)],
    )


def view(spec: ListSpec):
    """The endpoint of the list ``spec`` (``/{name}`` and ``/{name}.{ext}``)."""

    async def endpoint(request: Request) -> Response:
        return await respond(request, lambda ctx: list_page(ctx, spec), suffix=request.path_params.get("ext"))

    endpoint.__name__ = f"list_{spec.name}"
    return endpoint
