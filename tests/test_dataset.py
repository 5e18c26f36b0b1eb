"""/dataset, /.well-known/void and /dumps: a DCAT-AP 3 + VoID description that passes the official
shapes, counts taken from the store, and downloads whose size and checksum are the described ones."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, RDF, SH

from graph_service.publish.dataset import SPDX, VOID
from graph_service.store.oxigraph import OxigraphBackend
from graph_service.web.app import create_app
from zhytomyr_kg.resources import BUNDLED_REPORT
from zhytomyr_kg.settings import ZKG, Settings

pytestmark = [pytest.mark.processes]

SHAPES_DIR = Path(__file__).parent / "data" / "dcat-ap"
DATASET = rdflib.URIRef("https://w3id.org/zhytomyr-kg/dataset")
DCAT_VERSION = rdflib.URIRef(str(DCAT) + "version")
#: sh:property references of the official files whose property shape is defined in neither file
#: (pyshacl refuses a shapes graph with them: "exists but is not a well-formed SHACL PropertyShape")
DANGLING = {
    "https://semiceu.github.io/DCAT-AP/releases/3.0.1#dcat:DatasetShape/4918ff7a6c1c4b0eea6403dca4b992b87ee1f4ab",
    "https://semiceu.github.io/DCAT-AP/releases/3.0.1#dcat:DatasetShape/95c69c99a1e3ade043911b51b942f206dea0e68d",
    "https://semiceu.github.io/DCAT-AP/releases/3.0.1#dcat:DistributionShape/653804840386e33525b3d39d205c174780be414b",
    "https://semiceu.github.io/DCAT-AP/releases/3.0.1#dcat:DistributionShape/a07d6e7a0a1790b89a1ce7ff602cbbd9ea835282",
    "https://semiceu.github.io/DCAT-AP/releases/3.0.1#dcat:RelationshipShape/b7aa98e1befa5130659568aa62e7f38575dc17c1",
}


@pytest.fixture(scope="module")
def store_dir(cli_store_module_copy) -> Path:
    """This module's copy of the store the CLI built in its own process (the session's in-process
    build is held open read-write); the service writes its dumps into it."""
    return cli_store_module_copy


@pytest.fixture(scope="module")
def backend(store_dir):
    return OxigraphBackend(store_dir)


@pytest.fixture(scope="module")
def client(backend, store_dir):
    assert not (store_dir / "current" / "dumps").exists()
    return TestClient(create_app(backend))  # no lifespan: these routes need no query workers


@pytest.fixture(scope="module")
def description(client) -> rdflib.Graph:
    response = client.get("/dataset", headers={"Accept": "text/turtle"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/turtle")
    return rdflib.Graph().parse(data=response.text, format="turtle")


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    g = rdflib.Graph()
    for name in ("dcat-ap-SHACL.ttl", "ranges.ttl"):
        g.parse(SHAPES_DIR / name, format="turtle")
    dangling = {str(o) for o in g.objects(None, SH.property) if (o, SH.path, None) not in g}
    assert dangling == DANGLING  # if upstream fixes or adds some, revisit this list
    for ref in dangling:
        g.remove((None, SH.property, rdflib.URIRef(ref)))
    return g


def conforms(data: rdflib.Graph, shapes: rdflib.Graph) -> tuple[bool, str]:
    ok, _, text = pyshacl.validate(data, shacl_graph=shapes, advanced=True, allow_warnings=False)
    return ok, text


# --------------------------------------------------------------------------- DCAT-AP
def test_description_conforms_to_the_official_dcat_ap_3_shapes(description, shapes):
    ok, text = conforms(description, shapes)
    assert ok, text


def test_the_shapes_do_bite(description, shapes):
    broken = rdflib.Graph() + description
    broken.remove((DATASET, DCTERMS.title, None))
    for dist in list(broken.objects(DATASET, DCAT.distribution))[:1]:
        broken.remove((dist, DCAT.accessURL, None))
    ok, text = conforms(broken, shapes)
    assert not ok
    assert "title" in text and "accessURL" in text


def test_licence_publisher_dates_and_source_with_its_checksum(description):
    assert description.value(DATASET, DCTERMS.license) == rdflib.URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    publisher = description.value(DATASET, DCTERMS.publisher)
    names = {str(n) for n in description.objects(publisher, rdflib.FOAF.name)}
    assert "Житомирська міська рада" in names
    assert description.value(DATASET, DCTERMS.issued) is not None
    assert description.value(DATASET, DCTERMS.modified) is not None
    titles = {t.language for t in description.objects(DATASET, DCTERMS.title)}
    assert titles == {"uk", "en"}
    source = description.value(DATASET, DCTERMS.source)
    checksum = description.value(source, SPDX.checksum)
    assert (
        str(description.value(checksum, SPDX.checksumValue))
        == hashlib.sha256(BUNDLED_REPORT.read_bytes()).hexdigest()
    )


def test_licence_is_configurable(backend, monkeypatch):
    monkeypatch.setenv("ZKG_LICENSE", "https://creativecommons.org/publicdomain/zero/1.0/")
    client = TestClient(create_app(backend))
    g = rdflib.Graph().parse(data=client.get("/dataset?format=turtle").text, format="turtle")
    assert g.value(DATASET, DCTERMS.license) == rdflib.URIRef(
        "https://creativecommons.org/publicdomain/zero/1.0/"
    )


def test_sparql_endpoint_is_a_data_service(description):
    services = list(description.subjects(RDF.type, DCAT.DataService))
    assert len(services) == 1
    assert str(description.value(services[0], DCAT.endpointURL)) == "http://testserver/sparql"
    assert description.value(services[0], DCAT.servesDataset) == DATASET
    assert str(description.value(DATASET, VOID.sparqlEndpoint)) == "http://testserver/sparql"


# --------------------------------------------------------------------------- VoID counts
def _int(g, s, p) -> int:
    return int(g.value(s, p))


def test_void_counts_are_the_stores(description, backend):
    store = backend.store()
    quads = list(store)
    assert _int(description, DATASET, VOID.triples) == len(quads)
    rdf_type = ox.NamedNode(str(RDF.type))
    typed = {q.subject for q in quads if q.predicate == rdf_type and isinstance(q.subject, ox.NamedNode)}
    assert _int(description, DATASET, VOID.entities) == len(typed)
    classes = {}
    for part in description.objects(DATASET, VOID.classPartition):
        classes[str(description.value(part, VOID["class"]))] = _int(description, part, VOID.entities)
    projects = {q.subject for q in store.quads_for_pattern(None, rdf_type, ox.NamedNode(ZKG + "Project"))}
    assert classes[ZKG + "Project"] == len(projects) > 0
    props = {
        str(description.value(p, VOID.property)): _int(description, p, VOID.triples)
        for p in description.objects(DATASET, VOID.propertyPartition)
    }
    assert sum(props.values()) == len(quads)
    assert props[ZKG + "reportsOn"] == len(
        list(store.quads_for_pattern(None, ox.NamedNode(ZKG + "reportsOn"), None))
    )
    subsets = {
        str(s): _int(description, s, VOID.triples)
        for s in description.objects(DATASET, VOID.subset)
        if (s, RDF.type, VOID.Linkset) not in description
    }
    assert subsets == {
        g.value: len(list(store.quads_for_pattern(None, None, None, g))) for g in store.named_graphs()
    }


LINK_PREDICATES = {
    "http://www.w3.org/2002/07/owl#sameAs",
    "http://www.w3.org/2000/01/rdf-schema#seeAlso",
    *(
        f"http://www.w3.org/2004/02/skos/core#{m}Match"
        for m in ("exact", "close", "broad", "narrow", "related")
    ),
}


def test_one_linkset_per_target_and_predicate_counted_from_the_store(description, backend):
    base = Settings().id_base
    expected: dict[tuple[str, str], int] = {}
    for q in backend.store():
        if (
            q.predicate.value in LINK_PREDICATES
            and isinstance(q.object, ox.NamedNode)
            and q.subject.value.startswith(base)
            and not q.object.value.startswith(base)
        ):
            root = "/".join(q.object.value.split("/")[:3]) + "/"
            key = (root, q.predicate.value)
            expected[key] = expected.get(key, 0) + 1
    assert ("http://www.wikidata.org/", "http://www.w3.org/2002/07/owl#sameAs") in expected
    assert ("https://sws.geonames.org/", "http://www.w3.org/2002/07/owl#sameAs") in expected
    found = {}
    for ls in description.subjects(RDF.type, VOID.Linkset):
        assert (DATASET, VOID.subset, ls) in description
        assert description.value(ls, VOID.subjectsTarget) == DATASET
        target = description.value(ls, VOID.objectsTarget)
        assert (target, RDF.type, VOID.Dataset) in description and description.value(target, DCTERMS.title)
        space = str(description.value(target, VOID.uriSpace) or target)
        root = "/".join(space.split("/")[:3]) + "/"
        found[(root, str(description.value(ls, VOID.linkPredicate)))] = _int(description, ls, VOID.triples)
    assert found == expected
    titles = {
        str(description.value(description.value(ls, VOID.objectsTarget), DCTERMS.title))
        for ls in description.subjects(RDF.type, VOID.Linkset)
    }
    assert {"Wikidata", "GeoNames"} <= titles


def test_well_known_void_is_turtle_by_default(client, description):
    response = client.get("/.well-known/void")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    g = rdflib.Graph().parse(data=response.text, format="turtle")
    assert str(g.value(DATASET, VOID.dataDump)) == "http://testserver/dumps/dataset.nq.gz"
    assert isomorphic(g, description)


# --------------------------------------------------------------------------- negotiation
def test_jsonld_description_is_the_same_graph(client, description):
    response = client.get("/dataset", headers={"Accept": "application/ld+json"})
    assert response.headers["content-type"].startswith("application/ld+json")
    assert isomorphic(rdflib.Graph().parse(data=response.text, format="json-ld"), description)


def test_html_by_default_with_citation_licence_and_downloads(client):
    response = client.get("/dataset", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    # one language at a time: Ukrainian by default, in the site's layout
    assert '<html lang="uk">' in page and response.headers["content-language"] == "uk"
    assert "Як цитувати" in page and "How to cite" not in page
    assert 'href="http://testserver/static/site.css"' in page and 'class="site-nav"' in page
    assert "creativecommons.org/licenses/by/4.0/" in page
    assert "/dumps/dataset.nq.gz" in page and "Житомирська міська рада" in page
    assert hashlib.sha256(BUNDLED_REPORT.read_bytes()).hexdigest() in page
    assert "Зв&#39;язки з іншими наборами даних" in page and "https://www.wikidata.org/" in page
    # the SPARQL service, and the editor it opens in a browser
    assert "<code>http://testserver/sparql</code>" in page and 'href="http://testserver/query"' in page
    english = client.get("/dataset?lang=en", headers={"Accept": "text/html"}).text
    assert '<html lang="en">' in english and "How to cite" in english and "Як цитувати" not in english
    assert "Zhytomyr City Council" in english and "Links to other datasets" in english
    assert 'href="http://testserver/query?lang=en"' in english
    # the schema.org Dataset for search engines, in the head
    head = page.split("</head>", 1)[0]
    block = head.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    doc = json.loads(block)
    assert doc["@type"] == "Dataset" and doc["@id"] == str(DATASET)
    assert doc["url"] == {"@id": "http://testserver/dataset"}
    assert {d["contentUrl"]["@id"] for d in doc["distribution"]} >= {"http://testserver/dumps/dataset.nq.gz"}
    g = rdflib.Graph().parse(data=block, format="json-ld")
    assert (DATASET, RDF.type, rdflib.URIRef("https://schema.org/Dataset")) in g


def test_unacceptable_type_is_406(client):
    assert client.get("/dataset", headers={"Accept": "image/png"}).status_code == 406


# --------------------------------------------------------------------------- dumps
def _distributions(description) -> dict[str, tuple[int, str]]:
    out = {}
    for dist in description.objects(DATASET, DCAT.distribution):
        url = description.value(dist, DCAT.downloadURL)
        if url is None:
            continue
        checksum = description.value(dist, SPDX.checksum)
        out[str(url)] = (
            int(description.value(dist, DCAT.byteSize)),
            str(description.value(checksum, SPDX.checksumValue)),
        )
    return out


def test_every_dump_matches_its_description(client, description):
    described = _distributions(description)
    names = {u.rsplit("/", 1)[1] for u in described}
    assert {"dataset.nq.gz", "csv-metadata.json", "projects.csv"} <= names
    for url, (size, sha) in described.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert int(response.headers["content-length"]) == size == len(response.content), url
        assert hashlib.sha256(response.content).hexdigest() == sha, url
        assert response.headers["etag"] == f'"{sha}"', url


def test_nquads_dump_downloads_as_gzip_and_holds_the_store(client, backend):
    response = client.get("/dumps/dataset.nq.gz")
    assert response.headers["content-type"] == "application/gzip"
    quads = set(ox.parse(gzip.decompress(response.content), format=ox.RdfFormat.N_QUADS))
    assert quads == set(backend.store())


def test_dump_etag_gives_304(client):
    etag = client.get("/dumps/projects.csv").headers["etag"]
    again = client.get("/dumps/projects.csv", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert client.get("/dumps/projects.csv", headers={"If-None-Match": '"other"'}).status_code == 200


@pytest.mark.parametrize("name", ["nothing.csv", "..%2Fbuild.json", "manifest.json.bak"])
def test_unknown_dumps_are_404(client, name):
    assert client.get(f"/dumps/{name}").status_code == 404


def test_manifest_is_served(client, description):
    manifest = client.get("/dumps/manifest.json").json()
    assert {f"http://testserver/dumps/{f['name']}" for f in manifest["files"]} == set(
        _distributions(description)
    )
    assert str(description.value(DATASET, DCAT_VERSION)) == manifest["version"]
