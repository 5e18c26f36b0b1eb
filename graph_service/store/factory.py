"""The backend a configuration names (the only place that knows the concrete backends)."""

from __future__ import annotations

from graph_service.store.base import Backend
from graph_service.store.oxigraph import OxigraphBackend
from zhytomyr_kg.settings import ServiceConfig, Settings, env


def backend_from_settings(
    settings: Settings, endpoint: str | None = None, *, config: ServiceConfig | None = None
) -> Backend:
    """A remote endpoint if ``endpoint`` or ``ZKG_SPARQL_ENDPOINT`` gives one, else the embedded
    store of ``settings``; with ``config``, under the endpoint's limits (the row, result-size
    and in-memory limits apply to the embedded store only: a remote store has its own)."""
    endpoint = endpoint or env("ZKG_SPARQL_ENDPOINT")
    backend = _backend(settings, endpoint, config)
    backend.graph_base = settings.graph_base
    return backend


def _backend(settings: Settings, endpoint: str | None, config: ServiceConfig | None) -> Backend:
    if endpoint:
        from graph_service.store.remote import RemoteBackend  # httpx: only for a remote store

        return RemoteBackend(
            endpoint,
            data_version=env("ZKG_DATA_VERSION") or None,
            **({} if config is None else _query_limits(config)),
        )
    if config is None:
        return OxigraphBackend(settings.store)
    return OxigraphBackend(
        settings.store,
        max_rows=config.max_rows,
        max_result_bytes=config.max_result_bytes,
        memory_quads=config.memory_quads,
        **_query_limits(config),
    )


def _query_limits(config: ServiceConfig) -> dict:
    return {"max_query_bytes": config.max_query_bytes, "service_allow": config.service_allow}
