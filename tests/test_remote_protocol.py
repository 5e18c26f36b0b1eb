"""The remote backend speaks the protocol every engine answers (issue #15, item 6), against a fake
endpoint that behaves like Virtuoso where Virtuoso differs: it answers only form-encoded posts,
keeps system graphs next to the data, may gzip its answers (with or without telling), and cuts
results to its row limit with ``X-SPARQL-MaxRows``."""

from __future__ import annotations

import asyncio
import gzip
import io
import json
import re
import socket
import struct
import threading
import time
from collections.abc import Iterator
from urllib.parse import parse_qs

import httpx
import pyoxigraph as ox
import pytest
from starlette.testclient import TestClient

from graph_service.sample_graphs import sample_quads
from graph_service.sparql.executors import RemoteExecutor
from graph_service.sparql.pool import WorkerError
from graph_service.store.base import QueryError
from graph_service.store.remote import RemoteBackend
from graph_service.web.app import create_app
from graph_service.web.context import Site
from zhytomyr_kg.settings import ServiceConfig, Settings

SYSTEM = "http://www.openlinksw.com/schemas/virtrdf#"
ZKG = "https://w3id.org/zhytomyr-kg/ontology#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
DEPARTMENT = "https://w3id.org/zhytomyr-kg/id/department/economy"


class FakeVirtuoso:
    def __init__(self) -> None:
        self.store = ox.Store()
        self.store.extend(sample_quads())
        system = ox.NamedNode(SYSTEM)
        for i in range(50):  # an engine's own graph: not the dataset's
            self.store.add(
                ox.Quad(ox.NamedNode(f"{SYSTEM}q{i}"), ox.NamedNode(SYSTEM + "p"), ox.Literal(str(i)), system)
            )
        self.requests: list[httpx.Request] = []
        self.gzip = ""  # "", "header" (Content-Encoding: gzip) or "silent" (gzip, no header)
        self.garbage = 0  # answer this many requests with bytes that are not UTF-8
        self.max_rows: int | None = None

    def answer(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.headers.get("content-type", "").startswith("application/sparql-query"):
            return httpx.Response(415, text="Virtuoso never answers these")
        form = parse_qs(request.content.decode())
        query = form["query"][0]
        accept = request.headers.get("accept", "application/sparql-results+json").split(",")[0]
        if "default-graph-uri" in form or "named-graph-uri" in form:  # the protocol's dataset
            results = self.store.query(
                query,
                default_graph=[ox.NamedNode(g) for g in form.get("default-graph-uri", [])],
                named_graphs=[ox.NamedNode(g) for g in form.get("named-graph-uri", [])],
            )
        elif " FROM " in query:  # the query's own dataset
            results = self.store.query(query)
        else:  # Virtuoso's default graph: every graph, its own included
            results = self.store.query(query, use_default_graph_as_union=True)
        out = io.BytesIO()
        if isinstance(results, ox.QueryTriples):
            results.serialize(out, ox.RdfFormat.from_media_type(accept) or ox.RdfFormat.TURTLE)
        else:
            fmt = ox.QueryResultsFormat.from_media_type(accept) or ox.QueryResultsFormat.JSON
            results.serialize(out, fmt)
            accept = fmt.media_type
        del results
        body = out.getvalue()
        headers = {"content-type": accept}
        if self.max_rows and accept == "application/sparql-results+json":
            data = json.loads(body)
            bindings = data.get("results", {}).get("bindings", [])
            if len(bindings) >= self.max_rows:  # cut, as Virtuoso cuts to ResultSetMaxRows
                data["results"]["bindings"] = bindings[: self.max_rows]
                body = json.dumps(data).encode()
                headers["x-sparql-maxrows"] = str(self.max_rows)
        if self.garbage:
            self.garbage -= 1
            body = b"\xff\xfe\x8b" + body
        if self.gzip:
            body = gzip.compress(body)
            if self.gzip == "header":
                headers["content-encoding"] = "gzip"
        return httpx.Response(200, content=body, headers=headers)

    def backend(self) -> RemoteBackend:
        backend = RemoteBackend(
            "http://fake/sparql", client=httpx.Client(transport=httpx.MockTransport(self.answer))
        )
        backend.graph_base = Settings().graph_base
        return backend


@pytest.fixture
def fake():
    return FakeVirtuoso()


PROJECTS = f"SELECT ?p WHERE {{ ?p a <{ZKG}Project> }}"


def test_queries_are_form_posts_without_compression(fake):
    rows = fake.backend().select_rows(PROJECTS)
    assert len(rows) == 1
    sent = fake.requests[-1]
    assert sent.method == "POST"
    assert sent.headers["content-type"] == "application/x-www-form-urlencoded"
    assert sent.headers["accept-encoding"] == "identity"
    assert parse_qs(sent.content.decode())["query"] == [PROJECTS]


@pytest.mark.parametrize("mode", ["header", "silent"])
def test_compressed_answers_are_decoded(fake, mode):
    fake.gzip = mode
    assert len(fake.backend().select_rows(PROJECTS)) == 1
    assert b"enerhoefektyvnist" in fake.backend().query(PROJECTS, format="csv").read()


def test_an_undecodable_answer_is_an_error_and_never_cached(fake):
    site = Site(fake.backend(), Settings())
    site.version()  # the data version is probed first (and kept for a while)
    fake.garbage = 1
    with pytest.raises(QueryError) as err:
        site.select(PROJECTS)
    assert err.value.status == 502 and "undecodable" in err.value.message
    assert len(site.select(PROJECTS)) == 1  # asked again, not replayed from the cache


def test_system_graphs_are_not_data(fake):
    backend = fake.backend()
    assert backend.triple_count() == len(sample_quads())
    client = TestClient(create_app(backend))
    graphs = {q.graph_name.value for q in sample_quads()}
    sd = client.get("/sparql", headers={"Accept": "text/turtle"}).text
    assert SYSTEM not in sd and all(g in sd for g in graphs)
    void = client.get("/dataset", headers={"Accept": "application/n-triples"}).text
    assert SYSTEM not in void
    assert f'<http://rdfs.org/ns/void#triples> "{len(sample_quads())}"' in void


def test_truncation_is_passed_on_to_pages(fake):
    fake.max_rows = 1
    client = TestClient(create_app(fake.backend()))
    page = client.get("/projects?lang=en")
    assert page.status_code == 200
    assert page.headers["x-sparql-maxrows"] == "1"
    assert "the triplestore cut an answer to 1 rows" in page.text
    assert client.get("/projects.csv").headers["x-sparql-maxrows"] == "1"
    fake.max_rows = None
    assert "x-sparql-maxrows" not in TestClient(create_app(fake.backend())).get("/projects").headers


def _executor(fake: FakeVirtuoso) -> RemoteExecutor:
    executor = RemoteExecutor(fake.backend(), ServiceConfig.from_env())

    async def answer(request: httpx.Request) -> httpx.Response:
        await request.aread()
        return fake.answer(request)

    executor.client = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    return executor


def _run(executor: RemoteExecutor, media: str = "application/sparql-results+json", times: int = 1):
    """The last outcome of ``times`` runs of the same query on one client (then closed)."""

    async def go():
        try:
            for _ in range(times):
                outcome = await executor.run(
                    PROJECTS,
                    media_type=media,
                    accept=None,
                    format=None,
                    default_graph_uris=(),
                    named_graph_uris=(),
                    build_id=None,
                    deadline=asyncio.get_running_loop().time() + 10,
                )
            return outcome
        finally:
            await executor.close()

    # in a thread of its own: another test may have left an event loop running in this one
    box: list = []

    def main() -> None:
        try:
            box.append(asyncio.run(go()))
        except BaseException as exc:
            box.append(exc)

    thread = threading.Thread(target=main)
    thread.start()
    thread.join()
    if isinstance(box[0], BaseException):
        raise box[0]
    return box[0]


@pytest.mark.parametrize("mode", ["header", "silent"])
def test_the_endpoint_passes_on_decoded_answers(fake, mode):
    fake.gzip = mode
    fake.max_rows = 1
    outcome = _run(_executor(fake))
    assert outcome.body is not None and b"enerhoefektyvnist" in outcome.body
    assert outcome.capped_rows == 1
    sent = fake.requests[-1]
    assert sent.headers["content-type"] == "application/x-www-form-urlencoded"


def test_the_endpoint_refuses_undecodable_answers(fake):
    executor = _executor(fake)
    executor.backend.dataset_graphs()  # probed first (and kept for a while)
    fake.garbage = 1
    with pytest.raises(WorkerError) as err:
        _run(executor)
    assert err.value.status == 502 and "undecodable" in err.value.message


def test_queries_are_scoped_to_the_dataset_graphs(fake):
    """A query naming no dataset is sent with the dataset's graphs as default and named graphs,
    so an engine's own graphs stay out of every count; one naming its own dataset is left alone."""
    backend = fake.backend()
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert backend.select_rows(count) == [{"n": str(len(sample_quads()))}]
    sent = parse_qs(fake.requests[-1].content.decode())
    graphs = sorted({q.graph_name.value for q in sample_quads()})
    assert sent["default-graph-uri"] == sent["named-graph-uri"] == graphs
    graph_list = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert sorted(r["g"] for r in backend.select_rows(graph_list)) == graphs
    own = f"SELECT (COUNT(*) AS ?n) FROM <{SYSTEM}> WHERE {{ ?s ?p ?o }}"
    assert backend.select_rows(own) == [{"n": "50"}]
    assert "default-graph-uri" not in parse_qs(fake.requests[-1].content.decode())
    # and through /sparql (the endpoint's executor)
    executor = _executor(fake)
    assert _run(executor).body is not None
    assert parse_qs(fake.requests[-1].content.decode())["named-graph-uri"] == graphs


def test_answers_are_written_as_the_embedded_store_writes_them(fake):
    """The remote is asked for SPARQL JSON or N-Triples, and the answer is written in the
    negotiated format here: CSV quoted as the embedded store quotes it, JSON-LD with language tags."""
    backend = fake.backend()
    embedded = ox.Store()
    embedded.extend(sample_quads())
    labels = f"SELECT ?s ?label WHERE {{ ?s <{RDFS}label> ?label }} ORDER BY ?s ?label"
    out = io.BytesIO()
    embedded.query(labels, use_default_graph_as_union=True).serialize(out, ox.QueryResultsFormat.CSV)
    assert backend.query(labels, format="csv").read() == out.getvalue()
    assert fake.requests[-1].headers["accept"].startswith("application/sparql-results+json")
    describe = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o FILTER (?s = <{DEPARTMENT}>) }}"
    jsonld = backend.query(describe, accept="application/ld+json")
    assert jsonld.media_type == "application/ld+json"
    assert fake.requests[-1].headers["accept"].startswith("application/n-triples")
    triples = set(ox.parse(jsonld.read(), format=ox.RdfFormat.JSON_LD))
    assert ox.Literal("Department of Economic Development", language="en") in {t.object for t in triples}
    assert len(triples) == sum(1 for q in sample_quads() if q.subject == ox.NamedNode(DEPARTMENT))


def test_fake_is_strict(fake):
    r = fake.answer(
        httpx.Request(
            "POST",
            "http://fake/sparql",
            content=PROJECTS,
            headers={"Content-Type": "application/sparql-query"},
        )
    )
    assert r.status_code == 415


class ResettingEndpoint:
    """The fake behind a real socket on 127.0.0.1, answering the first request of each connection
    and resetting the connection (RST) when another request arrives on it: what a client meets
    when it reuses a keep-alive connection the engine has just dropped (Virtuoso after its
    ``KeepAliveTimeout``). ``every``: reset every request, the first too."""

    def __init__(self, fake: FakeVirtuoso, every: bool = False) -> None:
        self.fake, self.every = fake, every
        self.resets = 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/sparql"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:  # closed
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn, conn.makefile("rb") as reader:
            for served in range(2):
                head = [reader.readline()]
                while head[-1] not in (b"\r\n", b""):
                    head.append(reader.readline())
                if head[-1] == b"":
                    return  # the client closed it
                if served or self.every:
                    self.resets += 1  # SO_LINGER 0: close() sends RST
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    return
                headers = dict(line.decode().split(":", 1) for line in head[1:-1])
                headers = {k.strip().lower(): v.strip() for k, v in headers.items()}
                body = reader.read(int(headers.get("content-length", 0)))
                answer = self.fake.answer(httpx.Request("POST", self.url, headers=headers, content=body))
                lines = [f"HTTP/1.1 {answer.status_code} OK", f"Content-Length: {len(answer.content)}"]
                lines += [f"{k}: {v}" for k, v in answer.headers.items() if k != "content-length"]
                conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + answer.content)

    def backend(self) -> RemoteBackend:
        backend = RemoteBackend(self.url)
        backend.graph_base = Settings().graph_base
        return backend

    def executor(self) -> RemoteExecutor:
        executor = RemoteExecutor(self.backend(), ServiceConfig.from_env())
        executor.client = httpx.AsyncClient()
        return executor

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def resetting(fake) -> Iterator[ResettingEndpoint]:
    endpoint = ResettingEndpoint(fake)
    yield endpoint
    endpoint.close()


def test_a_query_on_a_connection_the_engine_reset_is_sent_again(resetting):
    """Every query is read-only, so one the connection broke under is sent once more, on a new
    connection; the CI run of 2026-12-07 got a 503 page where Virtuoso had reset a pooled one."""
    backend = resetting.backend()
    for _ in range(3):  # the probe, then each query, meets a connection used before
        assert len(backend.select_rows(PROJECTS)) == 1
    backend.close()
    assert resetting.resets >= 2
    outcome = _run(resetting.executor(), times=3)
    assert outcome.body is not None and b"enerhoefektyvnist" in outcome.body
    assert resetting.resets >= 4


BROKE = r"remote endpoint unreachable: (ReadError|WriteError|RemoteProtocolError)\b"


def test_a_connection_that_breaks_every_time_is_an_error_naming_what_broke(fake):
    endpoint = ResettingEndpoint(fake, every=True)
    try:
        backend = endpoint.backend()
        with pytest.raises(QueryError) as err:
            backend.triple_count()
        assert err.value.status == 502
        # a reset reads as ReadError, or as an end of stream when it races the request (loaded host)
        assert re.match(BROKE, err.value.message), err.value.message
        assert endpoint.resets == 2  # sent twice, no more
        endpoint.resets = 0
        executor = endpoint.executor()
        executor.backend._version = (
            time.monotonic(),
            "v",
            1,
            (),
        )  # probed (the sync client is not the point here)
        with pytest.raises(WorkerError) as failed:
            _run(executor)
        # an async read on a reset connection carries no text: the class says what broke
        assert failed.value.status == 502 and re.match(BROKE, failed.value.message), failed.value.message
        assert endpoint.resets == 2
    finally:
        endpoint.close()
