"""Every setting of the project, each read from one environment variable.

``Settings`` — the dataset's coordinates (store directory, base IRI), shared by the ETL, the CLI
and the service; ``ServiceConfig`` — the endpoint's limits and knobs. Every ``ZKG_*`` variable is
listed in :data:`ENVIRONMENT`; the README's configuration table is generated from it. Flags of
the CLI win over the environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar

from platformdirs import user_data_dir

#: The ontology namespace is part of the public contract and never configurable.
ZKG = "https://w3id.org/zhytomyr-kg/ontology#"
DEFAULT_BASE_IRI = "https://w3id.org/zhytomyr-kg/"


def default_store_dir() -> Path:
    """Where the embedded store lives unless ``--store``/``ZKG_STORE`` say otherwise."""
    env = os.environ.get("ZKG_STORE")
    if env:
        return Path(env).expanduser()
    return Path(user_data_dir("zhytomyr-kg")) / "store"


def default_base_iri() -> str:
    return os.environ.get("ZKG_BASE_IRI", DEFAULT_BASE_IRI)


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


def _env(name: str, default, cast):
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return cast(raw.strip())
    except ValueError as exc:
        raise ValueError(f"{name}={raw!r}: {exc}") from None


def _list(raw: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in raw.replace("\n", ",").split(",") if p.strip())


def _bool(raw: str) -> bool:
    return raw.lower() in ("1", "true", "yes", "on", "auto")


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
    timeout: float = 10.0
    #: largest accepted query text in bytes → 413 — ZKG_SPARQL_MAX_QUERY_BYTES
    max_query_bytes: int = 64 * 1024
    #: rows a SELECT (solutions a CONSTRUCT) may return; a larger LIMIT is lowered — ZKG_SPARQL_MAX_ROWS
    max_rows: int = 100_000
    #: largest serialised result in bytes → 413 — ZKG_SPARQL_MAX_RESULT_BYTES
    max_result_bytes: int = 64 * 1024 * 1024
    #: query worker processes (each holds a read-only store handle) — ZKG_SPARQL_POOL_SIZE
    pool_size: int = field(default_factory=lambda: max(1, min(4, os.cpu_count() or 1)))
    #: queries running or waiting for a worker; beyond → 503 + Retry-After — ZKG_SPARQL_MAX_CONCURRENT
    max_concurrent: int = 64
    #: the Retry-After value (seconds) sent with a 503 — ZKG_SPARQL_RETRY_AFTER
    retry_after: int = 1
    #: SERVICE IRIs a query may call (exact match); empty = SERVICE refused — ZKG_SPARQL_SERVICE_ALLOW
    service_allow: tuple[str, ...] = ()
    #: Cache-Control of query responses — ZKG_SPARQL_CACHE_CONTROL
    cache_control: str = "public, max-age=300"
    #: entries / total bytes / largest entry of the in-process result cache — ZKG_SPARQL_CACHE_*
    cache_entries: int = 512
    cache_bytes: int = 64 * 1024 * 1024
    cache_item_bytes: int = 1024 * 1024
    #: CORS allowed origins ("*" = any) — ZKG_SPARQL_CORS_ORIGINS
    cors_origins: tuple[str, ...] = ("*",)
    #: results up to this size are buffered (proper status on late errors), larger ones
    #: streamed — ZKG_SPARQL_STREAM_BUFFER
    stream_buffer: int = 1024 * 1024
    #: put worker processes in an empty network namespace when the OS allows it (defence in
    #: depth against any fetch; off automatically when SERVICE is allow-listed) — ZKG_SPARQL_WORKER_NETNS
    worker_netns: bool = True
    #: a build of at most this many quads is answered from an in-memory copy (workers and
    #: pages; about 300 bytes per quad in each process); 0 = always from disk — ZKG_SPARQL_MEMORY_QUADS
    memory_quads: int = 500_000
    #: bounded lookups (one triple pattern) with an answer up to this size are answered in the
    #: HTTP process, not a worker; 0 = every query goes to a worker — ZKG_SPARQL_INLINE_BYTES
    inline_bytes: int = 256 * 1024

    ENV: ClassVar[dict[str, tuple[str, Any]]] = {
        "timeout": ("ZKG_SPARQL_TIMEOUT", float),
        "max_query_bytes": ("ZKG_SPARQL_MAX_QUERY_BYTES", int),
        "max_rows": ("ZKG_SPARQL_MAX_ROWS", int),
        "max_result_bytes": ("ZKG_SPARQL_MAX_RESULT_BYTES", int),
        "pool_size": ("ZKG_SPARQL_POOL_SIZE", int),
        "max_concurrent": ("ZKG_SPARQL_MAX_CONCURRENT", int),
        "retry_after": ("ZKG_SPARQL_RETRY_AFTER", int),
        "service_allow": ("ZKG_SPARQL_SERVICE_ALLOW", _list),
        "cache_control": ("ZKG_SPARQL_CACHE_CONTROL", str),
        "cache_entries": ("ZKG_SPARQL_CACHE_ENTRIES", int),
        "cache_bytes": ("ZKG_SPARQL_CACHE_BYTES", int),
        "cache_item_bytes": ("ZKG_SPARQL_CACHE_ITEM_BYTES", int),
        "cors_origins": ("ZKG_SPARQL_CORS_ORIGINS", _list),
        "stream_buffer": ("ZKG_SPARQL_STREAM_BUFFER", int),
        "worker_netns": ("ZKG_SPARQL_WORKER_NETNS", _bool),
        "memory_quads": ("ZKG_SPARQL_MEMORY_QUADS", int),
        "inline_bytes": ("ZKG_SPARQL_INLINE_BYTES", int),
    }

    @classmethod
    def from_env(cls, **overrides) -> ServiceConfig:
        values = {}
        defaults = cls()
        for f in fields(cls):
            if f.name in cls.ENV:
                name, cast = cls.ENV[f.name]
                values[f.name] = _env(name, getattr(defaults, f.name), cast)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)
