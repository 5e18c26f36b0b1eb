"""schema.org JSON-LD (graph_service/publish/schema_org.py): valid JSON-LD read with its inline context (no
network), only schema.org types and properties each used on a type its domain admits, and the same
facts as the graph."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.namespace import RDF

from graph_service.publish.dataset import describe
from graph_service.publish.export import read_manifest
from graph_service.publish.schema_org import dataset_jsonld, entity_jsonld, script_tag
from tests.conftest import select
from zhytomyr_kg.settings import ZKG, Settings

SCHEMA_TTL = Path(__file__).parent / "data" / "schema-org" / "schemaorg-current-https.ttl.gz"
S = "https://schema.org/"
SDO = rdflib.Namespace(S)
RDFS_SUBCLASS = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf")


class StoreRows:
    """The one method of the backend seam schema_org needs, over the session store."""

    def __init__(self, store: ox.Store):
        self.store = store

    def select_rows(self, sparql: str):
        return select(self.store, sparql)


@pytest.fixture(scope="module")
def backend(built):
    return StoreRows(built.store)


@pytest.fixture(scope="module")
def vocabulary():
    data = gzip.decompress(SCHEMA_TTL.read_bytes())
    assert (
        hashlib.sha256(data).hexdigest() == "320938f0945d717fc317f822c707f10944e7a7a0097018665a3b95dcf475b39d"
    )
    g = ox.Store()
    g.load(data, format=ox.RdfFormat.TURTLE)
    rdf_type = ox.NamedNode(str(RDF.type))
    classes = {
        q.subject.value
        for q in g.quads_for_pattern(
            None, rdf_type, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#Class")
        )
    }
    props = {
        q.subject.value
        for q in g.quads_for_pattern(
            None, rdf_type, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#Property")
        )
    }
    domains: dict[str, set[str]] = {}
    for q in g.quads_for_pattern(None, ox.NamedNode(S + "domainIncludes"), None):
        domains.setdefault(q.subject.value, set()).add(q.object.value)
    parents: dict[str, set[str]] = {}
    for q in g.quads_for_pattern(None, RDFS_SUBCLASS, None):
        parents.setdefault(q.subject.value, set()).add(q.object.value)

    def ancestors(c: str) -> set[str]:
        out, todo = {c}, [c]
        while todo:
            for p in parents.get(todo.pop(), ()):
                if p not in out:
                    out.add(p)
                    todo.append(p)
        return out

    return classes, props, domains, ancestors


def _graph(doc: dict) -> rdflib.Graph:
    """Parse as JSON-LD from text, as a crawler would: the context is inline, nothing is fetched."""
    assert doc["@context"] == {"@vocab": S}
    return rdflib.Graph().parse(data=json.dumps(doc, ensure_ascii=False), format="json-ld")


def _check_terms(g: rdflib.Graph, vocabulary) -> int:
    classes, props, domains, ancestors = vocabulary
    checked = 0
    for s, p, o in g:
        if p == RDF.type:
            assert str(o) in classes, o
            continue
        assert str(p) in props, p
        types = {str(t) for t in g.objects(s, RDF.type)}
        assert types, (s, p)
        admitted = set().union(*(ancestors(t) for t in types)) | {S + "Thing"}
        assert domains[str(p)] & admitted, f"{p} is not defined for {types}"
        checked += 1
    return checked


def _entities(store: ox.Store) -> list[str]:
    from graph_service.store import named_queries

    text = named_queries.get("sitemap-entities").bind(base=Settings().id_base)
    return [r["entity"] for r in select(store, text)]


def test_every_entity_gives_valid_json_ld_in_schema_org_terms(backend, built, vocabulary):
    entities = _entities(built.store)
    assert len(entities) > 500
    checked = 0
    for iri in entities:
        doc = entity_jsonld(backend, iri)
        g = _graph(doc)
        assert (rdflib.URIRef(iri), SDO.url, None) in g
        assert g.value(rdflib.URIRef(iri), RDF.type) is not None
        checked += _check_terms(g, vocabulary)
    assert checked > 5 * len(entities)


def _objects(store: ox.Store, s: str, p: str) -> set[str]:
    return {q.object.value for q in store.quads_for_pattern(ox.NamedNode(s), ox.NamedNode(p), None)}


def _instances(store: ox.Store, cls: str) -> list[str]:
    return sorted(
        {
            q.subject.value
            for q in store.quads_for_pattern(None, ox.NamedNode(str(RDF.type)), ox.NamedNode(ZKG + cls))
        }
    )


def test_projects_carry_years_funders_departments_and_places(backend, built):
    store = built.store
    seen = {"funder": 0, "location": 0, "years": 0}
    for iri in _instances(store, "Project"):
        g = _graph(entity_jsonld(backend, iri))
        s = rdflib.URIRef(iri)
        assert g.value(s, RDF.type) == SDO.Project
        assert {str(o) for o in g.objects(s, SDO.funder)} == _objects(store, iri, ZKG + "fundedBy")
        assert {str(o) for o in g.objects(s, SDO.parentOrganization)} == _objects(
            store, iri, ZKG + "responsibleBody"
        )
        assert {str(o) for o in g.objects(s, SDO.location)} == _objects(store, iri, S + "location")
        start = _objects(store, iri, ZKG + "startYear")
        assert {str(o) for o in g.objects(s, SDO.foundingDate)} == ({min(start)} if start else set())
        names = {(str(n), n.language) for n in g.objects(s, SDO.name)}
        assert any(lang == "uk" for _, lang in names)
        for dept in g.objects(s, SDO.parentOrganization):
            assert g.value(dept, RDF.type) == SDO.GovernmentOrganization and g.value(dept, SDO.name)
        seen["funder"] += any(True for _ in g.objects(s, SDO.funder))
        seen["location"] += any(True for _ in g.objects(s, SDO.location))
        seen["years"] += bool(start)
    assert all(seen.values()), seen


def test_places_funders_and_departments(backend, built):
    b = Settings().id_base
    ukraine = _graph(entity_jsonld(backend, b + "place/ukraina"))
    s = rdflib.URIRef(b + "place/ukraina")
    assert ukraine.value(s, RDF.type) == SDO.Country
    assert (
        {str(o) for o in ukraine.objects(s, SDO.sameAs)}
        == _objects(built.store, b + "place/ukraina", "http://www.w3.org/2002/07/owl#sameAs")
        != set()
    )

    street = rdflib.URIRef(b + "place/vulytsia-borysa-liatoshynskoho")
    g = _graph(entity_jsonld(backend, str(street)))
    assert g.value(street, RDF.type) == SDO.Place
    city = g.value(street, SDO.containedInPlace)
    assert str(city) == b + "place/zhytomyr" and g.value(city, RDF.type) == SDO.City

    ebrd = rdflib.URIRef(b + "funder/ebrd")
    g = _graph(entity_jsonld(backend, str(ebrd)))
    assert g.value(ebrd, RDF.type) == SDO.Organization
    assert (ebrd, SDO.sameAs, rdflib.URIRef("http://www.wikidata.org/entity/Q488981")) in g
    ids = {
        (str(g.value(i, SDO.propertyID)), str(g.value(i, SDO.value))) for i in g.objects(ebrd, SDO.identifier)
    }
    assert ("iati-organisation", "XI-IATI-EBRD") in ids
    assert {str(n) for n in g.objects(ebrd, SDO.alternateName)} >= {"EBRD", "ЄБРР"}

    sweden = rdflib.URIRef(b + "funder/government-of-sweden")
    assert _graph(entity_jsonld(backend, str(sweden))).value(sweden, RDF.type) == SDO.GovernmentOrganization

    dept = rdflib.URIRef(b + "department/departament-osvity-miskoi-rady")
    g = _graph(entity_jsonld(backend, str(dept)))
    assert g.value(dept, RDF.type) == SDO.GovernmentOrganization
    council = g.value(dept, SDO.parentOrganization)
    assert str(council) == b + "organization/zhytomyrska-miska-rada"
    assert g.value(council, RDF.type) == SDO.GovernmentOrganization


def test_programme_funder_and_report(backend, built):
    store = built.store
    tied = [p for p in _instances(store, "Programme") if _objects(store, p, ZKG + "programmeOf")]
    assert tied
    for p in tied:
        g = _graph(entity_jsonld(backend, p))
        assert {str(o) for o in g.objects(rdflib.URIRef(p), SDO.funder)} == _objects(
            store, p, ZKG + "programmeOf"
        )
    report = _instances(store, "ProgressReport")[0]
    g = _graph(entity_jsonld(backend, report))
    r = rdflib.URIRef(report)
    assert g.value(r, RDF.type) == SDO.Report
    assert {str(o) for o in g.objects(r, SDO.about)} == _objects(store, report, ZKG + "reportsOn")
    assert str(g.value(r, SDO.text)) in _objects(store, report, ZKG + "text")


def test_unknown_entity_gives_none(backend):
    assert entity_jsonld(backend, Settings().id_base + "project/no-such-project") is None


def test_page_url_is_the_callers(backend):
    iri = Settings().id_base + "project/biznes-platforma"
    doc = entity_jsonld(backend, iri, url="http://localhost:8000/id/project/biznes-platforma")
    assert doc["url"] == {"@id": "http://localhost:8000/id/project/biznes-platforma"}


# --------------------------------------------------------------------------- the dataset
@pytest.fixture(scope="module")
def dataset_doc(built, dumps):
    s = Settings(store=built.loaded.build_dir)
    manifest = read_manifest(dumps)  # the session's export of the build
    description = describe(lambda q: select(built.store, q), manifest, s, "https://data.example.org")
    return dataset_jsonld(description, s), manifest


def test_dataset_json_ld(dataset_doc, vocabulary):
    doc, manifest = dataset_doc
    g = _graph(doc)
    ds = rdflib.URIRef(Settings().base_iri + "dataset")
    assert g.value(ds, RDF.type) == SDO.Dataset
    assert {n.language for n in g.objects(ds, SDO.name)} == {"uk", "en"}
    assert g.value(ds, SDO.description) is not None
    assert str(g.value(ds, SDO.license)) == "https://creativecommons.org/licenses/by/4.0/"
    assert str(g.value(ds, SDO.url)) == "https://data.example.org/dataset"
    publisher = g.value(ds, SDO.publisher)
    assert "Житомирська міська рада" in {str(n) for n in g.objects(publisher, SDO.name)}
    assert g.value(ds, SDO.creator) is not None
    downloads = {
        str(g.value(d, SDO.contentUrl)): str(g.value(d, SDO.sha256)) for d in g.objects(ds, SDO.distribution)
    }
    assert downloads == {
        f"https://data.example.org/dumps/{f['name']}": f["sha256"] for f in manifest["files"]
    }
    source = g.value(ds, SDO.isBasedOn)
    from zhytomyr_kg.resources import BUNDLED_REPORT

    assert str(g.value(source, SDO.sha256)) == hashlib.sha256(BUNDLED_REPORT.read_bytes()).hexdigest()
    assert _check_terms(g, vocabulary) > 10


def test_script_tag_cannot_close_early():
    tag = script_tag({"@context": {"@vocab": S}, "name": "</script><script>alert(1)</script> & more"})
    body = tag[len('<script type="application/ld+json">') : -len("</script>")]
    assert "<" not in body and ">" not in body
    assert json.loads(body)["name"] == "</script><script>alert(1)</script> & more"
