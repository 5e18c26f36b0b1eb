"""The state one application's SPARQL endpoint shares between requests: the backend, the
executor that runs queries on it, the result cache, the metrics, and the service description."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from graph_service import conneg as formats
from graph_service.lru import LRU, key_bytes
from graph_service.sparql.description import service_description
from graph_service.sparql.executors import Executor, executor_for
from graph_service.store import named_queries
from graph_service.store.base import Backend
from zhytomyr_kg.settings import ServiceConfig
from zhytomyr_kg.store_layout import NoStore


def result_cache(config: ServiceConfig) -> LRU[tuple[str, bytes, int | None]]:
    """Serialised results (media type, body, capped rows) keyed by data version + request: at
    most ``ZKG_SPARQL_CACHE_ENTRIES``, ``_BYTES`` in all (keys counted) and ``_ITEM_BYTES`` each."""
    return LRU(
        config.cache_entries,
        max_bytes=config.cache_bytes,
        item_bytes=config.cache_item_bytes,
        weigh=lambda key, item: key_bytes(key) + len(item[1]),
    )


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
        self.cache = result_cache(config)
        self.metrics = Metrics()
        self.in_flight = 0
        self._version: tuple[float, str] | None = None
        self._sd: LRU[bytes] = LRU(64)  # service descriptions
        pool = getattr(self.executor, "pool", None)
        if pool is not None:
            pool.on_restart = self.metrics.restarts.inc

    async def open_store(self) -> None:
        """Open the live build (and copy it into memory) before the first request needs it."""
        with contextlib.suppress(NoStore):
            await asyncio.to_thread(self.backend.open)

    async def data_version(self) -> str:
        now = time.monotonic()
        if self._version is None or now - self._version[0] > 1.0:
            if self.backend.cheap_data_version:
                version = self.backend.data_version()
            else:
                version = await asyncio.to_thread(self.backend.data_version)
            self._version = (now, version)
        return self._version[1]

    async def describe(self, endpoint: str, accept: str | None, fmt: str | None) -> tuple[str, bytes]:
        """The service description of ``endpoint`` in the negotiated RDF format: (content type,
        body), cached per data version. Raises :class:`formats.NotAcceptable`."""
        choice = formats.negotiate_rdf(accept, fmt)
        try:
            version: str | None = await self.data_version()
        except Exception:
            version = None
        key = (version, endpoint, choice.media_type)
        body = self._sd.get(key)
        if body is None:
            graphs: list[str] = []
            triples = None
            if version is not None:
                try:
                    rows = await asyncio.to_thread(
                        self.backend.select_rows, named_queries.get("service-graphs").text
                    )
                    graphs = [g for r in rows if (g := r["g"])]
                    triples = await asyncio.to_thread(self.backend.triple_count)
                except Exception:
                    pass
            body = service_description(
                endpoint, graphs, triples, choice.media_type, federated=bool(self.config.service_allow)
            )
            self._sd.put(key, body)
        return choice.content_type, body
