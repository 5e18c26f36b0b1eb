"""The /sparql endpoint as real clients see it: a real server on 127.0.0.1, raw HTTP, SPARQLWrapper, rdflib."""

from __future__ import annotations

import csv
import io
import json

import httpx
import pyoxigraph
import pytest

from graph_service.sample_graphs import sample_quads
from graph_service.testing import running, service_cmd

pytestmark = [pytest.mark.processes]

ZKG = "https://w3id.org/zhytomyr-kg/ontology#"
ID = "https://w3id.org/zhytomyr-kg/id/"
G = "https://w3id.org/zhytomyr-kg/graph/"
PREFIXES = f"PREFIX zkg: <{ZKG}>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
PROJECTS = PREFIXES + "SELECT ?p ?label WHERE { ?p a zkg:Project ; rdfs:label ?label } ORDER BY ?p"
REPORT_TEXT = PREFIXES + "SELECT ?r ?text WHERE { ?r zkg:text ?text }"
ASK_GIZ = PREFIXES + f"ASK {{ ?p zkg:fundedBy <{ID}funder/giz> }}"
CONSTRUCT_PROJECT = (
    PREFIXES
    + f"CONSTRUCT {{ ?p ?q ?o }} WHERE {{ BIND(<{ID}project/enerhoefektyvnist-shkil> AS ?p) ?p ?q ?o }}"
)


@pytest.fixture(scope="module")
def server(sample_store, tmp_path_factory):
    env = {
        "ZKG_STORE": str(sample_store),
        "ZKG_SPARQL_POOL_SIZE": "2",
        "ZKG_SPARQL_MAX_ROWS": "20",
        "ZKG_SPARQL_MAX_QUERY_BYTES": "4096",
        "ZKG_SPARQL_CACHE_CONTROL": "public, max-age=42",
        "ZKG_ACCESS_LOG": "1",
    }
    log = tmp_path_factory.mktemp("log") / "server.log"
    with running(service_cmd(), "/health", env=env, log_path=log) as running_server:
        yield running_server.base
    base_log = log.read_text()
    assert "Traceback" not in base_log, base_log


@pytest.fixture()
def client(server):
    with httpx.Client(base_url=server, timeout=30) as c:
        yield c


def metric(client, name: str) -> float:
    text = client.get("/metrics").text
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            total += float(line.rsplit(" ", 1)[1])
    return total


# --------------------------------------------------------------------------- every content type


@pytest.mark.parametrize(
    "accept, expected",
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("application/json", "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/sparql-results+xml"),
    ],
)
def test_select_in_every_result_format(client, accept, expected):
    r = client.get("/sparql", params={"query": PROJECTS}, headers={"Accept": accept})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == expected
    if expected == "text/csv":  # lossy: plain strings
        rows = list(csv.reader(io.StringIO(r.text)))
        assert rows == [["p", "label"], [ID + "project/enerhoefektyvnist-shkil", "Енергоефективність шкіл"]]
        return
    parsed = list(
        pyoxigraph.parse_query_results(r.content, pyoxigraph.QueryResultsFormat.from_media_type(expected))
    )
    assert [str(s["p"].value) for s in parsed] == [ID + "project/enerhoefektyvnist-shkil"]
    assert parsed[0]["label"].value == "Енергоефективність шкіл"


def test_csv_and_tsv_escape_awkward_text(client):
    text = 'Утеплено 3 школи за підтримки GIZ; "тест", кома\tтаб\nрядок'
    r = client.get("/sparql", params={"query": REPORT_TEXT}, headers={"Accept": "text/csv"})
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == ["r", "text"] and rows[1][1] == text
    r = client.get("/sparql", params={"query": REPORT_TEXT}, headers={"Accept": "text/tab-separated-values"})
    header, row = r.text.rstrip("\n").split("\n")
    assert header == "?r\t?text"
    assert "\\t" in row and "\\n" in row and row.endswith("@uk")


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml"])
def test_ask_formats(client, accept):
    r = client.post(
        "/sparql", content=ASK_GIZ, headers={"Content-Type": "application/sparql-query", "Accept": accept}
    )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(accept)
    assert bool(
        pyoxigraph.parse_query_results(r.content, pyoxigraph.QueryResultsFormat.from_media_type(accept))
    )


@pytest.mark.parametrize(
    "accept, expected, fmt",
    [
        ("text/turtle", "text/turtle", pyoxigraph.RdfFormat.TURTLE),
        ("application/n-triples", "application/n-triples", pyoxigraph.RdfFormat.N_TRIPLES),
        ("application/ld+json", "application/ld+json", pyoxigraph.RdfFormat.JSON_LD),
        ("application/rdf+xml", "application/rdf+xml", pyoxigraph.RdfFormat.RDF_XML),
        (None, "text/turtle", pyoxigraph.RdfFormat.TURTLE),
    ],
)
def test_construct_and_describe_formats(client, accept, expected, fmt):
    headers = {"Accept": accept} if accept else {}
    for query in (CONSTRUCT_PROJECT, f"DESCRIBE <{ID}project/enerhoefektyvnist-shkil>"):
        r = client.post("/sparql", data={"query": query}, headers=headers)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].split(";")[0] == expected
        triples = list(pyoxigraph.parse(r.content, format=fmt))
        preds = {t.predicate.value for t in triples}
        assert ZKG + "fundedBy" in preds and ZKG + "inTask" in preds


def test_format_parameter_overrides_accept(client):
    r = client.get(
        "/sparql",
        params={"query": PROJECTS, "format": "csv"},
        headers={"Accept": "application/sparql-results+xml"},
    )
    assert r.headers["content-type"].startswith("text/csv")
    r = client.get("/sparql", params={"query": CONSTRUCT_PROJECT, "format": "jsonld"})
    assert r.headers["content-type"].startswith("application/ld+json")
    json.loads(r.text)
    r = client.get("/sparql", params={"query": CONSTRUCT_PROJECT, "format": "json"})
    assert r.headers["content-type"].startswith("application/ld+json")


# --------------------------------------------------------------------------- status codes


def test_406_for_unsupported_accept(client):
    r = client.get("/sparql", params={"query": PROJECTS}, headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert "application/sparql-results+json" in r.text
    r = client.get("/sparql", params={"query": CONSTRUCT_PROJECT}, headers={"Accept": "text/csv"})
    assert r.status_code == 406


def test_415_for_unsupported_body_type(client):
    r = client.post("/sparql", content=PROJECTS, headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    r = client.post(
        "/sparql",
        content=PROJECTS.encode("utf-16"),
        headers={"Content-Type": "application/sparql-query; charset=UTF-16"},
    )
    assert r.status_code == 415


def test_400_carries_the_parser_message(client):
    r = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p "})
    assert r.status_code == 400
    assert "error at 1:" in r.text  # the store's parser says where


def test_400_for_two_queries_and_bad_graph_iri(client):
    r = client.get("/sparql?query=ASK%20%7B%7D&query=ASK%20%7B%7D")
    assert r.status_code == 400
    r = client.get("/sparql", params={"query": "ASK {}", "default-graph-uri": "not an iri"})
    assert r.status_code == 400


def test_405_for_other_methods(client):
    assert client.put("/sparql", content="x").status_code == 405


def test_413_for_an_oversized_query(client):
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 5000
    assert client.get("/sparql", params={"query": big}).status_code == 413
    assert (
        client.post("/sparql", content=big, headers={"Content-Type": "application/sparql-query"}).status_code
        == 413
    )


# --------------------------------------------------------------------------- read-only and safe


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"method": "POST", "data": {"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}},
        {
            "method": "POST",
            "content": "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
            "headers": {"Content-Type": "application/sparql-update"},
        },
        {"method": "GET", "params": {"update": "CLEAR ALL"}},
        {"method": "POST", "data": {"query": "LOAD <http://127.0.0.1:9/evil.ttl>"}},
        {"method": "POST", "data": {"query": "DROP ALL"}},
        {"method": "GET", "params": {"query": "PREFIX x: <urn:x> INSERT { ?s ?p ?o } WHERE { ?s ?p ?o }"}},
    ],
)
def test_updates_and_load_are_refused(client, request_kwargs):
    kw = dict(request_kwargs)
    method = kw.pop("method")
    r = client.request(method, "/sparql", **kw)
    assert r.status_code == 403, r.text
    assert "read-only" in r.text
    # and nothing changed
    r = client.get("/sparql", params={"query": "ASK { <urn:a> ?p ?o }"})
    assert r.json()["boolean"] is False


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE SILENT <http://example.org/sparql> { ?s ?p ?o } }",
        "PREFIX e: <http://example.org/> SELECT * WHERE { service e:sparql { ?s ?p ?o } }",
        "SELECT * WHERE { VALUES ?e { <http://example.org/sparql> } SERVICE ?e { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE <http://example.org/x> { ?s ?q ?r } } }",
    ],
)
def test_service_is_refused_when_not_allow_listed(client, query):
    r = client.get("/sparql", params={"query": query})
    assert r.status_code == 403, r.text
    assert "SERVICE" in r.text and "not allowed" in r.text


def test_keywords_inside_strings_and_iris_are_not_mistaken(client):
    q = (
        PREFIXES
        + 'SELECT ?x WHERE { BIND("SERVICE <http://x/> INSERT" AS ?x) FILTER(?x != <urn:LOAD>) }  # SERVICE <http://y/>'
    )
    r = client.get("/sparql", params={"query": q})
    assert r.status_code == 200, r.text
    assert r.json()["results"]["bindings"][0]["x"]["value"].startswith("SERVICE")


def test_row_limit_caps_results_and_says_so(client):
    r = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert r.status_code == 200
    assert len(r.json()["results"]["bindings"]) == 20
    assert r.headers["x-sparql-maxrows"] == "20"
    r = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 100"})
    assert len(r.json()["results"]["bindings"]) == 20
    r = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 2"})
    assert len(r.json()["results"]["bindings"]) == 2 and "x-sparql-maxrows" not in r.headers


# --------------------------------------------------------------------------- dataset, union default graph


def test_default_graph_is_the_union_of_named_graphs(client):
    q = PREFIXES + "ASK { ?p zkg:responsibleBody ?d . ?d rdfs:label ?l }"  # report graph ⋈ authority graph
    assert client.get("/sparql", params={"query": q}).json()["boolean"] is True
    q = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
    graphs = [
        b["g"]["value"] for b in client.get("/sparql", params={"query": q}).json()["results"]["bindings"]
    ]
    assert graphs == [G + "authority", G + "ontology", G + "report/zhytomyr-2022"]


def test_protocol_dataset_restricts_the_default_graph(client):
    q = PREFIXES + "ASK { ?p zkg:responsibleBody ?d . ?d rdfs:label ?l }"
    r = client.get("/sparql", params={"query": q, "default-graph-uri": G + "report/zhytomyr-2022"})
    assert r.json()["boolean"] is False
    r = client.get(
        "/sparql",
        params=[
            ("query", q),
            ("default-graph-uri", G + "report/zhytomyr-2022"),
            ("default-graph-uri", G + "authority"),
        ],
    )
    assert r.json()["boolean"] is True


def test_from_clause_is_honoured(client):
    q = PREFIXES + f"ASK FROM <{G}authority> {{ ?p a zkg:Project }}"
    assert client.get("/sparql", params={"query": q}).json()["boolean"] is False


# --------------------------------------------------------------------------- caching, CORS, service description


def test_etag_and_304(client):
    r1 = client.get("/sparql", params={"query": PROJECTS})
    etag = r1.headers["etag"]
    assert etag.startswith('"test-build-1-')
    assert r1.headers["cache-control"] == "public, max-age=42"
    r2 = client.get("/sparql", params={"query": PROJECTS}, headers={"If-None-Match": etag})
    assert r2.status_code == 304 and r2.content == b"" and r2.headers["etag"] == etag
    r3 = client.get("/sparql", params={"query": PROJECTS}, headers={"If-None-Match": '"other"'})
    assert r3.status_code == 200
    # a different representation has a different tag
    r4 = client.get("/sparql", params={"query": PROJECTS}, headers={"Accept": "text/csv"})
    assert r4.headers["etag"] != etag


def test_repeated_query_is_served_from_the_cache(client):
    q = PREFIXES + "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?t } # cache probe"
    before = metric(client, "zkg_sparql_cache_hits_total")
    a = client.get("/sparql", params={"query": q})
    b = client.get("/sparql", params={"query": q})
    assert a.content == b.content
    assert metric(client, "zkg_sparql_cache_hits_total") == before + 1


def test_cors_preflight_and_simple_request(client):
    r = client.options(
        "/sparql",
        headers={
            "Origin": "https://yasgui.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] in ("*", "https://yasgui.example")
    assert "POST" in r.headers["access-control-allow-methods"]
    r = client.get("/sparql", params={"query": ASK_GIZ}, headers={"Origin": "https://yasgui.example"})
    assert r.headers["access-control-allow-origin"] == "*"
    assert "ETag" in r.headers["access-control-expose-headers"]


@pytest.mark.parametrize(
    "accept", ["text/turtle", "application/rdf+xml", "application/ld+json", "application/n-triples"]
)
def test_service_description(client, server, accept):
    r = client.get("/sparql", headers={"Accept": accept})
    assert r.status_code == 200
    store = pyoxigraph.Store()
    store.load(r.content, format=pyoxigraph.RdfFormat.from_media_type(accept))
    sd = "http://www.w3.org/ns/sparql-service-description#"
    ask = f"""PREFIX sd: <{sd}> ASK {{ <{server}/sparql> a sd:Service ; sd:endpoint <{server}/sparql> ;
              sd:supportedLanguage sd:SPARQL11Query ; sd:feature sd:UnionDefaultGraph ;
              sd:resultFormat <http://www.w3.org/ns/formats/SPARQL_Results_CSV> ;
              sd:defaultDataset [ sd:namedGraph [ sd:name <{G}authority> ] ] }}"""
    assert store.query(ask)
    assert not store.query(f"PREFIX sd: <{sd}> ASK {{ ?s sd:feature sd:BasicFederatedQuery }}")


# --------------------------------------------------------------------------- health, metrics, logs


def test_health(client):
    r = client.get("/health")
    assert r.status_code == 200
    data = r.json()
    assert data["status"] == "ok" and data["data_version"] == "test-build-1"
    assert data["triples"] == len(sample_quads())
    assert data["executor"]["kind"] == "process-pool" and data["executor"]["workers"] == 2


def test_metrics_exposition(client):
    client.get("/sparql", params={"query": ASK_GIZ})
    text = client.get("/metrics").text
    for name in (
        "zkg_http_requests_total",
        "zkg_http_request_duration_seconds_bucket",
        "zkg_sparql_query_timeouts_total",
        "zkg_sparql_cache_hits_total",
        "zkg_sparql_rejected_total",
        "zkg_sparql_in_flight",
    ):
        assert name in text


# --------------------------------------------------------------------------- real clients


def test_sparqlwrapper_select_ask_construct(server):
    from SPARQLWrapper import CSV, JSON, POST, TURTLE, XML, SPARQLWrapper

    sw = SPARQLWrapper(server + "/sparql")
    sw.setQuery(PROJECTS)
    sw.setReturnFormat(JSON)
    data = sw.query().convert()
    assert data["results"]["bindings"][0]["label"]["value"] == "Енергоефективність шкіл"
    sw.setReturnFormat(XML)
    doc = sw.query().convert()
    assert doc.getElementsByTagName("result").length == 1
    sw.setReturnFormat(CSV)
    assert "Енергоефективність шкіл" in sw.query().convert().decode("utf-8")
    sw.setMethod(POST)
    sw.setQuery(ASK_GIZ)
    sw.setReturnFormat(JSON)
    assert sw.query().convert()["boolean"] is True
    sw.setQuery(CONSTRUCT_PROJECT)
    sw.setReturnFormat(TURTLE)
    ttl = sw.query().convert()
    assert b"fundedBy" in ttl or b"ontology#fundedBy" in ttl
    sw.setReturnFormat(XML)  # rdflib Graph from RDF/XML
    g = sw.query().convert()
    assert len(g) >= 5


def test_rdflib_sparqlstore(server):
    from rdflib import Graph, URIRef
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    store = SPARQLStore(server + "/sparql", returnFormat="json")
    g = Graph(store=store)
    rows = list(g.query(PROJECTS))
    assert [str(r.label) for r in rows] == ["Енергоефективність шкіл"]
    assert g.query(ASK_GIZ).askAnswer is True
    project = URIRef(ID + "project/enerhoefektyvnist-shkil")
    objects = set(g.objects(project, URIRef(ZKG + "fundedBy")))
    assert objects == {URIRef(ID + "funder/giz")}
    # rdflib's default "xml" return format also accepts RDF/XML, so CONSTRUCT works through it;
    # with returnFormat="json" it accepts only SPARQL JSON results, and a CONSTRUCT gets a 406.
    store_xml = SPARQLStore(server + "/sparql", method="POST_FORM")
    g_xml = Graph(store=store_xml)
    assert len(list(g_xml.query(PROJECTS))) == 1
    assert len(g_xml.query(CONSTRUCT_PROJECT).graph) >= 5


def test_access_log_is_structured(server, client, tmp_path_factory):
    # the log file is written by the server process; a request shows up as one JSON line
    client.get("/sparql", params={"query": ASK_GIZ + " # log probe"})
    logs = list(tmp_path_factory.getbasetemp().glob("log*/server.log"))
    assert logs
    lines = [json.loads(line) for line in logs[0].read_text().splitlines() if line.startswith("{")]
    assert any(e["path"] == "/sparql" and e["status"] == 200 and "ms" in e and "q" in e for e in lines)
