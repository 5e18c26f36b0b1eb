"""A query worker's memory is capped (#14 D7): a query that needs more gets a 503 naming the
limit and ``ZKG_SPARQL_WORKER_MEMORY``, the worker is replaced, and the next query is answered.

The cap is ``RLIMIT_AS``, set by the worker before it loads anything. The test caps workers at
300 MiB (a worker starts in about 200 MiB of address space, store opened on disk:
``ZKG_SPARQL_MEMORY_QUADS=0``); a cross join of four triple patterns over the sample store
(614,656 rows) sorted at random needs more than that within a second.
"""

from __future__ import annotations

import time

import httpx
import pytest

from graph_service.sparql.worker import cap_memory, memory_message
from graph_service.testing import running, service_cmd
from tests.processes import wait_for

pytestmark = [pytest.mark.hostile, pytest.mark.processes]

CAP = 300 * 1024 * 1024
GREEDY = "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l } ORDER BY RAND()"
JSON = {"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"}


def executor(base: str) -> dict:
    return httpx.get(base + "/health", timeout=10).json()["executor"]


def test_the_message_names_the_limit_and_the_setting():
    assert memory_message(CAP) == (
        "query stopped: it needed more memory than a query worker may use (300 MiB, ZKG_SPARQL_WORKER_MEMORY)"
    )
    assert "2 GiB" in memory_message(2 * 1024**3)
    cap_memory(0)  # no cap: nothing happens


def test_a_query_past_the_memory_cap_gets_503_and_its_worker_is_replaced(sample_store):
    env = {
        "ZKG_STORE": str(sample_store),
        "ZKG_ACCESS_LOG": "0",
        "ZKG_SPARQL_POOL_SIZE": "1",
        "ZKG_SPARQL_WORKER_MEMORY": str(CAP),
        "ZKG_SPARQL_MEMORY_QUADS": "0",
        "ZKG_SPARQL_TIMEOUT": "20",
        "ZKG_HEALTH_DETAILS": "1",
    }
    with running(service_cmd(), "/health", env=env) as server:
        base = server.base
        # the worker started under the cap and answers a normal query
        small = httpx.post(base + "/sparql", content="SELECT ?s WHERE { ?s ?p ?o } LIMIT 5", headers=JSON)
        assert small.status_code == 200 and len(small.json()["results"]["bindings"]) == 5
        before = executor(base)
        assert before["memory_limit"] == CAP and before["workers"] == 1

        started = time.monotonic()
        greedy = httpx.post(base + "/sparql", content=GREEDY, headers=JSON, timeout=60)
        assert greedy.status_code == 503, greedy.text
        assert greedy.text.strip() == memory_message(CAP)
        assert time.monotonic() - started < 15  # stopped by the cap, not by the time limit

        after = wait_for(lambda: (e := executor(base))["workers"] == 1 and e, "a replacement worker")
        assert after["pids"] != before["pids"]
        assert after["out_of_memory"] == 1 and after["restarts"] >= 1
        for n in range(3):  # and the service goes on answering
            again = httpx.post(
                base + "/sparql", content=f"SELECT ?s WHERE {{ ?s ?p ?o }} LIMIT {n + 1}", headers=JSON
            )
            assert again.status_code == 200, again.text
