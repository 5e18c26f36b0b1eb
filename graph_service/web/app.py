"""The HTTP service: a read-only SPARQL 1.1 Protocol endpoint, health and metrics.

``create_app(settings | backend)`` builds the FastAPI application. ``/sparql`` follows the
SPARQL 1.1 Protocol (query operation only); see docs/SERVICE.md for the behaviour, the limits
and their environment variables.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from functools import partial

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from graph_service.sparql.endpoint import SparqlEndpoint, StreamCutShort
from graph_service.sparql.service import Service
from graph_service.store.base import Backend
from graph_service.store.factory import backend_from_settings
from graph_service.web import openapi, routes
from graph_service.web.cache import ResponseCache
from graph_service.web.prerender import Prerendered
from zhytomyr_kg.settings import ServiceConfig, env

# --------------------------------------------------------------------------- the application


class ServiceApp(FastAPI):
    """FastAPI, with ``/sparql`` answered by a plain ASGI handler and repeated page requests by
    the response cache, both before the middleware stack."""

    sparql_endpoint: SparqlEndpoint | None = None
    response_cache: ResponseCache | None = None
    prerendered: Prerendered | None = None

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            host = next((v for k, v in scope["headers"] if k == b"host"), None)
            if host is not None and not _HOST.fullmatch(host):
                await _plain(send, 400, b"malformed Host header\n")
                return
            if scope["path"] in ("/sparql", "/sparql/") and self.sparql_endpoint:
                await self.sparql_endpoint(scope, receive, send)
                return
            if self.response_cache is not None:
                await self.response_cache(scope, receive, send, super().__call__)
                return
        await super().__call__(scope, receive, send)


#: a Host header: a name or IPv4 address, or a bracketed IPv6 address, with an optional port
_HOST = re.compile(
    rb"(?:[A-Za-z0-9](?:[A-Za-z0-9.\-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?"
)


async def _plain(send, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


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
        backend = backend_from_settings(source, config=config)
    service = Service(backend, config)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        await asyncio.gather(service.executor.start(), service.open_store())
        site = getattr(app.state, "site", None)
        if site is not None:  # kept answers and templates, read before the first request needs them
            await asyncio.to_thread(site.warm)
        # the pages of each new build, rendered in the background (ZKG_PAGES_PRERENDER)
        prerendering = (
            asyncio.create_task(app.prerendered.run(partial(FastAPI.__call__, app)))
            if isinstance(app, ServiceApp) and app.prerendered is not None
            else None
        )
        try:
            yield
        finally:
            if prerendering is not None:
                prerendering.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await prerendering
            await service.executor.close()
            service.metrics.process_ended()

    described = bool(env("ZKG_OPENAPI"))
    app = ServiceApp(
        title="Zhytomyr strategy knowledge graph — SPARQL endpoint",
        description="Read-only SPARQL 1.1 Protocol endpoint over the Zhytomyr strategy knowledge graph "
        "(`/sparql`; see docs/SERVICE.md).",
        lifespan=lifespan,
        # the OpenAPI pages describe only internals to a stranger: off unless ZKG_OPENAPI
        docs_url="/docs" if described else None,
        redoc_url="/redoc" if described else None,
        openapi_url="/openapi.json" if described else None,
    )
    app.state.service = service
    app.openapi = openapi.describe  # type: ignore[method-assign]  # the route table's, not FastAPI's
    app.sparql_endpoint = SparqlEndpoint(service)

    # every other path: the route table (graph_service.web.routes), which also says what the
    # response cache may replay — finished page responses: ZKG_PAGES_RESPONSE_CACHE_ENTRIES
    # (default 256; 0 = off), at most 32 MB
    routes.install(app, backend, settings)
    if hasattr(app.state, "site"):  # page queries under /sparql's deadline and memory cap
        app.state.site.runner = service.pages
    if env("ZKG_PAGES_PRERENDER"):
        app.prerendered = Prerendered(
            app.state.site,
            lambda: backend.data_version(),
            recheck=1.0 if backend.cheap_data_version else 30.0,
        )
    app.response_cache = ResponseCache(
        lambda: backend.data_version(),
        routes.cacheable,
        entries=env("ZKG_PAGES_RESPONSE_CACHE_ENTRIES"),
        fallback=app.prerendered.lookup if app.prerendered is not None else None,
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


class _OneLine(logging.Filter):
    """uvicorn logs an application error with its traceback; an answer cut short by a limit is
    expected (the client sees the connection dropped), so it is one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, StreamCutShort):
            record.msg, record.args, record.exc_info = "answer cut short: %s", (error,), None
        return True


def configure_logging() -> None:
    """JSON access log lines on stderr unless ``ZKG_ACCESS_LOG=0``; expected failures in one line."""
    import sys

    logging.getLogger("uvicorn.error").addFilter(_OneLine())

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
    configure_logging()
    return create_app()
