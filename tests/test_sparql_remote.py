"""The remote path end to end: Graph Store push into `oxigraph serve`, then the service in front of it."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pyoxigraph
import pytest

from graph_service.sample_graphs import sample_quads
from graph_service.store.base import QueryError
from graph_service.store.remote import RemoteBackend, load_remote
from graph_service.testing import oxigraph_bin, running, service_cmd

G = "https://w3id.org/zhytomyr-kg/graph/"
ID = "https://w3id.org/zhytomyr-kg/id/"
ZKG = "https://w3id.org/zhytomyr-kg/ontology#"
PROJECTS = f"SELECT ?p WHERE {{ ?p a <{ZKG}Project> }}"

pytestmark = [
    pytest.mark.processes,
    pytest.mark.skipif(
        oxigraph_bin() is None, reason="the oxigraph server (PyPI 'oxigraph') is not installed"
    ),
]


@pytest.fixture(scope="module")
def nquads(tmp_path_factory):
    path = tmp_path_factory.mktemp("dump") / "graph.nq"
    pyoxigraph.serialize(sample_quads(), str(path), pyoxigraph.RdfFormat.N_QUADS)
    return path


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory):
    location = tmp_path_factory.mktemp("oxigraph")
    cmd = [
        oxigraph_bin(),
        "serve",
        "--location",
        str(location),
        "--bind",
        "127.0.0.1:0",
        "--union-default-graph",
        "--timeout-s",
        "10",
    ]
    with running(cmd, "/query?query=ASK%7B%7D") as server:
        yield server.base


def graph_counts(base: str) -> dict[str, int]:
    r = httpx.post(
        base + "/query",
        content="SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
        headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
    )
    return {b["g"]["value"]: int(b["n"]["value"]) for b in r.json()["results"]["bindings"]}


@pytest.fixture(scope="module")
def loaded(oxigraph, nquads):
    pushed = load_remote(nquads, oxigraph + "/store")
    return oxigraph, pushed


def test_graph_store_push_puts_each_named_graph(loaded):
    base, pushed = loaded
    expected: dict[str, int] = {}
    for q in sample_quads():
        expected[q.graph_name.value] = expected.get(q.graph_name.value, 0) + 1
    assert {p.graph: p.triples for p in pushed} == expected
    assert all(200 <= p.status < 300 for p in pushed)
    assert graph_counts(base) == expected


def test_push_replaces_graphs(oxigraph, tmp_path):
    # a second push of a smaller version of one graph replaces it (PUT semantics), others untouched
    small = tmp_path / "small.trig"
    keep = [q for q in sample_quads() if q.graph_name.value == G + "authority"][:2]
    pyoxigraph.serialize(keep, str(small), pyoxigraph.RdfFormat.TRIG)
    before = graph_counts(oxigraph)
    load_remote(small, oxigraph + "/store")
    after = graph_counts(oxigraph)
    assert after[G + "authority"] == 2
    assert after[G + "report/zhytomyr-2022"] == before[G + "report/zhytomyr-2022"]


def test_load_remote_cli(oxigraph, nquads):
    proc = subprocess.run(
        [sys.executable, "-m", "zhytomyr_kg.cli", "load-remote", str(nquads), oxigraph + "/store"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    lines = [line.split("\t") for line in proc.stdout.strip().splitlines()]
    assert sorted(cols[2] for cols in lines) == [G + "authority", G + "ontology", G + "report/zhytomyr-2022"]
    bad = subprocess.run(
        [sys.executable, "-m", "zhytomyr_kg.cli", "load-remote", str(nquads), oxigraph + "/nowhere"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 1 and "load-remote failed" in bad.stderr


def test_remote_backend_seam(loaded, nquads):
    base, _ = loaded
    load_remote(nquads, base + "/store")  # full data again (another test shrinks a graph)
    backend = RemoteBackend(base + "/query")
    rows = backend.select_rows(f"SELECT ?p ?d WHERE {{ ?p a <{ZKG}Project> ; <{ZKG}responsibleBody> ?d }}")
    assert rows == [{"p": ID + "project/enerhoefektyvnist-shkil", "d": ID + "department/economy"}]
    ttl = backend.construct(f"DESCRIBE <{ID}funder/giz>", "text/turtle")
    assert len(list(pyoxigraph.parse(ttl, format=pyoxigraph.RdfFormat.TURTLE))) >= 3
    csv = backend.query(PROJECTS, format="csv")
    assert csv.media_type == "text/csv" and ID + "project/enerhoefektyvnist-shkil" in csv.read().decode()
    assert backend.triple_count() == len(sample_quads())
    health = backend.health()
    assert health.ok and health.data_version.startswith("remote-")
    named = RemoteBackend(base + "/query", data_version="build-42")
    assert named.data_version() == "build-42"
    named.close()
    with pytest.raises(QueryError) as err:
        backend.query("SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }")
    assert err.value.status == 403
    with pytest.raises(QueryError) as err:
        backend.query("SELECT * WHERE { ?s ")
    assert err.value.status == 400
    backend.close()  # its HTTP connections, not left to the garbage collector


@pytest.fixture(scope="module")
def service_on_remote(loaded, nquads, tmp_path_factory):
    base, _ = loaded
    load_remote(nquads, base + "/store")
    env = {
        "ZKG_SPARQL_ENDPOINT": base + "/query",
        "ZKG_SPARQL_TIMEOUT": "2",
        "ZKG_ACCESS_LOG": "0",
        "ZKG_STORE": str(tmp_path_factory.mktemp("no-store")),
    }
    with running(service_cmd(), "/health", env=env) as server:
        yield server.base


def test_service_in_front_of_remote_store(service_on_remote):
    from SPARQLWrapper import JSON, SPARQLWrapper

    url = service_on_remote
    health = httpx.get(url + "/health").json()
    assert health["backend"] == "remote" and health["executor"]["kind"] == "remote"
    assert health["triples"] == len(sample_quads())
    sw = SPARQLWrapper(url + "/sparql")
    sw.setQuery(PROJECTS)
    sw.setReturnFormat(JSON)
    assert [b["p"]["value"] for b in sw.query().convert()["results"]["bindings"]] == [
        ID + "project/enerhoefektyvnist-shkil"
    ]
    for accept in ("application/sparql-results+xml", "text/csv", "text/tab-separated-values"):
        r = httpx.get(url + "/sparql", params={"query": PROJECTS}, headers={"Accept": accept})
        assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
    for accept in ("text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json"):
        r = httpx.get(
            url + "/sparql", params={"query": f"DESCRIBE <{ID}funder/giz>"}, headers={"Accept": accept}
        )
        assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
        assert (
            len(list(pyoxigraph.parse(r.content, format=pyoxigraph.RdfFormat.from_media_type(accept)))) >= 3
        )
    # union default graph on the remote side too (report graph joined with authority graph)
    q = f"ASK {{ ?p <{ZKG}responsibleBody> ?d . ?d <http://www.w3.org/2000/01/rdf-schema#label> ?l }}"
    assert httpx.get(url + "/sparql", params={"query": q}).json()["boolean"] is True
    # caching headers work the same
    r = httpx.get(url + "/sparql", params={"query": PROJECTS})
    assert (
        httpx.get(
            url + "/sparql", params={"query": PROJECTS}, headers={"If-None-Match": r.headers["etag"]}
        ).status_code
        == 304
    )
    # and so do the refusals, before anything reaches the remote store
    assert httpx.post(url + "/sparql", data={"update": "DROP ALL"}).status_code == 403
    assert (
        httpx.get(
            url + "/sparql", params={"query": "SELECT * { SERVICE <http://example.org/s> { ?s ?p ?o } }"}
        ).status_code
        == 403
    )
    assert httpx.get(url + "/sparql", params={"query": "SELECT * { ?s"}).status_code == 400


def test_time_limit_on_remote(service_on_remote):
    explosive = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(f"?s{i} ?p{i} ?o{i} ." for i in range(8)) + " }"
    r = httpx.get(service_on_remote + "/sparql", params={"query": explosive}, timeout=60)
    assert r.status_code == 503 and "time limit" in r.text
    assert (
        httpx.get(service_on_remote + "/sparql", params={"query": PROJECTS + " # after"}).status_code == 200
    )


def test_load_remote_streams_gzipped_nquads_with_graphs_in_several_runs(oxigraph, tmp_path):
    # the export's own dataset.nq.gz; the graphs interleaved: a later run of a graph is added
    # (POST), not replacing the first (PUT)
    import gzip

    quads = sample_quads()
    quads = quads[::2] + quads[1::2]
    path = tmp_path / "dataset.nq.gz"
    path.write_bytes(gzip.compress(pyoxigraph.serialize(quads, format=pyoxigraph.RdfFormat.N_QUADS)))
    pushed = load_remote(path, oxigraph + "/store")
    expected: dict[str, int] = {}
    for q in quads:
        expected[q.graph_name.value] = expected.get(q.graph_name.value, 0) + 1
    assert {p.graph: p.triples for p in pushed} == expected
    assert graph_counts(oxigraph) == expected
