"""A department (zkg:Department): its works by priority and status, and its partners."""

from __future__ import annotations

from collections import OrderedDict

from graph_service.web.context import Ctx, Page, local_name, table_of
from graph_service.web.entities.model import Entity


def department_page(ctx: Ctx, entity: Entity) -> Page:
    rows = ctx.rows("page-department", entity=entity.iri)
    partner_rows = ctx.rows("page-department-partners", entity=entity.iri)
    priorities: OrderedDict[str, dict] = OrderedDict()
    for row in rows:
        pkey = row["priority"].value if row.get("priority") else ""
        prio = priorities.setdefault(pkey, {"ref": ctx.ref(row, "priority"), "statuses": OrderedDict()})
        skey = row["status"].value if row.get("status") else ""
        status = prio["statuses"].setdefault(skey, {"ref": ctx.ref(row, "status"), "works": OrderedDict()})
        status["works"].setdefault(
            row["work"].value,
            {
                "ref": ctx.ref(row, "work"),
                "type": local_name(row["workType"].value),
                "line": row["line"].value if row.get("line") else None,
            },
        )
    partners: OrderedDict[str, dict] = OrderedDict()
    for row in partner_rows:
        entry = partners.setdefault(row["org"].value, {"ref": ctx.ref(row, "org"), "relations": {}})
        entry["relations"][local_name(row["relation"].value)] = int(row["works"].value)
    return Page(
        "department.html",
        entity.label.text,
        {"priorities": list(priorities.values()), "partners": list(partners.values())},
        [table_of("works", rows), table_of("partners", partner_rows)],
    )
