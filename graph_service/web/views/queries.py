"""Named queries over HTTP ("canned queries"), for pandas, R, curl and the browser.

* ``/queries`` and ``/queries.json`` — every query of ``queries/*.rq``: those for research first
  (tagged ``examples`` or ``stats``, or untagged), then those this service uses itself;
* ``/queries/{name}`` — one query: a form with its parameters, the SPARQL as run, the results;
* ``/queries/{name}.{ext}`` — its results as ``csv`` ``tsv`` ``json`` ``xml`` (SELECT, ASK) or
  ``ttl`` ``nt`` ``jsonld`` ``rdf`` (CONSTRUCT, DESCRIBE).

Query-string arguments named like the query's ``# param:`` lines are bound
(:meth:`NamedQuery.bind`); anything else but ``lang`` is refused (400). An IRI argument that names
nothing in the graph is a 404 naming it (``queries/page-exists.rq``), never an empty answer. Every
run goes through the ``/sparql`` handler (``app.sparql_endpoint``) with ``query=`` and ``format=``,
so its limits, time limit, result cache, ETag/304, CORS and metrics apply unchanged.

``lang=uk|en`` gives the labels in that language where the data has them: a label column
(``?fooLabel`` beside ``?foo``, or ``?label`` beside the first column) gets the ``rdfs:label`` of its
entity in that language (``queries/page-labels.rq``), in the HTML table and in the SELECT result
files (written again by :mod:`graph_service.web.results`, with their own ETag); the HTML table
shows every IRI as its label, linked. Titles and descriptions are in the page's language
(``# title@uk:`` header lines).
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from graph_service.store import named_queries, sparql_text
from graph_service.store.base import Term, parse_results
from graph_service.store.named_queries import BadParameter, NamedQuery, UnknownQuery, is_iri
from graph_service.web import i18n, results
from graph_service.web.context import Ctx, Page, QueryUse, Site, curie
from graph_service.web.views.base import UNAVAILABLE, html, site_of

#: Query-string arguments the pages use themselves: never bound as query parameters.
PAGE_ARGS = ("lang",)
#: IRIs per label or existence lookup (one VALUES clause each)
LOOKUP_CHUNK = 200
#: Tags of the queries meant for research; untagged queries count as research too.
RESEARCH_TAGS = ("examples", "stats")
#: Result file extensions offered per query form (each is a ``format=`` name of conneg.py).
EXTENSIONS = {
    "SELECT": ("csv", "tsv", "json", "xml"),
    "ASK": ("json", "xml"),
    "CONSTRUCT": ("ttl", "nt", "jsonld", "rdf"),
    "DESCRIBE": ("ttl", "nt", "jsonld", "rdf"),
}
#: Rows an HTML page shows; the result files have them all (up to the endpoint's row limit).
PAGE_ROWS = 500


@dataclass(frozen=True)
class Run:
    """What the endpoint answered: status, content type and body."""

    status: int
    content_type: str
    body: bytes


@lru_cache(maxsize=256)
def query_form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE (SELECT when the text cannot be told)."""
    return sparql_text.analyse(text).form or "SELECT"


def extensions(query: NamedQuery) -> tuple[str, ...]:
    return EXTENSIONS[query_form(query.text)]


def is_research(query: NamedQuery) -> bool:
    return not query.tags or any(tag in RESEARCH_TAGS for tag in query.tags)


def ordered_queries() -> list[NamedQuery]:
    """Research queries first (examples, then stats, then untagged), then the service's by tag."""

    def key(q: NamedQuery) -> tuple:
        if is_research(q):
            rank = next((i for i, tag in enumerate(RESEARCH_TAGS) if tag in q.tags), len(RESEARCH_TAGS))
            return (0, rank, "", q.name)
        return (1, 0, q.tags[0], q.name)

    return sorted(named_queries.load_all().values(), key=key)


def parameter_values(query: NamedQuery, args: list[tuple[str, str]]) -> dict[str, str]:
    """The query's parameters given in ``args`` (empty ones left unbound, as in the form);
    raises :class:`BadParameter` for an unknown or repeated name, so a typo never widens a query."""
    unknown = sorted({k for k, _ in args if k not in query.params and k not in PAGE_ARGS})
    if unknown:
        accepted = ", ".join((*query.params, *PAGE_ARGS))
        raise BadParameter(f"{query.name} takes {accepted}; not {', '.join(unknown)}")
    values: dict[str, str] = {}
    for key, value in args:
        if key in query.params:
            if key in values:
                raise BadParameter(f"give {key} once")
            if value:
                values[key] = value
    return values


def endpoint_scope(scope: dict, text: str, fmt: str, headers: list | None = None) -> dict:
    """A copy of ``scope`` as a GET ``/sparql?query=…&format=…`` request."""
    return {
        **scope,
        "method": "GET",
        "path": "/sparql",
        "raw_path": b"/sparql",
        "query_string": urlencode({"query": text, "format": fmt}).encode("ascii"),
        "headers": scope["headers"] if headers is None else headers,
    }


async def run_collected(app, scope: dict, text: str, fmt: str) -> Run:
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


# --------------------------------------------------------------------------- labels and IRIs


def _chunks(items: list[str]) -> list[list[str]]:
    return [items[i : i + LOOKUP_CHUNK] for i in range(0, len(items), LOOKUP_CHUNK)]


def labels_of(site: Site, iris: set[str]) -> dict[str, tuple[str | None, str | None]]:
    """IRI → (Ukrainian, English) label, for the IRIs that have one (``queries/page-labels.rq``)."""
    query = named_queries.get("page-labels")
    out: dict[str, tuple[str | None, str | None]] = {}
    for chunk in _chunks(sorted(iris)):
        for row in site.select(named_queries.bind_values(query, "entity", chunk)):
            entity, uk, en = row.get("entity"), row.get("entityUk"), row.get("entityEn")
            if entity is not None and (uk or en):
                out[entity.value] = (uk.value if uk else None, en.value if en else None)
    return out


def unknown_iris(site: Site, values: dict[str, str]) -> list[tuple[str, str]]:
    """(parameter, IRI) of the IRI arguments that occur nowhere in the graph."""
    iris = {v for v in values.values() if is_iri(v)}
    if not iris:
        return []
    query = named_queries.get("page-exists")
    known = {
        row["entity"].value
        for chunk in _chunks(sorted(iris))
        for row in site.select(named_queries.bind_values(query, "entity", chunk))
        if row.get("entity") is not None
    }
    return [(name, value) for name, value in values.items() if is_iri(value) and value not in known]


def unknown_message(unknown: list[tuple[str, str]], lang: str) -> str:
    return "; ".join(f"{i18n.t('unknown_iri', lang)} <{iri}> (?{name})" for name, iri in unknown)


def label_columns(columns: list[str]) -> dict[str, str]:
    """Label column → the column it labels: ``?fooLabel`` labels ``?foo``; ``?label`` the first."""
    out = {c: c[: -len("Label")] for c in columns if c.endswith("Label") and c[: -len("Label")] in columns}
    if "label" in columns and columns[0] != "label":
        out["label"] = columns[0]
    return out


def relabel(
    columns: list[str],
    rows: list[dict[str, Term]],
    labels: dict[str, tuple[str | None, str | None]],
    lang: str,
) -> list[dict[str, Term]]:
    """``rows`` with each label column in ``lang`` where its entity has a label in it."""
    pairs = label_columns(columns)
    if not pairs:
        return rows
    index = 1 if lang == "en" else 0
    out = []
    for row in rows:
        row = dict(row)
        for label_col, entity_col in pairs.items():
            entity = row.get(entity_col)
            text = (
                labels.get(entity.value, (None, None))[index]
                if entity is not None and entity.is_iri
                else None
            )
            if text:
                row[label_col] = Term(text, "literal", lang)
        out.append(row)
    return out


def cell(
    term: Term | None, ctx: Ctx, labels: dict[str, tuple[str | None, str | None]]
) -> dict[str, Any] | None:
    """One SPARQL JSON term for the table: its text (an IRI's label in the page's language, else
    its short name), a link for an IRI, its language or datatype."""
    if term is None:
        return None
    value = term.value
    if not term.is_iri:
        return {"value": value, "lang": term.lang, "datatype": term.datatype}
    uk, en = labels.get(value, (None, None))
    label = ctx.label(uk, en, None) if (uk or en) else None
    return {
        "value": label.text if label else curie(value),
        "iri": value,
        "href": ctx.href(value),
        "lang": label.lang if label and label.fallback else None,
        "datatype": None,
    }


def result_table(run: Run, ctx: Ctx) -> dict[str, Any]:
    """The SELECT/ASK results as columns and rows of cells (at most :data:`PAGE_ROWS`), IRIs as
    their labels in the page's language (an IRI without a label as its short name), linked."""
    data = parse_results(run.body)
    if data.boolean is not None:
        return {"boolean": data.boolean}
    columns, bindings = data.vars, data.rows[:PAGE_ROWS]
    iris = {t.value for b in bindings for t in b.values() if t.is_iri}
    labels = labels_of(ctx.site, iris) if iris else {}
    # a label column beside its entity's column says again what the linked label says: not shown
    shown = [c for c in columns if c not in label_columns(columns)]
    rows = [[cell(b.get(c), ctx, labels) for c in shown] for b in bindings]
    return {"columns": shown, "rows": rows, "total": len(data.rows)}


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


def query_urls(ctx: Ctx, query: NamedQuery, values: dict[str, str] | None = None) -> dict[str, str]:
    """The page and result-file URLs of ``query`` (with ``values`` as arguments)."""
    urls = {"page": ctx.url(f"queries/{query.name}", **(values or {}))}
    for ext in extensions(query):
        urls[ext] = ctx.root + f"queries/{query.name}.{ext}" + ("?" + urlencode(values) if values else "")
    return urls


def listing(ctx: Ctx) -> list[dict[str, Any]]:
    """Every named query as the list page and ``/queries.json`` show it (in the page's language)."""
    out = []
    for q in ordered_queries():
        urls = query_urls(ctx, q, ctx.lang_params or None)  # a chosen language: the files' labels too
        out.append(
            {
                "name": q.name,
                "title": q.title_in(ctx.lang),
                "description": q.description_in(ctx.lang),
                "params": list(q.params),
                "arguments": [*q.params, *PAGE_ARGS],
                "tags": list(q.tags),
                "group": "research" if is_research(q) else "service",
                "url": urls.pop("page"),
                "formats": urls,
                "sparql": q.text,
            }
        )
    return out


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
                context["result"] = await asyncio.to_thread(result_table, run, ctx)
            except UNAVAILABLE as exc:
                status, context["error"] = 503, f"{ctx.t('unavailable')}: {getattr(exc, 'message', exc)}"
        else:
            status, context["error"] = run.status, run.body.decode("utf-8", "replace").strip()
    return html(ctx, Page("query.html", title, context, status=status))


query_results = QueryResults()
