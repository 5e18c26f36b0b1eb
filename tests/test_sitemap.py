"""/sitemap.xml and /robots.txt: the vocabulary, every named graph and every entity under the
base, on the serving host, split into a
sitemap index above the protocol's limit; robots.txt allows all and names the sitemap."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette

from graph_service.publish.sitemap import SITEMAP_LIMIT
from graph_service.store.oxigraph import OxigraphBackend
from graph_service.urls import Links
from graph_service.web.app import create_app
from graph_service.web.routes import add_publish_routes
from zhytomyr_kg.settings import ZKG, Settings

pytestmark = [pytest.mark.processes]

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
HELPERS = {
    ZKG + "Mention",
    ZKG + "ProgrammeTie",
    "https://schema.org/PropertyValue",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#Statement",
}


@pytest.fixture(scope="module")
def store_dir(cli_store_module_copy) -> Path:
    """This module's copy of the session's CLI-built store: the service writes its dumps into it."""
    return cli_store_module_copy


@pytest.fixture(scope="module")
def backend(store_dir):
    return OxigraphBackend(store_dir)


@pytest.fixture(scope="module")
def client(backend):
    return TestClient(create_app(backend))


def _expected(backend, service_url: str) -> set[str]:
    """Computed here from the quads, independently of the named query."""
    s = Settings()
    types: dict[str, set[str]] = {}
    for q in backend.store().quads_for_pattern(None, RDF_TYPE, None):
        if isinstance(q.subject, ox.NamedNode):
            types.setdefault(q.subject.value, set()).add(q.object.value)
    entities = {
        iri
        for iri, cls in types.items()
        if iri.startswith(s.id_base) and "#" not in iri and not cls & HELPERS
    }
    graphs = {g.value for g in backend.store().named_graphs() if isinstance(g, ox.NamedNode)}
    pages = {service_url + "/dataset", service_url + "/ontology", service_url + "/shapes"}
    return pages | {service_url + "/" + iri[len(s.base_iri) :] for iri in entities | graphs}


def _locs(xml: str, tag: str) -> list[str]:
    root = ET.fromstring(xml)
    assert root.tag == f"{{{NS['s']}}}{tag}"
    child = "url" if tag == "urlset" else "sitemap"
    return [el.findtext("s:loc", namespaces=NS) for el in root.findall(f"s:{child}", NS)]


def test_robots_allows_all_and_names_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert "User-agent: *" in lines and "Allow: /" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert not any(line.startswith("Disallow: /") for line in lines)


def test_sitemap_lists_the_dataset_page_and_every_entity_on_the_serving_host(client, backend):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    locs = _locs(response.text, "urlset")
    assert len(locs) == len(set(locs)) <= SITEMAP_LIMIT
    assert locs[0] == "http://testserver/dataset"
    assert set(locs) == _expected(backend, "http://testserver")
    assert "http://testserver/id/project/biznes-platforma" in locs
    assert "http://testserver/id/place/zhytomyr" in locs
    assert not any("/mention/" in u or "/link/" in u or "/identifier/" in u for u in locs)
    root = ET.fromstring(response.text)
    assert all(el.findtext("s:lastmod", namespaces=NS) for el in root.findall("s:url", NS))


def test_sitemap_follows_the_host_it_is_served_from(backend):
    client = TestClient(create_app(backend), base_url="https://data.example.org")
    locs = _locs(client.get("/sitemap.xml").text, "urlset")
    assert set(locs) == _expected(backend, "https://data.example.org")
    assert "Sitemap: https://data.example.org/sitemap.xml" in client.get("/robots.txt").text


def test_sitemap_is_split_into_an_index_above_the_limit(backend):
    app = Starlette()
    publisher = add_publish_routes(app, backend, Settings())
    client = TestClient(app)
    expected = _expected(backend, "http://testserver")
    publisher.sitemap_limit = limit = 100
    assert len(expected) > 2 * limit  # the split is exercised with several parts
    index = client.get("/sitemap.xml")
    assert index.status_code == 200
    parts = _locs(index.text, "sitemapindex")
    assert parts == [f"http://testserver/sitemap-{n}.xml" for n in range(1, len(parts) + 1)]
    assert len(parts) == -(-len(expected) // limit)
    seen: list[str] = []
    for url in parts:
        locs = _locs(client.get(url).text, "urlset")
        assert 0 < len(locs) <= limit
        seen += locs
    assert len(seen) == len(set(seen)) and set(seen) == expected
    for bad in (0, len(parts) + 1, "x"):
        assert client.get(f"/sitemap-{bad}.xml").status_code == 404


def test_no_parts_when_one_sitemap_suffices(client):
    assert client.get("/sitemap-1.xml").status_code == 404


def test_links_move_only_iris_under_the_base():
    links = Links("https://w3id.org/zhytomyr-kg/")
    assert (
        links.href("https://w3id.org/zhytomyr-kg/id/task/a/1/2", "http://h:8000/")
        == "http://h:8000/id/task/a/1/2"
    )
    assert (
        links.href("http://www.wikidata.org/entity/Q212", "http://h:8000/")
        == "http://www.wikidata.org/entity/Q212"
    )


def test_public_url_is_used_by_the_sitemap_the_dataset_and_the_pages(backend, monkeypatch):
    """Behind a proxy (``ZKG_PUBLIC_URL``) the sitemap, ``/dataset`` and the pages agree on the host."""
    import rdflib
    from rdflib.namespace import DCAT

    public = "https://kg.example.org/zkg"
    monkeypatch.setenv("ZKG_PUBLIC_URL", public)
    client = TestClient(create_app(backend))  # requests come to http://testserver
    locs = _locs(client.get("/sitemap.xml").text, "urlset")
    assert set(locs) == _expected(backend, public)
    assert f"Sitemap: {public}/sitemap.xml" in client.get("/robots.txt").text
    g = rdflib.Graph().parse(
        data=client.get("/dataset", headers={"Accept": "text/turtle"}).text, format="turtle"
    )
    dataset = rdflib.URIRef(Settings().base_iri + "dataset")
    assert str(g.value(dataset, DCAT.landingPage)) == public + "/dataset"
    urls = [str(o) for o in g.objects(None, DCAT.accessURL)]
    assert urls and all(u.startswith(public + "/") for u in urls)
    html = client.get("/id/project/biznes-platforma", headers={"Accept": "text/html"}).text
    page_links = [h for h in re.findall(r'href="([^"]*)"', html) if "/id/" in h]
    assert page_links and all(h.startswith(public + "/id/") for h in page_links)
    assert "http://testserver" not in html
