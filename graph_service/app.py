"""The HTTP service: a read-only SPARQL 1.1 Protocol endpoint, health and metrics.

``create_app(settings | backend)`` builds the FastAPI application. ``/sparql`` follows the
SPARQL 1.1 Protocol (query operation only); see docs/SERVICE.md for the behaviour, the limits
and their environment variables.
"""
from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import time
from collections import OrderedDict
from typing import Sequence
from urllib.parse import parse_qsl

from fastapi import FastAPI
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse

from . import formats
from .backend import Backend, OxigraphBackend, QueryError, backend_from_settings, check_query
from .config import ServiceConfig
from .executors import Executor, aiter_list, executor_for
from .pool import Timeout, WorkerError, WorkerFailed

access_log = logging.getLogger("zkg.access")

FORM_TYPE = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"


class ResultCache:
    """A bounded LRU of serialised results, keyed by data version + request."""

    def __init__(self, entries: int, max_bytes: int, item_bytes: int):
        self.entries = entries
        self.max_bytes = max_bytes
        self.item_bytes = item_bytes
        self.size = 0
        self._data: OrderedDict[tuple, tuple[str, bytes, int | None]] = OrderedDict()

    def get(self, key: tuple):
        item = self._data.get(key)
        if item is not None:
            self._data.move_to_end(key)
        return item

    def put(self, key: tuple, media_type: str, body: bytes, capped: int | None) -> None:
        if self.entries <= 0 or len(body) > self.item_bytes:
            return
        old = self._data.pop(key, None)
        if old is not None:
            self.size -= len(old[1])
        self._data[key] = (media_type, body, capped)
        self.size += len(body)
        while self._data and (len(self._data) > self.entries or self.size > self.max_bytes):
            _, (_, dropped, _) = self._data.popitem(last=False)
            self.size -= len(dropped)

    def __len__(self) -> int:
        return len(self._data)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("zkg_http_requests", "HTTP requests", ["endpoint", "status"], registry=r)
        self.latency = Histogram(
            "zkg_http_request_duration_seconds",
            "Time to produce the response (streamed bodies: to the first byte)",
            ["endpoint"],
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=r,
        )
        self.timeouts = Counter("zkg_sparql_query_timeouts", "Queries stopped at the time limit", registry=r)
        self.cache_hits = Counter("zkg_sparql_cache_hits", "Query results served from the cache", registry=r)
        self.cache_misses = Counter("zkg_sparql_cache_misses", "Query results computed", registry=r)
        self.not_modified = Counter("zkg_sparql_not_modified", "304 answers to If-None-Match", registry=r)
        self.rejected = Counter("zkg_sparql_rejected", "Queries refused by the concurrency cap (503)", registry=r)
        self.refused = Counter("zkg_sparql_refused", "Queries refused as unsafe (update, LOAD, SERVICE)", ["reason"], registry=r)
        self.restarts = Counter("zkg_sparql_worker_restarts", "Query worker processes killed and replaced", registry=r)
        self.in_flight = Gauge("zkg_sparql_in_flight", "Queries running or waiting for a worker", registry=r)


class Service:
    """State shared by the handlers of one application."""

    def __init__(self, backend: Backend, config: ServiceConfig):
        self.backend = backend
        self.config = config
        self.executor: Executor = executor_for(backend, config)
        self.cache = ResultCache(config.cache_entries, config.cache_bytes, config.cache_item_bytes)
        self.metrics = Metrics()
        self.in_flight = 0
        self._version: tuple[float, str] | None = None
        self._sd: dict[tuple, bytes] = {}
        pool = getattr(self.executor, "pool", None)
        if pool is not None:
            pool.on_restart = self.metrics.restarts.inc

    async def data_version(self) -> str:
        now = time.monotonic()
        if self._version is None or now - self._version[0] > 1.0:
            if isinstance(self.backend, OxigraphBackend):
                version = self.backend.data_version()  # a readlink: cheap enough inline
            else:
                version = await asyncio.to_thread(self.backend.data_version)
            self._version = (now, version)
        return self._version[1]


# --------------------------------------------------------------------------- protocol parsing


class ProtocolError(Exception):
    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def _media(content_type: str | None) -> tuple[str, str | None]:
    if not content_type:
        return "", None
    parts = [p.strip() for p in content_type.split(";")]
    charset = None
    for p in parts[1:]:
        if p.lower().startswith("charset="):
            charset = p[8:].strip().strip('"').lower()
    return parts[0].lower(), charset


async def read_protocol(request: Request, config: ServiceConfig) -> tuple[str | None, list[str], list[str], dict]:
    """(query or None, default graphs, named graphs, other params) of a protocol request."""
    url_params = parse_qsl(request.url.query, keep_blank_values=True)
    body_params: list[tuple[str, str]] = []
    direct_query: str | None = None
    if request.method == "POST":
        media, charset = _media(request.headers.get("content-type"))
        if charset not in (None, "utf-8", "utf8"):
            raise ProtocolError(415, f"unsupported charset {charset}: the SPARQL protocol requires UTF-8")
        length = request.headers.get("content-length")
        limit = config.max_query_bytes * 3 + 4096  # form-encoding may triple the size
        if length and length.isdigit() and int(length) > limit:
            raise ProtocolError(413, f"request body larger than {limit} bytes (ZKG_SPARQL_MAX_QUERY_BYTES)")
        body = await request.body()
        if len(body) > limit:
            raise ProtocolError(413, f"request body larger than {limit} bytes (ZKG_SPARQL_MAX_QUERY_BYTES)")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError(400, "request body is not UTF-8") from None
        if media == FORM_TYPE:
            body_params = parse_qsl(text, keep_blank_values=True)
        elif media == QUERY_TYPE:
            direct_query = text
        elif media == UPDATE_TYPE:
            raise ProtocolError(403, "this endpoint is read-only: SPARQL Update is refused")
        else:
            raise ProtocolError(
                415,
                f"unsupported request body type {media or '(none)'}: use {QUERY_TYPE} or {FORM_TYPE}",
            )
    params = url_params + body_params
    queries = [v for k, v in params if k == "query"]
    if any(k in ("update", "using-graph-uri", "using-named-graph-uri") for k, _ in params):
        raise ProtocolError(403, "this endpoint is read-only: SPARQL Update is refused")
    if direct_query is not None:
        if queries:
            raise ProtocolError(400, "a query in the body and a query parameter: send one")
        queries = [direct_query]
    if len(queries) > 1:
        raise ProtocolError(400, "more than one query parameter")
    default_graphs = [v for k, v in params if k == "default-graph-uri"]
    named_graphs = [v for k, v in params if k == "named-graph-uri"]
    other = {k: v for k, v in params if k in ("format", "output")}
    return (queries[0] if queries else None), default_graphs, named_graphs, other


# --------------------------------------------------------------------------- service description

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RESULT_FORMATS = {
    "application/sparql-results+json": "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
    "application/sparql-results+xml": "http://www.w3.org/ns/formats/SPARQL_Results_XML",
    "text/csv": "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
    "text/tab-separated-values": "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
    "text/turtle": "http://www.w3.org/ns/formats/Turtle",
    "application/n-triples": "http://www.w3.org/ns/formats/N-Triples",
    "application/ld+json": "http://www.w3.org/ns/formats/JSON-LD",
    "application/rdf+xml": "http://www.w3.org/ns/formats/RDF_XML",
}


def service_description(endpoint: str, graphs: Sequence[str], triples: int | None, media_type: str,
                        federated: bool = False) -> bytes:
    from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, serialize

    n = NamedNode
    svc = n(endpoint)
    t = [Triple(svc, n(RDF_TYPE), n(SD + "Service")),
         Triple(svc, n(SD + "endpoint"), svc),
         Triple(svc, n(SD + "supportedLanguage"), n(SD + "SPARQL11Query")),
         Triple(svc, n(SD + "feature"), n(SD + "UnionDefaultGraph"))]
    if federated:  # SERVICE works, but only for the allow-listed endpoints
        t.append(Triple(svc, n(SD + "feature"), n(SD + "BasicFederatedQuery")))
    for iri in RESULT_FORMATS.values():
        t.append(Triple(svc, n(SD + "resultFormat"), n(iri)))
    dataset = BlankNode()
    default = BlankNode()
    t += [Triple(svc, n(SD + "defaultDataset"), dataset),
          Triple(dataset, n(RDF_TYPE), n(SD + "Dataset")),
          Triple(dataset, n(SD + "defaultGraph"), default),
          Triple(default, n(RDF_TYPE), n(SD + "Graph"))]
    if triples is not None:
        t.append(Triple(default, n(VOID + "triples"), Literal(str(triples), datatype=n("http://www.w3.org/2001/XMLSchema#integer"))))
    for g in graphs:
        named = BlankNode()
        t += [Triple(dataset, n(SD + "namedGraph"), named),
              Triple(named, n(RDF_TYPE), n(SD + "NamedGraph")),
              Triple(named, n(SD + "name"), n(g))]
    fmt = RdfFormat.from_media_type(media_type)
    prefixes = {"sd": SD, "void": VOID} if fmt == RdfFormat.TURTLE else None
    return serialize(t, format=fmt, prefixes=prefixes) if prefixes else serialize(t, format=fmt)


# --------------------------------------------------------------------------- the application


def create_app(source=None, *, config: ServiceConfig | None = None) -> FastAPI:
    """The FastAPI application over ``source``: a :class:`Backend`, or Settings (→ its backend)."""
    config = config or ServiceConfig.from_env()
    settings = None if isinstance(source, Backend) else source
    if isinstance(source, Backend):
        backend = source
    else:
        if source is None:
            from zhytomyr_kg.config import Settings

            source = settings = Settings()
        backend = backend_from_settings(source, max_query_bytes=config.max_query_bytes,
                                        service_allow=config.service_allow)
    service = Service(backend, config)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        await service.executor.start()
        try:
            yield
        finally:
            await service.executor.close()

    app = FastAPI(
        title="Zhytomyr strategy knowledge graph — SPARQL endpoint",
        description="Read-only SPARQL 1.1 Protocol endpoint over the Zhytomyr strategy knowledge graph.",
        lifespan=lifespan,
    )
    app.state.service = service
    metrics = service.metrics

    def error(status: int, message: str, headers: dict | None = None) -> Response:
        return PlainTextResponse(message + "\n", status_code=status, headers=headers)

    def log(request: Request, status: int, started: float, **fields) -> None:
        if access_log.isEnabledFor(logging.INFO):
            record = {
                "method": request.method,
                "path": request.url.path,
                "status": status,
                "ms": round((time.perf_counter() - started) * 1000, 3),
                "client": request.client.host if request.client else None,
                **fields,
            }
            access_log.info(json.dumps(record, ensure_ascii=False))

    async def sparql(request: Request) -> Response:
        started = time.perf_counter()
        status = 500
        fields: dict = {}
        try:
            response = await answer(request, fields)
            status = response.status_code
            return response
        finally:
            metrics.requests.labels("sparql", str(status)).inc()
            metrics.latency.labels("sparql").observe(time.perf_counter() - started)
            log(request, status, started, **fields)

    async def answer(request: Request, fields: dict) -> Response:
        cfg = service.config
        try:
            query, default_graphs, named_graphs, other = await read_protocol(request, cfg)
        except ProtocolError as exc:
            if exc.status == 403:
                metrics.refused.labels("update").inc()
            return error(exc.status, exc.message, exc.headers)
        accept = request.headers.get("accept")
        fmt = other.get("format") or other.get("output")
        if query is None:
            if request.method != "GET":
                return error(400, "no query given (parameter 'query' or an application/sparql-query body)")
            return await describe_service(request, accept, fmt)
        fields["q"] = hashlib.sha1(query.encode("utf-8")).hexdigest()[:12]
        try:
            info = check_query(query, max_query_bytes=cfg.max_query_bytes, service_allow=cfg.service_allow)
        except QueryError as exc:
            if exc.status == 403:
                metrics.refused.labels("service" if "SERVICE" in exc.message else "update").inc()
            return error(exc.status, exc.message)
        media_type = None
        if info.form:
            try:
                media_type = formats.negotiate(info.form, accept, fmt).media_type
            except formats.NotAcceptable as exc:
                return error(406, str(exc))
        try:
            version = await service.data_version()
        except Exception as exc:  # noqa: BLE001 - no store yet, remote down …
            return error(503, f"no data available: {exc}", {"Retry-After": str(cfg.retry_after)})
        key = (version, media_type, query, tuple(default_graphs), tuple(named_graphs))
        etag = None
        headers = {"Vary": "Accept", "Cache-Control": cfg.cache_control}
        if media_type:
            digest = hashlib.sha1(repr(key[1:]).encode("utf-8")).hexdigest()[:20]
            etag = f'"{version}-{digest}"'
            headers["ETag"] = etag
            inm = request.headers.get("if-none-match")
            if inm and _etag_matches(inm, etag):
                metrics.not_modified.inc()
                fields["cache"] = "304"
                return Response(status_code=304, headers=headers)
            hit = service.cache.get(key)
            if hit is not None:
                metrics.cache_hits.inc()
                fields["cache"] = "hit"
                return _body_response(hit[0], hit[1], hit[2], headers)
        metrics.cache_misses.inc()
        if service.in_flight >= cfg.max_concurrent:
            metrics.rejected.inc()
            return error(503, f"too many concurrent queries (limit {cfg.max_concurrent}); retry shortly",
                         {"Retry-After": str(cfg.retry_after)})
        service.in_flight += 1
        metrics.in_flight.inc()
        stream_owned = False
        try:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + cfg.timeout
            try:
                outcome = await service.executor.run(
                    query,
                    media_type=media_type,
                    accept=accept,
                    format=fmt,
                    default_graph_uris=default_graphs,
                    named_graph_uris=named_graphs,
                    build_id=version if isinstance(service.backend, OxigraphBackend) else None,
                    deadline=deadline,
                )
            except Timeout:
                metrics.timeouts.inc()
                return error(503, f"query stopped: it ran longer than the time limit of {cfg.timeout:g} s "
                                  "(ZKG_SPARQL_TIMEOUT)")
            except WorkerError as exc:
                return error(exc.status, exc.message)
            except WorkerFailed as exc:
                return error(500, f"query worker failed: {exc}")
            if outcome.body is not None:
                if etag is None:  # the form was only known after running: key by the real type
                    key = (version, outcome.media_type, query, tuple(default_graphs), tuple(named_graphs))
                service.cache.put(key, outcome.media_type, outcome.body, outcome.capped_rows)
                return _body_response(outcome.media_type, outcome.body, outcome.capped_rows, headers)
            # large result: stream it; the in-flight slot is released when the stream ends
            stream_owned = True

            async def body():
                try:
                    async for chunk in aiter_list(outcome.head_chunks, outcome.rest):
                        yield chunk
                except Timeout:
                    metrics.timeouts.inc()
                    raise
                finally:
                    service.in_flight -= 1
                    metrics.in_flight.dec()

            fields["streamed"] = True
            h = dict(headers)
            if outcome.capped_rows:
                h["X-SPARQL-MaxRows"] = str(outcome.capped_rows)
            return StreamingResponse(body(), media_type=formats.Choice(outcome.media_type).content_type, headers=h)
        finally:
            if not stream_owned:
                service.in_flight -= 1
                metrics.in_flight.dec()

    async def describe_service(request: Request, accept: str | None, fmt: str | None) -> Response:
        try:
            choice = formats.negotiate_rdf(accept, fmt)
        except formats.NotAcceptable as exc:
            return error(406, str(exc))
        endpoint = str(request.url.replace(query=""))
        if endpoint.endswith("?"):
            endpoint = endpoint[:-1]
        try:
            version = await service.data_version()
        except Exception:  # noqa: BLE001
            version = None
        key = (version, endpoint, choice.media_type)
        body = service._sd.get(key)
        if body is None:
            graphs: list[str] = []
            triples = None
            if version is not None:
                try:
                    rows = await asyncio.to_thread(
                        service.backend.select_rows, "SELECT DISTINCT ?g WHERE { GRAPH ?g { } } ORDER BY ?g"
                    )
                    graphs = [r["g"] for r in rows if r["g"]]
                    triples = await asyncio.to_thread(service.backend.triple_count)
                except Exception:  # noqa: BLE001 - describe what we can
                    pass
            body = service_description(endpoint, graphs, triples, choice.media_type,
                                       federated=bool(service.config.service_allow))
            if len(service._sd) > 64:
                service._sd.clear()
            service._sd[key] = body
        return Response(body, media_type=choice.content_type, headers={"Vary": "Accept"})

    async def health(request: Request) -> Response:
        started = time.perf_counter()
        info = await asyncio.to_thread(service.backend.health)
        data = info.as_dict()
        data["executor"] = service.executor.status()
        data["cache"] = {"entries": len(service.cache), "bytes": service.cache.size}
        data["in_flight"] = service.in_flight
        status = 200 if info.ok else 503
        metrics.requests.labels("health", str(status)).inc()
        log(request, status, started)
        return JSONResponse(data, status_code=status)

    async def metrics_view(request: Request) -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    async def not_allowed(request: Request) -> Response:
        return error(405, "method not allowed: the endpoint answers GET and POST queries only",
                     {"Allow": "GET, POST, OPTIONS"})

    # plain Starlette routes: no request-model machinery on the hot path
    app.router.add_route("/sparql", sparql, methods=["GET", "POST"], include_in_schema=False)
    app.router.add_route("/sparql", not_allowed, methods=["PUT", "DELETE", "PATCH"], include_in_schema=False)
    app.router.add_route("/health", health, methods=["GET"], include_in_schema=False)
    app.router.add_route("/metrics", metrics_view, methods=["GET"], include_in_schema=False)
    from .publish_routes import add_publish_routes  # /dataset, /.well-known/void, /dumps/<file>

    add_publish_routes(app, backend, settings)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(config.cors_origins),
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["*"],
        expose_headers=["ETag", "Retry-After", "X-SPARQL-MaxRows"],
        max_age=86400,
    )
    return app


def _etag_matches(header: str, etag: str) -> bool:
    if header.strip() == "*":
        return True
    for candidate in header.split(","):
        c = candidate.strip()
        if c.startswith("W/"):
            c = c[2:]
        if c == etag:
            return True
    return False


def _body_response(media_type: str, body: bytes, capped: int | None, headers: dict) -> Response:
    h = headers
    if capped:
        h = dict(headers)
        h["X-SPARQL-MaxRows"] = str(capped)
    return Response(body, media_type=formats.Choice(media_type).content_type, headers=h)


def configure_access_log() -> None:
    """JSON access log lines on stderr unless ``ZKG_ACCESS_LOG=0``."""
    import os
    import sys

    access = logging.getLogger("zkg.access")
    if os.environ.get("ZKG_ACCESS_LOG", "1") == "0":
        access.setLevel(logging.WARNING)
        return
    if not access.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        access.addHandler(handler)
    access.setLevel(logging.INFO)
    access.propagate = False


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory graph_service.app:app_from_env`` (every HTTP process)."""
    configure_access_log()
    return create_app()
