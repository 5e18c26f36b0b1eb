"""``/id/{path}`` — the entity ``{base_iri}id/{path}`` — and ``/.well-known/genid/{hash}`` — a
blank node of the data replaced by an IRI (``etl/skolem.py``): HTML (a page per class, a generic
page for the rest; ``graph_service.web.entities``), Turtle / N-Triples / JSON-LD / RDF/XML by
``Accept`` or suffix, the page's tables as ``.json`` / ``.csv``; 404 if not in the graph. Every
answer names its alternates in a ``Link`` header.

The RDF is the entity's symmetric bounded description (``queries/page-entity-rdf.rq``): its own
triples with the labels of what they point at, and the links that point at it with the labels of
their subjects — at most :data:`INCOMING_CAP`; when there are more, the entity ``rdfs:seeAlso``
the full list (``/queries/entity-links-in.csv?entity=…``). Turtle and RDF/XML carry the
project's prefixes, JSON-LD is compacted with the published context (``graph_service.publish.rdf``).
"""

from __future__ import annotations

import asyncio
from urllib.parse import quote, urlencode

import pyoxigraph
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from graph_service import conneg
from graph_service.publish import rdf as rdf_out
from graph_service.store import named_queries
from graph_service.web.context import Site
from graph_service.web.entities import entity_page
from graph_service.web.views.base import respond, site_of
from zhytomyr_kg.settings import GENID

#: incoming links an entity's RDF states at most (``LIMIT`` of ``queries/page-entity-rdf.rq`` − 1)
INCOMING_CAP = 200
SEE_ALSO = pyoxigraph.NamedNode("http://www.w3.org/2000/01/rdf-schema#seeAlso")
LABEL = pyoxigraph.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")


def _view(prefix: str):
    """The view of the IRIs ``{base_iri}{prefix}…``, served at ``/{prefix}…``."""

    async def view(request: Request) -> Response:
        site = site_of(request)
        path, suffix = conneg.split_suffix(request.path_params["path"])
        iri = site.links.iri_for_path(prefix + path)
        try:
            pyoxigraph.NamedNode(iri)
        except ValueError:  # a space, a bracket, bad %-escapes …: nothing in the graph has this name
            return PlainTextResponse(f"/{prefix}{quote(path)} is not an IRI of this dataset", status_code=400)
        root = site.links.serving_base(str(request.base_url))
        # as a URI: headers carry Latin-1 only, and an IRI may have any letter (/id/project/п)
        serving = quote(site.links.href(iri, root), safe=_URI_SAFE)
        link = ", ".join(
            [f'<{serving}>; rel="alternate"; type="text/html"']
            + [
                f'<{serving}.{ext}>; rel="alternate"; type="{media}"'
                for ext, media in conneg.RDF_MEDIA.items()
            ]
        )

        async def rdf(fmt: str) -> bytes | None:
            return await asyncio.to_thread(entity_rdf, site, iri, conneg.RDF_MEDIA[fmt], root)

        return await respond(
            request, lambda ctx: entity_page(ctx, iri), suffix=suffix, rdf=rdf, link=link, subject=iri
        )

    return view


entity = _view("id/")
genid = _view(GENID)

_URI_SAFE = ":/?#[]@!$&'()*+,;=%~"


def entity_rdf(site: Site, iri: str, media: str, root: str) -> bytes | None:
    """The symmetric bounded description of ``iri`` in ``media``; None if the graph has no triple
    about it."""
    text = named_queries.get("page-entity-rdf").bind(entity=iri)
    triples = rdf_out.parse_ntriples(site.construct(text, "application/n-triples"))
    if not triples:
        return None
    triples = cap_incoming(
        triples,
        iri,
        INCOMING_CAP,
        full_list=root + "queries/entity-links-in.csv?" + urlencode({"entity": iri}),
    )
    return rdf_out.write(triples, media, first=iri)


def cap_incoming(
    triples: list[pyoxigraph.Triple], iri: str, cap: int, full_list: str
) -> list[pyoxigraph.Triple]:
    """At most ``cap`` links into ``iri`` (the first by property, then subject); when some were
    cut, the entity ``rdfs:seeAlso`` ``full_list``, and labels of subjects no longer linked go."""
    entity = pyoxigraph.NamedNode(iri)
    incoming = sorted(
        {
            (t.predicate.value, getattr(t.subject, "value", str(t.subject)))
            for t in triples
            if t.object == entity and t.subject != entity
        }
    )
    if len(incoming) <= cap:
        return triples
    dropped = set(incoming[cap:])
    kept = [
        t
        for t in triples
        if not (
            t.object == entity and (t.predicate.value, getattr(t.subject, "value", str(t.subject))) in dropped
        )
    ]
    linked = {t.subject for t in kept if t.object == entity} | {t.object for t in kept if t.subject == entity}
    kept = [t for t in kept if not (t.predicate == LABEL and t.subject != entity and t.subject not in linked)]
    return kept + [pyoxigraph.Triple(entity, SEE_ALSO, pyoxigraph.NamedNode(full_list))]
