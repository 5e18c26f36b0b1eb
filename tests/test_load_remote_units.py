"""`load-remote` without a server: the file is streamed (bodies sent in chunks from spooled
files, never one bytes object of the whole file), gzip is looked through, Digest auth works."""

from __future__ import annotations

import gzip
import hashlib

import httpx
import pyoxigraph
import pytest

from graph_service.sample_graphs import sample_quads
from graph_service.store.remote import auth_for, graph_runs, load_remote


@pytest.fixture
def dump(tmp_path):
    path = tmp_path / "dataset.nq.gz"
    path.write_bytes(gzip.compress(pyoxigraph.serialize(sample_quads(), format=pyoxigraph.RdfFormat.N_QUADS)))
    return path


def test_graph_runs_stream_each_graph(dump):
    runs = [(g, len(body.read().splitlines()), n) for g, body, n in graph_runs(dump)]
    assert sum(n for _, _, n in runs) == len(sample_quads())
    assert all(lines == n for _, lines, n in runs)


def test_refuses_other_files(tmp_path):
    bad = tmp_path / "x.ttl.gz"
    bad.write_bytes(gzip.compress(b""))
    with pytest.raises(ValueError, match="N-Quads or TriG"):
        load_remote(bad, "http://nowhere/store")


def test_bodies_are_streamed_and_digest_auth_answers_the_challenge(dump):
    seen: list[tuple[str, str, bool]] = []
    first: list[bool] = []  # whether each first attempt's body was a stream (httpx keeps it for the retry)

    def store(request: httpx.Request) -> httpx.Response:
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Digest "):
            first.append(not isinstance(request.stream, httpx.ByteStream))
            request.read()  # the first attempt's body is sent (consumed) too
            return httpx.Response(
                401, headers={"WWW-Authenticate": 'Digest realm="SPARQL", nonce="abc123", qop="auth"'}
            )
        assert 'username="dba"' in auth
        body = request.read()
        assert body.count(b"\n") >= 1  # the retry carries the whole body again
        assert int(request.headers["content-length"]) == len(body)
        seen.append((request.method, hashlib.sha256(body).hexdigest(), True))
        return httpx.Response(201)

    class Transport(httpx.BaseTransport):  # sees the body as sent: MockTransport reads it first
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            return store(request)

    client = httpx.Client(transport=Transport(), auth=auth_for("dba:dba", "digest"))
    pushed = load_remote(dump, "http://virtuoso/sparql-graph-crud-auth", client=client)
    assert len(pushed) == 3 and all(p.status == 201 for p in pushed)
    assert [m for m, _, _ in seen] == ["PUT"] * 3
    assert first == [True]  # one challenge: httpx then answers the nonce up front


def test_auth_schemes():
    assert isinstance(auth_for("a:b"), httpx.BasicAuth)
    assert isinstance(auth_for("a:b", "digest"), httpx.DigestAuth)
    assert auth_for(None) is None
    with pytest.raises(ValueError):
        auth_for("a:b", "kerberos")
