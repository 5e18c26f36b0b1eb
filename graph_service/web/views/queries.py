"""Named queries over HTTP ("canned queries"), for pandas, R, curl and the browser.

* ``/queries`` and ``/queries.json`` — every query of ``queries/*.rq``: those for research first
  (tagged ``examples`` or ``stats``, or untagged), then those this service uses itself;
* ``/queries/{name}`` — one query: a form with its parameters, the SPARQL as run, the results;
* ``/queries/{name}.{ext}`` — its results as ``csv`` ``tsv`` ``json`` ``xml`` (SELECT, ASK) or
  ``ttl`` ``nt`` ``jsonld`` ``rdf`` (CONSTRUCT, DESCRIBE).

Query-string arguments named like the query's ``# param:`` lines are bound
(:meth:`NamedQuery.bind`); ``lang`` is the pages' own; anything else is refused (400). Every run
goes through the ``/sparql`` handler (``app.sparql_endpoint``) with ``query=`` and ``format=``,
so its limits, time limit, result cache, ETag/304, CORS and metrics apply unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from graph_service.store import named_queries, sparql_text
from graph_service.store.base import Term, parse_results
from graph_service.store.named_queries import BadParameter, NamedQuery, UnknownQuery
from graph_service.web.context import Ctx, Page, QueryUse
from graph_service.web.views.base import html, site_of

#: Query-string arguments the pages use themselves: never bound as query parameters.
PAGE_ARGS = ("lang",)
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


def cell(term: Term | None, ctx: Ctx) -> dict[str, Any] | None:
    """One SPARQL JSON term for the table: its text, a link for an IRI, its language or datatype."""
    if term is None:
        return None
    value = term.value
    return {
        "value": value,
        "href": ctx.href(value) if term.is_iri else None,
        "lang": term.lang,
        "datatype": term.datatype,
    }


def result_table(run: Run, ctx: Ctx) -> dict[str, Any]:
    """The SELECT/ASK results as columns and rows of cells (at most :data:`PAGE_ROWS`)."""
    data = parse_results(run.body)
    if data.boolean is not None:
        return {"boolean": data.boolean}
    columns, bindings = data.vars, data.rows
    rows = [[cell(b.get(c), ctx) for c in columns] for b in bindings[:PAGE_ROWS]]
    return {"columns": columns, "rows": rows, "total": len(bindings)}


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
            bound = query.bind(**parameter_values(query, args))
        except BadParameter as exc:
            return await text(400, str(exc))(scope, receive, send)
        await app.sparql_endpoint(endpoint_scope(scope, bound, ext), receive, send)


def text(status: int, message: str) -> Response:
    return PlainTextResponse(message + "\n", status_code=status)


def query_urls(ctx: Ctx, query: NamedQuery, values: dict[str, str] | None = None) -> dict[str, str]:
    """The page and result-file URLs of ``query`` (with ``values`` as arguments)."""
    urls = {"page": ctx.url(f"queries/{query.name}", **(values or {}))}
    for ext in extensions(query):
        urls[ext] = ctx.root + f"queries/{query.name}.{ext}" + ("?" + urlencode(values) if values else "")
    return urls


def listing(ctx: Ctx) -> list[dict[str, Any]]:
    """Every named query as the list page and ``/queries.json`` show it."""
    out = []
    for q in ordered_queries():
        urls = query_urls(ctx, q)
        out.append(
            {
                "name": q.name,
                "title": q.title,
                "description": q.description,
                "params": list(q.params),
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
    return JSONResponse(
        {"queries": listing(Ctx(site_of(request), request))}, headers={"Vary": "Accept-Language"}
    )


async def query_page(request: Request) -> Response:
    name = request.path_params["name"]
    try:
        query = named_queries.get(name)
    except UnknownQuery:
        return text(404, f"no query named {name!r}; see /queries")
    ctx = Ctx(site_of(request), request)
    args = request.query_params.multi_items()
    context: dict[str, Any] = {
        "query": query,
        "form": query_form(query.text),
        "given": {k: v for k, v in args if k in query.params},
        "error": None,
    }
    try:
        values = parameter_values(query, args)
        context["sparql"] = query.bind(**values)
    except BadParameter as exc:
        context.update(sparql=query.text, error=str(exc), urls={}, editor="")
        return html(ctx, Page("query.html", query.title, context, status=400))
    context["urls"] = query_urls(ctx, query, values)
    context["editor"] = QueryUse(query.name, query.title, query.description, context["sparql"]).editor_url(
        ctx
    )
    status = 200
    if context["form"] in ("SELECT", "ASK"):
        run = await run_collected(request.app, request.scope, context["sparql"], "json")
        if run.status == 200:
            context["result"] = result_table(run, ctx)
        else:
            status, context["error"] = run.status, run.body.decode("utf-8", "replace").strip()
    return html(ctx, Page("query.html", query.title, context, status=status))


query_results = QueryResults()
