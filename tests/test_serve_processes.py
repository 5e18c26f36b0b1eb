"""`zhytomyr-kg serve --workers N`: N HTTP processes on one port (graph_service/web/supervisor.py)."""

from __future__ import annotations

import concurrent.futures as cf
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from graph_service.testing import (
    Server,
    announced_port,
    descendants,
    listening_ports,
    running,
    serve_cmd,
    wait_http,
)
from tests.processes import http_processes

pytestmark = [pytest.mark.processes, pytest.mark.slow]

QUERY = "SELECT ?s WHERE { ?s a <https://w3id.org/zhytomyr-kg/ontology#Project> }"


def env_for(sample_store: Path, **more: str) -> dict[str, str]:
    return {
        "ZKG_STORE": str(sample_store),
        "ZKG_ACCESS_LOG": "0",
        "ZKG_SPARQL_CACHE_ENTRIES": "0",
        "ZKG_HEALTH_DETAILS": "1",  # /health shows the workers' pids
        **more,
    }


def pool_of_answering_process(base: str) -> tuple[int, ...]:
    """The query worker pids of whichever HTTP process answers a new connection."""
    with httpx.Client() as fresh:
        return tuple(fresh.get(base + "/health").json()["executor"]["pids"])


def wait_until_both_serve(base: str) -> None:
    """``running`` returns once one process answers; the other may still be starting."""
    seen: set[tuple[int, ...]] = set()
    deadline = time.monotonic() + 60
    while len(seen) < 2:
        assert time.monotonic() < deadline, f"only one HTTP process answers: {seen}"
        seen.add(pool_of_answering_process(base))


@dataclass
class TwoProcesses:
    server: Server
    metrics: Path  # its PROMETHEUS_MULTIPROC_DIR
    log: Path


@pytest.fixture(scope="module")
def two_processes(sample_store, tmp_path_factory) -> Iterator[TwoProcesses]:
    """``serve --workers 2 --port 0``, shared by the tests that only look at it."""
    work = tmp_path_factory.mktemp("two-processes")
    metrics = work / "metrics"
    metrics.mkdir()
    env = env_for(sample_store, PROMETHEUS_MULTIPROC_DIR=str(metrics))
    with running(serve_cmd(workers=2), "/health", env=env, log_path=work / "serve.log") as server:
        wait_until_both_serve(server.base)
        yield TwoProcesses(server, metrics, work / "serve.log")
    assert "Traceback" not in (work / "serve.log").read_text()


def test_connections_are_spread_over_the_processes(two_processes):
    server = two_processes.server
    assert len(http_processes(server.pid)) == 2
    # 40 new connections: each process answers some (all on one: about 2 in 10^12 by chance)
    assert len({pool_of_answering_process(server.base) for _ in range(40)}) == 2


def test_several_http_processes_share_one_metrics_view(two_processes):
    base = two_processes.server.base
    with cf.ThreadPoolExecutor(4) as pool:
        httpx.get(base + "/metrics").raise_for_status()
        sent = 40
        answers = list(
            pool.map(
                lambda i: httpx.get(base + "/sparql", params={"query": f"{QUERY} # {i}"}).status_code,
                range(sent),
            )
        )
    assert answers == [200] * sent
    processes = {path.stem.rsplit("_", 1)[1] for path in two_processes.metrics.glob("counter_*.db")}
    assert len(processes) == 2  # both HTTP processes write their counters there
    for _ in range(5):  # each scrape may land on either process: each reports the sum
        with httpx.Client() as fresh:
            text = fresh.get(base + "/metrics").text
        total = sum(
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith('zkg_http_requests_total{endpoint="sparql",status="200"}')
        )
        assert total == sent  # (the other tests on this server send no query)


def test_a_process_that_dies_is_replaced(sample_store):
    """Killed right after it answered (no grace period to wait out: the supervisor restarts any
    process once one has started)."""
    with running(serve_cmd(workers=2), "/health", env=env_for(sample_store)) as server:
        base = server.base
        before = http_processes(server.pid)
        os.kill(before[0], signal.SIGKILL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            now = http_processes(server.pid)
            if len(now) == 2 and before[0] not in now:
                break
            time.sleep(0.2)
        else:
            raise AssertionError(f"not replaced: {before} → {http_processes(server.pid)}")
        for _ in range(10):  # and every connection is answered meanwhile
            assert httpx.get(base + "/sparql", params={"query": QUERY}).status_code == 200


def test_a_taken_port_stops_the_service_with_an_error(sample_store):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run(
            serve_cmd(workers=2, port=port),
            env={**os.environ, **env_for(sample_store)},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert proc.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_ctrl_c_stops_every_process_quietly(sample_store, tmp_path):
    """Ctrl-C in a terminal sends SIGINT to the whole process group: supervisor, HTTP processes
    and query workers. All end, without a traceback."""
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            serve_cmd(workers=2),
            env={**os.environ, **env_for(sample_store)},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            base = f"http://127.0.0.1:{announced_port(log, proc)}"
            wait_http(base + "/health", 60, proc)
            wait_until_both_serve(base)
            family = descendants(proc.pid)
            assert len(family) >= 4  # 2 HTTP processes, a query worker each
            os.killpg(proc.pid, signal.SIGINT)  # what the terminal does
            assert proc.wait(30) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and [pid for pid in family if alive(pid)]:
        time.sleep(0.1)
    assert [pid for pid in family if alive(pid)] == []
    assert "Traceback" not in log.read_text(), log.read_text()


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def serving_processes(pid: int, port: int) -> int:
    """How many processes of ``pid``'s tree listen on ``port`` themselves."""
    return len([p for p in [pid, *descendants(pid)] if listening_ports(p, below=False) == {port}])


def test_port_0_serves_on_the_port_it_names(two_processes, sample_store, tmp_path):
    """``serve --port 0``: the kernel picks the port, the first line names it, and every HTTP
    process listens there (so connections are spread over them as on a fixed port)."""
    server = two_processes.server  # two HTTP processes
    assert announced_port(two_processes.log, server.proc) == server.port != 0
    assert listening_ports(server.pid) == {server.port}
    assert serving_processes(server.pid, server.port) == 2

    log = tmp_path / "serve-1.log"  # one HTTP process: uvicorn on the socket serve took
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            serve_cmd(workers=1),
            env={**os.environ, **env_for(sample_store)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            port = announced_port(log, proc)
            assert port != 0
            wait_http(f"http://127.0.0.1:{port}/health", 60, proc)
            assert listening_ports(proc.pid) == {port}
            assert serving_processes(proc.pid, port) == 1
        finally:
            proc.terminate()
            proc.wait(30)
    assert "Traceback" not in log.read_text(), log.read_text()
