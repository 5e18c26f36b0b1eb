"""A failure the service expects is one clear line in its log, never a traceback (#14, D12)."""

from __future__ import annotations

import httpx
import pytest

from graph_service.testing import running, serve_cmd

pytestmark = [pytest.mark.hostile, pytest.mark.processes]


def test_a_result_cut_at_the_size_limit_mid_stream_is_one_line_and_a_dropped_connection(
    sample_store, tmp_path
):
    log = tmp_path / "server.log"
    env = {
        "ZKG_STORE": str(sample_store),
        "ZKG_ACCESS_LOG": "0",
        "ZKG_SPARQL_CACHE_ENTRIES": "0",
        "ZKG_SPARQL_STREAM_BUFFER": "2000",  # stream anything larger …
        "ZKG_SPARQL_MAX_RESULT_BYTES": "100000",  # … and stop it here, past the first chunk
    }
    with running(serve_cmd(workers=1), "/health", env=env, log_path=log) as server:
        base = server.base
        query = "SELECT * WHERE { ?s ?p ?o . ?a ?b ?c }"
        with (
            pytest.raises(httpx.RemoteProtocolError),
            httpx.stream("GET", base + "/sparql", params={"query": query}) as response,
        ):
            assert response.status_code == 200
            for _ in response.iter_bytes():
                pass
        assert httpx.get(base + "/sparql", params={"query": "ASK {}"}).status_code == 200
    text = log.read_text()
    assert (
        "answer cut short: result larger than the limit of 100000 bytes (ZKG_SPARQL_MAX_RESULT_BYTES)" in text
    )
    assert "Traceback" not in text
