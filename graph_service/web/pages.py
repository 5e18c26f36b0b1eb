"""Linked-data pages: every IRI of the dataset opens on this service, in HTML and in RDF.

Routes (an APIRouter, included by ``app.py`` with :func:`add_pages`):

* ``/`` — the six priorities with counts, funders with counts, a search box;
* ``/projects`` ``/departments`` ``/funders`` ``/places`` — lists with facets and counts;
* ``/id/{path}`` — the entity ``{base_iri}id/{path}``: HTML (a page per class, a generic page for
  the rest), Turtle / N-Triples / JSON-LD / RDF/XML by ``Accept`` or suffix, 404 if not in the graph;
* ``/search`` and ``/search.json`` — full-text search (``graph_service/web/search.py``);
* every page: ``.json`` / ``.csv`` (or ``?format=``) give its tables; it shows the named queries
  (``queries/page-*.rq``) it was made from, each with a link to the query editor (``/query``).

Data comes only from named queries run through the backend seam (``Backend.query``): each page
runs a fixed, small number of them (labels come inside the same query — never one per link), and
results are cached per data version.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

from graph_service.publish import schema_org
from graph_service.store import named_queries
from graph_service.store.base import Backend, QueryError
from graph_service.web import deref, i18n, svg
from graph_service.web.search import index_path
from graph_service.web.search import search as run_search
from zhytomyr_kg.resources import ETL_DATA_DIR, TEMPLATES_DIR
from zhytomyr_kg.settings import ZKG, Settings, env
from zhytomyr_kg.store_layout import NoStore

TEMPLATES = TEMPLATES_DIR

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "https://schema.org/"
PREFIXES = {
    "rdf": RDF,
    "rdfs": RDFS,
    "skos": SKOS,
    "schema": SCHEMA,
    "zkg": ZKG,
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "dct": "http://purl.org/dc/terms/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
LABEL_PROPS = {RDFS + "label", SKOS + "prefLabel"}


# --------------------------------------------------------------------------- terms and references


@dataclass(frozen=True)
class Term:
    """One value of a SPARQL JSON result: lexical value, ``uri``/``literal``/``bnode``, language."""

    value: str
    type: str = "literal"
    lang: str | None = None
    datatype: str | None = None

    @property
    def is_iri(self) -> bool:
        return self.type == "uri"

    def __str__(self) -> str:
        return self.value


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
        return ctx.root + "query?" + urlencode({"query": self.text})


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
    ahead of the framework by ``graph_service.web.cache`` (see ``is_page_path``).
    """

    def __init__(
        self,
        backend: Backend,
        settings: Settings,
        *,
        cache_entries: int = 512,
        links: deref.Links | None = None,
    ):
        self.backend = backend
        self.settings = settings
        self.id_base = settings.id_base
        self.links = links or deref.Links.from_env(settings.base_iri)
        self.env = Environment(
            loader=FileSystemLoader(str(TEMPLATES)),
            autoescape=select_autoescape(["html", "svg", "xml"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.globals.update(curie=curie, EXTERNAL_LINK_PROPERTIES=EXTERNAL_LINK_PROPERTIES)
        self.cache_entries = cache_entries
        self._cache: OrderedDict[tuple, list[dict[str, Term | None]]] = OrderedDict()
        self._lock = threading.Lock()
        self.search_path: Callable[[], Path | None] = lambda: index_path(backend)

    # -- data ---------------------------------------------------------------------------------
    def version(self) -> str | None:
        try:
            return self.backend.data_version()
        except Exception:
            return None

    def select(self, sparql: str) -> list[dict[str, Term | None]]:
        version = self.version()
        key = (version, sparql)
        if version is not None and self.cache_entries > 0:
            with self._lock:
                hit = self._cache.get(key)
                if hit is not None:
                    self._cache.move_to_end(key)
                    return hit
        body = self.backend.query(sparql, format="json").read()
        data = json.loads(body)
        names = data.get("head", {}).get("vars", [])
        rows = []
        for binding in data.get("results", {}).get("bindings", []):
            row: dict[str, Term | None] = {}
            for name in names:
                cell = binding.get(name)
                row[name] = (
                    None
                    if cell is None
                    else Term(
                        cell["value"],
                        "uri" if cell["type"] == "uri" else cell["type"].replace("typed-literal", "literal"),
                        cell.get("xml:lang"),
                        cell.get("datatype"),
                    )
                )
            rows.append(row)
        if version is not None and self.cache_entries > 0:
            with self._lock:
                self._cache[key] = rows
                while len(self._cache) > self.cache_entries:
                    self._cache.popitem(last=False)
        return rows

    def construct(self, sparql: str, media_type: str) -> bytes:
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
    def rows(self, name: str, **params: str) -> list[dict[str, Term | None]]:
        query = named_queries.get(name)
        text = query.bind(**params) if params else query.text
        self.uses.append(QueryUse(query.name, query.title, query.description, text))
        return self.site.select(text)


def plain(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with plain values (for CSV and JSON)."""
    out = []
    for row in rows:
        out.append({k: (v.value if isinstance(v, Term) else v) for k, v in row.items()})
    return out


def table_of(name: str, rows: list[dict[str, Term | None]]) -> Table:
    columns = list(rows[0].keys()) if rows else []
    return Table(name, columns, plain(rows))


def unique(refs) -> list[Ref]:
    seen: dict[str, Ref] = {}
    for ref in refs:
        if ref is not None and ref.iri not in seen:
            seen[ref.iri] = ref
    return list(seen.values())


# --------------------------------------------------------------------------- entities


@dataclass
class Value:
    term: Term
    ref: Ref | None  # for IRIs


@dataclass
class Entity:
    iri: str
    href: str
    label: i18n.Label
    other_label: i18n.Label | None
    types: list[Ref]
    props: list[tuple[Ref, list[Value]]]  # (property, values) in query order
    by_prop: dict[str, list[Value]]

    def refs(self, prop: str) -> list[Ref]:
        return [v.ref for v in self.by_prop.get(prop, []) if v.ref is not None]

    def literal(self, prop: str) -> str | None:
        for v in self.by_prop.get(prop, []):
            if not v.term.is_iri:
                return v.term.value
        return None

    def literals(self, prop: str) -> list[Term]:
        return [v.term for v in self.by_prop.get(prop, []) if not v.term.is_iri]

    def has_type(self, cls: str) -> bool:
        return any(t.iri == cls for t in self.types)


def load_entity(ctx: Ctx, iri: str) -> Entity | None:
    rows = ctx.rows("page-entity", entity=iri)
    if not rows:
        return None
    props: OrderedDict[str, tuple[Ref, list[Value]]] = OrderedDict()
    labels: dict[str, str] = {}
    for row in rows:
        p, o = row["p"], row["o"]
        if p.value not in props:
            props[p.value] = (
                Ref(
                    p.value,
                    ctx.href(p.value),
                    ctx.label(row.get("pUk"), row.get("pEn"), None)
                    if (row.get("pUk") or row.get("pEn"))
                    else i18n.Label(curie(p.value), None),
                ),
                [],
            )
        ref = None
        if o.is_iri:
            ref = Ref(o.value, ctx.href(o.value), ctx.label(row.get("oUk"), row.get("oEn"), o.value))
        props[p.value][1].append(Value(o, ref))
        if p.value in LABEL_PROPS and o.lang in i18n.LANGS and o.lang not in labels:
            labels[o.lang] = o.value
    by_prop = {k: v[1] for k, v in props.items()}
    types = [v.ref for v in by_prop.get(RDF + "type", []) if v.ref]
    label = ctx.label(labels.get("uk"), labels.get("en"), iri)
    other_lang = "en" if label.lang == "uk" else "uk"
    other = labels.get(other_lang)
    return Entity(
        iri,
        ctx.href(iri),
        label,
        i18n.Label(other, other_lang) if other and other != label.text else None,
        types,
        list(props.values()),
        by_prop,
    )


# -- highlighted report texts ----------------------------------------------------------------------


@dataclass
class Segment:
    text: str
    target: Ref | None = None
    relation: str | None = None
    line: str | None = None


def segments(text: str, mentions: list[dict], ctx: Ctx) -> list[Segment]:
    """The text cut at the mentions' offsets (code-point offsets into zkg:text); overlaps dropped."""
    out: list[Segment] = []
    pos = 0
    for m in sorted(mentions, key=lambda m: (int(m["start"].value), -int(m["end"].value))):
        start, end = int(m["start"].value), int(m["end"].value)
        if start < pos or end > len(text) or start >= end:
            continue
        if start > pos:
            out.append(Segment(text[pos:start]))
        relation = local_name(m["relation"].value) if m.get("relation") else None
        out.append(
            Segment(
                text[start:end], ctx.ref(m, "target"), relation, m["line"].value if m.get("line") else None
            )
        )
        pos = end
    if pos < len(text):
        out.append(Segment(text[pos:]))
    return out


@dataclass
class Report:
    iri: str
    ref: Ref
    line: str | None
    status: Ref | None
    code: str | None
    rule: str | None
    evidence: str | None
    departments: list[Ref]
    segments: list[Segment]
    mentions: list[dict]
    source: Ref | None = None


def work_reports(ctx: Ctx, work: str, only: str | None = None) -> tuple[list[Report], list[dict], list[dict]]:
    """The reports on ``work`` with their texts cut at the mentions (two queries)."""
    rows = ctx.rows("page-work-reports", work=work)
    mention_rows = ctx.rows("page-work-mentions", work=work)
    by_report: OrderedDict[str, dict] = OrderedDict()
    for row in rows:
        key = row["report"].value
        if only and key != only:
            continue
        entry = by_report.setdefault(key, {"row": row, "departments": []})
        entry["departments"].append(ctx.ref(row, "department"))
    mentions: dict[str, list[dict]] = {}
    for m in mention_rows:
        mentions.setdefault(m["report"].value, []).append(m)
    reports = []
    for key, entry in by_report.items():
        row = entry["row"]
        text = row["text"].value if row.get("text") else ""
        line = row["line"].value if row.get("line") else None
        reports.append(
            Report(
                key,
                Ref(
                    key,
                    ctx.href(key),
                    i18n.Label(f"{ctx.t('report_2022')}, {ctx.t('line')} {line}", ctx.lang),
                ),
                line,
                ctx.ref(row, "status"),
                row["code"].value if row.get("code") else None,
                row["rule"].value if row.get("rule") else None,
                row["evidence"].value if row.get("evidence") else None,
                unique(entry["departments"]),
                segments(text, mentions.get(key, []), ctx),
                mentions.get(key, []),
                (line_refs(ctx, [(row["document"].value, line)]) or [None])[0]
                if row.get("document") and line
                else None,
            )
        )
    return reports, rows, mention_rows


def source_line_ref(ctx: Ctx, entity: Entity, line: str | None) -> Ref | None:
    """The source view's anchor of ``line`` in the document the entity was derived from."""
    docs = entity.refs(PREFIXES["prov"] + "wasDerivedFrom")
    if not docs or not line:
        return None
    iri = f"{docs[0].iri}#L{line}"
    return Ref(iri, ctx.href(iri), i18n.Label(f"{ctx.t('line')} {line}", ctx.lang))


def kind_of(iri: str, id_base: str) -> str:
    return iri[len(id_base) :].split("/", 1)[0] if iri.startswith(id_base) else ""


# -- page builders (each runs a fixed number of queries) ---------------------------------------------


def generic_page(ctx: Ctx, entity: Entity) -> Page:
    incoming = ctx.rows("page-entity-incoming", entity=entity.iri)
    groups: OrderedDict[str, tuple[Ref, list[Ref]]] = OrderedDict()
    for row in incoming:
        p = row["p"].value
        if p not in groups:
            plabel = (
                ctx.label(row.get("pUk"), row.get("pEn"))
                if (row.get("pUk") or row.get("pEn"))
                else i18n.Label(curie(p), None)
            )
            groups[p] = (Ref(p, ctx.href(p), plabel), [])
        groups[p][1].append(ctx.ref(row, "s"))
    return Page(
        "entity.html",
        entity.label.text,
        {"incoming": list(groups.values())},
        [
            Table(
                "properties",
                ["p", "o"],
                [{"p": p.iri, "o": v.term.value} for p, vs in entity.props for v in vs],
            ),
            table_of("incoming", incoming),
        ],
    )


def priority_page(ctx: Ctx, entity: Entity) -> Page:
    rows = ctx.rows("page-priority", entity=entity.iri)
    goals: OrderedDict[str, dict] = OrderedDict()
    for row in rows:
        g = goals.setdefault(
            row["goal"].value, {"ref": ctx.ref(row, "goal"), "notation": row.get("goalNotation"), "tasks": []}
        )
        if row.get("task"):
            g["tasks"].append(
                {
                    "ref": ctx.ref(row, "task"),
                    "notation": row.get("taskNotation"),
                    "projects": int(row["projects"].value) if row.get("projects") else 0,
                }
            )
    return Page(
        "priority.html", entity.label.text, {"goals": list(goals.values())}, [table_of("goals", rows)]
    )


def goal_page(ctx: Ctx, entity: Entity) -> Page:
    rows = ctx.rows("page-goal", entity=entity.iri)
    tasks: OrderedDict[str, dict] = OrderedDict()
    for row in rows:
        if row.get("task"):
            task = tasks.setdefault(
                row["task"].value,
                {"ref": ctx.ref(row, "task"), "notation": row.get("taskNotation"), "projects": []},
            )
            if row.get("project"):
                task["projects"].append(ctx.ref(row, "project"))
    crumbs = [ctx.ref(rows[0], "priority")] if rows else []
    return Page(
        "goal.html",
        entity.label.text,
        {"crumbs": crumbs, "tasks": list(tasks.values())},
        [table_of("tasks", rows)],
    )


def task_page(ctx: Ctx, entity: Entity) -> Page:
    rows = ctx.rows("page-task", entity=entity.iri)
    crumbs = [ctx.ref(rows[0], "priority"), ctx.ref(rows[0], "goal")] if rows else []
    projects: OrderedDict[str, dict] = OrderedDict()
    for row in rows:
        if row.get("project"):
            p = projects.setdefault(row["project"].value, {"ref": ctx.ref(row, "project"), "statuses": []})
            if row.get("status"):
                p["statuses"].append(ctx.ref(row, "status"))
    reports, report_rows, mention_rows = work_reports(ctx, entity.iri)
    for p in projects.values():
        p["statuses"] = unique(p["statuses"])
    return Page(
        "task.html",
        entity.label.text,
        {
            "crumbs": crumbs,
            "projects": list(projects.values()),
            "reports": reports,
            "line": source_line_ref(ctx, entity, entity.literal(ZKG + "sourceLine")),
            **work_links(ctx, entity, reports),
        },
        [table_of("projects", rows), table_of("reports", report_rows), table_of("mentions", mention_rows)],
    )


def work_links(ctx: Ctx, entity: Entity, reports: list[Report]) -> dict[str, list[Ref]]:
    """Departments, funders, partners, programmes and places of a project or task."""
    mentioned = [m for r in reports for m in r.mentions]
    targets = unique(ctx.ref(m, "target") for m in mentioned)
    return {
        "departments": entity.refs(ZKG + "responsibleBody"),
        "funded_by": entity.refs(ZKG + "fundedBy"),
        "partners": entity.refs(ZKG + "partner"),
        "programmes": [r for r in targets if kind_of(r.iri, ctx.site.id_base) == "programme"],
        "locations": entity.refs(SCHEMA + "location"),
        "mentioned_places": [r for r in targets if kind_of(r.iri, ctx.site.id_base) == "place"],
    }


def project_page(ctx: Ctx, entity: Entity) -> Page:
    rows = ctx.rows("page-project", entity=entity.iri)
    trails = [[ctx.ref(r, "priority"), ctx.ref(r, "goal"), ctx.ref(r, "task")] for r in rows]
    reports, report_rows, mention_rows = work_reports(ctx, entity.iri)
    start, end = entity.literal(ZKG + "startYear"), entity.literal(ZKG + "endYear")
    period = "–".join(x for x in (start, end) if x) or entity.literal(ZKG + "periodText")
    return Page(
        "project.html",
        entity.label.text,
        {
            "trails": trails,
            "reports": reports,
            "period": period,
            "line": source_line_ref(ctx, entity, entity.literal(ZKG + "sourceLine")),
            **work_links(ctx, entity, reports),
        },
        [table_of("reports", report_rows), table_of("mentions", mention_rows), table_of("breadcrumb", rows)],
    )


def report_page(ctx: Ctx, entity: Entity) -> Page:
    """A progress report: the generic properties plus its text with the mentions highlighted."""
    works = entity.refs(ZKG + "reportsOn")
    reports = []
    tables = []
    if works:
        reports, _report_rows, mention_rows = work_reports(ctx, works[0].iri, only=entity.iri)
        tables = [table_of("mentions", [m for m in mention_rows if m["report"].value == entity.iri])]
    return Page(
        "report.html",
        entity.label.text,
        {
            "reports": reports,
            "works": works,
            "line": source_line_ref(ctx, entity, entity.literal(ZKG + "sourceLine")),
        },
        tables,
    )


def department_page(ctx: Ctx, entity: Entity) -> Page:
    rows = ctx.rows("page-department", entity=entity.iri)
    partner_rows = ctx.rows("page-department-partners", entity=entity.iri)
    priorities: OrderedDict[str, dict] = OrderedDict()
    for row in rows:
        pkey = row["priority"].value if row.get("priority") else ""
        prio = priorities.setdefault(pkey, {"ref": ctx.ref(row, "priority"), "statuses": OrderedDict()})
        skey = row["status"].value if row.get("status") else ""
        status = prio["statuses"].setdefault(skey, {"ref": ctx.ref(row, "status"), "works": OrderedDict()})
        status["works"].setdefault(
            row["work"].value,
            {
                "ref": ctx.ref(row, "work"),
                "type": local_name(row["workType"].value),
                "line": row["line"].value if row.get("line") else None,
            },
        )
    partners: OrderedDict[str, dict] = OrderedDict()
    for row in partner_rows:
        entry = partners.setdefault(row["org"].value, {"ref": ctx.ref(row, "org"), "relations": {}})
        entry["relations"][local_name(row["relation"].value)] = int(row["works"].value)
    return Page(
        "department.html",
        entity.label.text,
        {"priorities": list(priorities.values()), "partners": list(partners.values())},
        [table_of("works", rows), table_of("partners", partner_rows)],
    )


def funder_page(ctx: Ctx, entity: Entity) -> Page:
    rows = ctx.rows("page-funder", entity=entity.iri)
    context_rows = ctx.rows("page-funder-context", entity=entity.iri)
    lines: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        if row["relation"].value == "line" and row.get("line") and row.get("document"):
            lines.setdefault(row["work"].value, []).append((row["document"].value, row["line"].value))
    works: OrderedDict[str, dict] = OrderedDict()
    links = []
    for row in rows:
        if row["relation"].value == "line":
            continue
        key = row["work"].value
        work = works.setdefault(
            key,
            {
                "ref": ctx.ref(row, "work"),
                "type": local_name(row["workType"].value),
                "relations": [],
                "departments": [],
                "priority": ctx.ref(row, "priority"),
                "lines": [],
            },
        )
        relation = local_name(row["relation"].value)
        if relation not in work["relations"]:
            work["relations"].append(relation)
        department = ctx.ref(row, "department")
        if department:
            work["departments"].append(department)
        links.append(
            (
                (key, work["ref"].label.text, work["ref"].href),
                relation,
                (department.iri, department.label.text, department.href) if department else None,
            )
        )
    doc = entity.iri
    for key, work in works.items():
        work["departments"] = unique(work["departments"])
        work["lines"] = line_refs(ctx, lines.get(key, []))
    picture = svg.layout((doc, entity.label.text, entity.href), links) if links else None
    return Page(
        "funder.html",
        entity.label.text,
        {
            "works": list(works.values()),
            "departments": unique(d for w in works.values() for d in w["departments"]),
            "priorities": unique(w["priority"] for w in works.values()),
            "programmes": unique(ctx.ref(r, "x") for r in context_rows if r["kind"].value == "programme"),
            "places": unique(ctx.ref(r, "x") for r in context_rows if r["kind"].value == "place"),
            "picture": picture,
        },
        [table_of("works", rows), table_of("programmes-places", context_rows)],
    )


def line_refs(ctx: Ctx, pairs) -> list[Ref]:
    """Links to the source view's line anchors for (document IRI, line) pairs, in line order."""
    out = []
    for doc, n in sorted(set(pairs), key=lambda p: (p[0], int(p[1]))):
        iri = f"{doc}#L{n}"
        out.append(Ref(iri, ctx.href(iri), i18n.Label(n, None)))
    return out


def place_page(ctx: Ctx, entity: Entity) -> Page:
    rows = ctx.rows("page-place", entity=entity.iri)
    mentions, located, contains = OrderedDict(), OrderedDict(), OrderedDict()
    for row in rows:
        rel = row["rel"].value
        if rel == "mention":
            entry = mentions.setdefault(
                row["work"].value, {"ref": ctx.ref(row, "work"), "forms": [], "lines": []}
            )
            if row.get("surfaceForm") and row["surfaceForm"].value not in entry["forms"]:
                entry["forms"].append(row["surfaceForm"].value)
            if row.get("line") and row.get("document"):
                entry["lines"].append((row["document"].value, row["line"].value))
        elif rel == "location":
            located.setdefault(row["work"].value, ctx.ref(row, "work"))
        elif rel == "contains":
            contains.setdefault(row["x"].value, ctx.ref(row, "x"))
    docs = entity.refs(PREFIXES["prov"] + "wasDerivedFrom")
    for entry in mentions.values():
        entry["lines"] = line_refs(ctx, entry["lines"])
    return Page(
        "place.html",
        entity.label.text,
        {
            "mentions": list(mentions.values()),
            "located": list(located.values()),
            "contains": list(contains.values()),
            "within": entity.refs(SCHEMA + "containedInPlace"),
            "docs": docs,
        },
        [table_of("place", rows)],
    )


@lru_cache(maxsize=8)
def _source_lines(name: str, sha256: str) -> tuple[str, ...] | None:
    """The lines of the bundled source file ``name`` if its checksum is ``sha256``."""
    for path in (ETL_DATA_DIR / name, ETL_DATA_DIR / "report-2022.txt"):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if hashlib.sha256(data).hexdigest() == sha256:
            if data.startswith(b"\xef\xbb\xbf"):
                data = data[3:]
            return tuple(data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return None


def source_page(ctx: Ctx, entity: Entity) -> Page:
    rows = ctx.rows("page-source", entity=entity.iri)
    produced: dict[int, list[dict]] = {}
    for row in rows:
        produced.setdefault(int(row["line"].value), []).append(
            {"how": row["how"].value, "ref": ctx.ref(row, "x"), "class": local_name(row["class"].value)}
        )
    name, sha = entity.literal(SCHEMA + "name"), entity.literal(ZKG + "sha256")
    text = _source_lines(name or "", sha or "") if name and sha else None
    count = (
        len(text) if text else int(entity.literal(ZKG + "lineCount") or (max(produced) if produced else 0))
    )
    lines = [
        {"n": n, "cells": (text[n - 1].split("\t") if text else []), "produced": produced.get(n, [])}
        for n in range(1, count + 1)
    ]
    return Page(
        "source.html",
        entity.label.text,
        {"lines": lines, "has_text": text is not None},
        [table_of("lines", rows)],
    )


HANDLERS: list[tuple[str, Callable[[Ctx, Entity], Page]]] = [
    (ZKG + "Project", project_page),
    (ZKG + "Task", task_page),
    (ZKG + "StrategicGoal", goal_page),
    (ZKG + "Priority", priority_page),
    (ZKG + "Department", department_page),
    (ZKG + "Funder", funder_page),
    (ZKG + "Place", place_page),
    (ZKG + "SourceDocument", source_page),
    (ZKG + "ProgressReport", report_page),
]


def entity_page(ctx: Ctx, iri: str) -> Page | None:
    entity = load_entity(ctx, iri)
    if entity is None:
        return None
    for cls, handler in HANDLERS:
        if entity.has_type(cls):
            page = handler(ctx, entity)
            break
    else:
        page = generic_page(ctx, entity)
    page.context["entity"] = entity
    page.context.setdefault("kind", kind_of(iri, ctx.site.id_base))
    doc = schema_org.entity_jsonld(_PlainRows(ctx.site), iri, settings=ctx.site.settings, url=entity.href)
    page.context["jsonld"] = Markup(schema_org.script_tag(doc)) if doc else ""
    return page


#: Properties whose values are another dataset's IRIs: shown as the entity's external links.
EXTERNAL_LINK_PROPERTIES = frozenset(
    ["http://www.w3.org/2002/07/owl#sameAs", "http://www.w3.org/2000/01/rdf-schema#seeAlso"]
    + [
        f"http://www.w3.org/2004/02/skos/core#{m}Match"
        for m in ("exact", "close", "broad", "narrow", "related")
    ]
)


class _PlainRows:
    """The site's cached ``select`` as plain rows of strings, for ``schema_org.entity_jsonld``."""

    def __init__(self, site: Site) -> None:
        self.site = site

    def select_rows(self, sparql: str) -> list[dict[str, str | None]]:
        return [
            {k: (v.value if v is not None else None) for k, v in row.items()}
            for row in self.site.select(sparql)
        ]


# --------------------------------------------------------------------------- lists with facets


@dataclass(frozen=True)
class ListSpec:
    name: str
    query: str
    item: str
    facets: tuple[str, ...]
    count: str | None = None  # a variable whose distinct values are counted per item
    split: str | None = None  # a variable whose values split the count (relation)
    extra: tuple[str, ...] = ()  # literal columns shown as they are


LISTS = {
    "projects": ListSpec(
        "projects",
        "page-projects",
        "project",
        ("status", "priority", "department", "funder"),
        extra=("start", "end", "line"),
    ),
    "departments": ListSpec(
        "departments", "page-departments", "department", ("priority", "status", "funder"), count="work"
    ),
    "funders": ListSpec(
        "funders",
        "page-funders",
        "funder",
        ("kind", "priority", "department", "status"),
        count="work",
        split="relation",
    ),
    "places": ListSpec("places", "page-places", "place", ("kind", "priority", "status"), count="work"),
}


def group_list(ctx: Ctx, spec: ListSpec, rows: list[dict], selected: dict[str, str]) -> dict[str, Any]:
    items: OrderedDict[str, dict] = OrderedDict()
    for row in rows:
        key = row[spec.item].value
        item = items.get(key)
        if item is None:
            item = items[key] = {
                "ref": ctx.ref(row, spec.item),
                "facets": {f: OrderedDict() for f in spec.facets},
                "works": set(),
                "split": {},
                "extra": {},
            }
            for col in spec.extra:
                item["extra"][col] = row[col].value if row.get(col) else None
        for facet in spec.facets:
            ref = ctx.ref(row, facet)
            if ref is not None:
                item["facets"][facet].setdefault(ref.iri, ref)
        if spec.count and row.get(spec.count):
            item["works"].add(row[spec.count].value)
            if spec.split and row.get(spec.split):
                item["split"].setdefault(local_name(row[spec.split].value), set()).add(row[spec.count].value)

    def matches(item: dict, skip: str | None = None) -> bool:
        return all(value in item["facets"][facet] for facet, value in selected.items() if facet != skip)

    facets = []
    for facet in spec.facets:
        counts: OrderedDict[str, list] = OrderedDict()
        for item in items.values():
            if not matches(item, skip=facet):
                continue
            for iri, ref in item["facets"][facet].items():
                counts.setdefault(iri, [ref, 0])[1] += 1
        values = sorted(counts.values(), key=lambda rc: (-rc[1], rc[0].label.text))
        facets.append({"name": facet, "values": values, "selected": selected.get(facet)})
    shown = [i for i in items.values() if matches(i)]
    shown.sort(key=lambda i: (-len(i["works"]), i["ref"].label.text) if spec.count else 0)
    return {"items": shown, "total": len(items), "facets": facets}


def list_table(spec: ListSpec, items: list[dict]) -> Table:
    columns = [spec.item, "labelUk", "labelEn", *spec.extra, *spec.facets]
    if spec.count:
        columns.append(spec.count + "s")
    rows = []
    for item in items:
        ref: Ref = item["ref"]
        row = {spec.item: ref.iri, "labelUk": None, "labelEn": None, **item["extra"]}
        row["labelUk" if ref.label.lang == "uk" else "labelEn"] = ref.label.text
        for facet in spec.facets:
            row[facet] = " ".join(item["facets"][facet])
        if spec.count:
            row[spec.count + "s"] = len(item["works"])
        rows.append(row)
    return Table(spec.name, columns, rows)


def list_page(ctx: Ctx, spec: ListSpec) -> Page:
    rows = ctx.rows(spec.query)
    selected = {f: ctx.query_params[f] for f in spec.facets if ctx.query_params.get(f)}
    grouped = group_list(ctx, spec, rows, selected)
    return Page(
        "list.html",
        ctx.t(spec.name),
        {"spec": spec, **grouped, "selected": selected},
        [list_table(spec, grouped["items"]), table_of("rows", rows)],
    )


def home_page(ctx: Ctx) -> Page:
    prio_rows = ctx.rows("page-home-priorities")
    status_rows = ctx.rows("page-home-statuses")
    funder_rows = ctx.rows("page-funders")
    statuses: dict[str, list] = {}
    for row in status_rows:
        statuses.setdefault(row["priority"].value, []).append(
            (ctx.ref(row, "status"), int(row["reports"].value))
        )
    priorities = [
        {
            "ref": ctx.ref(r, "priority"),
            "notation": r.get("notation"),
            "goals": int(r["goals"].value),
            "tasks": int(r["tasks"].value),
            "projects": int(r["projects"].value),
            "statuses": statuses.get(r["priority"].value, []),
        }
        for r in prio_rows
    ]
    funders = group_list(ctx, LISTS["funders"], funder_rows, {})["items"]
    return Page(
        "home.html",
        ctx.t("site"),
        {"priorities": priorities, "funders": funders},
        [
            table_of("priorities", prio_rows),
            table_of("statuses", status_rows),
            list_table(LISTS["funders"], funders),
        ],
    )


def search_page(ctx: Ctx, q: str) -> Page:
    hits, expression, available = [], None, True
    path = ctx.site.search_path()
    if q.strip():
        if path is None or not path.exists():
            available = False
        else:
            hits, expression = run_search(path, q)
    results = []
    for hit in hits:
        results.append(
            {
                "ref": Ref(hit.iri, ctx.href(hit.iri), ctx.label(hit.label_uk, hit.label_en, hit.iri)),
                "kind": hit.kind,
                "line": hit.line,
                "snippet": hit.snippet,
                "source": hit.source,
                "field": hit.field,
                "score": round(hit.score, 3),
            }
        )
    table = Table(
        "results",
        ["iri", "source", "kind", "label", "line", "field", "snippet", "score"],
        [
            {
                "iri": r["ref"].iri,
                "source": r["source"],
                "kind": r["kind"],
                "label": r["ref"].label.text,
                "line": r["line"],
                "field": r["field"],
                "snippet": "".join(s for s, _ in r["snippet"]),
                "score": r["score"],
            }
            for r in results
        ],
    )
    return Page(
        "search.html",
        ctx.t("search"),
        {"q": q, "results": results, "expression": expression, "available": available},
        [table],
    )


# --------------------------------------------------------------------------- responses


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
    if fmt == "csv":
        table = (
            next((t for t in page.tables if t.name == table_name), None)
            if table_name
            else (page.tables[0] if page.tables else None)
        )
        if table is None:
            return PlainTextResponse(
                f"no table {table_name!r}; tables: {', '.join(t.name for t in page.tables)}\n",
                status_code=404,
                headers=headers,
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


#: The paths the pages serve: their finished responses may be replayed by the response cache.
_PAGE_PREFIXES = ("/id/", "/index.", "/search", *(f"/{name}" for name in LISTS))


def is_page_path(path: str) -> bool:
    return path == "/" or path.startswith(_PAGE_PREFIXES)


def add_pages(app, backend: Backend, settings: Settings | None = None, **kwargs) -> Site:
    """Include the pages' routes in ``app`` (one line in ``app.py``).

    The query-result cache size, if not given, comes from ``ZKG_PAGES_CACHE_ENTRIES`` (default
    512; 0 turns it off).
    """
    kwargs.setdefault("cache_entries", env("ZKG_PAGES_CACHE_ENTRIES"))
    site = Site(backend, settings or Settings(), **kwargs)
    app.state.pages = site
    app.include_router(make_router(site))
    return site


def make_router(site: Site) -> APIRouter:
    router = APIRouter()

    async def respond(
        request: Request, build: Callable[[Ctx], Page | None], fmt: str, html_headers: dict | None = None
    ) -> Response:
        return await render_response(request, Ctx(site, request), build, fmt, html_headers)

    async def render_response(
        request: Request, ctx: Ctx, build: Callable[[Ctx], Page | None], fmt: str, html_headers: dict | None
    ) -> Response:
        headers = {"Vary": "Accept, Accept-Language", **(html_headers or {})}
        try:
            page = await asyncio.to_thread(build, ctx)
        except (QueryError, NoStore) as exc:
            message = getattr(exc, "message", str(exc))
            return PlainTextResponse(
                f"the graph is not available: {message}\n", status_code=503, headers=headers
            )
        if page is None:
            page = Page("404.html", ctx.t("not_found"), {"path": request.url.path}, status=404)
        if fmt in ("json", "csv"):
            return data_response(ctx, page, fmt, request.query_params.get("table"), headers)
        body = await asyncio.to_thread(site.render, ctx, page)
        return HTMLResponse(body, status_code=page.status, headers={**headers, "Content-Language": ctx.lang})

    def page_format(request: Request, suffix: str | None) -> str | None:
        try:
            fmt = deref.choose(suffix, request.query_params.get("format"), None)
        except deref.NotAcceptable:
            return None
        return fmt if fmt in ("html", "json", "csv") else None

    async def home(request: Request) -> Response:
        suffix = request.path_params.get("ext")
        fmt = page_format(request, suffix)
        if fmt is None:
            return PlainTextResponse("format not offered: html, json, csv\n", status_code=406)
        return await respond(request, home_page, fmt)

    def list_route(spec: ListSpec):
        async def view(request: Request) -> Response:
            fmt = page_format(request, request.path_params.get("ext"))
            if fmt is None:
                return PlainTextResponse("format not offered: html, json, csv\n", status_code=406)
            return await respond(request, lambda ctx: list_page(ctx, spec), fmt)

        return view

    async def search_view(request: Request) -> Response:
        fmt = page_format(request, request.path_params.get("ext"))
        if fmt is None:
            return PlainTextResponse("format not offered: html, json, csv\n", status_code=406)
        q = request.query_params.get("q", "")[:200]
        return await respond(request, lambda ctx: search_page(ctx, q), fmt)

    async def entity(request: Request) -> Response:
        path, suffix = deref.split_suffix(request.path_params["path"])
        iri = site.links.iri_for_path("id/" + path)
        try:
            fmt = deref.choose(suffix, request.query_params.get("format"), request.headers.get("accept"))
        except deref.NotAcceptable:
            return PlainTextResponse(
                "not acceptable; available: text/html, "
                + ", ".join(deref.RDF_MEDIA.values())
                + " (and .json/.csv for the page's tables)\n",
                status_code=406,
                headers={"Vary": "Accept"},
            )
        serving = site.links.href(iri, site.links.serving_base(str(request.base_url)))
        link = ", ".join(
            [f'<{serving}>; rel="alternate"; type="text/html"']
            + [
                f'<{serving}.{ext}>; rel="alternate"; type="{media}"'
                for ext, media in deref.RDF_MEDIA.items()
            ]
        )
        headers = {"Vary": "Accept, Accept-Language", "Link": link}
        if fmt in deref.RDF_MEDIA:
            text = named_queries.get("page-entity-rdf").bind(entity=iri)
            try:
                body = await asyncio.to_thread(site.construct, text, deref.RDF_MEDIA[fmt])
            except (QueryError, NoStore) as exc:
                return PlainTextResponse(
                    f"the graph is not available: {getattr(exc, 'message', exc)}\n", status_code=503
                )
            if not await asyncio.to_thread(_has_triples, body, deref.RDF_MEDIA[fmt]):
                return PlainTextResponse(f"{iri} is not in the graph\n", status_code=404, headers=headers)
            return Response(body, media_type=deref.media_type(fmt), headers=headers)
        return await respond(request, lambda ctx: entity_page(ctx, iri), fmt, headers)

    for path, view in (("/", home), ("/index.{ext:str}", home)):
        router.add_route(path, view, methods=["GET", "HEAD"], include_in_schema=False)
    for name, spec in LISTS.items():
        view = list_route(spec)
        router.add_route(f"/{name}", view, methods=["GET", "HEAD"], include_in_schema=False)
        router.add_route(f"/{name}.{{ext:str}}", view, methods=["GET", "HEAD"], include_in_schema=False)
    router.add_route("/search", search_view, methods=["GET", "HEAD"], include_in_schema=False)
    router.add_route("/search.{ext:str}", search_view, methods=["GET", "HEAD"], include_in_schema=False)
    router.add_route("/id/{path:path}", entity, methods=["GET", "HEAD"], include_in_schema=False)
    return router


def _has_triples(body: bytes, media: str) -> bool:
    """Whether a serialised graph has at least one triple (an unknown IRI gives an empty graph)."""
    if media in ("text/turtle", "application/n-triples"):
        return bool(body.strip())
    import pyoxigraph

    try:
        return (
            next(iter(pyoxigraph.parse(body, format=pyoxigraph.RdfFormat.from_media_type(media))), None)
            is not None
        )
    except (SyntaxError, ValueError):
        return bool(body.strip())
