"""The endpoint cannot be knocked over: time limit on runaway queries, concurrency cap.

No wall-clock thresholds: the tests assert what happens (who answers, with which status, which
process is gone), not how fast.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import json
import os
import time

import httpx
import pytest

from graph_service.sample_graphs import sample_quads
from graph_service.testing import running, service_cmd

pytestmark = [pytest.mark.processes, pytest.mark.slow]

# 28 triples to the 8th power: the store would spin for hours counting this cross join.
EXPLOSIVE = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(f"?s{i} ?p{i} ?o{i} ." for i in range(8)) + " }"
QUICK = "SELECT ?s WHERE { ?s a <https://w3id.org/zhytomyr-kg/ontology#Project> }"
# the same, but not a bounded lookup (a FILTER): always answered by a worker
QUICK_IN_POOL = "SELECT ?s WHERE { ?s a <https://w3id.org/zhytomyr-kg/ontology#Project> FILTER(isIRI(?s)) }"


@contextlib.contextmanager
def start(sample_store, **env):
    """The service on the sample store with ``env``: yields its base URL (``/health`` shows the
    workers' pids: ZKG_HEALTH_DETAILS)."""
    full = {"ZKG_STORE": str(sample_store), "ZKG_ACCESS_LOG": "0", "ZKG_HEALTH_DETAILS": "1", **env}
    with running(service_cmd(), "/health", env=full) as server:
        yield server.base


def wait_until(predicate, attempts: int = 200, pause: float = 0.05):
    for _ in range(attempts):
        value = predicate()
        if value:
            return value
        time.sleep(pause)
    raise AssertionError("condition never became true")


def metric(base: str, name: str) -> float:
    text = httpx.get(base + "/metrics").text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name + " "))


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie not yet reaped still "exists": look at its state
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_runaway_query_is_stopped_while_others_are_answered(sample_store):
    with (
        start(sample_store, ZKG_SPARQL_TIMEOUT="2", ZKG_SPARQL_POOL_SIZE="2") as base,
        cf.ThreadPoolExecutor(2) as pool,
    ):
        pids_before = httpx.get(base + "/health").json()["executor"]["pids"]
        runaway = pool.submit(httpx.get, base + "/sparql", params={"query": EXPLOSIVE}, timeout=60)
        wait_until(lambda: metric(base, "zkg_sparql_in_flight") == 1)
        quick = httpx.get(base + "/sparql", params={"query": QUICK_IN_POOL}, timeout=60)
        assert quick.status_code == 200
        assert not runaway.done()  # answered by the other worker while the runaway query was still running

        r = runaway.result()
        assert r.status_code == 503
        assert "time limit" in r.text and "ZKG_SPARQL_TIMEOUT" in r.text
        assert metric(base, "zkg_sparql_query_timeouts_total") == 1
        assert metric(base, "zkg_sparql_worker_restarts_total") == 1

        # the worker that ran it was killed (not left spinning) and replaced
        health = wait_until(
            lambda: (h := httpx.get(base + "/health").json())["executor"]["workers"] == 2 and h
        )
        pids_after = health["executor"]["pids"]
        killed = set(pids_before) - set(pids_after)
        assert len(killed) == 1
        assert not pid_alive(killed.pop())
        # and the service still answers
        assert httpx.get(base + "/sparql", params={"query": QUICK + " LIMIT 1"}).status_code == 200


def test_bounded_lookups_are_answered_in_the_http_process(sample_store):
    with start(
        sample_store, ZKG_SPARQL_CACHE_ENTRIES="0", ZKG_SPARQL_INLINE_BYTES="2000", ZKG_SPARQL_POOL_SIZE="1"
    ) as base:

        def inline_answers() -> int:
            return httpx.get(base + "/health").json()["executor"]["inline_answers"]

        def rows(query: str) -> list:
            r = httpx.get(
                base + "/sparql",
                params={"query": query},
                headers={"Accept": "application/sparql-results+json"},
            )
            assert r.status_code == 200, r.text
            return sorted(json.dumps(b, sort_keys=True) for b in r.json()["results"]["bindings"])

        # the first lookup may go to a worker while this process opens the build
        wait_until(lambda: rows(QUICK) and inline_answers() > 0)
        before = inline_answers()
        assert rows(QUICK) == rows(QUICK_IN_POOL)  # the same answer either way
        assert inline_answers() == before + 1
        # a lookup whose answer outgrows ZKG_SPARQL_INLINE_BYTES is handed to a worker, whole
        everything = rows("SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
        assert len(everything) == len(sample_quads())
        assert inline_answers() == before + 1


def test_concurrency_cap_answers_503_with_retry_after(sample_store):
    with (
        start(
            sample_store,
            ZKG_SPARQL_TIMEOUT="3",
            ZKG_SPARQL_POOL_SIZE="1",
            ZKG_SPARQL_MAX_CONCURRENT="2",
            ZKG_SPARQL_RETRY_AFTER="7",
        ) as base,
        cf.ThreadPoolExecutor(2) as pool,
    ):
        # one query running in the only worker, one waiting for it: the cap is reached
        slow = [
            pool.submit(httpx.get, base + "/sparql", params={"query": EXPLOSIVE + f" # {i}"}, timeout=60)
            for i in range(2)
        ]
        wait_until(lambda: metric(base, "zkg_sparql_in_flight") == 2)
        r = httpx.get(base + "/sparql", params={"query": QUICK})
        assert r.status_code == 503
        assert r.headers["retry-after"] == "7"
        assert "too many concurrent queries" in r.text
        assert metric(base, "zkg_sparql_rejected_total") == 1
        # the ones admitted end with the time limit (the waiting one included: its wait counts)
        assert [f.result().status_code for f in slow] == [503, 503]
        # once they are gone, queries are admitted again
        wait_until(lambda: httpx.get(base + "/health").json()["executor"]["workers"] == 1)
        assert httpx.get(base + "/sparql", params={"query": QUICK}).status_code == 200


def test_cached_and_304_answers_bypass_the_cap(sample_store):
    with (
        start(
            sample_store, ZKG_SPARQL_TIMEOUT="3", ZKG_SPARQL_POOL_SIZE="1", ZKG_SPARQL_MAX_CONCURRENT="1"
        ) as base,
        cf.ThreadPoolExecutor(1) as pool,
    ):
        first = httpx.get(base + "/sparql", params={"query": QUICK})
        assert first.status_code == 200
        slow = pool.submit(httpx.get, base + "/sparql", params={"query": EXPLOSIVE}, timeout=60)
        wait_until(lambda: metric(base, "zkg_sparql_in_flight") == 1)
        again = httpx.get(base + "/sparql", params={"query": QUICK})
        assert again.status_code == 200 and again.content == first.content  # from the cache
        cond = httpx.get(
            base + "/sparql", params={"query": QUICK}, headers={"If-None-Match": first.headers["etag"]}
        )
        assert cond.status_code == 304
        assert httpx.get(base + "/sparql", params={"query": QUICK + " # new"}).status_code == 503
        assert slow.result().status_code == 503


def test_large_results_are_streamed_and_result_size_is_capped(sample_store):
    with start(sample_store, ZKG_SPARQL_STREAM_BUFFER="500", ZKG_SPARQL_POOL_SIZE="1") as base:
        r = httpx.get(
            base + "/sparql",
            params={"query": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"},
            headers={"Accept": "text/tab-separated-values"},
        )
        assert r.status_code == 200
        assert "content-length" not in r.headers and r.headers.get("transfer-encoding") == "chunked"
        assert len(r.text.rstrip("\n").split("\n")) == 1 + len(sample_quads())
        assert r.headers["etag"]
        # the worker that streamed is back in the pool: the next query is answered
        assert httpx.get(base + "/sparql", params={"query": QUICK}).status_code == 200
    with start(sample_store, ZKG_SPARQL_MAX_RESULT_BYTES="300", ZKG_SPARQL_POOL_SIZE="1") as base:
        r = httpx.get(base + "/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
        assert r.status_code == 413 and "ZKG_SPARQL_MAX_RESULT_BYTES" in r.text
        assert httpx.get(base + "/sparql", params={"query": "ASK {}"}).status_code == 200
