"""A place (zkg:Place): the works mentioning or located in it, what it contains and is within."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from graph_service.web.context import SCHEMA, Ctx, Page, Ref, table_of
from graph_service.web.entities.bounded import first
from graph_service.web.entities.model import Entity, line_refs
from zhytomyr_kg.vocab import PREFIXES


def place_page(ctx: Ctx, entity: Entity) -> Page:
    rows = ctx.rows("page-place", entity=entity.iri)
    mentions: OrderedDict[str, dict[str, Any]] = OrderedDict()
    located: OrderedDict[str, Ref | None] = OrderedDict()
    contains: OrderedDict[str, Ref | None] = OrderedDict()
    for row in rows:
        rel = row["rel"].value
        if rel == "mention":
            entry = mentions.setdefault(
                row["work"].value, {"ref": ctx.ref(row, "work"), "forms": [], "lines": []}
            )
            if row.get("surfaceForm") and row["surfaceForm"].value not in entry["forms"]:
                entry["forms"].append(row["surfaceForm"].value)
            if row.get("line") and row.get("document"):
                entry["lines"].append((row["document"].value, row["line"].value))
        elif rel == "location":
            located.setdefault(row["work"].value, ctx.ref(row, "work"))
        elif rel == "contains":
            contains.setdefault(row["x"].value, ctx.ref(row, "x"))
    docs = entity.refs(PREFIXES["prov"] + "wasDerivedFrom")
    shown, more = first(ctx, list(mentions.values()), "place")
    for entry in shown:
        entry["lines"] = line_refs(ctx, entry["lines"])
    located_shown, more_located = first(ctx, list(located.values()), "place")
    contains_shown, more_contains = first(ctx, list(contains.values()), "place")
    return Page(
        "place.html",
        entity.label.text,
        {
            "mentions": shown,
            "more": more,
            "located": located_shown,
            "more_located": more_located,
            "contains": contains_shown,
            "more_contains": more_contains,
            "within": entity.refs(SCHEMA + "containedInPlace"),
            "docs": docs,
        },
        [table_of("place", rows)],
    )
