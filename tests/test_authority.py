"""Curated authority data: referential integrity, vocabularies, sources, RDF shapes."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pyoxigraph as ox
import rdflib

from etl.extract.mentions import gazetteer
from etl.extract.mentions_rdf import authority_quads
from zhytomyr_kg.resources import ETL_DATA_DIR as DATA_DIR
from zhytomyr_kg.resources import ONTOLOGY_DIR
from zhytomyr_kg.settings import Settings

FUNDER_KINDS = {
    "development_agency",
    "government",
    "development_bank",
    "un_agency",
    "eu",
    "foundation",
    "charity",
    "investor",
}
PLACE_TYPES = {
    "street",
    "square",
    "address",
    "microdistrict",
    "village",
    "river",
    "park",
    "market",
    "building",
    "landmark",
    "city",
    "country",
    "region",
}
ORG_KINDS = {
    "university",
    "education_institution",
    "company",
    "municipal_enterprise",
    "municipal_institution",
    "ngo",
    "public_body",
    "international_organization",
}


def rows(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def report_text() -> str:
    return re.sub(r"<[^>]*>", "", (DATA_DIR / "report-2022.txt").read_text(encoding="utf-8"))


def test_ids_unique_and_kinds_from_their_vocabulary() -> None:
    for name, vocab, col in (
        ("funders.csv", FUNDER_KINDS, "kind"),
        ("organizations.csv", ORG_KINDS, "kind"),
        ("places.csv", PLACE_TYPES, "type"),
    ):
        data = rows(name)
        ids = [r["id"] for r in data]
        assert len(ids) == len(set(ids)), name
        assert {r[col] for r in data} <= vocab, name
        assert all(r["label_uk"] and r["label_en"] for r in data), name


def test_places_are_contained_in_known_places_and_streets_in_zhytomyr() -> None:
    places = {r["id"]: r for r in rows("places.csv")}
    for r in places.values():
        assert not r["contained_in"] or r["contained_in"] in places, r["id"]
        if r["type"] in ("street", "square", "microdistrict"):
            assert r["contained_in"] == "zhytomyr", r["id"]
        if r["type"] == "city" and r["id"] != "zhytomyr":
            assert places[r["contained_in"]]["type"] == "country", r["id"]


def test_every_place_alias_and_funder_alias_names_a_known_entity() -> None:
    g = gazetteer()  # loading raises on unknown ids and unknown {place words}
    assert {r["place_id"] for r in rows("place_aliases.csv")} <= {r["id"] for r in rows("places.csv")}
    assert {r["funder_id"] for r in rows("funder_aliases.csv")} == {r["id"] for r in rows("funders.csv")}
    assert g.ambiguous == []


def test_programme_ties_are_quoted_from_the_report() -> None:
    funders = {r["id"] for r in rows("funders.csv")}
    text = report_text()
    for r in rows("programmes.csv"):
        assert bool(r["funder_id"]) == bool(r["tie_evidence"]), r["id"]
        if r["funder_id"]:
            assert set(r["funder_id"].split("|")) <= funders, r["id"]
            assert r["tie_evidence"] in text, r["id"]


SHARED_LINKS = Path("/work/shared/external/links.csv")  # the verified list the links were copied from


def test_external_links_have_sources_and_come_from_the_shared_list() -> None:
    known = {("funder", r["id"]) for r in rows("funders.csv")} | {
        ("place", r["id"]) for r in rows("places.csv")
    }
    shared = None
    if SHARED_LINKS.exists():  # not part of a clean clone; checked where it is available
        with open(SHARED_LINKS, encoding="utf-8", newline="") as f:
            shared = {(r["scheme"], r["identifier"], r["iri"]) for r in csv.DictReader(f)}
    for r in rows("external_links.csv"):
        assert r["source"] and r["scheme"] and r["identifier"], r
        assert (r["entity_kind"], r["entity_id"]) in known, r
        if shared is not None:
            assert (r["scheme"], r["identifier"], r["iri"]) in shared, r


def test_relation_cues_are_well_formed() -> None:
    for r in rows("relation_cues.csv"):
        assert r["relation"] in {"fundedBy", "partner", "supportedBy", "context"}
        assert r["position"] in {"before", "after"}
        assert int(r["window"]) >= 0


def _graph(quads: list[ox.Quad]) -> rdflib.Graph:
    g = rdflib.Graph()
    g.parse(data="\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads), format="nt")
    return g


def _validate(quads: list[ox.Quad]) -> tuple[bool, str]:
    import pyshacl

    conforms, _, text = pyshacl.validate(
        _graph(quads),
        shacl_graph=rdflib.Graph().parse(ONTOLOGY_DIR / "shapes-mentions.ttl"),
        inference="none",
    )
    return conforms, text


def test_authority_rdf_conforms_to_the_shapes() -> None:
    conforms, text = _validate(authority_quads(Settings()))
    assert conforms, text


def test_shapes_catch_a_missing_ukrainian_label_and_a_sourceless_identifier() -> None:
    quads = authority_quads(Settings())
    no_uk = [
        q
        for q in quads
        if not (
            q.subject.value.endswith("/funder/giz")
            and isinstance(q.object, ox.Literal)
            and q.object.language == "uk"
            and q.predicate.value.endswith("#label")
        )
    ]
    assert not _validate(no_uk)[0]
    no_source = [q for q in quads if q.predicate.value != "http://purl.org/dc/terms/source"]
    assert not _validate(no_source)[0]


def test_authority_rdf_types_labels_and_identifiers() -> None:
    s = Settings()
    store = ox.Store()
    store.extend(authority_quads(s))

    def ask(q):
        return store.query(
            "PREFIX zkg: <https://w3id.org/zhytomyr-kg/ontology#> PREFIX schema: <https://schema.org/> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX org: <http://www.w3.org/ns/org#> PREFIX owl: <http://www.w3.org/2002/07/owl#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
            + q,
            use_default_graph_as_union=True,
        )

    b = s.id_base
    assert ask(
        f"ASK {{ <{b}funder/ebrd> a zkg:Funder, org:Organization ; skos:altLabel 'ЄБРР'@uk, 'EBRD'@en ; zkg:kind zkg:kind_development_bank ; owl:sameAs <http://www.wikidata.org/entity/Q488981> ; schema:identifier [ schema:propertyID 'iati-organisation' ; schema:value 'XI-IATI-EBRD' ] }}"
    )
    assert ask(
        f"ASK {{ <{b}place/vulytsia-borysa-liatoshynskoho> a zkg:Place, schema:Place ; rdfs:label 'вулиця Бориса Лятошинського'@uk, 'Borysa Liatoshynskoho Street'@en ; schema:containedInPlace <{b}place/zhytomyr> ; zkg:kind zkg:kind_street }}"
    )
    assert ask(
        f"ASK {{ <{b}programme/eu4business> a zkg:Programme, schema:Project FILTER NOT EXISTS {{ <{b}programme/eu4business> zkg:programmeOf ?f }} }}"
    )
    assert ask(
        f"ASK {{ <{b}place/zhytomyrska-oblast> schema:identifier [ schema:propertyID 'iso-3166-2' ; schema:value 'UA-18' ] }}"
    )
    assert ask(
        f"ASK {{ <{b}organization/ferplast-ukraine> a zkg:Organization, org:Organization ; zkg:kind zkg:kind_company }}"
    )


def test_ontology_declares_every_zkg_term_the_rdf_uses_and_every_kind() -> None:
    onto = ox.Store()
    onto.extend(ox.parse(path=str(ONTOLOGY_DIR / "zkg-mentions.ttl"), format=ox.RdfFormat.TURTLE))
    declared = {t.value for t in (r["t"] for r in onto.query("SELECT ?t WHERE { ?t a ?c }"))}
    src = Path("etl/extract/mentions_rdf.py").read_text(encoding="utf-8")
    used = {f"https://w3id.org/zhytomyr-kg/ontology#{n}" for n in re.findall(r'z\("([A-Za-z]+)"\)', src)}
    used |= {
        f"https://w3id.org/zhytomyr-kg/ontology#kind_{k}" for k in FUNDER_KINDS | ORG_KINDS | PLACE_TYPES
    }
    assert used - declared == set()
    labelled = onto.query(
        "ASK { ?p a ?t VALUES ?t { <http://www.w3.org/2002/07/owl#ObjectProperty> <http://www.w3.org/2002/07/owl#DatatypeProperty> <http://www.w3.org/2002/07/owl#Class> } "
        "FILTER NOT EXISTS { ?p <http://www.w3.org/2000/01/rdf-schema#label> ?uk , ?en FILTER (lang(?uk) = 'uk' && lang(?en) = 'en') } }"
    )
    assert not labelled
