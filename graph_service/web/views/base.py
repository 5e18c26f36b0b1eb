"""The one way a page is answered: :func:`respond` negotiates the representation (406), runs the
page builder off the event loop (503 when the graph is not available, the 404 page when the builder
finds nothing), and answers HTML, the page's tables as ``.json`` / ``.csv``, or — for entities —
RDF, with the ``Vary`` and ``Link`` headers set here once."""

from __future__ import annotations

import asyncio
import csv
import io
import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

from graph_service import conneg
from graph_service.sparql.pages import PageQueryStopped
from graph_service.store.base import QueryError
from graph_service.web import i18n
from graph_service.web.context import Ctx, Page, Site, Table
from zhytomyr_kg.store_layout import NoStore

log = logging.getLogger("zkg.pages")
VARY = "Accept, Accept-Language"
#: The graph could not be read (no live build, or the remote endpoint failed)
UNAVAILABLE = (QueryError, NoStore)

Build = Callable[[Ctx], Page | None]
#: an entity's RDF in a representation of ``conneg.RDF_MEDIA``: the body, or None if not in the graph
RdfBody = Callable[[str], Awaitable[bytes | None]]


def site_of(request: Request) -> Site:
    return request.app.state.site


def text(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return PlainTextResponse(message + "\n", status_code=status, headers=headers)


def unavailable(exc: Exception, headers: dict[str, str] | None = None, lang: str = "en") -> Response:
    """503, with the error's public ``message`` (a :class:`NoStore` names no path); the rest is
    logged. A page query stopped by a limit says so in ``lang``, with ``Retry-After``."""
    if isinstance(exc, PageQueryStopped):
        log.warning("a page query was stopped: %s", exc.message)
        message = f"{stopped_text(exc, lang)} ({exc.message}) {i18n.t('retry_later', lang)}"
        return text(exc.status, message, {**(headers or {}), **exc.headers})
    log.warning("the graph is not available: %s", exc)
    return text(503, f"the graph is not available: {getattr(exc, 'message', 'see the service log')}", headers)


def stopped_text(exc: PageQueryStopped, lang: str) -> str:
    """What a reader is told about a page query stopped by the time limit or the memory cap."""
    return i18n.t("page_stopped_memory" if exc.reason == "memory" else "page_stopped_timeout", lang)


def unavailable_page(ctx: Ctx, exc: Exception, path: str, headers: dict[str, str]) -> tuple[Page, dict]:
    """The error page for a graph that could not answer: 503, in the page's language; for a
    query stopped by a limit, what happened, the limit, and ``Retry-After``."""
    if isinstance(exc, PageQueryStopped):
        log.warning("a page query was stopped: %s", exc.message)
        message = f"{stopped_text(exc, ctx.lang)} {ctx.t('retry_later')} ({exc.message})"
        page = Page("404.html", ctx.t("page_stopped"), {"path": path, "message": message}, status=503)
        return page, {**headers, **exc.headers}
    message = f"{ctx.t('unavailable')}: {getattr(exc, 'message', exc)}"
    return Page("404.html", ctx.t("unavailable"), {"path": path, "message": message}, status=503), headers


def truncated(ctx: Ctx) -> dict[str, str]:
    """``X-SPARQL-MaxRows`` when the store cut one of the page's answers to its row limit."""
    return {"X-SPARQL-MaxRows": str(ctx.max_rows)} if ctx.max_rows else {}


def html(ctx: Ctx, page: Page, headers: dict[str, str] | None = None) -> Response:
    body = ctx.site.render(ctx, page)
    headers = {"Vary": VARY, **(headers or {}), **truncated(ctx), "Content-Language": ctx.lang}
    return HTMLResponse(body, status_code=page.status, headers=headers)


async def respond(
    request: Request,
    build: Build,
    *,
    suffix: str | None = None,
    rdf: RdfBody | None = None,
    link: str | None = None,
    subject: str = "",
) -> Response:
    """Answer ``request`` with the page ``build`` makes (or, given ``rdf``, the entity's RDF).

    ``link`` is the ``Link`` header; ``subject`` names the entity in the RDF 404. The
    representation is ``suffix`` > ``?format=`` > ``Accept`` (:func:`conneg.choose`); pages
    without RDF ignore ``Accept`` and offer HTML and their tables only.
    """
    accept = request.headers.get("accept") if rdf else None
    try:
        fmt = conneg.choose(suffix, request.query_params.get("format"), accept)
        if rdf is None and fmt not in conneg.PAGE_FORMATS:
            raise conneg.NotAcceptable(conneg.PAGE_FORMATS)
    except conneg.NotAcceptable:
        if rdf is None:
            return text(406, "format not offered: " + ", ".join(conneg.PAGE_FORMATS))
        offered = ", ".join(conneg.RDF_MEDIA.values())
        return text(
            406,
            f"not acceptable; available: text/html, {offered} (and .json/.csv for the page's tables)",
            {"Vary": "Accept"},
        )
    headers = {"Vary": VARY, **({"Link": link} if link else {})}
    if rdf is not None and fmt in conneg.RDF_MEDIA:
        try:
            body = await rdf(fmt)
        except UNAVAILABLE as exc:
            lang, _ = i18n.negotiate(request.query_params.get("lang"), request.headers.get("accept-language"))
            return unavailable(exc, headers, lang)
        if body is None:
            return text(404, f"{subject} is not in the graph", headers)
        return Response(body, media_type=conneg.rdf_content_type(fmt), headers=headers)
    ctx = Ctx(site_of(request), request)
    try:
        page = await asyncio.to_thread(build, ctx)
    except UNAVAILABLE as exc:
        if fmt != "html":
            return unavailable(exc, headers, ctx.lang)
        page, headers = unavailable_page(ctx, exc, request.url.path, headers)
        return await asyncio.to_thread(html, ctx, page, headers)
    if page is None:
        page = Page("404.html", ctx.t("not_found"), {"path": request.url.path}, status=404)
    if fmt in ("json", "csv"):
        return data_response(ctx, page, fmt, request.query_params.get("table"), headers)
    return await asyncio.to_thread(html, ctx, page, headers)


async def not_found(request: Request, exc: Exception) -> Response:
    """A path no route answers: the 404 page (in the request's language) for a browser, else text."""
    site = getattr(request.app.state, "site", None)
    try:
        wants_html = conneg.choose(None, None, request.headers.get("accept")) == "html"
    except conneg.NotAcceptable:
        wants_html = False
    if site is None or not wants_html:
        return text(404, "not found")
    ctx = Ctx(site, request)
    page = Page(
        "404.html", ctx.t("not_found"), {"path": request.url.path, "message": ctx.t("no_page")}, status=404
    )
    return await asyncio.to_thread(html, ctx, page)


def csv_body(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=table.columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for row in table.rows:
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return out.getvalue().encode("utf-8")


def data_response(
    ctx: Ctx, page: Page, fmt: str, table_name: str | None, headers: dict[str, str]
) -> Response:
    headers = {**headers, **truncated(ctx)}
    if fmt == "csv":
        table = (
            next((t for t in page.tables if t.name == table_name), None)
            if table_name
            else (page.tables[0] if page.tables else None)
        )
        if table is None:
            return text(
                404, f"no table {table_name!r}; tables: {', '.join(t.name for t in page.tables)}", headers
            )
        return Response(
            csv_body(table), status_code=page.status, media_type="text/csv; charset=utf-8", headers=headers
        )
    body = {
        "title": page.title,
        "tables": {t.name: {"columns": t.columns, "rows": t.rows} for t in page.tables},
        "queries": [{"name": u.name, "title": u.title, "query": u.text} for u in ctx.uses],
    }
    return JSONResponse(body, status_code=page.status, headers=headers)
