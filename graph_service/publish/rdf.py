"""RDF written for people: the same triples in every format the service offers, readable.

* Turtle and RDF/XML with the project's prefixes (:data:`zhytomyr_kg.vocab.PREFIXES`), the
  described resource first, then the rest by subject;
* JSON-LD compacted with the published context (``/dumps/context.jsonld``, inlined, as in the
  dumps: :func:`graph_service.publish.rdf_files.compact_jsonld`);
* N-Triples sorted.

Entity pages, the ontology, the shapes and the named graphs' descriptions all answer through
:func:`write`, so the formats agree everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from graph_service.publish.rdf_files import compact_jsonld, rdflib_term
from zhytomyr_kg.vocab import PREFIXES

FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
JSON_LD = "application/ld+json"


def parse_ntriples(body: bytes) -> list[ox.Triple]:
    return list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES)) if body.strip() else []


def ordered(triples: Iterable[ox.Triple], first: str | None = None) -> list[ox.Triple]:
    """Each triple once: those about ``first`` first, then by subject, predicate and object."""
    unique = set(triples)
    return sorted(
        unique,
        key=lambda t: (
            not (isinstance(t.subject, ox.NamedNode) and t.subject.value == first),
            str(t.subject),
            str(t.predicate),
            str(t.object),
        ),
    )


def write(
    triples: Iterable[ox.Triple],
    media_type: str,
    first: str | None = None,
    extra_prefixes: dict[str, str] | None = None,
) -> bytes:
    """``triples`` in ``media_type`` (a key of :data:`FORMATS` or JSON-LD); Turtle and RDF/XML
    use :data:`PREFIXES` and ``extra_prefixes`` (the JSON-LD context stays the published one)."""
    items = ordered(triples, first)
    if media_type == JSON_LD:
        import rdflib

        g = rdflib.Graph()
        for t in items:
            g.add((rdflib_term(t.subject), rdflib_term(t.predicate), rdflib_term(t.object)))
        return compact_jsonld(g)
    fmt = FORMATS[media_type]
    if fmt == ox.RdfFormat.N_TRIPLES:
        return ox.serialize(items, format=fmt) or b""
    used = _used_prefixes(items, {**PREFIXES, **(extra_prefixes or {})})
    return ox.serialize(items, format=fmt, prefixes=used) or b""


def _used_prefixes(triples: list[ox.Triple], prefixes: dict[str, str]) -> dict[str, str]:
    """The ``prefixes`` that some IRI of ``triples`` starts with (``rdf:`` always, RDF/XML needs it)."""
    iris = {
        t.value
        for triple in triples
        for t in (triple.subject, triple.predicate, triple.object)
        if isinstance(t, ox.NamedNode)
    } | {t.object.datatype.value for t in triples if isinstance(t.object, ox.Literal)}
    return {p: ns for p, ns in prefixes.items() if p == "rdf" or any(i.startswith(ns) for i in iris)}
