"""Any entity without a page of its own: its properties and what links to it."""

from __future__ import annotations

from collections import OrderedDict

from graph_service.web import i18n
from graph_service.web.context import Ctx, Page, Ref, Table, curie, table_of
from graph_service.web.entities.model import Entity


def generic_page(ctx: Ctx, entity: Entity) -> Page:
    incoming = ctx.rows("page-entity-incoming", entity=entity.iri)
    groups: OrderedDict[str, tuple[Ref, list[Ref]]] = OrderedDict()
    for row in incoming:
        p = row["p"].value
        if p not in groups:
            plabel = (
                ctx.label(row.get("pUk"), row.get("pEn"))
                if (row.get("pUk") or row.get("pEn"))
                else i18n.Label(curie(p), None)
            )
            groups[p] = (Ref(p, ctx.href(p), plabel), [])
        subject = ctx.ref(row, "s")
        if subject is not None:
            groups[p][1].append(subject)
    return Page(
        "entity.html",
        entity.label.text,
        {"incoming": list(groups.values())},
        [
            Table(
                "properties",
                ["p", "o"],
                [{"p": p.iri, "o": v.term.value} for p, vs in entity.props for v in vs],
            ),
            table_of("incoming", incoming),
        ],
    )
