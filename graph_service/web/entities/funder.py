"""A funder (zkg:Funder): the works it funds, with a picture of the links."""

from __future__ import annotations

from collections import OrderedDict

from graph_service.web import svg
from graph_service.web.context import Ctx, Page, local_name, table_of, unique
from graph_service.web.entities.bounded import first
from graph_service.web.entities.model import Entity, line_refs


def funder_page(ctx: Ctx, entity: Entity) -> Page:
    rows = ctx.rows("page-funder", entity=entity.iri)
    context_rows = ctx.rows("page-funder-context", entity=entity.iri)
    lines: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        if row["relation"].value == "line" and row.get("line") and row.get("document"):
            lines.setdefault(row["work"].value, []).append((row["document"].value, row["line"].value))
    works: OrderedDict[str, dict] = OrderedDict()
    links = []
    for row in rows:
        if row["relation"].value == "line":
            continue
        key = row["work"].value
        work = works.setdefault(
            key,
            {
                "ref": ctx.ref(row, "work"),
                "type": local_name(row["workType"].value),
                "relations": [],
                "departments": [],
                "priority": ctx.ref(row, "priority"),
                "lines": [],
            },
        )
        relation = local_name(row["relation"].value)
        if relation not in work["relations"]:
            work["relations"].append(relation)
        department = ctx.ref(row, "department")
        if department:
            work["departments"].append(department)
        links.append(
            (
                (key, work["ref"].label.text, work["ref"].href),
                relation,
                (department.iri, department.label.text, department.href) if department else None,
            )
        )
    doc = entity.iri
    shown, more = first(ctx, list(works.values()), "works")
    for work in shown:
        work["departments"] = unique(work["departments"])
        work["lines"] = line_refs(ctx, lines.get(work["ref"].iri, []))
    if more:  # the picture draws the works shown
        keys = {w["ref"].iri for w in shown}
        links = [link for link in links if link[0][0] in keys]
    picture = svg.layout((doc, entity.label.text, entity.href), links) if links else None
    return Page(
        "funder.html",
        entity.label.text,
        {
            "works": shown,
            "more": more,
            "departments": unique(d for w in works.values() for d in w["departments"]),
            "priorities": unique(w["priority"] for w in works.values()),
            "programmes": unique(ctx.ref(r, "x") for r in context_rows if r["kind"].value == "programme"),
            "places": unique(ctx.ref(r, "x") for r in context_rows if r["kind"].value == "place"),
            "picture": picture,
        },
        [table_of("works", rows), table_of("programmes-places", context_rows)],
    )
