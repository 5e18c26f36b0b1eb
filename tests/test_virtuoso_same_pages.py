"""With ``--sparql-endpoint`` in front of Virtuoso, every route answers as the embedded service
does (modulo order), issue #15 item 6.

Debian's Virtuoso (``virtuoso-t``; ``make test`` installs virtuoso-opensource) is started on
127.0.0.1 with a fresh database (tests/virtuoso.py); the export's dataset.nq.gz is pushed into it
the way a user does, with ``zhytomyr-kg load-remote`` over Virtuoso's Graph Store endpoint
(``/sparql-graph-crud-auth``, HTTP Digest); then the routes of tests/remote_diff.py are asked of
the embedded service and of the service in front of Virtuoso.
"""

from __future__ import annotations

import csv
import gzip
import io
import subprocess
import sys

import httpx
import pyoxigraph
import pytest

from graph_service.testing import ROOT
from tests.pages_support import store_dir
from tests.remote_diff import (
    assert_same_routes,
    class_counts,
    embedded_and_remote,
)
from tests.virtuoso import DBA, running_virtuoso, virtuoso_bin

pytestmark = [
    pytest.mark.processes,
    pytest.mark.slow,
    pytest.mark.skipif(
        virtuoso_bin() is None,
        reason="Virtuoso (virtuoso-t, Debian's virtuoso-opensource) is not installed; `make test` installs it",
    ),
]

ENTITY = "/id/funder/giz"


@pytest.fixture(scope="module")
def dump(dumps):
    return dumps / "dataset.nq.gz"  # the session's export of the build (conftest)


@pytest.fixture(scope="module")
def virtuoso(dump):
    with running_virtuoso() as server:
        loaded = subprocess.run(
            [
                sys.executable,
                "-m",
                "zhytomyr_kg.cli",
                "load-remote",
                "--user",
                ":".join(DBA),
                "--auth-digest",
                str(dump),
                server.graph_store,
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=300,
        )
        assert loaded.returncode == 0, loaded.stderr
        server.loaded = loaded.stdout  # type: ignore[attr-defined]
        yield server


@pytest.fixture(scope="module")
def clients(built, virtuoso):
    with embedded_and_remote(store_dir(built), virtuoso.sparql) as pair:
        yield pair


def test_load_remote_pushes_every_graph_into_virtuoso(virtuoso, dump):
    with gzip.open(dump) as f:
        quads = list(pyoxigraph.parse(f, format=pyoxigraph.RdfFormat.N_QUADS))
    graphs = {q.graph_name.value for q in quads}
    # one line per graph: status, triples, graph
    lines = [line.split("\t") for line in virtuoso.loaded.splitlines()]
    assert {g for _, _, g in lines} == graphs
    assert sum(int(n) for _, n, _ in lines) == len(quads)
    for graph in graphs:
        n = _count(
            httpx.post(
                virtuoso.sparql,
                data={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"},
                headers={"Accept": "application/sparql-results+json"},
            )
        )
        assert n == sum(1 for q in quads if q.graph_name.value == graph)


def test_every_route_is_the_same_on_virtuoso(clients):
    assert_same_routes(*clients)


def _count(response: httpx.Response) -> int:
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_virtuoso_system_graphs_are_not_data(clients, virtuoso):
    embedded, remote = clients
    assert class_counts(embedded) == class_counts(remote)
    everything = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}
    json = {"Accept": "application/sparql-results+json"}
    on_virtuoso = _count(httpx.post(virtuoso.sparql, data=everything, headers=json))
    ours = [_count(c.get("/sparql", params=everything, headers=json)) for c in (embedded, remote)]
    # Virtuoso's own graphs (virtrdf: …) hold triples of their own; the service counts the data only
    assert ours[0] == ours[1] < on_virtuoso
    assert remote.get("/health").json()["triples"] == embedded.get("/health").json()["triples"] == ours[0]
    sd = remote.get("/sparql", headers={"Accept": "text/turtle"}).text
    assert "openlinksw" not in sd and "/graph/report/" in sd


def _triples(body: bytes, fmt: pyoxigraph.RdfFormat) -> set[str]:
    def term(t) -> str:
        return "_" if isinstance(t, pyoxigraph.BlankNode) else str(t)

    return {f"{term(t.subject)} {t.predicate} {term(t.object)}" for t in pyoxigraph.parse(body, format=fmt)}


@pytest.mark.parametrize(
    ("suffix", "fmt"),
    [
        ("jsonld", pyoxigraph.RdfFormat.JSON_LD),
        ("ttl", pyoxigraph.RdfFormat.TURTLE),
        ("rdf", pyoxigraph.RdfFormat.RDF_XML),
        ("nt", pyoxigraph.RdfFormat.N_TRIPLES),
    ],
)
def test_entity_rdf_is_the_same_on_virtuoso(clients, suffix, fmt):
    embedded, remote = clients
    a, b = (c.get(f"{ENTITY}.{suffix}") for c in (embedded, remote))
    assert a.status_code == b.status_code == 200
    ta, tb = _triples(a.content, fmt), _triples(b.content, fmt)
    assert ta == tb
    assert any('"@uk' in t for t in ta) and any('"@en' in t for t in ta)  # language tags kept


def test_virtuoso_row_limit_is_passed_on(clients):
    """Virtuoso cuts a result to its ResultSetMaxRows (10,000 here) and says so: the service
    passes X-SPARQL-MaxRows on instead of a silently short answer."""
    _, remote = clients
    r = remote.get(
        "/sparql",
        params={"query": "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"},
        headers={"Accept": "text/csv"},
    )
    assert r.status_code == 200
    assert r.headers["x-sparql-maxrows"] == "10000"
    assert len(list(csv.reader(io.StringIO(r.text)))) == 10_001  # the header and the rows Virtuoso sent
