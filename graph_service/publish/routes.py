"""Routes that publish the graph as open data: ``/dataset``, ``/.well-known/void``, ``/dumps/<file>``.

* ``/dataset`` — the DCAT-AP 3 + VoID description (``dataset_description``), HTML by default,
  Turtle / JSON-LD / N-Triples / RDF/XML by ``Accept`` or ``?format=``;
* ``/.well-known/void`` — the same graph, Turtle by default (RFC 5785 / VoID §6.2);
* ``/dumps/<file>`` — the files of ``zhytomyr-kg export`` for the live build, with
  ``Content-Length``, a strong ``ETag`` (the file's SHA-256, as in the manifest) and 304 answers;
* ``/sitemap.xml`` — the dataset page and every entity IRI under the base (``queries/sitemap-entities.rq``),
  rewritten onto the serving host (:func:`local_url`); above :data:`SITEMAP_LIMIT` URLs it is a
  sitemap index of ``/sitemap-<n>.xml``;
* ``/robots.txt`` — allows everything and names the sitemap.

With the embedded store the dumps live in ``<live build>/dumps`` and are exported on first request
when missing (or left from another build). With a remote backend there are no dumps (404) and the
description lists the SPARQL endpoint only.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any
from xml.sax.saxutils import escape

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response

from graph_service.publish.dataset import describe, html_page, negotiate, serialize
from graph_service.publish.export import MANIFEST, dumps_dir, export, read_manifest
from graph_service.store import named_queries
from zhytomyr_kg.settings import Settings

#: the sitemaps protocol's limit of URLs per file (https://www.sitemaps.org/protocol.html)
SITEMAP_LIMIT = 50_000
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def local_url(iri: str, settings: Settings, service_url: str) -> str:
    """Where this service shows ``iri``: an IRI under the dataset base moves onto the serving host
    (``{base}id/project/x`` → ``{service_url}/id/project/x``), as ``/dataset`` does for its own
    URLs; any other IRI is returned as it is."""
    if iri.startswith(settings.base_iri):
        return service_url.rstrip("/") + "/" + iri[len(settings.base_iri) :]
    return iri


class Publisher:
    """Dumps and descriptions of the live build, cached per data version."""

    def __init__(self, backend, settings: Settings):
        self.backend = backend
        self.settings = settings
        self._lock = threading.Lock()
        self._graphs: dict[tuple, Any] = {}
        self.sitemap_limit = SITEMAP_LIMIT

    def manifest(self) -> tuple[dict | None, object | None]:
        """(manifest, dumps directory) of the live build, exporting first if needed."""
        build_id = self.backend.current_build_id()
        build = self.backend.live_build()
        if build_id is None or build is None:
            return None, None
        directory = dumps_dir(build.directory)
        with self._lock:
            manifest = read_manifest(directory)
            if manifest is None or manifest.get("version") != build_id:
                manifest = export(
                    self.backend.local_store(build_id), directory, self.settings, version=build_id
                )
        return manifest, directory

    def entities(self) -> list[str]:
        """Every entity IRI with a page, cached per data version."""
        version = self.backend.data_version()
        key = ("entities", version)
        cached = self._graphs.get(key)
        if cached is None:
            text = named_queries.get("sitemap-entities").bind(base=self.settings.id_base)
            cached = [row["entity"] for row in self.backend.select_rows(text) if row.get("entity")]
            self._graphs[key] = cached
        return cached

    def sitemap_urls(self, service_url: str) -> list[str]:
        """The dataset page, then every entity, as URLs of this service."""
        return [service_url + "/dataset"] + [
            local_url(iri, self.settings, service_url) for iri in self.entities()
        ]

    def description(self, service_url: str):
        version = self.backend.data_version()
        key = (version, service_url)
        graph = self._graphs.get(key)
        if graph is None:
            manifest, _ = self.manifest()
            built = None
            if (build := self.backend.live_build()) is not None:
                built = build.info().get("built")
            graph = describe(self.backend.select_rows, manifest, self.settings, service_url, built=built)
            if len(self._graphs) > 16:
                self._graphs.clear()
            self._graphs[key] = graph
        return graph


def _service_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def add_publish_routes(app, backend, settings: Settings | None = None) -> Publisher:
    publisher = Publisher(backend, settings or Settings())

    def text(status: int, message: str) -> Response:
        return PlainTextResponse(message + "\n", status_code=status)

    async def description(request: Request, default: str) -> Response:
        media = negotiate(request.headers.get("accept"), request.query_params.get("format"), default)
        if media is None:
            return text(
                406,
                "not acceptable: offered text/html, text/turtle, application/ld+json, "
                "application/n-triples, application/rdf+xml",
            )
        try:
            graph = await asyncio.to_thread(publisher.description, _service_url(request))
        except Exception as exc:
            return text(503, f"no data available: {exc}")
        if media == "text/html":
            body = html_page(graph, publisher.settings)
            return Response(body, media_type="text/html; charset=utf-8", headers={"Vary": "Accept"})
        body = serialize(graph, media)
        return Response(body, media_type=media, headers={"Vary": "Accept"})

    async def dataset(request: Request) -> Response:
        return await description(request, "text/html")

    async def void(request: Request) -> Response:
        return await description(request, "text/turtle")

    async def dump(request: Request) -> Response:
        name = request.path_params["name"]
        try:
            manifest, directory = await asyncio.to_thread(publisher.manifest)
        except Exception as exc:
            return text(503, f"no data available: {exc}")
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

    def _lastmod() -> str | None:
        if (build := publisher.backend.live_build()) is not None:
            built = build.info().get("built")
            return built[:10] if built else None
        return None

    def _urlset(urls: list[str], lastmod: str | None) -> bytes:
        mod = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
        body = "".join(f"<url><loc>{escape(u)}</loc>{mod}</url>\n" for u in urls)
        return (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP_NS}">\n{body}</urlset>\n'
        ).encode()

    async def _sitemap_data(request: Request):
        service_url = _service_url(request)
        urls = await asyncio.to_thread(publisher.sitemap_urls, service_url)
        lastmod = await asyncio.to_thread(_lastmod)
        return service_url, urls, lastmod

    def _xml(body: bytes) -> Response:
        return Response(body, media_type="application/xml", headers={"Cache-Control": "public, max-age=3600"})

    async def sitemap(request: Request) -> Response:
        try:
            service_url, urls, lastmod = await _sitemap_data(request)
        except Exception as exc:
            return text(503, f"no data available: {exc}")
        limit = publisher.sitemap_limit
        if len(urls) <= limit:
            return _xml(_urlset(urls, lastmod))
        parts = (len(urls) + limit - 1) // limit
        mod = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
        body = "".join(
            f"<sitemap><loc>{escape(service_url)}/sitemap-{n}.xml</loc>{mod}</sitemap>\n"
            for n in range(1, parts + 1)
        )
        return _xml(
            f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{SITEMAP_NS}">\n{body}'
            f"</sitemapindex>\n".encode()
        )

    async def sitemap_part(request: Request) -> Response:
        try:
            n = int(request.path_params["n"])
        except ValueError:
            return text(404, "no such sitemap")
        try:
            _, urls, lastmod = await _sitemap_data(request)
        except Exception as exc:
            return text(503, f"no data available: {exc}")
        limit = publisher.sitemap_limit
        chunk = urls[(n - 1) * limit : n * limit] if n >= 1 and len(urls) > limit else []
        if not chunk:
            return text(404, "no such sitemap; see /sitemap.xml")
        return _xml(_urlset(chunk, lastmod))

    async def robots(request: Request) -> Response:
        return PlainTextResponse(f"User-agent: *\nAllow: /\n\nSitemap: {_service_url(request)}/sitemap.xml\n")

    app.router.add_route("/sitemap.xml", sitemap, methods=["GET", "HEAD"], include_in_schema=False)
    app.router.add_route("/sitemap-{n}.xml", sitemap_part, methods=["GET", "HEAD"], include_in_schema=False)
    app.router.add_route("/robots.txt", robots, methods=["GET", "HEAD"], include_in_schema=False)
    app.router.add_route("/dataset", dataset, methods=["GET", "HEAD"], include_in_schema=False)
    app.router.add_route("/.well-known/void", void, methods=["GET", "HEAD"], include_in_schema=False)
    app.router.add_route("/dumps/{name}", dump, methods=["GET", "HEAD"], include_in_schema=False)
    return publisher
