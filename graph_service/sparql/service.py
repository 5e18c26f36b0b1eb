"""The state one application's SPARQL endpoint shares between requests: the backend, the
executor that runs queries on it, the result cache, the metrics, and the service description."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from graph_service import conneg as formats
from graph_service.lru import LRU, key_bytes
from graph_service.sparql.description import service_description
from graph_service.sparql.executors import Executor, executor_for, memory_status
from graph_service.sparql.pages import PageQueries
from graph_service.sparql.pool import Timeout, WorkerError
from graph_service.store import named_queries
from graph_service.store.base import Backend, parse_results
from zhytomyr_kg.settings import ServiceConfig
from zhytomyr_kg.store_layout import NO_GRAPH, NoStore

log = logging.getLogger("zkg.health")
memory_log = logging.getLogger("zkg.store")

#: the longest the health probe may take (and at most ZKG_SPARQL_TIMEOUT)
PROBE_SECONDS = 3.0
#: a probe's outcome answers the /health requests of the next second
PROBE_TTL = 1.0
RESULTS_JSON = "application/sparql-results+json"


@dataclass
class Probe:
    """The outcome of one run of ``queries/health-probe.rq`` through the executor."""

    ok: bool
    ms: float
    error: str = ""  # public: what failed, without paths or pids
    private: dict = field(default_factory=dict)  # the full error (the log; /health with details)
    at: float = 0.0

    def as_dict(self, details: bool = False) -> dict:
        return {
            "ok": self.ok,
            "ms": round(self.ms, 3),
            **({"error": self.error} if self.error else {}),
            **(self.private if details else {}),
        }


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
        self._probe: Probe | None = None
        self._probing: asyncio.Future[Probe] | None = None
        #: what the pages run their queries with (``Site.runner``): the executor, under the limits
        self.pages = PageQueries(self)
        pool = getattr(self.executor, "pool", None)
        if pool is not None:
            pool.on_restart = self.metrics.restarts.inc

    async def open_store(self) -> None:
        """Open the live build (and copy it into memory) before the first request needs it;
        log whether it is held in memory and why. Runs on the event loop at start, so the page
        queries are bound to it from here on."""
        self.pages.bind()
        with contextlib.suppress(NoStore):
            await asyncio.to_thread(self.backend.open)
            memory = memory_status(self.config, self.backend)
            if memory:  # a build too large for the budget is worth a warning: queries are slower
                level = logging.INFO if memory["in_memory"] or not memory["quad_limit"] else logging.WARNING
                memory_log.log(level, "pid %d: %s", os.getpid(), memory["why"])

    async def probe(self) -> Probe:
        """Whether a query gets answered: ``queries/health-probe.rq`` run through the executor
        (a query worker, for the embedded store) with a short deadline. One run at a time, its
        outcome kept for a second, so polling /health cannot occupy the workers."""
        now = time.monotonic()
        if self._probe is not None and now - self._probe.at < PROBE_TTL:
            return self._probe
        if self._probing is None or self._probing.done():
            self._probing = asyncio.ensure_future(self._run_probe())
        return await asyncio.shield(self._probing)

    async def _run_probe(self) -> Probe:
        loop = asyncio.get_running_loop()
        seconds = min(PROBE_SECONDS, self.config.timeout)
        started = time.perf_counter()
        error = ""
        private: dict[str, str] = {}
        try:
            build_id = await asyncio.to_thread(self.backend.current_build_id)
            outcome = await self.executor.run(
                named_queries.get("health-probe").text,
                media_type=RESULTS_JSON,
                accept=RESULTS_JSON,
                format=None,
                default_graph_uris=(),
                named_graph_uris=(),
                build_id=build_id,
                deadline=loop.time() + seconds,
            )
            if outcome.body is None or parse_results(outcome.body).boolean is None:
                error = "the probe query gave no answer"
        except NoStore as exc:
            error, private = NO_GRAPH, {"error": str(exc)}
        except Timeout:
            error = f"the probe query was not answered within {seconds:g} s"
        except WorkerError as exc:
            error, private = f"the probe query failed ({exc.status})", {"error": exc.message}
        except Exception as exc:
            error, private = "the probe query failed", {"error": f"{type(exc).__name__}: {exc}"}
        probe = Probe(not error, (time.perf_counter() - started) * 1000, error, private, time.monotonic())
        if not probe.ok:
            log.warning("health probe: %s %s", probe.error, private.get("error", ""))
        self._probe = probe
        return probe

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
                        self.backend.select_rows,
                        named_queries.get("service-graphs").bind(graphs=self.backend.dataset_graph_base()),
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
