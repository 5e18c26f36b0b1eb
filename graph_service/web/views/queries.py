"""Named queries over HTTP ("canned queries"), for pandas, R, curl and the browser.

* ``/queries`` and ``/queries.json`` — every query of ``queries/*.rq``: those for research first
  (tagged ``examples`` or ``stats``, or untagged), then those this service uses itself;
* ``/queries/{name}`` — one query: a form with its parameters, the SPARQL as run, the results;
* ``/queries/{name}.{ext}`` — its results as ``csv`` ``tsv`` ``json`` ``xml`` (SELECT, ASK) or
  ``ttl`` ``nt`` ``jsonld`` ``rdf`` (CONSTRUCT, DESCRIBE).

Query-string arguments named like the query's ``# param:`` lines are bound
(:meth:`NamedQuery.bind`); anything else but ``lang`` is refused (400; which queries, formats and
parameters there are: :mod:`graph_service.web.query_catalogue`). An IRI argument that names
nothing in the graph is a 404 naming it (``queries/page-exists.rq``), never an empty answer. Every
run goes through the ``/sparql`` handler (``app.sparql_endpoint``) with ``query=`` and ``format=``,
so its limits, time limit, result cache, ETag/304, CORS and metrics apply unchanged.

``lang=uk|en`` gives the labels in that language where the data has them: a label column
(``?fooLabel`` beside ``?foo``, or ``?label`` beside the first column) gets the ``rdfs:label`` of its
entity in that language (``queries/page-labels.rq``, :mod:`graph_service.web.result_labels`), in
the HTML table and in the SELECT result files (written again by :mod:`graph_service.web.results`,
with their own ETag); the HTML table shows every IRI as its label, linked. Titles and
descriptions are in the page's language (``# title@uk:`` header lines).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from graph_service.store import named_queries
from graph_service.store.base import parse_results
from graph_service.store.named_queries import BadParameter, UnknownQuery
from graph_service.web import i18n, results
from graph_service.web.context import Ctx, Page, QueryUse, Site
from graph_service.web.query_catalogue import (
    PAGE_ARGS,
    extensions,
    listing,
    parameter_values,
    query_form,
    query_urls,
)
from graph_service.web.result_labels import (
    label_columns,
    labels_of,
    relabel,
    result_table,
    unknown_iris,
    unknown_message,
)
from graph_service.web.views.base import UNAVAILABLE, html, site_of


@dataclass(frozen=True)
class Run:
    """What the endpoint answered: status, content type and body."""

    status: int
    content_type: str
    body: bytes


def endpoint_scope(scope: Mapping[str, Any], text: str, fmt: str, headers: list | None = None) -> dict:
    """A copy of ``scope`` as a GET ``/sparql?query=…&format=…`` request."""
    return {
        **scope,
        "method": "GET",
        "path": "/sparql",
        "raw_path": b"/sparql",
        "query_string": urlencode({"query": text, "format": fmt}).encode("ascii"),
        "headers": scope["headers"] if headers is None else headers,
    }


async def run_collected(app, scope: Mapping[str, Any], text: str, fmt: str) -> Run:
    """Run ``text`` through the endpoint and keep the whole answer (for the HTML page). Only
    ``Host`` is passed on: a browser's ``If-None-Match`` must not turn the page's run into a 304."""
    headers = [(k, v) for k, v in scope["headers"] if k == b"host"]
    start: dict = {}
    parts: list[bytes] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        else:
            parts.append(message.get("body", b""))

    await app.sparql_endpoint(endpoint_scope(scope, text, fmt, headers), receive, send)
    content_type = dict(start.get("headers", [])).get(b"content-type", b"").decode("latin-1")
    return Run(start.get("status", 500), content_type, b"".join(parts))


class QueryResults:
    """ASGI app of ``/queries/{name}.{ext}``: binds the parameters, then hands the request to
    the ``/sparql`` handler unchanged but for its path and query string."""

    async def __call__(self, scope, receive, send) -> None:
        app = scope["app"]
        name, ext = scope["path_params"]["name"], scope["path_params"]["ext"]
        try:
            query = named_queries.get(name)
        except UnknownQuery:
            return await text(404, f"no query named {name!r}; see /queries")(scope, receive, send)
        if ext not in extensions(query):
            return await text(404, f"{name} is offered as {', '.join(extensions(query))}")(
                scope, receive, send
            )
        args = parse_qsl(scope.get("query_string", b"").decode("utf-8", "replace"), keep_blank_values=True)
        try:
            values = parameter_values(query, args)
            bound = query.bind(**values)
        except BadParameter as exc:
            return await text(400, str(exc))(scope, receive, send)
        site: Site = app.state.site
        lang = next((v.strip().lower()[:2] for k, v in args if k == "lang"), None)
        try:
            unknown = await asyncio.to_thread(unknown_iris, site, values)
            if unknown:
                return await text(404, unknown_message(unknown, lang or "en"))(scope, receive, send)
            if lang in i18n.LANGS and ext in results.MEDIA and query_form(query.text) == "SELECT":
                response = await in_language(app, scope, site, bound, ext, lang)
                return await response(scope, receive, send)
        except UNAVAILABLE as exc:
            return await text(503, f"the graph is not available: {getattr(exc, 'message', exc)}")(
                scope, receive, send
            )
        await app.sparql_endpoint(endpoint_scope(scope, bound, ext), receive, send)


async def in_language(app, scope: dict, site: Site, bound: str, ext: str, lang: str) -> Response:
    """The result file of ``bound`` with its label columns in ``lang`` (see :func:`relabel`)."""
    run = await run_collected(app, scope, bound, "json")
    if run.status != 200:
        return Response(run.body, status_code=run.status, media_type=run.content_type or None)
    data = parse_results(run.body)
    iris = {
        row[c].value
        for row in data.rows
        for c in label_columns(data.vars).values()
        if c in row and row[c].is_iri
    }
    labels = await asyncio.to_thread(labels_of, site, iris) if iris else {}
    body = results.serialize(data.vars, relabel(data.vars, data.rows, labels, lang), ext)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Vary": "Accept", "Content-Language": lang}  # CORS adds Origin
    inm = dict(scope["headers"]).get(b"if-none-match", b"").decode("latin-1")
    if inm and any(t.strip().removeprefix("W/") in (etag, "*") for t in inm.split(",")):
        return Response(status_code=304, headers=headers)
    return Response(body, headers={**headers, "Content-Type": results.content_type(ext)})


def text(status: int, message: str) -> Response:
    return PlainTextResponse(message + "\n", status_code=status)


async def index(request: Request) -> Response:
    ctx = Ctx(site_of(request), request)
    queries = listing(ctx)
    groups = [(group, [q for q in queries if q["group"] == group]) for group in ("research", "service")]
    return html(ctx, Page("queries.html", ctx.t("named_queries"), {"groups": groups}))


async def index_json(request: Request) -> Response:
    ctx = Ctx(site_of(request), request)
    return JSONResponse(
        {
            "lang": ctx.lang,
            "languages": list(i18n.LANGS),
            "arguments": list(PAGE_ARGS),
            "queries": listing(ctx),
        },
        headers={"Vary": "Accept-Language"},
    )


async def query_page(request: Request) -> Response:
    name = request.path_params["name"]
    ctx = Ctx(site_of(request), request)
    try:
        query = named_queries.get(name)
    except UnknownQuery:
        message = f"{ctx.t('no_query')} «{name}»"
        return html(
            ctx,
            Page("404.html", ctx.t("not_found"), {"message": message, "path": request.url.path}, status=404),
        )
    title = query.title_in(ctx.lang)
    args = request.query_params.multi_items()
    context: dict[str, Any] = {
        "query": query,
        "description": query.description_in(ctx.lang),
        "form": query_form(query.text),
        "given": {k: v for k, v in args if k in query.params},
        "error": None,
    }
    try:
        values = parameter_values(query, args)
        context["sparql"] = query.bind(**values)
    except BadParameter as exc:
        context.update(sparql=query.text, error=str(exc), urls={}, editor="")
        return html(ctx, Page("query.html", title, context, status=400))
    context["urls"] = query_urls(ctx, query, {**values, **ctx.lang_params})
    context["editor"] = QueryUse(query.name, title, context["description"], context["sparql"]).editor_url(ctx)
    status = 200
    try:
        unknown = await asyncio.to_thread(unknown_iris, ctx.site, values)
    except UNAVAILABLE as exc:
        unknown, status, context["error"] = [], 503, f"{ctx.t('unavailable')}: {getattr(exc, 'message', exc)}"
    if unknown:
        context["error"] = unknown_message(unknown, ctx.lang)
        return html(ctx, Page("query.html", title, context, status=404))
    if context["form"] in ("SELECT", "ASK") and status == 200:
        run = await run_collected(request.app, request.scope, context["sparql"], "json")
        if run.status == 200:
            try:
                context["result"] = await asyncio.to_thread(result_table, run.body, ctx)
            except UNAVAILABLE as exc:
                status, context["error"] = 503, f"{ctx.t('unavailable')}: {getattr(exc, 'message', exc)}"
        else:
            status, context["error"] = run.status, run.body.decode("utf-8", "replace").strip()
    return html(ctx, Page("query.html", title, context, status=status))


query_results = QueryResults()
