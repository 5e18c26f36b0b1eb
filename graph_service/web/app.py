"""The HTTP service: a read-only SPARQL 1.1 Protocol endpoint, health and metrics.

``create_app(settings | backend)`` builds the FastAPI application. ``/sparql`` follows the
SPARQL 1.1 Protocol (query operation only); see docs/SERVICE.md for the behaviour, the limits
and their environment variables.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections import OrderedDict
from collections.abc import Sequence

from fastapi import FastAPI
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.middleware.cors import CORSMiddleware

from graph_service.sparql.endpoint import Answer, SparqlEndpoint, text_answer
from graph_service.sparql.executors import Executor, executor_for
from graph_service.store import named_queries
from graph_service.store.backend import Backend, OxigraphBackend, backend_from_settings
from graph_service.web import conneg as formats
from graph_service.web import routes
from graph_service.web.cache import ResponseCache
from zhytomyr_kg.settings import ServiceConfig, env
from zhytomyr_kg.store_layout import NoStore


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
        self.rejected = Counter(
            "zkg_sparql_rejected", "Queries refused by the concurrency cap (503)", registry=r
        )
        self.refused = Counter(
            "zkg_sparql_refused", "Queries refused as unsafe (update, LOAD, SERVICE)", ["reason"], registry=r
        )
        self.restarts = Counter(
            "zkg_sparql_worker_restarts", "Query worker processes killed and replaced", registry=r
        )
        self.in_flight = Gauge(
            "zkg_sparql_in_flight",
            "Queries running or waiting for a worker",
            registry=r,
            multiprocess_mode="livesum",
        )

    def exposition(self) -> bytes:
        """The metrics in Prometheus' text format: of every HTTP process when several share
        ``PROMETHEUS_MULTIPROC_DIR`` (``zhytomyr-kg serve --workers N`` sets it), else ours."""
        if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            return generate_latest(self.registry)
        from prometheus_client import multiprocess

        combined = CollectorRegistry()
        multiprocess.MultiProcessCollector(combined)
        return generate_latest(combined)

    @staticmethod
    def process_ended() -> None:
        """Drop this process's live gauges from the shared metrics (its counters stay)."""
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            from prometheus_client import multiprocess

            multiprocess.mark_process_dead(os.getpid())


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

    async def open_store(self) -> None:
        """Open the live build (and copy it into memory) before the first request needs it."""
        if isinstance(self.backend, OxigraphBackend):
            with contextlib.suppress(NoStore):
                await asyncio.to_thread(self.backend.store)

    async def data_version(self) -> str:
        now = time.monotonic()
        if self._version is None or now - self._version[0] > 1.0:
            if isinstance(self.backend, OxigraphBackend):
                version = self.backend.data_version()  # a readlink: cheap enough inline
            else:
                version = await asyncio.to_thread(self.backend.data_version)
            self._version = (now, version)
        return self._version[1]


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


def service_description(
    endpoint: str, graphs: Sequence[str], triples: int | None, media_type: str, federated: bool = False
) -> bytes:
    from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, serialize

    n = NamedNode
    svc = n(endpoint)
    t = [
        Triple(svc, n(RDF_TYPE), n(SD + "Service")),
        Triple(svc, n(SD + "endpoint"), svc),
        Triple(svc, n(SD + "supportedLanguage"), n(SD + "SPARQL11Query")),
        Triple(svc, n(SD + "feature"), n(SD + "UnionDefaultGraph")),
    ]
    if federated:  # SERVICE works, but only for the allow-listed endpoints
        t.append(Triple(svc, n(SD + "feature"), n(SD + "BasicFederatedQuery")))
    for iri in RESULT_FORMATS.values():
        t.append(Triple(svc, n(SD + "resultFormat"), n(iri)))
    dataset = BlankNode()
    default = BlankNode()
    t += [
        Triple(svc, n(SD + "defaultDataset"), dataset),
        Triple(dataset, n(RDF_TYPE), n(SD + "Dataset")),
        Triple(dataset, n(SD + "defaultGraph"), default),
        Triple(default, n(RDF_TYPE), n(SD + "Graph")),
    ]
    if triples is not None:
        t.append(
            Triple(
                default,
                n(VOID + "triples"),
                Literal(str(triples), datatype=n("http://www.w3.org/2001/XMLSchema#integer")),
            )
        )
    for g in graphs:
        named = BlankNode()
        t += [
            Triple(dataset, n(SD + "namedGraph"), named),
            Triple(named, n(RDF_TYPE), n(SD + "NamedGraph")),
            Triple(named, n(SD + "name"), n(g)),
        ]
    fmt = RdfFormat.from_media_type(media_type)
    prefixes = {"sd": SD, "void": VOID} if fmt == RdfFormat.TURTLE else None
    return serialize(t, format=fmt, prefixes=prefixes) if prefixes else serialize(t, format=fmt)


# --------------------------------------------------------------------------- the application


class ServiceApp(FastAPI):
    """FastAPI, with ``/sparql`` answered by a plain ASGI handler and repeated page requests by
    the response cache, both before the middleware stack."""

    sparql_endpoint: SparqlEndpoint | None = None
    response_cache: ResponseCache | None = None

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            if scope["path"] in ("/sparql", "/sparql/") and self.sparql_endpoint:
                await self.sparql_endpoint(scope, receive, send)
                return
            if self.response_cache is not None:
                await self.response_cache(scope, receive, send, super().__call__)
                return
        await super().__call__(scope, receive, send)


def create_app(source=None, *, config: ServiceConfig | None = None) -> FastAPI:
    """The FastAPI application over ``source``: a :class:`Backend`, or Settings (→ its backend)."""
    config = config or ServiceConfig.from_env()
    settings = None if isinstance(source, Backend) else source
    if isinstance(source, Backend):
        backend = source
    else:
        if source is None:
            from zhytomyr_kg.settings import Settings

            source = settings = Settings()
        backend = backend_from_settings(
            source, max_query_bytes=config.max_query_bytes, service_allow=config.service_allow
        )
        if isinstance(backend, OxigraphBackend):
            backend.max_rows = config.max_rows
            backend.max_result_bytes = config.max_result_bytes
            backend.memory_quads = config.memory_quads
    service = Service(backend, config)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        await asyncio.gather(service.executor.start(), service.open_store())
        try:
            yield
        finally:
            await service.executor.close()
            service.metrics.process_ended()

    app = ServiceApp(
        title="Zhytomyr strategy knowledge graph — SPARQL endpoint",
        description="Read-only SPARQL 1.1 Protocol endpoint over the Zhytomyr strategy knowledge graph "
        "(`/sparql`; see docs/SERVICE.md).",
        lifespan=lifespan,
    )
    app.state.service = service

    async def describe_service(endpoint: str, accept: str | None, fmt: str | None) -> Answer:
        try:
            choice = formats.negotiate_rdf(accept, fmt)
        except formats.NotAcceptable as exc:
            return text_answer(406, str(exc))
        try:
            version = await service.data_version()
        except Exception:
            version = None
        key = (version, endpoint, choice.media_type)
        body = service._sd.get(key)
        if body is None:
            graphs: list[str] = []
            triples = None
            if version is not None:
                try:
                    rows = await asyncio.to_thread(
                        service.backend.select_rows, named_queries.get("service-graphs").text
                    )
                    graphs = [r["g"] for r in rows if r["g"]]
                    triples = await asyncio.to_thread(service.backend.triple_count)
                except Exception:
                    pass
            body = service_description(
                endpoint, graphs, triples, choice.media_type, federated=bool(service.config.service_allow)
            )
            if len(service._sd) > 64:
                service._sd.clear()
            service._sd[key] = body
        return Answer(
            200, [(b"content-type", choice.content_type.encode()), (b"vary", b"Accept, Origin")], body
        )

    app.sparql_endpoint = SparqlEndpoint(service, describe_service)

    # every other path: the route table (graph_service.web.routes), which also says what the
    # response cache may replay — finished page responses: ZKG_PAGES_RESPONSE_CACHE_ENTRIES
    # (default 256; 0 = off), at most 32 MB
    routes.install(app, backend, settings)
    app.response_cache = ResponseCache(
        lambda: backend.data_version(),
        routes.cacheable,
        entries=env("ZKG_PAGES_RESPONSE_CACHE_ENTRIES"),
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(config.cors_origins),
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["*"],
        expose_headers=["ETag", "Retry-After", "X-SPARQL-MaxRows"],
        max_age=86400,
    )
    return app


def configure_access_log() -> None:
    """JSON access log lines on stderr unless ``ZKG_ACCESS_LOG=0``."""
    import sys

    access = logging.getLogger("zkg.access")
    if not env("ZKG_ACCESS_LOG"):
        access.setLevel(logging.WARNING)
        return
    if not access.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        access.addHandler(handler)
    access.setLevel(logging.INFO)
    access.propagate = False


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory graph_service.web.app:app_from_env`` (every HTTP process)."""
    configure_access_log()
    return create_app()
