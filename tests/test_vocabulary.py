"""The vocabulary, the named graphs and the skolem IRIs resolve (#12): ``/ontology`` documents
every term with its anchor, labels, comments, domain, range, aligned term, an example and a usage
count, in HTML and RDF; ``/shapes`` the SHACL shapes; ``/graph/…`` each named graph with its
source, checksums, counts and dumps; ``/.well-known/genid/…`` each blank node the build replaced."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from fastapi.testclient import TestClient
from markupsafe import escape
from rdflib.namespace import DCAT, DCTERMS, OWL, RDF, RDFS, SKOS

from graph_service.publish.dataset import SPDX, VOID
from graph_service.sample_graphs import sample_quads
from graph_service.testing import build_store
from graph_service.urls import Links
from graph_service.web.app import create_app
from tests.pages_support import HTML
from zhytomyr_kg.resources import BUNDLED_REPORT, ETL_DATA_DIR
from zhytomyr_kg.settings import GENID, ONTOLOGY_IRI, SHAPES, ZKG, Settings

BASE = "https://w3id.org/zhytomyr-kg/"
SETTINGS = Settings(store=Path("."), base_iri=BASE)
Z = rdflib.Namespace(ZKG)


def iris_in(store, prefix: str) -> set[str]:
    """Every IRI of the store (subject, predicate, object, graph name) starting with ``prefix``."""
    out = set()
    for q in store:
        for t in (q.subject, q.predicate, q.object, q.graph_name):
            if isinstance(t, ox.NamedNode) and t.value.startswith(prefix):
                out.add(t.value)
    return out


def count(store, sparql: str) -> int:
    rows = list(store.query(sparql, use_default_graph_as_union=True))
    return int(rows[0][0].value)


def ttl(client, path: str) -> rdflib.Graph:
    r = client.get(path, headers={"Accept": "text/turtle"})
    assert r.status_code == 200, (path, r.text[:300])
    assert r.headers["content-type"].startswith("text/turtle")
    return rdflib.Graph().parse(data=r.text, format="turtle")


# --------------------------------------------------------------------------- IRIs → URLs


def test_the_vocabulary_graphs_and_skolem_iris_map_onto_the_service():
    links = Links(BASE)
    root = "http://h:8000/"
    assert links.href(ONTOLOGY_IRI, root) == root + "ontology"
    assert links.href(ZKG + "Project", root) == root + "ontology#Project"
    assert links.href(SHAPES + "Priority", root) == root + "shapes#Priority"
    assert links.href(BASE + "graph/report/zhytomyr-2022", root) == root + "graph/report/zhytomyr-2022"
    assert links.href(BASE + GENID + "ab12", root) == root + ".well-known/genid/ab12"
    assert links.href(BASE + "dataset", root) == root + "dataset"
    assert links.href(ZKG + "Project", root, {"lang": "en"}) == root + "ontology?lang=en#Project"
    # another base moves the dataset's IRIs, never the ontology's
    other = Links("https://kg.example.org/")
    assert other.href(ZKG + "status", root) == root + "ontology#status"
    assert other.href(BASE + "graph/ontology", root) == BASE + "graph/ontology"


# --------------------------------------------------------------------------- /ontology


@pytest.fixture(scope="module")
def ontology_html(pages_client) -> str:
    r = pages_client.get("/ontology", headers=HTML)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "Accept" in r.headers["vary"] and 'rel="alternate"; type="text/turtle"' in r.headers["link"]
    return r.text


def _section(html: str, anchor: str) -> str:
    start = html.index(f'id="{anchor}"')
    end = html.find("</section>", start)
    return html[start:end]


def test_every_zkg_term_of_the_graph_lands_on_its_anchor(store, ontology_html):
    terms = iris_in(store, ZKG)
    assert {ZKG + "Project", ZKG + "status", ZKG + "kind_street"} <= terms
    missing = [t for t in sorted(terms) if f'id="{t[len(ZKG) :]}"' not in ontology_html]
    assert missing == []


def test_each_term_has_uk_and_en_labels_and_comments_domain_range_and_alignment(store, ontology_html):
    status = _section(ontology_html, "status")
    assert "<code>zkg:status</code>" in status
    for lang in ("uk", "en"):  # both labels and both comments, as the ontology states them
        for prop in (RDFS.label, RDFS.comment):
            texts = [
                r[0].value
                for r in store.query(
                    f"SELECT ?t WHERE {{ <{ZKG}status> <{prop}> ?t FILTER (lang(?t) = '{lang}') }}",
                    use_default_graph_as_union=True,
                )
            ]
            assert texts and any(str(escape(t)) in status for t in texts), (lang, prop)
    assert 'href="http://testserver/ontology#ProgressReport"' in status  # domain, on this service
    assert 'href="http://testserver/ontology#Status"' in status  # range
    project = _section(ontology_html, "Project")
    assert 'href="https://schema.org/Project"' in project  # the standard term it refines
    # every class and property of the ontology graph is documented in both languages
    onto = ox.NamedNode(SETTINGS.graph("ontology"))
    declared = {
        q.subject.value
        for q in store.quads_for_pattern(None, ox.NamedNode(str(RDF.type)), None, onto)
        if q.object.value in (str(OWL.Class), str(OWL.ObjectProperty), str(OWL.DatatypeProperty))
        and q.subject.value.startswith(ZKG)
    }
    for iri in declared:
        section = _section(ontology_html, iri[len(ZKG) :])
        assert '<dt lang="uk">UK</dt>' in section and '<dt lang="en">EN</dt>' in section, iri


def test_usage_counts_and_examples_come_from_the_data(store, ontology_html):
    reports = count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s <{ZKG}status> ?o }} }}")
    status = _section(ontology_html, "status")
    assert f"{reports} " in status and "Приклад" in status
    example = re.search(r'Приклад: <a href="http://testserver/(id/report/[^"]+)"', status).group(1)
    assert list(store.quads_for_pattern(ox.NamedNode(BASE + example), ox.NamedNode(ZKG + "status"), None))
    projects = count(store, f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a <{ZKG}Project> }}")
    assert f"{projects} сутностей" in _section(ontology_html, "Project")
    # a concept: how many statements point at it
    street = count(
        store, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s <{ZKG}kind> <{ZKG}kind_street> }} }}"
    )
    assert f"{street} посилань" in _section(ontology_html, "kind_street")


def test_concept_schemes_states_and_kinds_are_documented(store, ontology_html):
    statuses = {
        r[0].value
        for r in store.query(f"SELECT ?s WHERE {{ ?s a <{ZKG}Status> }}", use_default_graph_as_union=True)
    }
    assert statuses
    for iri in statuses:
        assert f'id="{iri[len(SETTINGS.id_base) :]}"' in ontology_html
    for scheme in ("FunderKinds", "OrganizationKinds", "PlaceTypes"):
        assert f'id="{scheme}"' in ontology_html
    assert 'id="status/"' in ontology_html  # the states' scheme


def test_english_page(pages_client):
    html = pages_client.get("/ontology?lang=en", headers=HTML).text
    assert "Classes" in html and "Domain" in html and "Used in the data" in html


@pytest.mark.parametrize(
    "how", [("/ontology.ttl", None), ("/ontology", "text/turtle"), ("/ontology?format=ttl", None)]
)
def test_ontology_in_turtle_by_suffix_accept_and_format(pages_client, how):
    path, accept = how
    r = pages_client.get(path, headers={"Accept": accept} if accept else {})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    assert r.text.startswith("@prefix")
    g = rdflib.Graph().parse(data=r.text, format="turtle")
    assert (rdflib.URIRef(ONTOLOGY_IRI), RDF.type, OWL.Ontology) in g
    assert (Z.Project, RDFS.label, rdflib.Literal("Проєкт", lang="uk")) in g
    assert (Z.status, RDFS.domain, Z.ProgressReport) in g
    # the states' scheme from the authority graph, and no shape
    assert any(g.subjects(SKOS.inScheme, rdflib.URIRef(SETTINGS.id_base + "status/")))
    assert not any(str(s).startswith(SHAPES) for s in g.subjects())
    assert not any(g.subjects(rdflib.URIRef("http://www.w3.org/ns/shacl#path"), None))


@pytest.mark.parametrize(
    "ext,media,parser",
    [
        ("jsonld", "application/ld+json", "json-ld"),
        ("rdf", "application/rdf+xml", "xml"),
        ("nt", "application/n-triples", "nt"),
    ],
)
def test_ontology_in_every_rdf_format_is_the_same_graph(pages_client, ext, media, parser):
    turtle = rdflib.Graph().parse(data=pages_client.get("/ontology.ttl").text, format="turtle")
    for r in (pages_client.get(f"/ontology.{ext}"), pages_client.get("/ontology", headers={"Accept": media})):
        assert r.status_code == 200 and r.headers["content-type"].startswith(media)
        g = rdflib.Graph().parse(data=r.content, format=parser)
        assert len(g) == len(turtle) and (Z.Project, RDF.type, OWL.Class) in g
    if ext == "jsonld":
        doc = pages_client.get("/ontology.jsonld").json()
        assert doc["@context"]["zkg"] == ZKG and doc["@context"]["skos"] == str(SKOS)


def test_deprecated_terms_say_so_and_name_their_replacement(tmp_path):
    onto = ox.NamedNode(SETTINGS.graph("ontology"))
    auth = ox.NamedNode(SETTINGS.graph("authority"))
    N, L = ox.NamedNode, ox.Literal
    a = N(str(RDF.type))
    old, new = N(SETTINGS.id_base + "status/suspended_martial_law"), N(SETTINGS.id_base + "status/suspended")
    scheme = N(SETTINGS.id_base + "status/")
    extra = [
        ox.Quad(N(ZKG + "departmentKind"), a, N(str(OWL.DatatypeProperty)), onto),
        ox.Quad(N(ZKG + "departmentKind"), N(str(RDFS.label)), L("вид органу", language="uk"), onto),
        ox.Quad(
            N(ZKG + "departmentKind"),
            N(str(OWL.deprecated)),
            L("true", datatype=N(str(rdflib.XSD.boolean))),
            onto,
        ),
        ox.Quad(N(ZKG + "departmentKind"), N(str(DCTERMS.isReplacedBy)), N(ZKG + "kind"), onto),
        ox.Quad(N(ZKG + "kind"), a, N(str(OWL.ObjectProperty)), onto),
        ox.Quad(scheme, a, N(str(SKOS.ConceptScheme)), auth),
        ox.Quad(old, a, N(str(SKOS.Concept)), auth),
        ox.Quad(old, N(str(SKOS.inScheme)), scheme, auth),
        ox.Quad(old, N(str(SKOS.prefLabel)), L("Призупинено через воєнний стан", language="uk"), auth),
        ox.Quad(old, N(str(OWL.deprecated)), L("true", datatype=N(str(rdflib.XSD.boolean))), auth),
        ox.Quad(old, N(str(DCTERMS.isReplacedBy)), new, auth),
        ox.Quad(new, a, N(str(SKOS.Concept)), auth),
        ox.Quad(new, N(str(SKOS.inScheme)), scheme, auth),
        ox.Quad(new, N(str(SKOS.prefLabel)), L("Призупинено", language="uk"), auth),
    ]
    build_store(tmp_path, sample_quads() + extra)
    with TestClient(create_app(Settings(store=tmp_path))) as client:
        html = client.get("/ontology", headers=HTML).text
        section = _section(html, "departmentKind")
        assert "Застарілий термін" in section and 'href="http://testserver/ontology#kind"' in section
        concept = _section(html, "status/suspended_martial_law")
        assert "Застарілий термін" in concept and 'href="http://testserver/id/status/suspended"' in concept
        assert "Призупинено<" in concept  # the replacement by its label
        english = client.get("/ontology?lang=en", headers=HTML).text
        assert "Deprecated" in _section(english, "departmentKind") and "replaced by" in _section(
            english, "departmentKind"
        )
        g = ttl(client, "/ontology")
        assert (rdflib.URIRef(old.value), DCTERMS.isReplacedBy, rdflib.URIRef(new.value)) in g
        assert (Z.departmentKind, OWL.deprecated, rdflib.Literal(True)) in g
        # the deprecated state keeps resolving
        assert client.get("/id/status/suspended_martial_law", headers=HTML).status_code == 200


# --------------------------------------------------------------------------- /shapes


def test_every_shape_lands_on_its_anchor_and_the_shapes_are_rdf(store, pages_client):
    html = pages_client.get("/shapes", headers=HTML)
    assert html.status_code == 200
    shapes = iris_in(store, SHAPES)
    assert len(shapes) > 10
    assert [s for s in sorted(shapes) if f'id="{s[len(SHAPES) :]}"' not in html.text] == []
    g = ttl(pages_client, "/shapes.ttl")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    assert {str(s) for s in g.subjects(RDF.type, sh.NodeShape)} >= {SHAPES + "Priority", SHAPES + "Project"}
    # the property shapes are skolem IRIs, each described
    holders = set(g.objects(None, sh.property))
    assert holders and all((h, None, None) in g for h in holders)
    assert any(str(h).startswith(BASE + GENID) for h in holders)


# --------------------------------------------------------------------------- /graph/…


@pytest.fixture(scope="module")
def manifest(pages_client) -> dict:
    return pages_client.get("/dumps/manifest.json").json()


def test_every_named_graph_has_its_page_and_description(store, pages_client, manifest):
    graphs = sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))
    assert {
        SETTINGS.graph("ontology"),
        SETTINGS.graph("authority"),
        SETTINGS.graph("report/zhytomyr-2022"),
    } <= set(graphs)
    for iri in graphs:
        path = "/" + iri[len(BASE) :]
        triples = len(list(store.quads_for_pattern(None, None, None, ox.NamedNode(iri))))
        html = pages_client.get(path, headers=HTML)
        assert html.status_code == 200, path
        assert f"{triples} трійок" in html.text
        dumps = [f for f in manifest["files"] if f.get("graph") == iri]
        assert {f["name"].rsplit(".", 1)[1] for f in dumps} == {"ttl", "jsonld"}
        for f in dumps:
            assert f'href="http://testserver/dumps/{f["name"]}"' in html.text and f["sha256"] in html.text
        g = ttl(pages_client, path)
        me = rdflib.URIRef(iri)
        assert int(g.value(me, VOID.triples)) == triples
        assert (me, DCTERMS.isPartOf, rdflib.URIRef(BASE + "dataset")) in g
        assert {str(d) for d in g.objects(me, VOID.dataDump)} == {
            f"http://testserver/dumps/{f['name']}" for f in dumps
        }
        for dist in g.objects(me, DCAT.distribution):
            name = str(g.value(dist, DCAT.downloadURL)).rsplit("/", 1)[1]
            entry = next(f for f in dumps if f["name"] == name)
            assert int(g.value(dist, DCAT.byteSize)) == entry["bytes"]
            assert str(g.value(g.value(dist, SPDX.checksum), SPDX.checksumValue)) == entry["sha256"]
        assert pages_client.get(path + ".jsonld").status_code == 200


def test_a_graph_names_its_sources_with_their_checksums(pages_client):
    report = ttl(pages_client, "/graph/report/zhytomyr-2022")
    me = rdflib.URIRef(SETTINGS.graph("report/zhytomyr-2022"))
    source = rdflib.URIRef(SETTINGS.id_base + "source/zhytomyr-2022")
    assert (me, DCTERMS.source, source) in report
    sha = hashlib.sha256(BUNDLED_REPORT.read_bytes()).hexdigest()
    assert str(report.value(report.value(source, SPDX.checksum), SPDX.checksumValue)) == sha
    html = pages_client.get("/graph/report/zhytomyr-2022", headers=HTML).text
    assert sha in html and "report-2022.txt" in html
    authority = pages_client.get("/graph/authority", headers=HTML).text
    departments = hashlib.sha256((ETL_DATA_DIR / "departments.csv").read_bytes()).hexdigest()
    assert "departments.csv" in authority and departments in authority
    ontology = pages_client.get("/graph/ontology?lang=en", headers=HTML).text
    assert "zkg.ttl" in ontology and "The ontology" in ontology


@pytest.mark.parametrize("path", ["/graph/nothing", "/graph/report/zhytomyr-1999"])
def test_graphs_that_do_not_exist_are_404(pages_client, path):
    assert pages_client.get(path, headers=HTML).status_code == 404
    assert pages_client.get(path + ".ttl").status_code == 404


# --------------------------------------------------------------------------- /.well-known/genid/…


def test_skolem_iris_answer_with_their_description(store, pages_client):
    genids = sorted(iris_in(store, BASE + GENID))
    assert genids
    for iri in genids[:5]:
        path = "/" + iri[len(BASE) :]
        assert pages_client.get(path, headers=HTML).status_code == 200
        g = ttl(pages_client, path)
        assert (rdflib.URIRef(iri), None, None) in g
    assert pages_client.get(f"/{GENID}{'0' * 32}", headers=HTML).status_code == 404
