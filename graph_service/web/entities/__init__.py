"""Entity pages: one builder per class, chosen through :data:`BUILDERS`.

:func:`entity_page` loads the entity (``queries/page-entity.rq``), picks the builder of its first
class found in :data:`BUILDERS` (the generic page otherwise) and adds what every entity page has:
the entity, its kind and its schema.org JSON-LD. Each builder runs a fixed number of named queries.
"""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup

from graph_service.publish import schema_org
from graph_service.web.context import Ctx, Page, Site
from graph_service.web.entities import (
    department,
    funder,
    generic,
    goal,
    place,
    priority,
    project,
    report,
    source,
    task,
)
from graph_service.web.entities.model import Entity, kind_of, load_entity
from zhytomyr_kg.settings import ZKG

Builder = Callable[[Ctx, Entity], Page]

#: class IRI → page builder; an entity of several classes gets the first in this order
BUILDERS: dict[str, Builder] = {
    ZKG + "Project": project.project_page,
    ZKG + "Task": task.task_page,
    ZKG + "StrategicGoal": goal.goal_page,
    ZKG + "Priority": priority.priority_page,
    ZKG + "Department": department.department_page,
    ZKG + "Funder": funder.funder_page,
    ZKG + "Place": place.place_page,
    ZKG + "SourceDocument": source.source_page,
    ZKG + "ProgressReport": report.report_page,
}


def builder_for(entity: Entity) -> Builder:
    types = {t.iri for t in entity.types}
    return next((b for cls, b in BUILDERS.items() if cls in types), generic.generic_page)


def entity_page(ctx: Ctx, iri: str) -> Page | None:
    entity = load_entity(ctx, iri)
    if entity is None:
        return None
    page = builder_for(entity)(ctx, entity)
    page.context["entity"] = entity
    page.context.setdefault("kind", kind_of(iri, ctx.site.id_base))
    doc = schema_org.entity_jsonld(_PlainRows(ctx.site), iri, settings=ctx.site.settings, url=entity.href)
    page.context["jsonld"] = Markup(schema_org.script_tag(doc)) if doc else ""
    return page


class _PlainRows:
    """The site's cached ``select`` as plain rows of strings, for ``schema_org.entity_jsonld``."""

    def __init__(self, site: Site) -> None:
        self.site = site

    def select_rows(self, sparql: str) -> list[dict[str, str | None]]:
        return [
            {k: (v.value if v is not None else None) for k, v in row.items()}
            for row in self.site.select(sparql)
        ]
