"""A department (zkg:Department): its works by priority and status, and its partners."""

from __future__ import annotations

from collections import OrderedDict

from graph_service.web.context import Ctx, Page, local_name, table_of
from graph_service.web.entities.bounded import limit
from graph_service.web.entities.model import Entity


def department_page(ctx: Ctx, entity: Entity) -> Page:
    latest = ctx.latest_year()  # the works' states in the latest report year
    rows = ctx.rows("page-department", entity=entity.iri, **({"year": latest} if latest else {}))
    partner_rows = ctx.rows("page-department-partners", entity=entity.iri)
    priorities: OrderedDict[str, dict] = OrderedDict()
    seen: set[str] = set()
    for row in rows:
        if row["work"].value not in seen and len(seen) >= limit():
            continue  # shown: the first works; all of them are in the .csv twin
        seen.add(row["work"].value)
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
    works = {r["work"].value for r in rows}
    more = {"n": len(works), "href": ctx.format_url("csv", "works")} if len(works) > len(seen) else None
    partners: OrderedDict[str, dict] = OrderedDict()
    for row in partner_rows:
        entry = partners.setdefault(row["org"].value, {"ref": ctx.ref(row, "org"), "relations": {}})
        entry["relations"][local_name(row["relation"].value)] = int(row["works"].value)
    return Page(
        "department.html",
        entity.label.text,
        {"priorities": list(priorities.values()), "partners": list(partners.values()), "more": more},
        [table_of("works", rows), table_of("partners", partner_rows)],
    )
