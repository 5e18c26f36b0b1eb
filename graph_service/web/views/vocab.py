"""The vocabulary and the named graphs as pages with RDF twins:

* ``/ontology`` — the ontology ``https://w3id.org/zhytomyr-kg/ontology``: every class, property
  and concept scheme (the ontology graph's, and the states and causes of the other graphs) with
  Ukrainian and English labels and comments, domain and range, the standard term it refines, an
  example from the data and how often the data uses it; each ``zkg:`` term has its anchor
  (``/ontology#Project``), deprecated terms say so and name their replacement. Turtle,
  N-Triples, JSON-LD and RDF/XML (``ontology-rdf.rq``) by ``Accept``, ``?format=`` or suffix
  (``/ontology.ttl``).
* ``/shapes`` — the SHACL shapes every build is validated against (``shapes-rdf.rq`` for RDF),
  each ``zkgsh:`` shape at its anchor.
* ``/graph/{name}`` — one named graph: what it holds, its sources and their checksums, its
  counts, its own dumps (``graph_service.publish.graphs``).

The HTML pages are built in ``graph_service.web.vocabulary``; this module negotiates and answers.
"""

from __future__ import annotations

import asyncio
from urllib.parse import quote

import pyoxigraph
from starlette.requests import Request
from starlette.responses import Response

from graph_service import conneg
from graph_service.publish import rdf as rdf_out
from graph_service.publish.graphs import PREFIXES as GRAPH_PREFIXES
from graph_service.publish.graphs import describe_graph, graph_summary
from graph_service.store import named_queries
from graph_service.web.context import Site, plain
from graph_service.web.views.base import respond, site_of
from graph_service.web.vocabulary.graph import build_facts, graph_page
from graph_service.web.vocabulary.ontology import ontology_page
from graph_service.web.vocabulary.shapes import shapes_page
from zhytomyr_kg.settings import ONTOLOGY_IRI, SHAPES


def _link(serving: str) -> str:
    serving = quote(serving, safe=_URI_SAFE)
    return ", ".join(
        [f'<{serving}>; rel="alternate"; type="text/html"']
        + [f'<{serving}.{ext}>; rel="alternate"; type="{media}"' for ext, media in conneg.RDF_MEDIA.items()]
    )


_URI_SAFE = ":/?#[]@!$&'()*+,;=%~"


def _construct(site: Site, name: str, media: str, first: str) -> bytes | None:
    text = named_queries.get(name).bind(graph=site.settings.graph("ontology"))
    triples = rdf_out.parse_ntriples(site.construct(text, "application/n-triples"))
    return rdf_out.write(triples, media, first=first) if triples else None


async def ontology(request: Request) -> Response:
    site = site_of(request)
    root = site.links.serving_base(str(request.base_url))

    async def rdf(fmt: str) -> bytes | None:
        return await asyncio.to_thread(_construct, site, "ontology-rdf", conneg.RDF_MEDIA[fmt], ONTOLOGY_IRI)

    return await respond(
        request,
        ontology_page,
        suffix=request.path_params.get("ext"),
        rdf=rdf,
        link=_link(root + "ontology"),
        subject=ONTOLOGY_IRI,
    )


async def shapes(request: Request) -> Response:
    site = site_of(request)
    root = site.links.serving_base(str(request.base_url))

    async def rdf(fmt: str) -> bytes | None:
        return await asyncio.to_thread(_construct, site, "shapes-rdf", conneg.RDF_MEDIA[fmt], SHAPES)

    return await respond(
        request,
        shapes_page,
        suffix=request.path_params.get("ext"),
        rdf=rdf,
        link=_link(root + "shapes"),
        subject=SHAPES.rstrip("#"),
    )


async def graph(request: Request) -> Response:
    site = site_of(request)
    name, suffix = conneg.split_suffix(request.path_params["path"])
    iri = site.links.iri_for_path("graph/" + name)
    try:
        pyoxigraph.NamedNode(iri)
    except ValueError:
        return Response(f"/graph/{quote(name)} is not a graph of this dataset\n", status_code=400)
    root = site.links.serving_base(str(request.base_url))
    publisher = getattr(request.app.state, "publisher", None)

    def describe(media: str) -> bytes | None:
        def select(query: str, g: str) -> list[dict]:
            return plain(site.select(named_queries.get(query).bind(graph=g)))

        summary = graph_summary(select, iri, site.settings, *build_facts(publisher))
        if not summary.exists:
            return None
        g = describe_graph(summary, site.settings, root)
        triples = rdf_out.parse_ntriples(g.serialize(format="nt", encoding="utf-8"))
        return rdf_out.write(triples, media, first=iri, extra_prefixes=GRAPH_PREFIXES)

    async def rdf(fmt: str) -> bytes | None:
        return await asyncio.to_thread(describe, conneg.RDF_MEDIA[fmt])

    return await respond(
        request,
        lambda ctx: graph_page(ctx, iri, build_facts(publisher)),
        suffix=suffix,
        rdf=rdf,
        link=_link(root + "graph/" + name),
        subject=iri,
    )
