"""The vocabulary and the named graphs as pages with RDF twins:

* ``/ontology`` — the ontology ``https://w3id.org/zhytomyr-kg/ontology``: every class, property
  and concept scheme (the ontology graph's, and the states and causes of the other graphs) with
  Ukrainian and English labels and comments, domain and range, the standard term it refines, an
  example from the data and how often the data uses it (``queries/ontology-terms.rq``,
  ``ontology-usage.rq``); each ``zkg:`` term has its anchor (``/ontology#Project``), deprecated
  terms say so and name their replacement. Turtle, N-Triples, JSON-LD and RDF/XML
  (``ontology-rdf.rq``) by ``Accept``, ``?format=`` or suffix (``/ontology.ttl``).
* ``/shapes`` — the SHACL shapes every build is validated against (``shapes.rq``,
  ``shapes-rdf.rq``), each ``zkgsh:`` shape at its anchor.
* ``/graph/{name}`` — one named graph: what it holds, its sources and their checksums, its
  counts, its own dumps (``graph_service.publish.graphs``).

Interface strings of these pages are in :data:`WORDS` (Ukrainian, English).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass, field
from urllib.parse import quote

import pyoxigraph
from starlette.requests import Request
from starlette.responses import Response

from graph_service import conneg
from graph_service.publish import rdf as rdf_out
from graph_service.publish.graphs import PREFIXES as GRAPH_PREFIXES
from graph_service.publish.graphs import describe_graph, graph_summary
from graph_service.store import named_queries
from graph_service.web import i18n
from graph_service.web.context import Ctx, Page, Ref, Site, Table, Term, curie
from graph_service.web.views.base import respond, site_of
from zhytomyr_kg.settings import ONTOLOGY_IRI, SHAPES, ZKG

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SH = "http://www.w3.org/ns/shacl#"

#: interface strings of the vocabulary pages: key → (Ukrainian, English)
WORDS: dict[str, tuple[str, str]] = {
    "ontology": ("Онтологія", "Ontology"),
    "shapes": ("Форми SHACL", "SHACL shapes"),
    "classes": ("Класи", "Classes"),
    "properties": ("Властивості", "Properties"),
    "schemes": ("Схеми понять", "Concept schemes"),
    "standard": ("Стандартні терміни, якими користуються дані", "Standard terms the data uses"),
    "standard_note": (
        "Терміни інших словників, які дані або запити вживають; тут подано їхні назви українською й англійською.",
        "Terms of other vocabularies that the data or the queries use, given here with Ukrainian and English labels.",
    ),
    "domain": ("Область визначення", "Domain"),
    "range": ("Область значень", "Range"),
    "aligned": ("Відповідає стандартному терміну", "Aligned with"),
    "scheme": ("Схема", "Scheme"),
    "notation": ("Код", "Notation"),
    "used": ("Ужито в даних", "Used in the data"),
    "unused": ("у даних не вжито", "not used in the data"),
    "as_property": ("трійок", "triples"),
    "as_class": ("сутностей", "entities"),
    "as_value": ("посилань", "statements point at it"),
    "example": ("Приклад", "Example"),
    "deprecated": ("Застарілий термін", "Deprecated"),
    "replaced_by": ("замінено на", "replaced by"),
    "iri": ("IRI", "IRI"),
    "formats": ("Формати", "Formats"),
    "prefix": ("Префікс", "Prefix"),
    "version": ("Версія", "Version"),
    "contents": ("Зміст", "Contents"),
    "kind_class": ("клас", "class"),
    "kind_object": ("об'єктна властивість", "object property"),
    "kind_datatype": ("властивість-значення", "datatype property"),
    "kind_annotation": ("анотаційна властивість", "annotation property"),
    "kind_property": ("властивість", "property"),
    "kind_scheme": ("схема понять", "concept scheme"),
    "kind_concept": ("поняття", "concept"),
    "concepts": ("Поняття", "Concepts"),
    "target": ("Застосовується до", "Applies to"),
    "constraints": ("Обмеження", "Constraints"),
    "path": ("Шлях", "Path"),
    "shape_of": ("Форма", "Shape"),
    "graph": ("Іменований граф", "Named graph"),
    "holds": ("Що містить", "What it holds"),
    "counts": ("Кількості", "Counts"),
    "triples": ("трійок", "triples"),
    "subjects": ("суб'єктів", "subjects"),
    "objects": ("об'єктів", "objects"),
    "entities": ("типізованих сутностей", "typed entities"),
    "n_classes": ("класів", "classes"),
    "n_properties": ("властивостей", "properties"),
    "sources": ("Джерела", "Sources"),
    "files": ("Файли, з яких зібрано граф", "Files the graph was built from"),
    "dumps": ("Завантажити граф", "Download the graph"),
    "no_dumps": (
        "Цей сервіс не має вивантажень (віддалене сховище).",
        "This service has no dumps (remote backend).",
    ),
    "by_class": ("За класами", "By class"),
    "by_property": ("За властивостями", "By property"),
    "all_graphs": ("Усі іменовані графи", "All named graphs"),
    "sparql_graph": ("Запит до цього графа", "Query this graph"),
}

#: owl/rdf kinds in the order a term with several shows the first
KINDS = {
    OWL + "Ontology": "ontology",
    OWL + "Class": "class",
    RDFS + "Class": "class",
    OWL + "ObjectProperty": "object",
    OWL + "DatatypeProperty": "datatype",
    OWL + "AnnotationProperty": "annotation",
    RDF + "Property": "property",
    SKOS + "ConceptScheme": "scheme",
    SKOS + "Concept": "concept",
}
PROPERTY_KINDS = ("object", "datatype", "annotation", "property")
FORMATS = (("ttl", "Turtle"), ("nt", "N-Triples"), ("jsonld", "JSON-LD"), ("rdf", "RDF/XML"))


def words(lang: str):
    def w(key: str) -> str:
        uk, en = WORDS.get(key, (key, key))
        return en if lang == "en" else uk

    return w


def anchor(iri: str, id_base: str) -> str:
    """The id of a term's section on the page: the local name of a ``zkg:`` or ``zkgsh:`` term
    (so that ``…/ontology#Project`` lands on it), else its CURIE or path."""
    for ns in (ZKG, SHAPES):
        if iri.startswith(ns):
            return iri[len(ns) :]
    if iri.startswith(id_base):
        return iri[len(id_base) :]
    return curie(iri)


# --------------------------------------------------------------------------- /ontology


@dataclass
class Use:
    use: str  # property | class | value
    count: int
    example: Ref | None
    value: Term | None
    value_ref: Ref | None


@dataclass
class VocabTerm:
    iri: str
    anchor: str
    curie: str
    kind: str
    href: str
    label: i18n.Label
    labels: dict[str, str]
    comments: dict[str, str]
    domains: list[Ref] = field(default_factory=list)
    ranges: list[Ref] = field(default_factory=list)
    aligned: list[Ref] = field(default_factory=list)
    scheme: str | None = None
    notation: str | None = None
    deprecated: bool = False
    replaced_by: list[Ref] = field(default_factory=list)
    uses: list[Use] = field(default_factory=list)

    def comment(self, lang: str) -> str | None:
        return self.comments.get(lang) or self.comments.get("en" if lang == "uk" else "uk")


def _split(value: Term | None) -> list[str]:
    """A GROUP_CONCAT's values, sorted: their order is the engine's (ontology-terms.rq)."""
    return sorted(v for v in (value.value.split(" ") if value is not None and value.value else []) if v)


def _text(row: dict, key: str) -> str | None:
    value = row.get(key)
    return value.value if value is not None else None


def ontology_terms(ctx: Ctx) -> list[VocabTerm]:
    """Every term of the vocabulary with its usage (two named queries)."""
    graph = ctx.site.settings.graph("ontology")
    rows = ctx.rows("ontology-terms", graph=graph)
    usage = ctx.rows("ontology-usage", graph=graph)
    order = list(KINDS.values())
    by_iri: OrderedDict[str, VocabTerm] = OrderedDict()
    raw: dict[str, dict] = {}
    labels: dict[str, i18n.Label] = {}
    for row in rows:
        iri = row["term"].value
        kind = KINDS.get(row["kind"].value, "property")
        known = by_iri.get(iri)
        if known is not None:
            if order.index(kind) < order.index(known.kind):
                known.kind = kind
            continue
        uk, en = _text(row, "labelUk"), _text(row, "labelEn")
        label = ctx.label(uk, en, iri)
        labels[iri] = label
        by_iri[iri] = VocabTerm(
            iri=iri,
            anchor=anchor(iri, ctx.site.id_base),
            curie=_short(iri, ctx),
            kind=kind,
            href=ctx.href(iri),
            label=label,
            labels={k: v for k, v in (("uk", uk), ("en", en)) if v},
            comments={
                k: v for k, v in (("uk", _text(row, "commentUk")), ("en", _text(row, "commentEn"))) if v
            },
            scheme=_text(row, "scheme"),
            notation=_text(row, "notation"),
            deprecated=(_text(row, "deprecated") or "").lower() in ("true", "1"),
        )
        raw[iri] = row

    def ref(iri: str) -> Ref:
        label = labels.get(iri) or i18n.Label(_short(iri, ctx), None)
        return Ref(iri, ctx.href(iri), label)

    for term in by_iri.values():
        row = raw[term.iri]
        term.domains = [ref(i) for i in _split(row.get("domains"))]
        term.ranges = [ref(i) for i in _split(row.get("ranges"))]
        term.aligned = [ref(i) for i in _split(row.get("aligned"))]
        term.replaced_by = [ref(i) for i in _split(row.get("replacedBy"))]
    seen: set[tuple[str, str]] = set()
    for row in usage:
        iri = row["term"].value
        use = row["use"].value
        if iri not in by_iri or (iri, use) in seen:
            continue
        seen.add((iri, use))
        example = row.get("example")
        value = row.get("value")
        by_iri[iri].uses.append(
            Use(
                use,
                int(row["count"].value),
                Ref(example.value, ctx.href(example.value), i18n.Label(_short(example.value, ctx), None))
                if example is not None
                else None,
                value,
                ref(value.value) if value is not None and value.is_iri else None,
            )
        )
    return list(by_iri.values())


def _short(iri: str, ctx: Ctx) -> str:
    """``zkg:Project`` for an IRI of a known namespace, else its path under the base, else the IRI."""
    short = curie(iri)
    base = ctx.site.settings.base_iri
    return iri[len(base) :] if short == iri and iri.startswith(base) else short


def ontology_page(ctx: Ctx) -> Page:
    terms = ontology_terms(ctx)
    head = next((t for t in terms if t.kind == "ontology"), None)
    others = [t for t in terms if t.kind != "ontology"]
    own = [t for t in others if t.iri.startswith(ZKG) or t.kind in ("scheme", "concept")]
    standard = [t for t in others if t not in own]
    schemes = [t for t in own if t.kind == "scheme"]
    concepts: OrderedDict[str, list[VocabTerm]] = OrderedDict((s.iri, []) for s in schemes)
    loose = []
    for t in own:
        if t.kind == "concept":
            if t.scheme in concepts:
                concepts[t.scheme].append(t)
            else:
                loose.append(t)
    for members in concepts.values():
        members.sort(key=lambda t: (t.notation or "", t.iri))
    table = Table(
        "terms",
        [
            "term",
            "kind",
            "label_uk",
            "label_en",
            "comment_uk",
            "comment_en",
            "domain",
            "range",
            "aligned",
            "scheme",
            "notation",
            "deprecated",
            "replaced_by",
            "uses",
            "example",
        ],
        [
            {
                "term": t.iri,
                "kind": t.kind,
                "label_uk": t.labels.get("uk"),
                "label_en": t.labels.get("en"),
                "comment_uk": t.comments.get("uk"),
                "comment_en": t.comments.get("en"),
                "domain": " ".join(r.iri for r in t.domains),
                "range": " ".join(r.iri for r in t.ranges),
                "aligned": " ".join(r.iri for r in t.aligned),
                "scheme": t.scheme,
                "notation": t.notation,
                "deprecated": t.deprecated,
                "replaced_by": " ".join(r.iri for r in t.replaced_by),
                "uses": sum(u.count for u in t.uses),
                "example": next((u.example.iri for u in t.uses if u.example), None),
            }
            for t in terms
        ],
    )
    title = head.label.text if head else words(ctx.lang)("ontology")
    return Page(
        "ontology.html",
        title,
        {
            "w": words(ctx.lang),
            "head": head,
            "iri": ONTOLOGY_IRI,
            "here": ctx.url("ontology"),
            "formats": FORMATS,
            "classes": [t for t in own if t.kind == "class"],
            "properties": [t for t in own if t.kind in PROPERTY_KINDS],
            "schemes": [(s, concepts[s.iri]) for s in schemes],
            "loose": loose,
            "standard": standard,
            "standard_classes": [t for t in standard if t.kind == "class"],
            "standard_properties": [t for t in standard if t.kind != "class"],
        },
        [table],
    )


# --------------------------------------------------------------------------- /shapes


@dataclass
class Constraint:
    name: str  # the sh: term's local name
    values: list  # Ref or Term or list of members


@dataclass
class Shape:
    iri: str
    anchor: str
    href: str
    constraints: list[Constraint]
    properties: list[tuple[Ref, Ref | None, list[Constraint]]]  # (shape, path, constraints)


def shapes_page(ctx: Ctx) -> Page:
    rows = ctx.rows("shapes", graph=ctx.site.settings.graph("ontology"))
    grouped: OrderedDict[str, OrderedDict[str, OrderedDict[str, list]]] = OrderedDict()
    for row in rows:
        shape, prop, constraint = row["shape"].value, row["property"].value, row["constraint"].value
        value, member = row["value"], row.get("member")
        slot = grouped.setdefault(shape, OrderedDict()).setdefault(prop, OrderedDict())
        values = slot.setdefault(constraint, [])
        shown = member if member is not None else value
        if shown not in values:
            values.append(shown)

    def show(term: Term):
        return (
            Ref(term.value, ctx.href(term.value), i18n.Label(_short(term.value, ctx), None))
            if term.is_iri
            else term
        )

    def constraints(slot: OrderedDict) -> list[Constraint]:
        return [
            Constraint(name[len(SH) :] if name.startswith(SH) else curie(name), [show(v) for v in values])
            for name, values in slot.items()
            if name != SH + "path"
        ]

    shapes = []
    for iri, props in grouped.items():
        own = props.get(iri, OrderedDict())
        properties = []
        for prop, slot in props.items():
            if prop == iri:
                continue
            path = slot.get(SH + "path")
            properties.append(
                (
                    Ref(prop, ctx.href(prop), i18n.Label(_short(prop, ctx), None)),
                    show(path[0]) if path else None,
                    constraints(slot),
                )
            )
        properties.sort(key=lambda p: (p[1].label.text if p[1] is not None else "", p[0].iri))
        own_constraints = constraints(own)
        if own.get(SH + "path"):
            own_constraints.insert(0, Constraint("path", [show(v) for v in own[SH + "path"]]))
        shapes.append(Shape(iri, anchor(iri, ctx.site.id_base), ctx.href(iri), own_constraints, properties))
    return Page(
        "shapes.html",
        words(ctx.lang)("shapes"),
        {"w": words(ctx.lang), "shapes": shapes, "here": ctx.url("shapes"), "formats": FORMATS},
        [
            Table(
                "constraints",
                ["shape", "property", "constraint", "value", "member"],
                [{k: (v.value if v is not None else None) for k, v in row.items()} for row in rows],
            )
        ],
    )


# --------------------------------------------------------------------------- /graph/…


def _plain(rows: list[dict[str, Term | None]]) -> list[dict[str, str | None]]:
    return [{k: (v.value if v is not None else None) for k, v in row.items()} for row in rows]


def build_facts(publisher) -> tuple[dict | None, dict | None]:
    """(export manifest, build.json) of the build the publisher describes; (None, None) without
    a publisher or with a remote backend."""
    if publisher is None:
        return None, None
    _, build = publisher.build()
    if build is None:
        return None, None
    manifest, _ = publisher.manifest()
    return manifest, build.info()


def graph_page(ctx: Ctx, iri: str, facts: tuple[dict | None, dict | None]) -> Page | None:
    summary = graph_summary(lambda name, g: _plain(ctx.rows(name, graph=g)), iri, ctx.site.settings, *facts)
    if not summary.exists:
        return None
    w = words(ctx.lang)
    classes = [
        (
            Ref(
                r["class"], ctx.href(r["class"]), _label(ctx, r["class"], r.get("classUk"), r.get("classEn"))
            ),
            r,
        )
        for r in summary.classes
    ]
    properties = [
        (
            Ref(
                r["property"],
                ctx.href(r["property"]),
                _label(ctx, r["property"], r.get("propertyUk"), r.get("propertyEn")),
            ),
            r,
        )
        for r in summary.properties
    ]
    sources = [
        (Ref(s["source"], ctx.href(s["source"]), i18n.Label(s.get("title") or s["source"], "uk")), s)
        for s in summary.sources
    ]
    return Page(
        "graph.html",
        f"{w('graph')} graph/{summary.name}",
        {
            "w": w,
            "g": summary,
            "what": summary.what[1] if ctx.lang == "en" else summary.what[0],
            "classes": classes,
            "properties": properties,
            "sources": sources,
            "here": ctx.url("graph/" + summary.name),
            "formats": FORMATS,
            "triples_query": ctx.url("queries/graph-triples", graph=iri),
        },
        [
            Table(
                "classes",
                ["class", "entities"],
                [{"class": r["class"], "entities": r["entities"]} for r in summary.classes],
            ),
            Table(
                "properties",
                ["property", "triples"],
                [{"property": r["property"], "triples": r["triples"]} for r in summary.properties],
            ),
            Table(
                "dumps",
                ["name", "mediaType", "bytes", "sha256"],
                [{k: f.get(k) for k in ("name", "mediaType", "bytes", "sha256")} for f in summary.dumps],
            ),
        ],
    )


def _label(ctx: Ctx, iri: str, uk: str | None, en: str | None) -> i18n.Label:
    return ctx.label(uk, en, iri) if (uk or en) else i18n.Label(curie(iri), None)


# --------------------------------------------------------------------------- the views


def _link(serving: str) -> str:
    serving = quote(serving, safe=_URI_SAFE)
    return ", ".join(
        [f'<{serving}>; rel="alternate"; type="text/html"']
        + [f'<{serving}.{ext}>; rel="alternate"; type="{media}"' for ext, media in conneg.RDF_MEDIA.items()]
    )


_URI_SAFE = ":/?#[]@!$&'()*+,;=%~"


def _construct(site: Site, name: str, media: str, first: str) -> bytes | None:
    text = named_queries.get(name).bind(graph=site.settings.graph("ontology"))
    triples = rdf_out.parse_ntriples(site.construct(text, "application/n-triples"))
    return rdf_out.write(triples, media, first=first) if triples else None


async def ontology(request: Request) -> Response:
    site = site_of(request)
    root = site.links.serving_base(str(request.base_url))

    async def rdf(fmt: str) -> bytes | None:
        return await asyncio.to_thread(_construct, site, "ontology-rdf", conneg.RDF_MEDIA[fmt], ONTOLOGY_IRI)

    return await respond(
        request,
        ontology_page,
        suffix=request.path_params.get("ext"),
        rdf=rdf,
        link=_link(root + "ontology"),
        subject=ONTOLOGY_IRI,
    )


async def shapes(request: Request) -> Response:
    site = site_of(request)
    root = site.links.serving_base(str(request.base_url))

    async def rdf(fmt: str) -> bytes | None:
        return await asyncio.to_thread(_construct, site, "shapes-rdf", conneg.RDF_MEDIA[fmt], SHAPES)

    return await respond(
        request,
        shapes_page,
        suffix=request.path_params.get("ext"),
        rdf=rdf,
        link=_link(root + "shapes"),
        subject=SHAPES.rstrip("#"),
    )


async def graph(request: Request) -> Response:
    site = site_of(request)
    name, suffix = conneg.split_suffix(request.path_params["path"])
    iri = site.links.iri_for_path("graph/" + name)
    try:
        pyoxigraph.NamedNode(iri)
    except ValueError:
        return Response(f"/graph/{quote(name)} is not a graph of this dataset\n", status_code=400)
    root = site.links.serving_base(str(request.base_url))
    publisher = getattr(request.app.state, "publisher", None)

    def describe(media: str) -> bytes | None:
        def select(query: str, g: str) -> list[dict]:
            return _plain(site.select(named_queries.get(query).bind(graph=g)))

        summary = graph_summary(select, iri, site.settings, *build_facts(publisher))
        if not summary.exists:
            return None
        g = describe_graph(summary, site.settings, root)
        triples = rdf_out.parse_ntriples(g.serialize(format="nt", encoding="utf-8"))
        return rdf_out.write(triples, media, first=iri, extra_prefixes=GRAPH_PREFIXES)

    async def rdf(fmt: str) -> bytes | None:
        return await asyncio.to_thread(describe, conneg.RDF_MEDIA[fmt])

    return await respond(
        request,
        lambda ctx: graph_page(ctx, iri, build_facts(publisher)),
        suffix=suffix,
        rdf=rdf,
        link=_link(root + "graph/" + name),
        subject=iri,
    )
