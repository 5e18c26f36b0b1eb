"""Routes that publish the graph as open data: ``/dataset``, ``/.well-known/void``, ``/dumps/<file>``.

* ``/dataset`` — the DCAT-AP 3 + VoID description (``dataset_description``), HTML by default,
  Turtle / JSON-LD / N-Triples / RDF/XML by ``Accept`` or ``?format=``;
* ``/.well-known/void`` — the same graph, Turtle by default (RFC 5785 / VoID §6.2);
* ``/dumps/<file>`` — the files of ``zhytomyr-kg export`` for the live build, with
  ``Content-Length``, a strong ``ETag`` (the file's SHA-256, as in the manifest) and 304 answers.

With the embedded store the dumps live in ``<live build>/dumps`` and are exported on first request
when missing (or left from another build). With a remote backend there are no dumps (404) and the
description lists the SPARQL endpoint only.
"""
from __future__ import annotations

import asyncio
import threading

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response

from .backend import OxigraphBackend
from .dataset_description import describe, html_page, negotiate, serialize
from .export import MANIFEST, dumps_dir, export, read_manifest
from zhytomyr_kg.config import Settings
from zhytomyr_kg.store_layout import live_build


class Publisher:
    """Dumps and descriptions of the live build, cached per data version."""

    def __init__(self, backend, settings: Settings):
        self.backend = backend
        self.settings = settings
        self._lock = threading.Lock()
        self._graphs: dict[tuple, object] = {}

    def manifest(self) -> tuple[dict | None, object | None]:
        """(manifest, dumps directory) of the live build, exporting first if needed."""
        if not isinstance(self.backend, OxigraphBackend):
            return None, None
        build_id = self.backend.current_build_id()
        build = live_build(self.backend.store_dir)
        directory = dumps_dir(build.directory)
        with self._lock:
            manifest = read_manifest(directory)
            if manifest is None or manifest.get("version") != build_id:
                manifest = export(self.backend.store(build_id), directory, self.settings, version=build_id)
        return manifest, directory

    def description(self, service_url: str):
        version = self.backend.data_version()
        key = (version, service_url)
        graph = self._graphs.get(key)
        if graph is None:
            manifest, _ = self.manifest()
            built = None
            if isinstance(self.backend, OxigraphBackend):
                built = live_build(self.backend.store_dir).info().get("built")
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
            return text(406, "not acceptable: offered text/html, text/turtle, application/ld+json, "
                             "application/n-triples, application/rdf+xml")
        try:
            graph = await asyncio.to_thread(publisher.description, _service_url(request))
        except Exception as exc:  # noqa: BLE001 - no store yet, remote down …
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
        except Exception as exc:  # noqa: BLE001
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

    app.router.add_route("/dataset", dataset, methods=["GET", "HEAD"], include_in_schema=False)
    app.router.add_route("/.well-known/void", void, methods=["GET", "HEAD"], include_in_schema=False)
    app.router.add_route("/dumps/{name}", dump, methods=["GET", "HEAD"], include_in_schema=False)
    return publisher
