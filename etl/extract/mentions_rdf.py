"""RDF for the authority data (funders, programmes, organisations, places) and for mentions in reports.

Design choices (see also ``ontology/zkg-mentions.ttl``):

* every entity carries its zkg class and the contract's standard superclass
  (zkg:Funder + org:Organization, zkg:Programme + schema:Project, zkg:Place + schema:Place,
  zkg:Organization + org:Organization);
* its kind (funder kind, organisation kind, place type) is ``zkg:kind`` → a ``skos:Concept``
  defined in the ontology (``zkg:kind_development_bank``, ``zkg:kind_street`` ...);
* external identifiers are ``schema:identifier`` → a ``schema:PropertyValue`` node
  ``{entity}/identifier/{scheme}`` with ``schema:propertyID`` (the scheme as in
  ``external_links.csv``: ``iati-organisation``, ``iso-3166-2``, ``koatuu``, ``wikidata``,
  ``geonames``), ``schema:value`` and ``dcterms:source``; identifiers that are IRIs
  (Wikidata, GeoNames) also give ``owl:sameAs``. Nothing comes from anywhere but that file.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Sequence

from pyoxigraph import Literal, NamedNode, Quad

from etl.extract.attribution import Attribution
from etl.extract.mention_types import Entity, Mention, address_labels
from etl.extract.mentions import find_mentions, gazetteer
from etl.extract.relations import classify
from zhytomyr_kg.resources import ETL_DATA_DIR as DATA_DIR
from zhytomyr_kg.settings import ZKG, Settings

RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL_SAME_AS = NamedNode("http://www.w3.org/2002/07/owl#sameAs")
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "https://schema.org/"
ORG = "http://www.w3.org/ns/org#"
DCT_SOURCE = NamedNode("http://purl.org/dc/terms/source")
XSD_INTEGER = NamedNode("http://www.w3.org/2001/XMLSchema#integer")

_CLASSES = {
    "funder": (ZKG + "Funder", ORG + "Organization"),
    "programme": (ZKG + "Programme", SCHEMA + "Project"),
    "organization": (ZKG + "Organization", ORG + "Organization"),
    "place": (ZKG + "Place", SCHEMA + "Place"),
}
_CYRILLIC = re.compile(r"[А-Яа-яЄєІіЇїҐґ]")


def z(name: str) -> NamedNode:
    return NamedNode(ZKG + name)


def entity_iri(settings: Settings, kind: str, entity_id: str) -> NamedNode:
    """``B funder/{id}``, ``B programme/{id}``, ``B organization/{id}``, ``B place/{id}``."""
    return NamedNode(f"{settings.id_base}{kind}/{entity_id}")


def kind_iri(kind: str) -> NamedNode:
    """The SKOS concept of a funder kind, organisation kind or place type (defined in the ontology)."""
    return z(f"kind_{kind}")


def _lang(text: str) -> str:
    return "uk" if _CYRILLIC.search(text) else "en"


def _read(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, encoding="utf-8", newline="") as f:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(f)]


def _entity_quads(s: NamedNode, e: Entity, g: NamedNode, alt_labels: Iterable[str]) -> list[Quad]:
    out = [Quad(s, RDF_TYPE, NamedNode(c), g) for c in _CLASSES[e.kind]]
    out.append(Quad(s, NamedNode(RDFS + "label"), Literal(e.label_uk, language="uk"), g))
    if e.label_en:
        out.append(Quad(s, NamedNode(RDFS + "label"), Literal(e.label_en, language="en"), g))
    if e.subtype:
        out.append(Quad(s, z("kind"), kind_iri(e.subtype), g))
    for alt in dict.fromkeys(a for a in alt_labels if a and a not in (e.label_uk, e.label_en)):
        out.append(Quad(s, NamedNode(SKOS + "altLabel"), Literal(alt, language=_lang(alt)), g))
    return out


def authority_quads(settings: Settings) -> list[Quad]:
    """Funders, programmes, organisations and places from ``etl/data`` in the authority graph."""
    gz = gazetteer()
    g = NamedNode(settings.graph("authority"))
    out: list[Quad] = []
    for r in _read("funders.csv"):
        e = gz.entity("funder", r["id"])
        out += _entity_quads(entity_iri(settings, "funder", e.id), e, g, r["alt_labels"].split("|"))
    for name, kind in (("programmes.csv", "programme"), ("organizations.csv", "organization")):
        for r in _read(name):
            e = gz.entity(kind, r["id"])
            aliases = [a.removeprefix("=") for a in r["aliases"].split("|")]
            out += _entity_quads(entity_iri(settings, kind, e.id), e, g, aliases)
    bare_aliases: dict[str, list[str]] = {}
    for r in _read("place_aliases.csv"):
        if "{" not in r["pattern"]:
            bare_aliases.setdefault(r["place_id"], []).append(r["pattern"])
    for r in _read("places.csv"):
        e = gz.entity("place", r["id"])
        s = entity_iri(settings, "place", e.id)
        out += _entity_quads(s, e, g, bare_aliases.get(e.id, []))
        if r["contained_in"]:
            out.append(
                Quad(
                    s,
                    NamedNode(SCHEMA + "containedInPlace"),
                    entity_iri(settings, "place", r["contained_in"]),
                    g,
                )
            )
        if r["street_id"]:
            out.append(Quad(s, z("onStreet"), entity_iri(settings, "place", r["street_id"]), g))
        if r["house_number"]:
            out.append(Quad(s, z("houseNumber"), Literal(r["house_number"]), g))
    out += _identifier_quads(settings, g)
    return out


def _identifier_quads(settings: Settings, g: NamedNode) -> list[Quad]:
    out = []
    for r in _read("external_links.csv"):
        s = entity_iri(settings, r["entity_kind"], r["entity_id"])
        node = NamedNode(f"{s.value}/identifier/{r['scheme']}")
        out += [
            Quad(s, NamedNode(SCHEMA + "identifier"), node, g),
            Quad(node, RDF_TYPE, NamedNode(SCHEMA + "PropertyValue"), g),
            Quad(node, NamedNode(SCHEMA + "propertyID"), Literal(r["scheme"]), g),
            Quad(node, NamedNode(SCHEMA + "value"), Literal(r["identifier"]), g),
            Quad(node, DCT_SOURCE, Literal(r["source"]), g),
        ]
        if r["iri"]:
            out.append(Quad(s, OWL_SAME_AS, NamedNode(r["iri"]), g))
            out.append(Quad(node, NamedNode(SCHEMA + "url"), NamedNode(r["iri"]), g))
    return out


def _address_quads(settings: Settings, m: Mention, g: NamedNode) -> list[Quad]:
    """An address found in a text (not curated): a place on its street, stated in the report's graph."""
    gz = gazetteer()
    if m.street_id is None or m.house_number is None or f"place:{m.entity_id}" in gz.entities:
        return []
    street = gz.entity("place", m.street_id)
    uk, en = address_labels(street, m.house_number)
    s = entity_iri(settings, "place", m.entity_id)
    out = _entity_quads(s, Entity(m.entity_id, "place", uk, en, "address"), g, [])
    out.append(Quad(s, z("onStreet"), entity_iri(settings, "place", street.id), g))
    out.append(Quad(s, z("houseNumber"), Literal(m.house_number), g))
    city = next((r["contained_in"] for r in _read("places.csv") if r["id"] == street.id), "")
    if city:
        out.append(Quad(s, NamedNode(SCHEMA + "containedInPlace"), entity_iri(settings, "place", city), g))
    return out


def _int(n: int) -> Literal:
    return Literal(str(n), datatype=XSD_INTEGER)


def mention_quads(
    settings: Settings,
    graph: str,
    report_iri: str,
    subject_iri: str | None,
    text: str,
    line_for_offset: Callable[[int], int],
    bodies: Sequence[str] = (),
    strategy_graph: str | None = None,
) -> list[Quad]:
    """What one progress text names, and what it says each funder or organisation did.

    ``report zkg:mentions`` every entity; ``zkg:fundedBy`` / ``zkg:partner`` / ``zkg:supportedBy``
    from the report and from ``subject_iri`` (the project or task it reports on) where a cue
    decides, and ``zkg:supportedBy`` beside every ``fundedBy`` and ``partner``; one
    ``zkg:Mention`` node per mention (offsets into ``text``, source line, evidence); and
    ``zkg:programmeOf`` where this text contains a curated programme–funder tie phrase.

    Each mention also carries ``zkg:paragraph`` (its paragraph of the text) and, where the text
    makes it clear whose part of the row that paragraph is (``etl.extract.attribution``),
    ``zkg:attributedTo`` that body of ``bodies`` (the row's responsible bodies).

    Each fact once, whatever the number of reports (docs/DESIGN.md): what the year's text says
    (the report's edges, mentions, ties) goes to ``graph``; the work's support edges (``subject``
    → funder) to ``strategy_graph`` (the union over the years, each year's evidence on its own
    report and mentions); addresses and ``zkg:programmeOf`` to the authority graph.
    """
    g = NamedNode(graph)
    work_graph = NamedNode(strategy_graph) if strategy_graph else g
    authority = NamedNode(settings.graph("authority")) if strategy_graph else g
    report = NamedNode(report_iri)
    subject = NamedNode(subject_iri) if subject_iri else None
    out: list[Quad] = []
    seen: set[tuple[str, str]] = set()

    def once(s: NamedNode, p: NamedNode, o: NamedNode, graph: NamedNode = g) -> None:
        if (s.value, p.value + " " + o.value) not in seen:
            seen.add((s.value, p.value + " " + o.value))
            out.append(Quad(s, p, o, graph))

    attribution = Attribution(text, bodies)
    for c in classify(text, find_mentions(text)):
        m = c.mention
        target = entity_iri(settings, m.entity_kind, m.entity_id)
        once(report, z("mentions"), target)
        node = NamedNode(f"{report_iri}/mention/{m.start}")
        part = attribution.paragraph_at(m.start)
        body = attribution.body_at(m.start)
        out += [
            Quad(node, RDF_TYPE, z("Mention"), g),
            Quad(node, z("inReport"), report, g),
            Quad(node, z("target"), target, g),
            Quad(node, z("surfaceForm"), Literal(m.surface), g),
            Quad(node, z("startOffset"), _int(m.start), g),
            Quad(node, z("endOffset"), _int(m.end), g),
            Quad(node, z("sourceLine"), _int(line_for_offset(m.start)), g),
            Quad(node, z("paragraph"), _int(part.index), g),
        ]
        if body is not None:
            out.append(Quad(node, z("attributedTo"), NamedNode(f"{settings.id_base}department/{body}"), g))
        if c.relation in ("fundedBy", "partner", "supportedBy") and c.evidence is not None:
            out += [
                Quad(node, z("relation"), z(c.relation), g),
                Quad(node, z("evidence"), Literal(c.evidence, language="uk"), g),
            ]
            # the relation, and supportedBy beside every fundedBy and partner: one pattern finds all
            for relation in dict.fromkeys((c.relation, "supportedBy")):
                once(report, z(relation), target)
                if subject is not None:
                    once(subject, z(relation), target, work_graph)
        out += _address_quads(settings, m, authority)

    for r in _read("programmes.csv"):
        at = text.find(r["tie_evidence"]) if r["tie_evidence"] else -1
        if at < 0:
            continue
        programme = entity_iri(settings, "programme", r["id"])
        line = _int(line_for_offset(at))
        once(report, z("mentions"), programme)
        for funder_id in filter(None, r["funder_id"].split("|")):
            funder = entity_iri(settings, "funder", funder_id)
            once(programme, z("programmeOf"), funder, authority)
            tie = NamedNode(f"{report_iri}/tie/{r['id']}/{funder_id}")
            out += [
                Quad(tie, RDF_TYPE, z("ProgrammeTie"), g),
                Quad(tie, z("programme"), programme, g),
                Quad(tie, z("funder"), funder, g),
                Quad(tie, z("inReport"), report, g),
                Quad(tie, z("sourceLine"), line, g),
                Quad(tie, z("evidence"), Literal(r["tie_evidence"], language="uk"), g),
            ]
    return out


def location_quads(
    settings: Settings, graph: str, project_iri: str, title: str, description: str
) -> list[Quad]:
    """``schema:location`` for every place a project's own title or description names (in
    ``graph``, the strategy's); an address found there is stated in the authority graph."""
    g = NamedNode(graph)
    authority = NamedNode(settings.graph("authority"))
    project = NamedNode(project_iri)
    out: list[Quad] = []
    seen: set[str] = set()
    for text in (title, description):
        for m in find_mentions(text or ""):
            if m.entity_kind != "place" or m.entity_id in seen:
                continue
            seen.add(m.entity_id)
            out.append(
                Quad(project, NamedNode(SCHEMA + "location"), entity_iri(settings, "place", m.entity_id), g)
            )
            out += _address_quads(settings, m, authority)
    return out
