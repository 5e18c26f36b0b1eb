"""Builds of one store never break each other, and pruning never removes a build in use (#14 D10).

A build holds ``<store>/.build.lock``: a second build waits for it, or gives up after its
timeout with one line naming the first build's pid. Pruning skips the live build, a build being
written and a build any process has open (a shared lock on ``<build>/.open``).
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from graph_service.sample_graphs import sample_quads
from graph_service.store.oxigraph import OxigraphBackend
from graph_service.testing import build_store, running, service_cmd
from zhytomyr_kg import store_layout

pytestmark = [pytest.mark.hostile]


def cli_build(store: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "zhytomyr_kg.cli", "build", "--store", str(store), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until_locked(store: Path, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    """Until ``proc`` holds the store's build lock (probed without waiting)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        lock = store / store_layout.BUILD_LOCK
        if lock.exists():
            fd = os.open(lock, os.O_RDONLY)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return
            finally:
                os.close(fd)  # a successful probe is released at once
        time.sleep(0.02)
    raise AssertionError("the first build never took the lock")


def assert_store_answers(store: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "zhytomyr_kg.cli", "query", "class-counts", "--store", str(store)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Project" in result.stdout


@pytest.mark.processes
def test_a_second_build_that_cannot_wait_fails_with_one_line_naming_the_first(tmp_path):
    store = tmp_path / "store"
    first = cli_build(store, "-q")
    wait_until_locked(store, first)
    second = subprocess.run(
        [sys.executable, "-m", "zhytomyr_kg.cli", "build", "--store", str(store), "--lock-timeout", "1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.returncode == 1
    assert second.stderr.splitlines() == [
        f"· waiting up to 1 s for another build of {store} (pid {first.pid})",
        f"error: another build of {store} is running (pid {first.pid}); waited 1 s (ZKG_BUILD_LOCK_TIMEOUT)",
        "The store was not changed.",
    ]
    _, err = first.communicate(timeout=180)
    assert first.returncode == 0, err
    assert "Traceback" not in err
    assert len(list((store / store_layout.BUILDS).iterdir())) == 1
    assert_store_answers(store)


@pytest.mark.processes
def test_a_second_build_waits_for_the_first_and_both_succeed(tmp_path):
    store = tmp_path / "store"
    first = cli_build(store, "-q")
    wait_until_locked(store, first)
    second = cli_build(store)  # the default timeout: long enough to wait for the first
    _, err1 = first.communicate(timeout=180)
    _, err2 = second.communicate(timeout=180)
    assert first.returncode == 0 and second.returncode == 0, (err1, err2)
    assert f"waiting up to 120 s for another build of {store} (pid {first.pid})" in err2
    assert "Traceback" not in err1 + err2
    builds = sorted((store / store_layout.BUILDS).iterdir(), key=lambda d: d.stat().st_mtime)
    assert len(builds) == 2
    assert store_layout.live_build(store).directory == builds[-1].resolve()  # the second is live
    assert_store_answers(store)


def names(store: Path) -> set[str]:
    return {d.name for d in (store / store_layout.BUILDS).iterdir()}


def test_pruning_keeps_a_build_this_process_has_open_until_it_lets_go(tmp_path):
    quads = sample_quads()
    build_store(tmp_path, quads, build_id="b1")
    backend = OxigraphBackend(tmp_path)
    assert len(backend.store()) == len(quads)  # b1 is open here
    for build_id in ("b2", "b3", "b4"):
        build_store(tmp_path, quads, build_id=build_id)
    assert names(tmp_path) == {"b1", "b3", "b4"}  # b2 pruned; b1, the oldest, is open
    assert len(backend.store("b1")) == len(quads)
    backend.store("b3")
    backend.store("b4")  # the backend keeps the open build and the one before: b1 is let go
    build_store(tmp_path, quads, build_id="b5")
    assert names(tmp_path) == {"b3", "b4", "b5"}


def test_pruning_keeps_a_build_being_written(tmp_path):
    quads = sample_quads()
    build_store(tmp_path, quads, build_id="b1")
    writing = store_layout.new_build_dir(tmp_path, "being-written")
    held = store_layout.hold(writing, writing=True)
    for build_id in ("b2", "b3", "b4"):
        build_store(tmp_path, quads, build_id=build_id)
    assert names(tmp_path) == {"being-written", "b3", "b4"}
    held.release()
    build_store(tmp_path, quads, build_id="b5")
    assert names(tmp_path) == {"b4", "b5"}


def test_pruning_never_removes_the_live_build(tmp_path):
    quads = sample_quads()
    for build_id in ("b1", "b2", "b3"):
        build_store(tmp_path, quads, build_id=build_id)
    os.symlink("builds/b2", tmp_path / "relink")
    os.replace(tmp_path / "relink", tmp_path / store_layout.CURRENT)  # b2 is live again …
    os.utime(tmp_path / "builds" / "b2", (0, 0))  # … and the oldest by far
    assert store_layout.prune(tmp_path, keep=0) == [tmp_path / "builds" / "b3"]
    assert names(tmp_path) == {"b2"}


@pytest.mark.processes
def test_a_serving_process_keeps_the_build_it_has_open(tmp_path):
    quads = sample_quads()
    build_store(tmp_path, quads, build_id="served")
    env = {"ZKG_STORE": str(tmp_path), "ZKG_ACCESS_LOG": "0", "ZKG_SPARQL_POOL_SIZE": "1"}
    with running(service_cmd(), "/health", env=env) as server:
        base = server.base
        for build_id in ("b2", "b3", "b4"):  # published behind the service's back
            build_store(tmp_path, quads, build_id=build_id)
        assert "served" in names(tmp_path)  # its worker and HTTP process hold it
        assert "b2" not in names(tmp_path)
        answer = httpx.post(
            base + "/sparql",
            content="ASK { ?s a ?type }",
            headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
        )
        assert answer.status_code == 200 and answer.json()["boolean"] is True
    build_store(tmp_path, quads, build_id="b5")  # the service has stopped: nothing holds it now
    assert "served" not in names(tmp_path)


def test_a_forked_stage_does_not_keep_the_build_lock(tmp_path):
    """The build forks its validation and index stages: the lock goes when the build ends, even
    if a child lives on (it would otherwise hold the lock's open file too)."""
    started, tell = os.pipe()
    with store_layout.build_lock(tmp_path, timeout=1):
        child = os.fork()
        if child == 0:  # pragma: no cover - the child, running on after the build
            os.write(tell, b"!")
            time.sleep(3)
            os._exit(0)
        assert os.read(started, 1) == b"!"
    try:
        with store_layout.build_lock(tmp_path, timeout=0):  # at once: the child holds nothing
            pass
    finally:
        os.kill(child, 9)
        os.waitpid(child, 0)
        os.close(started)
        os.close(tell)
