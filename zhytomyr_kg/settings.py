"""Every setting of the project, each read from one environment variable.

``Settings`` — the dataset's coordinates (store directory, base IRI), shared by the ETL, the CLI
and the service; ``ServiceConfig`` — the endpoint's limits and knobs. Every ``ZKG_*`` variable is
listed in :data:`ENVIRONMENT`; the README's configuration table is generated from it. Flags of
the CLI win over the environment.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar

from platformdirs import user_data_dir

#: The ontology namespace is part of the public contract and never configurable.
ZKG = "https://w3id.org/zhytomyr-kg/ontology#"
#: The ontology's own IRI (``owl:Ontology``); each term is a fragment of it (served at /ontology).
ONTOLOGY_IRI = ZKG[:-1]
#: The SHACL shapes' namespace (``ontology/shapes*.ttl``, served at /shapes).
SHAPES = "https://w3id.org/zhytomyr-kg/shapes#"
#: Where skolem IRIs (blank nodes replaced by IRIs, RDF 1.1 §3.5) live, under the base IRI.
GENID = ".well-known/genid/"
DEFAULT_BASE_IRI = "https://w3id.org/zhytomyr-kg/"


def default_store_dir() -> Path:
    """Where the embedded store lives unless ``--store``/``ZKG_STORE`` say otherwise."""
    if env("ZKG_STORE"):
        return Path(env("ZKG_STORE")).expanduser()
    return Path(user_data_dir("zhytomyr-kg")) / "store"


def default_base_iri() -> str:
    return str(env("ZKG_BASE_IRI"))


@dataclass(frozen=True)
class Settings:
    """The dataset's coordinates: where the store is and which IRIs the data uses."""

    store: Path = field(default_factory=default_store_dir)
    base_iri: str = field(default_factory=default_base_iri)

    def __post_init__(self) -> None:
        # IRIs are minted by appending to the base, so it always ends with a slash
        if not self.base_iri.endswith("/"):
            object.__setattr__(self, "base_iri", self.base_iri + "/")

    @property
    def id_base(self) -> str:
        """Prefix of every instance IRI (``…/id/``)."""
        return self.base_iri + "id/"

    @property
    def graph_base(self) -> str:
        """Prefix of named-graph IRIs (``…/graph/``)."""
        return self.base_iri + "graph/"

    def graph(self, name: str) -> str:
        return self.graph_base + name


def _list(raw: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in raw.replace("\n", ",").split(",") if p.strip())


def _bool(raw: str) -> bool:
    return raw.lower() in ("1", "true", "yes", "on", "auto")


#: Resident bytes one quad of the in-memory copy costs a process, measured by ``bench/memory.py``
#: on the report's data (docs/SERVICE.md, "Memory"): ``ZKG_MEMORY_BUDGET`` is divided by it.
MEMORY_BYTES_PER_QUAD = 500


@dataclass(frozen=True)
class Var:
    """One ``ZKG_*`` environment variable: its type, its default and what it does."""

    name: str
    cast: Callable[[str], Any]
    default: Any
    doc: str
    flag: str = ""  # the CLI flag that overrides it, if any


#: Every environment variable the project reads: the one table (``zhytomyr-kg settings`` prints it,
#: docs/CONFIGURATION.md is generated from it). ``ServiceConfig`` fields name theirs in ``ENV``.
ENVIRONMENT: dict[str, Var] = {
    v.name: v
    for v in (
        Var("ZKG_STORE", str, "", "store directory (default: the per-user data directory)", "--store"),
        Var("ZKG_BASE_IRI", str, DEFAULT_BASE_IRI, "dataset IRI prefix", "--base-iri"),
        Var("ZKG_HOST", str, "127.0.0.1", "address `serve` listens on", "--host"),
        Var("ZKG_PORT", int, 8000, "port `serve` listens on", "--port"),
        Var("ZKG_WORKERS", int, 0, "HTTP processes of `serve` (0: one per CPU, at most 4)", "--workers"),
        Var(
            "ZKG_SPARQL_ENDPOINT",
            str,
            "",
            "serve a remote SPARQL endpoint instead of the embedded store",
            "--sparql-endpoint",
        ),
        Var(
            "ZKG_DATA_VERSION",
            str,
            "",
            "remote backend: the data version for ETags (else a fingerprint of the remote's graphs)",
        ),
        Var("ZKG_REMOTE_AUTH", str, "", "`load-remote`: user:password for HTTP auth", "--user"),
        Var(
            "ZKG_REMOTE_AUTH_SCHEME",
            str,
            "basic",
            "`load-remote`: `basic` or `digest` (Virtuoso's Graph Store endpoint wants Digest)",
            "--auth-digest",
        ),
        Var("ZKG_PUBLIC_URL", str, "", "the service's public URL behind a proxy (links, sitemap, /dataset)"),
        Var(
            "ZKG_LICENSE",
            str,
            "https://creativecommons.org/licenses/by/4.0/",
            "data licence stated in /dataset",
        ),
        Var(
            "ZKG_BUILD_LOCK_TIMEOUT",
            float,
            120.0,
            "seconds a build waits for another build of the same store to finish (then: exit 1)",
            "--lock-timeout",
        ),
        Var("ZKG_LINKS_FILE", str, "", "build with another external-links table than etl/data/links.csv"),
        Var("ZKG_SEARCH_INDEX", str, "", "the search index file (default: the live build's)"),
        Var("ZKG_ACCESS_LOG", _bool, True, "JSON access log lines on stderr", "--no-access-log"),
        Var(
            "ZKG_HEALTH_DETAILS",
            _bool,
            False,
            "/health also shows worker pids, file paths, endpoint URLs and error texts (off: they are only logged)",
        ),
        Var("ZKG_PAGES_CACHE_ENTRIES", int, 512, "page query results kept per HTTP process"),
        Var(
            "ZKG_PAGES_RESPONSE_CACHE_ENTRIES",
            int,
            256,
            "finished page responses kept per HTTP process (0 = off)",
        ),
        Var(
            "ZKG_PAGE_SIZE",
            int,
            100,
            "rows per page of a list (/projects …) and rows an entity page shows before its link to the rest",
        ),
        Var(
            "ZKG_PAGES_PRERENDER",
            _bool,
            True,
            "render every entity and list page of a new build in the background, in each HTTP process "
            "(first views after a build switch are then served ready; 0 = off)",
        ),
        Var(
            "ZKG_TEMPLATE_CACHE",
            _bool,
            True,
            "keep the pages' compiled templates in Jinja's private per-user cache directory (in the "
            "temporary directory): an HTTP process starts ~0.2 s sooner (0 = compile them at every start)",
        ),
        Var(
            "ZKG_SPARQL_EXECUTOR",
            str,
            "pool",
            "`pool` (worker processes) or `thread` (in-process, for tests and tools)",
        ),
        Var(
            "ZKG_HTTP_MAX_HEADER_BYTES",
            int,
            64 * 1024,
            "request line and headers of one request (beyond: 431)",
        ),
        Var("ZKG_HTTP_MAX_HEADERS", int, 100, "header fields of one request (beyond: 431)"),
        Var("ZKG_HTTP_HEADER_TIMEOUT", float, 10.0, "seconds a client may take to send a request's headers"),
        Var("ZKG_HTTP_BODY_TIMEOUT", float, 30.0, "seconds a client may take to send a request's body"),
        Var(
            "ZKG_TRUSTED_PROXIES",
            _list,
            (),
            "addresses whose X-Forwarded-* headers are believed (empty: none)",
        ),
        Var("ZKG_OPENAPI", _bool, False, "serve /docs, /redoc and /openapi.json"),
        Var("ZKG_SPARQL_TIMEOUT", float, 10.0, "seconds a query may take (queue wait included)", "--timeout"),
        Var("ZKG_SPARQL_MAX_QUERY_BYTES", int, 64 * 1024, "largest query text (bigger: 413)"),
        Var("ZKG_SPARQL_MAX_DEPTH", int, 64, "deepest nesting of brackets a query may have (deeper: 400)"),
        Var("ZKG_SPARQL_MAX_ROWS", int, 100_000, "row cap (a larger or missing LIMIT is lowered to it)"),
        Var("ZKG_SPARQL_MAX_RESULT_BYTES", int, 64 * 1024 * 1024, "largest serialised result (bigger: 413)"),
        Var(
            "ZKG_SPARQL_POOL_SIZE",
            int,
            0,
            "query worker processes per HTTP process (0: the CPUs shared out)",
            "--query-workers",
        ),
        Var(
            "ZKG_SPARQL_WORKER_MEMORY",
            int,
            2 * 1024**3,
            "address space (bytes) a query worker may use (RLIMIT_AS); a query beyond it: 503 (0 = no cap)",
        ),
        Var("ZKG_SPARQL_MAX_CONCURRENT", int, 64, "queries running or waiting per HTTP process; beyond: 503"),
        Var("ZKG_SPARQL_RETRY_AFTER", int, 1, "Retry-After seconds sent with a 503"),
        Var(
            "ZKG_SPARQL_SERVICE_ALLOW",
            _list,
            (),
            "SERVICE IRIs a query may call, comma-separated (empty: SERVICE refused)",
        ),
        Var("ZKG_SPARQL_CACHE_CONTROL", str, "public, max-age=300", "Cache-Control of query answers"),
        Var("ZKG_SPARQL_CACHE_ENTRIES", int, 512, "result cache entries per HTTP process (0 = off)"),
        Var("ZKG_SPARQL_CACHE_BYTES", int, 64 * 1024 * 1024, "result cache size per HTTP process"),
        Var("ZKG_SPARQL_CACHE_ITEM_BYTES", int, 1024 * 1024, "largest cached result"),
        Var("ZKG_SPARQL_CORS_ORIGINS", _list, ("*",), "allowed CORS origins, comma-separated"),
        Var(
            "ZKG_SPARQL_STREAM_BUFFER",
            int,
            1024 * 1024,
            "results up to this size are buffered, larger ones streamed",
        ),
        Var(
            "ZKG_SPARQL_WORKER_NETNS",
            _bool,
            True,
            "put query workers in an empty network namespace when the OS allows",
        ),
        Var(
            "ZKG_WORKER_ISOLATE_NET",
            _bool,
            False,
            "internal: set by the worker pool for the workers it starts",
        ),
        Var(
            "ZKG_MEMORY_BUDGET",
            int,
            1024**3,
            "bytes the in-memory copies of the build may take per HTTP process, its query workers' "
            "included: a build is copied into memory only when it fits (else it is read from disk)",
        ),
        Var(
            "ZKG_SPARQL_MEMORY_QUADS",
            int,
            "",
            "explicit override of ZKG_MEMORY_BUDGET: builds up to this many quads are copied into memory "
            "(0 = always disk)",
        ),
        Var(
            "ZKG_PAGES_TIMEOUT",
            float,
            0.0,
            "seconds a page's query may take (queue wait included) before the page answers 503 "
            "(0: ZKG_SPARQL_TIMEOUT)",
        ),
        Var(
            "ZKG_SPARQL_INLINE_BYTES",
            int,
            256 * 1024,
            "bounded lookups with answers up to this size run in the HTTP process (0 = never)",
        ),
    )
}


def env(name: str) -> Any:
    """The value of the ``ZKG_*`` variable ``name`` (cast), or its default when unset or empty."""
    var = ENVIRONMENT[name]
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return var.default
    try:
        return var.cast(raw.strip())
    except ValueError as exc:
        raise ValueError(f"{name}={raw!r}: {exc}") from None


def environment_table() -> str:
    """The table of :data:`ENVIRONMENT` as Markdown (docs/CONFIGURATION.md is this output)."""
    rows = ["| variable | flag | default | what it does |", "| --- | --- | --- | --- |"]
    for v in ENVIRONMENT.values():
        default = ", ".join(v.default) if isinstance(v.default, tuple) else v.default
        shown = f"`{default}`" if default not in ("", ()) else "—"
        rows.append(f"| `{v.name}` | {f'`{v.flag}`' if v.flag else ''} | {shown} | {v.doc} |")
    return "\n".join(rows) + "\n"


def default_http_workers() -> int:
    """HTTP processes ``zhytomyr-kg serve`` starts: one per CPU, at most 4. One Python process
    cannot use a second core; on the 2-core benchmark machine two HTTP processes with one query
    worker each answered 1.1–1.5× more requests than one with two (docs/SERVICE.md)."""
    return max(1, min(4, os.cpu_count() or 1))


def default_pool_size(http_workers: int) -> int:
    """Query workers per HTTP process when ``serve`` starts ``http_workers`` of them: the CPUs
    shared out, at least one each."""
    return max(1, (os.cpu_count() or 1) // max(1, http_workers))


@dataclass(frozen=True)
class ServiceConfig:
    #: seconds a query may run (queue wait included) before it is stopped — ZKG_SPARQL_TIMEOUT
    timeout: float = ENVIRONMENT["ZKG_SPARQL_TIMEOUT"].default
    #: largest accepted query text in bytes → 413 — ZKG_SPARQL_MAX_QUERY_BYTES
    max_query_bytes: int = ENVIRONMENT["ZKG_SPARQL_MAX_QUERY_BYTES"].default
    #: rows a SELECT (solutions a CONSTRUCT) may return; a larger LIMIT is lowered — ZKG_SPARQL_MAX_ROWS
    max_rows: int = ENVIRONMENT["ZKG_SPARQL_MAX_ROWS"].default
    #: deepest bracket nesting → 400, before the engine's recursive parser sees it
    max_depth: int = ENVIRONMENT["ZKG_SPARQL_MAX_DEPTH"].default
    #: largest serialised result in bytes → 413 — ZKG_SPARQL_MAX_RESULT_BYTES
    max_result_bytes: int = ENVIRONMENT["ZKG_SPARQL_MAX_RESULT_BYTES"].default
    #: query worker processes (each holds a read-only store handle) — ZKG_SPARQL_POOL_SIZE
    pool_size: int = field(default_factory=lambda: max(1, min(4, os.cpu_count() or 1)))
    #: address space a query worker may use (RLIMIT_AS, bytes; 0 = no cap): a query that needs
    #: more gets a 503 and its worker is replaced — ZKG_SPARQL_WORKER_MEMORY
    worker_memory: int = ENVIRONMENT["ZKG_SPARQL_WORKER_MEMORY"].default
    #: queries running or waiting for a worker; beyond → 503 + Retry-After — ZKG_SPARQL_MAX_CONCURRENT
    max_concurrent: int = ENVIRONMENT["ZKG_SPARQL_MAX_CONCURRENT"].default
    #: the Retry-After value (seconds) sent with a 503 — ZKG_SPARQL_RETRY_AFTER
    retry_after: int = ENVIRONMENT["ZKG_SPARQL_RETRY_AFTER"].default
    #: SERVICE IRIs a query may call (exact match); empty = SERVICE refused — ZKG_SPARQL_SERVICE_ALLOW
    service_allow: tuple[str, ...] = ENVIRONMENT["ZKG_SPARQL_SERVICE_ALLOW"].default
    #: Cache-Control of query responses — ZKG_SPARQL_CACHE_CONTROL
    cache_control: str = ENVIRONMENT["ZKG_SPARQL_CACHE_CONTROL"].default
    #: entries / total bytes / largest entry of the in-process result cache — ZKG_SPARQL_CACHE_*
    cache_entries: int = ENVIRONMENT["ZKG_SPARQL_CACHE_ENTRIES"].default
    cache_bytes: int = ENVIRONMENT["ZKG_SPARQL_CACHE_BYTES"].default
    cache_item_bytes: int = ENVIRONMENT["ZKG_SPARQL_CACHE_ITEM_BYTES"].default
    #: CORS allowed origins ("*" = any) — ZKG_SPARQL_CORS_ORIGINS
    cors_origins: tuple[str, ...] = ENVIRONMENT["ZKG_SPARQL_CORS_ORIGINS"].default
    #: results up to this size are buffered (proper status on late errors), larger ones
    #: streamed — ZKG_SPARQL_STREAM_BUFFER
    stream_buffer: int = ENVIRONMENT["ZKG_SPARQL_STREAM_BUFFER"].default
    #: put worker processes in an empty network namespace when the OS allows it (defence in
    #: depth against any fetch; off automatically when SERVICE is allow-listed) — ZKG_SPARQL_WORKER_NETNS
    worker_netns: bool = ENVIRONMENT["ZKG_SPARQL_WORKER_NETNS"].default
    #: bytes the in-memory copies may take per HTTP process with its query workers — ZKG_MEMORY_BUDGET
    memory_budget: int = ENVIRONMENT["ZKG_MEMORY_BUDGET"].default
    #: an explicit quad threshold for the in-memory copy (None: decided by ``memory_budget``;
    #: 0 = always from disk) — ZKG_SPARQL_MEMORY_QUADS
    memory_quads_override: int | None = None
    #: seconds a page's query may take (0: ``timeout``) — ZKG_PAGES_TIMEOUT
    pages_timeout: float = ENVIRONMENT["ZKG_PAGES_TIMEOUT"].default
    #: bounded lookups (one triple pattern) with an answer up to this size are answered in the
    #: HTTP process, not a worker; 0 = every query goes to a worker — ZKG_SPARQL_INLINE_BYTES
    inline_bytes: int = ENVIRONMENT["ZKG_SPARQL_INLINE_BYTES"].default
    #: /health shows pids, paths and error texts too (else they only go to the log) — ZKG_HEALTH_DETAILS
    health_details: bool = ENVIRONMENT["ZKG_HEALTH_DETAILS"].default

    ENV: ClassVar[dict[str, str]] = {
        "timeout": "ZKG_SPARQL_TIMEOUT",
        "max_query_bytes": "ZKG_SPARQL_MAX_QUERY_BYTES",
        "max_rows": "ZKG_SPARQL_MAX_ROWS",
        "max_depth": "ZKG_SPARQL_MAX_DEPTH",
        "max_result_bytes": "ZKG_SPARQL_MAX_RESULT_BYTES",
        "pool_size": "ZKG_SPARQL_POOL_SIZE",
        "worker_memory": "ZKG_SPARQL_WORKER_MEMORY",
        "max_concurrent": "ZKG_SPARQL_MAX_CONCURRENT",
        "retry_after": "ZKG_SPARQL_RETRY_AFTER",
        "service_allow": "ZKG_SPARQL_SERVICE_ALLOW",
        "cache_control": "ZKG_SPARQL_CACHE_CONTROL",
        "cache_entries": "ZKG_SPARQL_CACHE_ENTRIES",
        "cache_bytes": "ZKG_SPARQL_CACHE_BYTES",
        "cache_item_bytes": "ZKG_SPARQL_CACHE_ITEM_BYTES",
        "cors_origins": "ZKG_SPARQL_CORS_ORIGINS",
        "stream_buffer": "ZKG_SPARQL_STREAM_BUFFER",
        "worker_netns": "ZKG_SPARQL_WORKER_NETNS",
        "memory_budget": "ZKG_MEMORY_BUDGET",
        "memory_quads_override": "ZKG_SPARQL_MEMORY_QUADS",
        "pages_timeout": "ZKG_PAGES_TIMEOUT",
        "inline_bytes": "ZKG_SPARQL_INLINE_BYTES",
        "health_details": "ZKG_HEALTH_DETAILS",
    }

    @classmethod
    def from_env(cls, **overrides: Any) -> ServiceConfig:
        """Each field from its variable of :data:`ENVIRONMENT`; ``overrides`` (not None) win."""
        values = {f.name: env(cls.ENV[f.name]) for f in fields(cls) if f.name in cls.ENV}
        if not values.get("pool_size"):
            values.pop("pool_size", None)  # 0: the default of the field
        if values.get("memory_quads_override") == "":
            values["memory_quads_override"] = None  # unset: the budget decides
        if "memory_quads" in overrides:  # the old name of the override
            overrides["memory_quads_override"] = overrides.pop("memory_quads")
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @property
    def page_timeout(self) -> float:
        """Seconds a page's query may take: ``ZKG_PAGES_TIMEOUT``, else ``ZKG_SPARQL_TIMEOUT``."""
        return self.pages_timeout if self.pages_timeout > 0 else self.timeout

    @property
    def memory_copies(self) -> int:
        """In-memory copies one HTTP process accounts for: its own and one per query worker."""
        return 1 + max(1, self.pool_size)

    @property
    def memory_quads(self) -> int:
        """The largest build (in quads) copied into memory: ``ZKG_SPARQL_MEMORY_QUADS`` when set,
        else what :meth:`memory_plan` allows."""
        return self.memory_plan()["quad_limit"]

    def memory_plan(self) -> dict[str, Any]:
        """How the in-memory threshold was decided, for /health and the startup log.

        From the budget: ``ZKG_MEMORY_BUDGET`` ÷ (:data:`MEMORY_BYTES_PER_QUAD` × copies), and
        never more than half a query worker's address-space cap (``ZKG_SPARQL_WORKER_MEMORY``): a
        copy that does not fit there would fail to allocate while the worker starts.
        """
        if self.memory_quads_override is not None:
            return {
                "source": "ZKG_SPARQL_MEMORY_QUADS",
                "quad_limit": max(0, self.memory_quads_override),
            }
        per_copy = self.memory_budget // (MEMORY_BYTES_PER_QUAD * self.memory_copies)
        plan: dict[str, Any] = {
            "source": "ZKG_MEMORY_BUDGET",
            "budget": self.memory_budget,
            "bytes_per_quad": MEMORY_BYTES_PER_QUAD,
            "copies": self.memory_copies,
            "quad_limit": max(0, per_copy),
        }
        if self.worker_memory > 0:
            worker_limit = self.worker_memory // 2 // MEMORY_BYTES_PER_QUAD
            if worker_limit < plan["quad_limit"]:
                plan["quad_limit"] = worker_limit
                plan["limited_by"] = "ZKG_SPARQL_WORKER_MEMORY"
        return plan
