"""``/id/{path}`` — the entity ``{base_iri}id/{path}``: HTML (a page per class, a generic page for
the rest; ``graph_service.web.entities``), Turtle / N-Triples / JSON-LD / RDF/XML by ``Accept`` or
suffix, the page's tables as ``.json`` / ``.csv``; 404 if not in the graph. Every answer names its
alternates in a ``Link`` header."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

import pyoxigraph
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from graph_service import conneg
from graph_service.store import named_queries
from graph_service.web.entities import entity_page
from graph_service.web.views.base import respond, site_of


async def entity(request: Request) -> Response:
    site = site_of(request)
    path, suffix = conneg.split_suffix(request.path_params["path"])
    iri = site.links.iri_for_path("id/" + path)
    try:
        pyoxigraph.NamedNode(iri)
    except ValueError:  # a space, a bracket, bad %-escapes …: nothing in the graph has this name
        return PlainTextResponse(f"/id/{quote(path)} is not an IRI of this dataset", status_code=400)
    # as a URI: headers carry Latin-1 only, and an IRI may have any letter (/id/project/п)
    serving = quote(site.links.href(iri, site.links.serving_base(str(request.base_url))), safe=_URI_SAFE)
    link = ", ".join(
        [f'<{serving}>; rel="alternate"; type="text/html"']
        + [f'<{serving}.{ext}>; rel="alternate"; type="{media}"' for ext, media in conneg.RDF_MEDIA.items()]
    )

    async def rdf(fmt: str) -> bytes | None:
        media = conneg.RDF_MEDIA[fmt]
        text = named_queries.get("page-entity-rdf").bind(entity=iri)
        body = await asyncio.to_thread(site.construct, text, media)
        return body if await asyncio.to_thread(_has_triples, body, media) else None

    return await respond(
        request, lambda ctx: entity_page(ctx, iri), suffix=suffix, rdf=rdf, link=link, subject=iri
    )


_URI_SAFE = ":/?#[]@!$&'()*+,;=%~"


def _has_triples(body: bytes, media: str) -> bool:
    """Whether a serialised graph has at least one triple (an unknown IRI gives an empty graph)."""
    if media in ("text/turtle", "application/n-triples"):
        return bool(body.strip())
    import pyoxigraph

    try:
        return (
            next(iter(pyoxigraph.parse(body, format=pyoxigraph.RdfFormat.from_media_type(media))), None)
            is not None
        )
    except (SyntaxError, ValueError):
        return bool(body.strip())
