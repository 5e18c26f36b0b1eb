"""Dereferenceable IRIs: every class of entity in every RDF format, by Accept and by suffix;
Vary and Link headers; 404 and 406; links rewritten to the serving host while the data keeps its IRIs."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest
import rdflib
from fastapi.testclient import TestClient

from graph_service.urls import Links
from graph_service.web.app import create_app
from tests.pages_support import HTML, B, CountingBackend, hrefs, pages_app, store_dir
from zhytomyr_kg.settings import ZKG, Settings

RDFS_LABEL = rdflib.URIRef("http://www.w3.org/2000/01/rdf-schema#label")
RDF_TYPE = rdflib.RDF.type

#: one entity of every class the issue names (IRIs read from the graph built from the report)
CLASSES = {
    "priority": "Priority",
    "goal": "StrategicGoal",
    "task": "Task",
    "project": "Project",
    "report": "ProgressReport",
    "department": "Department",
    "funder": "Funder",
    "programme": "Programme",
    "organization": "Organization",
    "place": "Place",
    "status": "Status",
    "source": "SourceDocument",
}
FORMATS = {  # suffix → (Accept, rdflib parser)
    "ttl": ("text/turtle", "turtle"),
    "nt": ("application/n-triples", "nt"),
    "jsonld": ("application/ld+json", "json-ld"),
    "rdf": ("application/rdf+xml", "xml"),
}


@pytest.fixture(scope="module")
def examples(store):
    out = {}
    for segment, cls in CLASSES.items():
        rows = list(
            store.query(
                f"SELECT ?s WHERE {{ ?s a <{ZKG}{cls}> FILTER (STRSTARTS(STR(?s), '{B}{segment}/')) }} ORDER BY ?s LIMIT 1",
                use_default_graph_as_union=True,
            )
        )
        assert rows, cls
        out[segment] = rows[0][0].value
    return out


def outgoing(store, iri: str) -> set[tuple[str, str]]:
    return {
        (q.predicate.value, q.object.value) for q in store.quads_for_pattern(ox.NamedNode(iri), None, None)
    }


@pytest.mark.parametrize("segment", CLASSES)
@pytest.mark.parametrize("ext", FORMATS)
@pytest.mark.parametrize("how", ["accept", "suffix"])
def test_every_class_in_every_format(pages_client, store, examples, segment, ext, how):
    iri = examples[segment]
    path = iri[len("https://w3id.org/zhytomyr-kg") :]
    media, parser = FORMATS[ext]
    r = (
        pages_client.get(path, headers={"Accept": media})
        if how == "accept"
        else pages_client.get(f"{path}.{ext}")
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == media
    assert "Accept" in r.headers["vary"]
    graph = rdflib.Graph().parse(data=r.content, format=parser)
    subject = rdflib.URIRef(iri)  # the data keeps its IRIs (no rewriting in RDF)
    assert (subject, RDF_TYPE, rdflib.URIRef(ZKG + CLASSES[segment])) in graph
    # the bounded description: exactly the entity's outgoing triples in the store (and, when its
    # incoming links were cut, rdfs:seeAlso their full list)
    served = {(str(p), str(o)) for p, o in graph.predicate_objects(subject)}
    full_list = {
        (p, o) for p, o in served if p == str(rdflib.RDFS.seeAlso) and "/queries/entity-links-in." in o
    }
    assert served - full_list == outgoing(store, iri)
    # plus the label of every neighbour that has one
    for _, o in graph.predicate_objects(subject):
        if isinstance(o, rdflib.URIRef) and list(
            store.quads_for_pattern(ox.NamedNode(str(o)), ox.NamedNode(str(RDFS_LABEL)), None)
        ):
            assert (o, RDFS_LABEL, None) in graph, o


@pytest.mark.parametrize("segment", CLASSES)
def test_every_class_has_an_html_page(pages_client, examples, segment):
    path = examples[segment][len("https://w3id.org/zhytomyr-kg") :]
    r = pages_client.get(path, headers=HTML)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert f"<code>{examples[segment]}</code>" in r.text
    assert r.headers["vary"].startswith("Accept")


def test_link_headers_name_every_representation(pages_client):
    r = pages_client.get("/id/funder/giz", headers=HTML)
    links = dict(
        (t, u) for u, t in re.findall(r'<([^>]+)>; rel="alternate"; type="([^"]+)"', r.headers["link"])
    )
    assert links == {
        "text/html": "http://testserver/id/funder/giz",
        "text/turtle": "http://testserver/id/funder/giz.ttl",
        "application/n-triples": "http://testserver/id/funder/giz.nt",
        "application/ld+json": "http://testserver/id/funder/giz.jsonld",
        "application/rdf+xml": "http://testserver/id/funder/giz.rdf",
    }
    for media, url in links.items():  # and each of them answers in its type
        got = pages_client.get(
            url.replace("http://testserver", ""), headers={"Accept": "*/*"} if media == "text/html" else {}
        )
        assert got.status_code == 200 and got.headers["content-type"].startswith(media)


def test_browsers_and_curl_get_html_generic_json_gets_jsonld(pages_client):
    assert (
        pages_client.get("/id/funder/giz", headers={"Accept": "*/*"})
        .headers["content-type"]
        .startswith("text/html")
    )
    assert (
        pages_client.get("/id/funder/giz", headers={"Accept": "application/json"}).headers["content-type"]
        == "application/ld+json"
    )
    assert pages_client.get("/id/funder/giz?format=ttl").headers["content-type"].startswith("text/turtle")
    assert pages_client.get("/id/funder/giz", headers={"Accept": "image/png"}).status_code == 406


@pytest.mark.parametrize("path", ["/id/project/no-such-project", "/id/funder/nobody", "/id/nothing"])
def test_iris_not_in_the_graph_are_404(pages_client, path):
    page = pages_client.get(path, headers=HTML)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "<h1>" in page.text and path in page.text
    for ext in FORMATS:
        assert pages_client.get(f"{path}.{ext}").status_code == 404
    assert pages_client.get(path, headers={"Accept": "text/turtle"}).status_code == 404


def test_links_rewrite_to_the_serving_host_and_data_keeps_its_iris(built):
    app = create_app(Settings(store=store_dir(built)))
    with TestClient(app, base_url="http://localhost:8123") as client:
        html = client.get("/id/project/biznes-platforma", headers=HTML).text
        rdf = client.get("/id/project/biznes-platforma.nt").text
    links = [h for h in hrefs(html) if "/id/" in h]
    assert links and all(h.startswith("http://localhost:8123/id/") for h in links), links[:5]
    assert "https://w3id.org/zhytomyr-kg/id/project/biznes-platforma" in html  # the IRI is shown as is
    assert "<https://w3id.org/zhytomyr-kg/id/project/biznes-platforma>" in rdf
    assert "localhost" not in rdf


def test_configured_public_url_wins_over_the_request_host(built):
    backend = CountingBackend(store_dir(built))
    settings = Settings(store=store_dir(built))
    app = pages_app(backend, settings, links=Links(settings.base_iri, "https://kg.example.org/zkg/"))
    with TestClient(app) as client:
        html = client.get("/id/department/departament-osvity-miskoi-rady", headers=HTML).text
    entity_links = [h for h in hrefs(html) if "/id/" in h]
    assert entity_links and all(h.startswith("https://kg.example.org/zkg/id/") for h in entity_links)


def test_a_different_base_iri_maps_to_the_service_root(tmp_path):
    from graph_service.sample_graphs import sample_quads
    from graph_service.testing import build_store

    settings = Settings(store=tmp_path, base_iri="http://data.example.org/kg/")
    build_store(tmp_path, sample_quads(settings))
    app = pages_app(CountingBackend(tmp_path), settings)
    with TestClient(app) as client:
        r = client.get("/id/funder/giz.nt")
        html = client.get("/id/project/enerhoefektyvnist-shkil", headers=HTML).text
    assert r.status_code == 200 and "<http://data.example.org/kg/id/funder/giz>" in r.text
    assert 'href="http://testserver/id/funder/giz"' in html


def test_fragment_iris_resolve_to_anchors_of_the_source_view(pages_client):
    page = pages_client.get("/id/project/biznes-platforma", headers=HTML).text
    assert 'href="http://testserver/id/source/zhytomyr-2022#L9"' in page
    source = pages_client.get("/id/source/zhytomyr-2022", headers=HTML).text
    assert '<tr id="L9">' in source and '<tr id="L424">' in source


def test_head_requests(pages_client):
    r = pages_client.head("/id/funder/giz.ttl")
    assert r.status_code == 200 and r.content == b""
