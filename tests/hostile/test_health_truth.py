"""``/health`` tells the truth about the query path (#14 D8), and tells strangers nothing they
don't need (#14 D13).

``/health`` runs ``queries/health-probe.rq`` through a query worker: it must not say 200 "ok"
while queries fail (store files overwritten with garbage), nor 503 while queries work (a build
whose ``build.json`` is garbage). Without ``ZKG_HEALTH_DETAILS`` it shows no pids, paths or
error texts, and no 503 names the store's path.
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import httpx
import pytest

from graph_service.sample_graphs import sample_quads
from graph_service.testing import build_store, running, service_cmd
from zhytomyr_kg import store_layout

pytestmark = [pytest.mark.hostile, pytest.mark.processes]

JSON = {"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"}
# not a bounded lookup (a FILTER): always answered by a worker
QUERY = "SELECT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s)) } LIMIT {n}"


def serve(store: Path, **env: str):
    full = {"ZKG_STORE": str(store), "ZKG_ACCESS_LOG": "0", "ZKG_SPARQL_POOL_SIZE": "1", **env}
    # ready when the service description answers: /health may rightly say 503 here
    return running(service_cmd(), "/sparql", env=full)


def query(base: str, n: int) -> httpx.Response:
    return httpx.post(base + "/sparql", content=QUERY.replace("{n}", str(n)), headers=JSON, timeout=30)


def health(base: str) -> httpx.Response:
    time.sleep(1.1)  # the probe's outcome is kept for a second
    return httpx.get(base + "/health", timeout=30)


def wait_for(predicate, what: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.05)
    raise AssertionError(f"after {timeout} s: {what}")


def children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(p) for p in (task / "children").read_text().split()}
    return found


@pytest.fixture
def store(tmp_path) -> Path:
    build_store(tmp_path, sample_quads())
    return tmp_path


def test_garbage_store_files_make_health_degraded_as_queries_fail(store):
    with serve(
        store, ZKG_SPARQL_MEMORY_QUADS="0", ZKG_SPARQL_INLINE_BYTES="0", ZKG_HEALTH_DETAILS="1"
    ) as server:
        base = server.base
        assert query(base, 1).status_code == 200
        ok = health(base)
        assert ok.status_code == 200 and ok.json()["status"] == "ok"
        rng = random.Random(14)
        for path in (store_layout.live_build(store).oxigraph_path).iterdir():
            if path.is_file() and path.stat().st_size:
                with open(path, "r+b") as fh:  # in place: the open handles read garbage too
                    fh.write(rng.randbytes(path.stat().st_size))
        # whatever the worker still answers from its caches, /health agrees with the queries
        q, h = query(base, 2), health(base)
        assert (q.status_code == 200) == (h.status_code == 200), (q.text, h.text)
        # a worker that must open the store now (a restart) cannot answer: neither can /health
        pid = ok.json()["executor"]["pids"][0]
        os.kill(pid, 9)
        wait_for(
            lambda: httpx.get(base + "/health").json()["executor"]["pids"] not in ([], [pid]), "a new worker"
        )
        failed = query(base, 3)
        assert failed.status_code >= 500
        assert str(store) not in failed.text  # the path goes to the log only
        degraded = health(base)
        assert degraded.status_code == 503, degraded.text
        data = degraded.json()
        assert data["status"] == "degraded" and data["query"]["ok"] is False
        assert query(base, 4).status_code >= 500  # and still so
        assert ok.json()["query"]["ok"] is True  # before: the probe had worked


def test_a_garbage_build_json_neither_stops_queries_nor_health(store):
    info = store_layout.live_build(store).directory / store_layout.BUILD_INFO
    info.write_bytes(b"\x00{ not json")
    with serve(store) as server:
        base = server.base
        assert query(base, 1).status_code == 200
        h = health(base)
        assert h.status_code == 200 and h.json()["status"] == "ok", h.text
        assert h.json()["data_version"] == store_layout.live_build(store).build_id  # the fallback
        info.write_text('{"quads": "many"', encoding="utf-8")  # and garbage again while serving
        assert query(base, 2).status_code == 200
        assert health(base).status_code == 200


def test_strangers_see_no_pids_paths_or_error_texts(store):
    with serve(store, ZKG_SPARQL_POOL_SIZE="2") as proc:
        base = proc.base
        h = health(base)
        assert h.status_code == 200
        workers = children(proc.pid)
        assert len(workers) >= 2
        assert "pids" not in h.json()["executor"]
        for pid in workers:
            assert str(pid) not in h.text
        assert str(store) not in h.text and "/" not in h.json().get("build", {}).get("build_id", "")


def test_operators_see_them_with_health_details(store):
    with serve(store, ZKG_SPARQL_POOL_SIZE="2", ZKG_HEALTH_DETAILS="1") as proc:
        base = proc.base
        data = health(base).json()
        assert set(data["executor"]["pids"]) <= children(proc.pid)
        assert data["store"] == str(store)


def test_no_graph_yet_is_said_without_the_store_path(tmp_path):
    empty = tmp_path / "no-build-yet"
    empty.mkdir()
    with serve(empty) as server:
        base = server.base
        answers = {
            "/health": health(base),
            "/sparql": query(base, 1),
            "/projects": httpx.get(base + "/projects"),
            "/dataset": httpx.get(base + "/dataset", headers={"Accept": "text/turtle"}),
        }
        for path, answer in answers.items():
            assert answer.status_code == 503, (path, answer.text)
            assert str(empty) not in answer.text and "no-build-yet" not in answer.text, (path, answer.text)
        assert answers["/health"].json()["status"] == "degraded"
        assert answers["/health"].json()["query"]["error"] == "no graph has been built yet"
        assert answers["/sparql"].text.strip() == "no data available: no graph has been built yet"
        assert "no graph has been built yet" in answers["/projects"].text
