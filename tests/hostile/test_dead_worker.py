"""A query worker that dies while idle is replaced before it is handed a request (#14 D11).

Before, the pool handed the next query to the dead worker's closed pipe and the client got a
500 (``unable to perform operation on <WriteUnixTransport closed=True>``). A worker killed so
recently that its pipe still took the request (about one run in three once the test's clients
stopped spending 20 ms each on a TLS context) is found by its SIGKILL when no answer comes, and
the request goes to another worker.
"""

from __future__ import annotations

import os
import signal

import httpx
import pytest

from graph_service.testing import running, service_cmd
from tests.processes import wait_for

pytestmark = [pytest.mark.hostile, pytest.mark.processes]


def query(base: str, n: int) -> httpx.Response:
    # a different text each time: the result cache must not answer for the worker
    return httpx.post(
        base + "/sparql",
        content=f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o }} LIMIT {n + 1}",
        headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
        timeout=30,
    )


def executor(base: str) -> dict:
    return httpx.get(base + "/health", timeout=10).json()["executor"]


@pytest.mark.parametrize("victims", ["one", "all"])
def test_killing_idle_workers_costs_no_request(sample_store, victims):
    env = {
        "ZKG_STORE": str(sample_store),
        "ZKG_ACCESS_LOG": "0",
        "ZKG_SPARQL_POOL_SIZE": "2",
        "ZKG_HEALTH_DETAILS": "1",  # /health shows the workers' pids
    }
    with running(service_cmd(), "/health", env=env) as server:
        base = server.base
        assert query(base, 0).status_code == 200
        pids = wait_for(lambda: (e := executor(base))["idle"] == 2 and e["pids"], "two idle workers")
        for pid in pids if victims == "all" else pids[:1]:
            os.kill(pid, signal.SIGKILL)
        answers = [query(base, n) for n in range(1, 6)]
        assert [a.status_code for a in answers] == [200] * 5, [a.text for a in answers]
        after = wait_for(lambda: (e := executor(base))["workers"] == 2 and e, "the pool back to two workers")
        assert not set(after["pids"]) & set(pids if victims == "all" else pids[:1])
