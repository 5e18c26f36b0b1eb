"""The W3C SPARQL 1.1 Protocol test suite (tests/data/w3c-protocol/manifest.ttl), run against a real server.

Every case is read from the manifest: its HTTP request(s) are replayed as written and the
response is checked against the expected status, result format and boolean. Cases that
exercise the *update* operation successfully cannot apply to a read-only service and are
skipped with that reason (listed in docs/SERVICE.md); the ``bad_update_*`` cases do apply (an
update must be refused with a 4xx) and run.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pyoxigraph
import pytest
from rdflib import Graph, Namespace
from rdflib.collection import Collection
from rdflib.namespace import RDFS

from graph_service import conneg as formats
from graph_service.testing import build_store, running, service_cmd

pytestmark = [pytest.mark.processes]

DATA = Path(__file__).parent / "data" / "w3c-protocol"
MANIFEST = DATA / "manifest.ttl"
BASE = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = "http://www.w3.org/2011/http-statusCodes#StatusCode"

SKIPPED = {
    "update_dataset_default_graph": "update operation: the service is read-only (updates are refused with 403)",
    "update_dataset_default_graphs": "update operation: the service is read-only",
    "update_dataset_named_graphs": "update operation: the service is read-only",
    "update_dataset_full": "update operation: the service is read-only",
    "update_post_form": "update operation: the service is read-only",
    "update_post_direct": "update operation: the service is read-only",
    "update_base_uri": "update operation: the service is read-only",
}


def load_cases():
    g = Graph()
    g.parse(MANIFEST, format="turtle", publicID=BASE)
    manifest = next(g.subjects(MF.entries, None))
    entries = Collection(g, g.value(manifest, MF.entries))
    cases = []
    for entry in entries:
        name = str(entry).split("#")[-1]
        action = g.value(entry, MF.action)
        requests = []
        for req in Collection(g, g.value(action, HT.requests)):
            body_node = g.value(req, HT.body)
            body = None
            if body_node is not None:
                chars = str(g.value(body_node, CNT.chars))
                encoding = str(g.value(body_node, CNT.characterEncoding) or "UTF-8")
                body = chars.encode("utf-16" if encoding.upper() == "UTF-16" else "utf-8")
            headers = {}
            headers_node = g.value(req, HT.headers)
            if headers_node is not None:
                for h in Collection(g, headers_node):
                    headers[str(g.value(h, HT.fieldName))] = str(g.value(h, HT.fieldValue))
            resp = g.value(req, HT.resp)
            requests.append(
                {
                    "method": str(g.value(req, HT.methodName)),
                    "path": str(g.value(req, HT.absolutePath)),
                    "body": body,
                    "headers": headers,
                    "statuses": {str(s)[len(HTS) :] for s in g.objects(resp, MF.expectedStatus)},
                    "format": str(g.value(resp, MF.expectedFormat) or "") or None,
                    "boolean": g.value(resp, MF.expectedBoolean),
                }
            )
        graph_data = {}
        for gd in g.objects(entry, UT.graphData):
            graph_data[str(g.value(gd, RDFS.label))] = str(g.value(gd, UT.graph)).split("/")[-1]
        cases.append(
            pytest.param(
                name,
                requests,
                graph_data,
                id=name,
                marks=[pytest.mark.skip(reason=SKIPPED[name])] if name in SKIPPED else [],
            )
        )
    return cases


CASES = load_cases()


def test_manifest_read_completely():
    assert len(CASES) == 34  # every entry of the manifest is either run or skipped with a reason
    assert len([c for c in CASES if c.marks]) == len(SKIPPED)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    store_dir = tmp_path_factory.mktemp("w3c-store")
    quads = []
    for i in (1, 2, 3):
        graph = pyoxigraph.NamedNode(f"http://kasei.us/2009/09/sparql/data/data{i}.rdf")
        for t in pyoxigraph.parse(path=str(DATA / f"data{i}.nt"), format=pyoxigraph.RdfFormat.N_TRIPLES):
            quads.append(pyoxigraph.Quad(t.subject, t.predicate, t.object, graph))
    build_store(store_dir, quads, build_id="w3c")
    with running(
        service_cmd(),
        "/health",
        env={"ZKG_STORE": str(store_dir), "ZKG_ACCESS_LOG": "0", "ZKG_SPARQL_POOL_SIZE": "1"},
    ) as running_server:
        yield running_server.base


def status_class(code: int) -> str:
    return f"{code // 100}xx"


@pytest.mark.parametrize("name, requests, graph_data", CASES)
def test_w3c_protocol(server, name, requests, graph_data):
    for label in graph_data:  # the fixture loaded data1..3 into graphs named by these labels
        assert label.startswith("http://kasei.us/2009/09/sparql/data/data")
    with httpx.Client(base_url=server, timeout=30) as client:
        for req in requests:
            path = req["path"].replace("/sparql/", "/sparql", 1)
            response = client.request(req["method"], path, content=req["body"], headers=req["headers"])
            assert status_class(response.status_code) in req["statuses"], (
                f"{name}: {response.status_code} {response.text[:300]}"
            )
            media = response.headers.get("content-type", "").split(";")[0]
            if req["format"] == "boolean":
                assert media in formats.BOOLEAN_TYPES
                result = pyoxigraph.parse_query_results(
                    response.content, pyoxigraph.QueryResultsFormat.from_media_type(media)
                )
                if req["boolean"] is not None:
                    assert bool(result) == bool(req["boolean"].toPython())
            elif req["format"] == "tabular":
                assert media in formats.SOLUTION_TYPES
            elif req["format"] == "RDF":
                assert media in formats.GRAPH_TYPES
                pyoxigraph.parse(response.content, format=pyoxigraph.RdfFormat.from_media_type(media))
