"""The graph as open data (``graph_service.publish``) over HTTP:

* ``/dataset`` — the DCAT-AP 3 + VoID description, HTML by default (``templates/dataset.html``:
  one of the site's pages, in one language at a time, with the schema.org ``Dataset`` JSON-LD in its
  head), Turtle / JSON-LD / N-Triples / RDF/XML by ``Accept`` or ``?format=``;
* ``/.well-known/void`` — the same graph, Turtle by default (RFC 5785 / VoID §6.2);
* ``/dumps/<file>`` — the files of ``zhytomyr-kg export`` for the live build, with
  ``Content-Length``, a strong ``ETag`` (the file's SHA-256, as in the manifest) and 304 answers;
  404 with a remote backend (no dumps);
* ``/sitemap.xml`` (and ``/sitemap-<n>.xml`` above the limit) and ``/robots.txt``.

Every URL is on the serving host of :class:`graph_service.urls.Links` (``ZKG_PUBLIC_URL``, or
the host the request came to), as the pages' links are.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from markupsafe import Markup
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response

from graph_service import conneg
from graph_service.publish import sitemap
from graph_service.publish.dataset import IANA, PUBLISHER, SPDX, TITLE, VOID, citation, dataset_iri, serialize
from graph_service.publish.export import MANIFEST
from graph_service.publish.publisher import Publisher
from graph_service.publish.schema_org import dataset_jsonld, script_tag
from graph_service.web.context import Ctx, Page
from graph_service.web.views.base import html, site_of, text
from zhytomyr_kg.settings import Settings


def publisher_of(request: Request) -> Publisher:
    return request.app.state.publisher


def service_url(request: Request) -> str:
    return publisher_of(request).links.service_url(str(request.base_url))


def unavailable(exc: Exception) -> Response:
    """503 with the error's public ``message`` (a NoStore names no path); the rest is logged."""
    logging.getLogger("zkg.dataset").warning("no data available: %s", exc)
    return text(503, f"no data available: {getattr(exc, 'message', 'see the service log')}")


async def description(request: Request, default: str) -> Response:
    publisher = publisher_of(request)
    try:
        media = conneg.negotiate_document(
            request.headers.get("accept"), request.query_params.get("format"), default
        )
    except conneg.NotAcceptable as exc:
        return text(406, "not acceptable: offered " + ", ".join(exc.offered))
    try:
        graph = await asyncio.to_thread(publisher.description, service_url(request))
    except Exception as exc:
        return unavailable(exc)
    if media == "text/html":
        ctx = Ctx(site_of(request), request)
        context = page_context(graph, publisher.settings, ctx.lang)
        page = Page("dataset.html", context["name"], context)
        return await asyncio.to_thread(html, ctx, page, {"Vary": "Accept, Accept-Language"})
    return Response(serialize(graph, media), media_type=media, headers={"Vary": "Accept"})


def in_lang(literals, lang: str) -> Literal | None:
    """The literal in ``lang``, else the first one (sorted)."""
    values = sorted(literals)
    return next((v for v in values if getattr(v, "language", None) == lang), values[0] if values else None)


def citation_in(g: Graph, settings: Settings, lang: str) -> str:
    """How to cite the dataset, in ``lang`` (the English one is :func:`publish.dataset.citation`)."""
    if lang == "en":
        return citation(g, settings)
    ds = URIRef(dataset_iri(settings))
    modified = g.value(ds, DCTERMS.modified)
    version = g.value(ds, URIRef(str(DCAT) + "version"))
    year = str(modified)[:4] if modified else ""
    return (
        f"{PUBLISHER['uk']} (джерело); учасники проєкту «Граф знань стратегії Житомира» ({year}). "
        f"{TITLE['uk']}. Версія {version or 'без версії'}. {ds}"
    )


def page_context(g: Graph, settings: Settings, lang: str = "uk") -> dict[str, Any]:
    """What ``dataset.html`` shows of the description ``g``, in ``lang``."""
    ds = URIRef(dataset_iri(settings))

    def val(p) -> str:
        v = g.value(ds, p)
        return str(v) if v is not None else ""

    def sha256(node) -> str | None:
        return next((str(g.value(c, SPDX.checksumValue)) for c in g.objects(node, SPDX.checksum)), None)

    downloads = []
    for dist in sorted(g.objects(ds, DCAT.distribution), key=str):
        media = g.value(dist, DCAT.mediaType)
        size = g.value(dist, DCAT.byteSize)
        downloads.append(
            {
                "url": str(g.value(dist, DCAT.accessURL)),
                "title": str(g.value(dist, DCTERMS.title)),
                "media": str(media).replace(IANA, "") if media else "",
                "size": size or "",
                "sha256": sha256(dist) or "",
            }
        )
    sources = []
    for src in g.objects(ds, DCTERMS.source):
        name = in_lang(g.objects(src, DCTERMS.title), lang)
        sources.append(
            {
                "title": str(name or src),
                "lang": getattr(name, "language", None),
                "iri": str(src),
                "sha256": sha256(src) or "",
            }
        )
    linksets = []
    for ls in sorted(g.subjects(RDF.type, VOID.Linkset), key=str):
        target = g.value(ls, VOID.objectsTarget)
        linksets.append(
            {
                "target": str(target),
                "title": str(g.value(target, DCTERMS.title) or target),
                "triples": g.value(ls, VOID.triples),
                "predicate": str(g.value(ls, VOID.linkPredicate)),
            }
        )
    title = in_lang(g.objects(ds, DCTERMS.title), lang)
    description = in_lang(g.objects(ds, DCTERMS.description), lang)
    return {
        "name": str(title) if title is not None else TITLE[lang],
        "jsonld": Markup(script_tag(dataset_jsonld(g, settings))),
        "description": str(description) if description is not None else "",
        "description_lang": getattr(description, "language", None),
        "publisher": PUBLISHER[lang],
        "licence": val(DCTERMS.license),
        "issued": val(DCTERMS.issued),
        "modified": val(DCTERMS.modified),
        "version": val(URIRef(str(DCAT) + "version")),
        "sparql": val(VOID.sparqlEndpoint),
        "sources": sources,
        "citation": citation_in(g, settings, lang),
        "downloads": downloads,
        "counts": [(k, val(VOID[k])) for k in ("triples", "entities", "classes", "properties")],
        "linksets": linksets,
    }


async def dataset(request: Request) -> Response:
    return await description(request, "text/html")


async def void(request: Request) -> Response:
    return await description(request, "text/turtle")


async def dump(request: Request) -> Response:
    name = request.path_params["name"]
    try:
        manifest, directory = await asyncio.to_thread(publisher_of(request).manifest)
    except Exception as exc:
        return unavailable(exc)
    if manifest is None:
        return text(404, "this service has no dumps (remote backend): see the data publisher")
    if name == MANIFEST:
        entry = None
    else:
        entry = next((f for f in manifest["files"] if f["name"] == name), None)
        if entry is None:
            return text(404, f"no dump named {name!r}; see /dumps/{MANIFEST}")
    path = directory / name
    headers = {"Cache-Control": "public, max-age=300"}
    if entry is not None:
        etag = f'"{entry["sha256"]}"'
        headers["ETag"] = etag
        inm = request.headers.get("if-none-match")
        if inm and any(t.strip().removeprefix("W/") in (etag, "*") for t in inm.split(",")):
            return Response(status_code=304, headers=headers)
        media = entry["mediaType"]
    else:
        media = "application/json"
    if name.endswith(".gz"):  # a file to save, not N-Quads on the wire (no Content-Encoding)
        media = "application/gzip"
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return FileResponse(path, media_type=media, headers=headers)


def _xml(body: bytes) -> Response:
    return Response(body, media_type="application/xml", headers={"Cache-Control": "public, max-age=3600"})


async def _sitemap_data(request: Request) -> tuple[str, list[str], str | None]:
    publisher = publisher_of(request)
    url = service_url(request)
    urls = await asyncio.to_thread(publisher.sitemap_urls, url)
    modified = await asyncio.to_thread(publisher.lastmod)
    return url, urls, modified


async def sitemap_xml(request: Request) -> Response:
    try:
        url, urls, modified = await _sitemap_data(request)
    except Exception as exc:
        return unavailable(exc)
    parts = sitemap.part_count(urls, publisher_of(request).sitemap_limit)
    if not parts:
        return _xml(sitemap.urlset(urls, modified))
    return _xml(sitemap.sitemap_index(url, parts, modified))


async def sitemap_part(request: Request) -> Response:
    try:
        n = int(request.path_params["n"])
    except ValueError:
        return text(404, "no such sitemap")
    try:
        _, urls, modified = await _sitemap_data(request)
    except Exception as exc:
        return unavailable(exc)
    chunk = sitemap.part(urls, n, publisher_of(request).sitemap_limit)
    if not chunk:
        return text(404, "no such sitemap; see /sitemap.xml")
    return _xml(sitemap.urlset(chunk, modified))


async def robots(request: Request) -> Response:
    return PlainTextResponse(f"User-agent: *\nAllow: /\n\nSitemap: {service_url(request)}/sitemap.xml\n")
