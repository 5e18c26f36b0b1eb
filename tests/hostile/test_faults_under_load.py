"""Kills and rebuilds under load (#14): a killed process costs at most the one request it was
answering, a rebuild costs nothing, and the service never stops.

One client sends queries back to back (so at most one request is in flight when a process dies)
while the test kills query workers and HTTP processes and rebuilds the store under the service.
Every answer and its latency are recorded; the figures are printed for the closing note.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

import httpx
import pytest

from graph_service.testing import listening_ports, running, serve_cmd
from tests.conftest import copy_store
from tests.processes import http_processes, query_workers, wait_for

pytestmark = [pytest.mark.hostile, pytest.mark.processes, pytest.mark.slow]

# a join: answered by a query worker, not inline
QUERY = "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o . ?s a ?c } GROUP BY ?p"
#: answers awaited after each fault (and before the first): the service answers between them
BETWEEN = 10


def serving(supervisor: int) -> list[int]:
    """The HTTP processes that listen (a replacement appears as a child before it listens)."""
    return [p for p in http_processes(supervisor) if listening_ports(p, below=False)]


class Load:
    """One client, one request at a time, until stopped."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.results: list[tuple[float, float, int | str]] = []  # (start, seconds, status or error)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        # a new connection per request, so the kernel spreads them over both HTTP processes
        with httpx.Client(timeout=30, limits=httpx.Limits(max_keepalive_connections=0)) as client:
            i = 0
            while not self._stop.is_set():
                i += 1
                started = time.monotonic()
                try:
                    status: int | str = client.get(
                        self.base + "/sparql", params={"query": f"{QUERY} # {i}"}
                    ).status_code
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                self.results.append((started, time.monotonic() - started, status))

    def __enter__(self) -> Load:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(60)

    def answered(self) -> int:
        """Requests answered 200 so far."""
        return sum(1 for _, _, status in self.results if status == 200)

    def answers(self, more: int) -> None:
        """Until ``more`` further requests are answered 200: the service goes on between faults
        (awaited, rather than a fixed pause under load)."""
        target = self.answered() + more
        wait_for(lambda: self.answered() >= target, f"{more} more answers")

    def failures(self, since: float = 0.0, until: float = float("inf")) -> int:
        return sum(1 for start, _, status in self.results if since <= start < until and status != 200)


def test_kills_and_rebuilds_under_load(tmp_path, cli_built):
    store = copy_store(cli_built.store, tmp_path / "store")  # the session's CLI build, a copy
    build = [sys.executable, "-m", "zhytomyr_kg", "build", "--store", str(store), "-q"]
    env = {"ZKG_STORE": str(store), "ZKG_ACCESS_LOG": "0", "ZKG_SPARQL_CACHE_ENTRIES": "0"}
    with running(serve_cmd(workers=2), "/health", env=env) as server, Load(server.base) as load:
        wait_for(lambda: len(query_workers(server.pid)) == 2, "both HTTP processes have a worker")
        load.answers(BETWEEN)
        kills = 0
        for _ in range(3):  # query workers
            victim = query_workers(server.pid)[0]
            os.kill(victim, signal.SIGKILL)
            kills += 1
            wait_for(
                lambda v=victim: v not in query_workers(server.pid) and len(query_workers(server.pid)) == 2,
                "the worker replaced",
            )
            load.answers(BETWEEN)
        for _ in range(2):  # HTTP processes
            victim = http_processes(server.pid)[0]
            os.kill(victim, signal.SIGKILL)
            kills += 1
            wait_for(  # replaced, and listening again: else the next kill leaves none
                lambda v=victim: v not in http_processes(server.pid) and len(serving(server.pid)) == 2,
                "the HTTP process replaced and listening",
                timeout=90,
            )
            load.answers(BETWEEN)
        killing_done = time.monotonic()
        for _ in range(2):  # rebuilds under the service
            subprocess.run(build, check=True, capture_output=True, timeout=300)
            load.answers(BETWEEN)
        rebuilding_done = time.monotonic()
        assert server.proc.poll() is None
    answered = len(load.results)
    failures_during_kills = load.failures(until=killing_done)
    failures_during_rebuilds = load.failures(since=killing_done, until=rebuilding_done)
    slowest = max(seconds for _, seconds, status in load.results if status == 200)
    failed = Counter(str(status) for _, _, status in load.results if status != 200)
    print(
        f"\nfailed answers: {dict(failed)}"
        f"\nfaults under load: {answered} requests, {kills} kills, {failures_during_kills} failed during "
        f"kills, {failures_during_rebuilds} during 2 rebuilds; slowest answer {slowest:.2f} s"
    )
    assert answered > 50
    assert failures_during_kills <= kills
    assert failures_during_rebuilds == 0
