"""``/ontology``: every class, property and concept scheme of the vocabulary with its labels,
comments, domain and range, alignments, deprecation and how often the data uses it
(``queries/ontology-terms.rq``, ``ontology-usage.rq``)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from graph_service.web import i18n
from graph_service.web.context import Ctx, Page, Ref, Row, Table, Term
from graph_service.web.vocabulary.naming import FORMATS, anchor, short, words
from zhytomyr_kg.settings import ONTOLOGY_IRI, ZKG

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"

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
    raw: dict[str, Row] = {}
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
            curie=short(iri, ctx),
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
        label = labels.get(iri) or i18n.Label(short(iri, ctx), None)
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
                Ref(example.value, ctx.href(example.value), i18n.Label(short(example.value, ctx), None))
                if example is not None
                else None,
                value,
                ref(value.value) if value is not None and value.is_iri else None,
            )
        )
    return list(by_iri.values())


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
            if t.scheme is not None and t.scheme in concepts:
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
