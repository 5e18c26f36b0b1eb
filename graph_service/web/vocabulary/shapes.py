"""``/shapes``: the SHACL shapes every build is validated against (``queries/shapes.rq``), each
``zkgsh:`` shape at its anchor with its targets, property paths and constraints."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from graph_service.web import i18n
from graph_service.web.context import Ctx, Page, Ref, Table, Term, curie
from graph_service.web.vocabulary.naming import FORMATS, anchor, short, words

SH = "http://www.w3.org/ns/shacl#"


@dataclass
class Constraint:
    name: str  # the sh: term's local name
    values: list  # Ref or Term or list of members


@dataclass
class Shape:
    iri: str
    anchor: str
    href: str
    constraints: list[Constraint]
    properties: list[tuple[Ref, Ref | None, list[Constraint]]]  # (shape, path, constraints)


def shapes_page(ctx: Ctx) -> Page:
    rows = ctx.rows("shapes", graph=ctx.site.settings.graph("ontology"))
    grouped: OrderedDict[str, OrderedDict[str, OrderedDict[str, list]]] = OrderedDict()
    for row in rows:
        shape, prop, constraint = row["shape"].value, row["property"].value, row["constraint"].value
        value, member = row["value"], row.get("member")
        slot = grouped.setdefault(shape, OrderedDict()).setdefault(prop, OrderedDict())
        values = slot.setdefault(constraint, [])
        shown = member if member is not None else value
        if shown not in values:
            values.append(shown)

    def show(term: Term):
        return (
            Ref(term.value, ctx.href(term.value), i18n.Label(short(term.value, ctx), None))
            if term.is_iri
            else term
        )

    def constraints(slot: OrderedDict) -> list[Constraint]:
        return [
            Constraint(name[len(SH) :] if name.startswith(SH) else curie(name), [show(v) for v in values])
            for name, values in slot.items()
            if name != SH + "path"
        ]

    shapes = []
    for iri, props in grouped.items():
        own = props.get(iri, OrderedDict())
        properties = []
        for prop, slot in props.items():
            if prop == iri:
                continue
            path = slot.get(SH + "path")
            properties.append(
                (
                    Ref(prop, ctx.href(prop), i18n.Label(short(prop, ctx), None)),
                    show(path[0]) if path else None,
                    constraints(slot),
                )
            )
        properties.sort(key=lambda p: (p[1].label.text if p[1] is not None else "", p[0].iri))
        own_constraints = constraints(own)
        if own.get(SH + "path"):
            own_constraints.insert(0, Constraint("path", [show(v) for v in own[SH + "path"]]))
        shapes.append(Shape(iri, anchor(iri, ctx.site.id_base), ctx.href(iri), own_constraints, properties))
    return Page(
        "shapes.html",
        words(ctx.lang)("shapes"),
        {"w": words(ctx.lang), "shapes": shapes, "here": ctx.url("shapes"), "formats": FORMATS},
        [
            Table(
                "constraints",
                ["shape", "property", "constraint", "value", "member"],
                [{k: (v.value if v is not None else None) for k, v in row.items()} for row in rows],
            )
        ],
    )
