"""The route table: every path this service answers, its view, and whether its finished
responses may be replayed by the response cache (``graph_service.web.cache.ResponseCache``).

Cacheable responses are a function of the data version and the request (see ``cache.py``); the
predicate :func:`cacheable` is derived from this table alone, matching a path as the router does
(first route in table order). ``/sparql`` is answered ahead of the table by
``app.ServiceApp`` (the SPARQL 1.1 Protocol handler of ``graph_service.sparql``); the named
queries' result files (``/queries/{name}.{ext}``) go through it and are cached there (ETag/304).

Groups let a test mount a part of the table (:func:`install`): ``pages``, ``queries``,
``editor``, ``publish``, ``service``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from starlette.routing import BaseRoute, Mount, Route, compile_path
from starlette.staticfiles import StaticFiles

from graph_service.publish.publisher import Publisher
from graph_service.store.base import Backend
from graph_service.urls import Links
from graph_service.web.context import Site
from graph_service.web.views import base, dataset, editor, entity, health, home, lists, queries, search, vocab
from zhytomyr_kg.resources import STATIC_DIR
from zhytomyr_kg.settings import Settings, env


@dataclass(frozen=True)
class Entry:
    path: str
    endpoint: Callable[..., Any]  # a Starlette endpoint, or an ASGI app
    group: str
    cacheable: bool = False
    mount: bool = False  # an ASGI app for everything under ``path``


def _page(path: str, endpoint: Callable[..., Any]) -> tuple[Entry, ...]:
    """``path`` and ``path.{ext}`` (``.json`` / ``.csv`` / ``.html``) of a cacheable page."""
    return (Entry(path, endpoint, "pages", True), Entry(path + ".{ext:str}", endpoint, "pages", True))


ROUTES: tuple[Entry, ...] = (
    # pages (graph_service.web.views.*): HTML, and the page's tables as .json / .csv
    Entry("/", home.home, "pages", cacheable=True),
    Entry("/index.{ext:str}", home.home, "pages", cacheable=True),
    *(e for name, spec in lists.LISTS.items() for e in _page(f"/{name}", lists.view(spec))),
    *_page("/search", search.search),
    Entry("/id/{path:path}", entity.entity, "pages", cacheable=True),
    # the vocabulary, the named graphs and the skolem IRIs (#12): every IRI of the data answers
    *_page("/ontology", vocab.ontology),
    *_page("/shapes", vocab.shapes),
    Entry("/graph/{path:path}", vocab.graph, "pages", cacheable=True),
    Entry("/.well-known/genid/{path:path}", entity.genid, "pages", cacheable=True),
    # named queries: the list and the pages are cached; the result files are the endpoint's
    Entry("/queries", queries.index, "queries", cacheable=True),
    Entry("/queries.json", queries.index_json, "queries", cacheable=True),
    Entry("/queries/{name}.{ext}", queries.query_results, "queries"),
    Entry("/queries/{name}", queries.query_page, "queries", cacheable=True),
    # the query editor and its static files
    Entry("/query", editor.query_editor, "editor"),
    Entry("/static", StaticFiles(directory=str(STATIC_DIR)), "editor", mount=True),
    # open data (graph_service.publish)
    Entry("/sitemap.xml", dataset.sitemap_xml, "publish"),
    Entry("/sitemap-{n}.xml", dataset.sitemap_part, "publish"),
    Entry("/robots.txt", dataset.robots, "publish"),
    Entry("/dataset", dataset.dataset, "publish"),
    Entry("/.well-known/void", dataset.void, "publish"),
    Entry("/dumps/{name}", dataset.dump, "publish"),
    # the service itself
    Entry("/health", health.health, "service"),
    Entry("/metrics", health.metrics, "service"),
)


def _route(entry: Entry) -> BaseRoute:
    if entry.mount:
        return Mount(entry.path, app=entry.endpoint, name=entry.path.strip("/"))
    return Route(entry.path, entry.endpoint, methods=["GET", "HEAD"], include_in_schema=False)


@cache
def _compiled() -> tuple[tuple[re.Pattern, bool], ...]:
    out = []
    for entry in ROUTES:
        pattern = compile_path(entry.path + ("/{rest:path}" if entry.mount else ""))[0]
        out.append((pattern, entry.cacheable))
    return tuple(out)


def cacheable(path: str) -> bool:
    """Whether the response to a GET of ``path`` may be replayed (the first matching route says)."""
    return next((flag for pattern, flag in _compiled() if pattern.match(path)), False)


def install(
    app,
    backend: Backend,
    settings: Settings | None = None,
    *,
    groups: Iterable[str] | None = None,
    links: Links | None = None,
    cache_entries: int | None = None,
) -> None:
    """Add the routes of ``groups`` (default: all) to ``app`` with the state their views use:
    ``app.state.site`` (pages, queries) and ``app.state.publisher`` (publish, and the named
    graphs' pages), sharing one :class:`Links` (every group with HTML pages gets the site).
    ``cache_entries`` (query results kept; default ``ZKG_PAGES_CACHE_ENTRIES``)."""
    settings = settings or Settings()
    links = links or Links.from_env(settings.base_iri)
    wanted = set(groups) if groups is not None else None
    entries = [e for e in ROUTES if wanted is None or e.group in wanted]
    if any(e.group in ("pages", "queries", "editor", "publish") for e in entries):
        if cache_entries is None:
            cache_entries = env("ZKG_PAGES_CACHE_ENTRIES")
        app.state.site = Site(backend, settings, cache_entries=cache_entries, links=links)
    if any(e.group in ("publish", "pages") for e in entries):  # /graph/… pages name their dumps
        app.state.publisher = Publisher(backend, settings, links)
    if hasattr(app.state, "site"):  # a path no route answers: the 404 page in the request's language
        app.add_exception_handler(404, base.not_found)
    existing = {getattr(r, "path", None) for r in app.router.routes}
    for entry in entries:
        if entry.mount and entry.path in existing:  # something already serves it
            continue
        app.router.routes.append(_route(entry))


def add_pages(app, backend: Backend, settings: Settings | None = None, **kwargs) -> Site:
    """Just the pages (for tests): ``/``, the lists, ``/search``, ``/id/…``."""
    install(app, backend, settings, groups=("pages",), **kwargs)
    return app.state.site


def add_publish_routes(app, backend: Backend, settings: Settings | None = None, **kwargs) -> Publisher:
    """Just the open-data routes (for tests): ``/dataset``, ``/dumps/…``, the sitemap."""
    install(app, backend, settings, groups=("publish",), **kwargs)
    return app.state.publisher
