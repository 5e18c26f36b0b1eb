"""The service never stops by itself: HTTP processes that keep dying are restarted with backoff."""

from __future__ import annotations

import os
import signal
import subprocess

import httpx
import pytest

from graph_service.testing import running, serve_cmd
from tests.processes import http_processes, wait_for

pytestmark = [pytest.mark.hostile, pytest.mark.processes]


def test_processes_killed_as_fast_as_they_start_are_restarted_and_the_service_stays_up(sample_store):
    env = {"ZKG_STORE": str(sample_store), "ZKG_ACCESS_LOG": "0"}
    with running(serve_cmd(workers=2), "/health", env=env) as server:
        base = server.base
        killed: set[int] = set()
        for _ in range(6):  # each new process is killed as soon as it exists: within its start-up
            victim = wait_for(
                lambda: [p for p in http_processes(server.pid) if p not in killed], "a process to kill"
            )[0]
            os.kill(victim, signal.SIGKILL)
            killed.add(victim)
        assert server.proc.poll() is None, "the supervisor gave up"
        # with backoff the processes come back, and the service answers again
        wait_for(
            lambda: len([p for p in http_processes(server.pid) if p not in killed]) == 2,
            "both processes back",
            timeout=90,
        )
        answer = wait_for(lambda: _health(base), "/health to answer")
        assert answer == 200
        assert server.proc.poll() is None


def _health(base: str) -> int | None:
    try:
        return httpx.get(base + "/health", timeout=2).status_code
    except httpx.HTTPError:
        return None


def test_an_application_that_cannot_start_stops_the_service_with_an_error(sample_store):
    env = {**os.environ, "ZKG_STORE": str(sample_store), "ZKG_ACCESS_LOG": "0", "ZKG_SPARQL_TIMEOUT": "soon"}
    proc = subprocess.run(
        serve_cmd(workers=2), env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 1
    assert "no process has started: stopping" in proc.stderr
