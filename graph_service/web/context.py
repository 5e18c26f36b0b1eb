"""What every page is made with: terms, links, tables, the site and one request's context.

* :class:`Term` — one value of a SPARQL JSON result; :class:`Ref` — a link to an entity with its
  label in the page's language; :class:`Table` — what a page offers as ``.csv`` / ``.json``;
  :class:`Page` — a template, a title, its context and tables;
* :class:`Site` — shared by all requests: the backend, the templates, link rewriting
  (:class:`graph_service.urls.Links`) and the query-result cache (an :class:`~graph_service.lru.LRU`);
* :class:`Ctx` — one request: its language, the serving host, and the named queries its page ran.

Data comes only from named queries run through the backend seam (``Backend.query``): each page
runs a fixed, small number of them (labels come inside the same query — never one per link), and
results are cached per data version.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import BytecodeCache, Environment, FileSystemBytecodeCache, FileSystemLoader, select_autoescape
from starlette.requests import Request

from graph_service.lru import LRU
from graph_service.store import named_queries
from graph_service.store.base import Backend, QueryResult, Term, parse_results
from graph_service.urls import Links
from graph_service.web import i18n
from graph_service.web.kept import Kept
from graph_service.web.rows import Row, rows_of
from graph_service.web.search import index_path
from zhytomyr_kg.resources import TEMPLATES_DIR
from zhytomyr_kg.settings import Settings, env
from zhytomyr_kg.vocab import PREFIXES

RESULTS_JSON = "application/sparql-results+json"
#: the report years and their reports (latest first)
YEARS_QUERY = "report-years"
RDF = PREFIXES["rdf"]
RDFS = PREFIXES["rdfs"]
SKOS = PREFIXES["skos"]
SCHEMA = PREFIXES["schema"]
LABEL_PROPS = {RDFS + "label", SKOS + "prefLabel"}
#: Properties whose values are another dataset's IRIs: shown as the entity's external links.
EXTERNAL_LINK_PROPERTIES = frozenset(
    [PREFIXES["owl"] + "sameAs", RDFS + "seeAlso"]
    + [SKOS + f"{m}Match" for m in ("exact", "close", "broad", "narrow", "related")]
)

# --------------------------------------------------------------------------- terms and references


@dataclass(frozen=True)
class Ref:
    """A link to an entity: its IRI, where the link goes, and its label in the page's language."""

    iri: str
    href: str
    label: i18n.Label

    @property
    def key(self) -> str:
        return self.iri


def curie(iri: str) -> str:
    """``zkg:Project`` for an IRI in a known namespace (``zhytomyr_kg.vocab.PREFIXES``), else the IRI."""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


def local_name(iri: str) -> str:
    tail = iri.rstrip("/").rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    return tail or iri


@dataclass
class QueryUse:
    name: str
    title: str
    description: str
    text: str

    def editor_url(self, ctx: Ctx) -> str:
        return ctx.url("query", query=self.text)


@dataclass
class Table:
    """A table a page shows and offers as ``.csv`` / ``.json``."""

    name: str
    columns: list[str]
    rows: list[dict[str, Any]]


@dataclass
class Page:
    template: str
    title: str
    context: dict[str, Any] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)
    status: int = 200


# --------------------------------------------------------------------------- the site


class Site:
    """Templates, the backend, link rewriting and the query-result cache shared by all requests.

    ``cache_entries`` query results are kept per data version. Finished responses are cached
    ahead of the framework by ``graph_service.web.cache`` (see ``routes.ROUTES``).
    """

    def __init__(
        self,
        backend: Backend,
        settings: Settings,
        *,
        cache_entries: int = 512,
        links: Links | None = None,
    ):
        self.backend = backend
        self.settings = settings
        self.id_base = settings.id_base
        self.links = links or Links.from_env(settings.base_iri)
        self.env = templates()
        self.cache_entries = cache_entries
        # rows and the row limit the store cut them to (X-SPARQL-MaxRows), None if it did not
        self._cache: LRU[tuple[list[Row], int | None]] = LRU(cache_entries)
        #: the whole-graph answers the live build kept (graph_service/web/kept.py)
        self.kept = Kept(backend)
        self.search_path: Callable[[], Path | None] = lambda: index_path(backend)
        #: runs a page query (text, media type) under the service's limits — a deadline and the
        #: query workers' memory cap (``graph_service.sparql.pages.PageQueries``, set by
        #: ``create_app``); None: in this process, through the backend (tests, tools)
        self.runner: Callable[[str, str], QueryResult] | None = None

    def warm(self) -> None:
        """What a serving process does once, before its first request: read the live build's kept
        answers and compile every template (32 take 180 ms, else paid by each page's first view)."""
        self.kept.load(self.version())
        for name in self.env.list_templates():
            self.env.get_template(name)

    # -- data ---------------------------------------------------------------------------------
    def version(self) -> str | None:
        try:
            return self.backend.data_version()
        except Exception:
            return None

    def select(self, sparql: str) -> list[Row]:
        return self.select_capped(sparql)[0]

    def select_capped(self, sparql: str, keep: bool = True) -> tuple[list[Row], int | None]:
        """The rows of a SELECT, and the row limit the store cut them to (None: all rows).
        Kept per data version (unless not ``keep``: a streamed twin's batches); an answer that
        cannot be read raises and is never kept. A query the live build kept is answered from it."""
        version = self.version() if keep else None
        key = (version, sparql)
        if version is not None:
            hit = self._cache.get(key)
            if hit is not None:
                return hit
            kept = self.kept.rows(version, sparql)
            if kept is not None:
                return kept, None
        if self.runner is not None:
            result = self.runner(sparql, RESULTS_JSON)
        else:
            result = self.backend.query(sparql, format="json")
        rows = rows_of(parse_results(result.read()))
        # the embedded store reports the LIMIT it imposed on every query: cut only when reached
        capped = result.capped_rows if result.capped_rows and len(rows) >= result.capped_rows else None
        answer = (rows, capped)
        if version is not None:
            self._cache.put(key, answer)
        return answer

    def construct(self, sparql: str, media_type: str) -> bytes:
        if self.runner is not None:
            return self.runner(sparql, media_type).read()
        return self.backend.construct(sparql, media_type)

    # -- rendering -------------------------------------------------------------------------------
    def render(self, ctx: Ctx, page: Page) -> str:
        template = self.env.get_template(page.template)
        return template.render(
            ctx=ctx,
            t=ctx.t,
            lang=ctx.lang,
            page=page,
            title=page.title,
            uses=ctx.uses,
            root_path=ctx.root.rstrip("/"),
            **page.context,
        )


class Ctx:
    """One request: its language, the serving host, and the queries its page ran."""

    def __init__(self, site: Site, request: Request):
        self.site = site
        self.lang, self.explicit_lang = i18n.negotiate(
            request.query_params.get("lang"), request.headers.get("accept-language")
        )
        self.root = site.links.serving_base(str(request.base_url))
        self.path = request.url.path
        self.query_params = request.query_params
        self.uses: list[QueryUse] = []
        self.capped: list[int] = []  # row limits a store cut this page's answers to

    # -- strings and links ---------------------------------------------------------------------
    def t(self, key: str) -> str:
        return i18n.t(key, self.lang)

    @property
    def lang_params(self) -> dict[str, str]:
        return {"lang": self.lang} if self.explicit_lang else {}

    def href(self, iri: str) -> str:
        return self.site.links.href(iri, self.root, self.lang_params)

    def url(self, path: str, **params: Any) -> str:
        """A link to a route of this service (``path`` without the leading slash), keeping ``lang``."""
        merged = {**self.lang_params, **{k: v for k, v in params.items() if v not in (None, "")}}
        return self.root + path + ("?" + urlencode(merged, doseq=True) if merged else "")

    def switch_lang(self, lang: str) -> str:
        params = [(k, v) for k, v in self.query_params.multi_items() if k != "lang"] + [("lang", lang)]
        return self.root + self.path.lstrip("/") + "?" + urlencode(params)

    def format_url(self, ext: str, table: str | None = None) -> str:
        path = self.path.rstrip("/") or ""
        base = (path + "." + ext) if path not in ("", "/") else "/index." + ext
        params = [(k, v) for k, v in self.query_params.multi_items() if k not in ("format", "table")]
        if table:
            params.append(("table", table))
        return self.root + base.lstrip("/") + ("?" + urlencode(params) if params else "")

    def label(self, uk: Any, en: Any, iri: str | None = None) -> i18n.Label:
        return i18n.pick(
            str(uk) if uk else None, str(en) if en else None, self.lang, local_name(iri) if iri else ""
        )

    def ref(self, row: dict, var: str) -> Ref | None:
        term = row.get(var)
        if term is None:
            return None
        iri = str(term)
        return Ref(iri, self.href(iri), self.label(row.get(var + "Uk"), row.get(var + "En"), iri))

    # -- queries -----------------------------------------------------------------------------------
    def rows(self, name: str, **params: str) -> list[Row]:
        query = named_queries.get(name)
        return self.run(name, query.bind(**params) if params else query.text)

    def rows_of_each(self, name: str, var: str, values: list[str]) -> list[Row]:
        """The rows of ``name`` for each of ``values`` bound to ``?var`` at once (one query)."""
        return self.run(name, named_queries.bind_values(named_queries.get(name), var, values))

    def run(self, name: str, text: str) -> list[Row]:
        """The rows of ``text`` (named query ``name`` bound), recorded as a query of the page."""
        self.record(name, text)
        rows, capped = self.site.select_capped(text)
        if capped:
            self.capped.append(capped)
        return rows

    def record(self, name: str, text: str) -> None:
        """Say that the page used ``text`` (named query ``name`` bound): it shows and links it."""
        query = named_queries.get(name)
        self.uses.append(QueryUse(name, query.title_in(self.lang), query.description_in(self.lang), text))

    def report_years(self) -> list[tuple[str, int]]:
        """The report years with their number of progress reports, latest first."""
        years = ((r.get("year"), r.get("reports")) for r in self.rows(YEARS_QUERY))
        return [(y.value, int(n.value) if n is not None else 0) for y, n in years if y is not None]

    def latest_year(self) -> str | None:
        """The latest report year (None before any report): the year a page shows by default."""
        return next((year for year, _ in self.report_years()), None)

    @property
    def max_rows(self) -> int | None:
        """The smallest row limit a store cut this page's answers to (None: nothing was cut)."""
        return min(self.capped) if self.capped else None


def plain(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows with plain values (for CSV and JSON)."""
    out = []
    for row in rows:
        out.append({k: (v.value if isinstance(v, Term) else v) for k, v in row.items()})
    return out


def table_of(name: str, rows: Sequence[Mapping[str, Term | None]]) -> Table:
    columns = list(rows[0].keys()) if rows else []
    return Table(name, columns, plain(rows))


def unique(refs) -> list[Ref]:
    seen: dict[str, Ref] = {}
    for ref in refs:
        if ref is not None and ref.iri not in seen:
            seen[ref.iri] = ref
    return list(seen.values())


#: the templates' options: their compiled code depends on these, so each cache key names them
_AUTOESCAPED = ("html", "svg", "xml")
_TRIM_BLOCKS = _LSTRIP_BLOCKS = True


@cache
def templates() -> Environment:
    """The one Jinja environment of the service (``graph_service/web/templates``)."""
    return template_environment(compiled_templates_cache())


def template_environment(bytecode_cache: BytecodeCache | None) -> Environment:
    """The service's Jinja settings, with ``bytecode_cache`` (a test passes its own)."""
    jinja = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(list(_AUTOESCAPED)),
        trim_blocks=_TRIM_BLOCKS,
        lstrip_blocks=_LSTRIP_BLOCKS,
        bytecode_cache=bytecode_cache,
    )
    jinja.globals.update(curie=curie, EXTERNAL_LINK_PROPERTIES=EXTERNAL_LINK_PROPERTIES)
    return jinja


class _CompiledTemplates(FileSystemBytecodeCache):
    """Jinja's cache of compiled templates, in its private per-user directory (created 0700, refused
    when another user owns it). A template's entry is keyed by the checksum of its source and
    written atomically, so an edited template or two processes starting together are safe; a cache
    that cannot be read or written only costs the compilation."""

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        """By the template's name and the options it is compiled with, not its path: one entry per
        template wherever the package is installed (each new checkout or venv would add 32). An
        entry compiled from another version of the template fails its checksum (Jinja's and
        Python's versions are in its header) and is compiled and written again."""
        key = repr((name, _AUTOESCAPED, _TRIM_BLOCKS, _LSTRIP_BLOCKS))
        return hashlib.sha1(key.encode("utf-8")).hexdigest()

    def load_bytecode(self, bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # unreadable, cut short, not Jinja's: whatever it is, compile instead
            bucket.reset()

    def dump_bytecode(self, bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def compiled_templates_cache(directory: str | None = None) -> BytecodeCache | None:
    """The compiled templates' cache (``ZKG_TEMPLATE_CACHE``; ``directory``: Jinja's per-user one):
    compiling the 32 templates takes ~0.2 s of every HTTP process's start (``Site.warm``), reading
    them back ~10 ms."""
    if not env("ZKG_TEMPLATE_CACHE"):
        return None
    try:
        return _CompiledTemplates(directory)
    except (OSError, RuntimeError):  # no private directory to be had: compile at every start
        return None
