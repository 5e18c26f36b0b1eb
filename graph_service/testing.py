"""Helpers for tests and the benchmark: a store directory from quads, servers on port 0.

Nothing here is used when serving; it lives in the package so the tests and
``bench/sparql_http.py`` share one implementation. The graphs they load are in
``graph_service.sample_graphs``.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from zhytomyr_kg.store_layout import new_build_dir, publish

ROOT = Path(__file__).resolve().parent.parent


def build_store(
    store_dir: Path,
    quads: Iterable | None = None,
    *,
    nquads: Path | None = None,
    build_id: str = "test-build-1",
):
    """Lay out ``store_dir`` per zhytomyr_kg.store_layout with one published build; returns its dir."""
    import pyoxigraph

    build = new_build_dir(Path(store_dir), build_id)
    store = pyoxigraph.Store(str(build / "oxigraph"))
    if nquads is not None:
        fmt = (
            pyoxigraph.RdfFormat.from_extension(Path(nquads).suffix.lstrip("."))
            or pyoxigraph.RdfFormat.N_QUADS
        )
        store.bulk_load(path=str(nquads), format=fmt)
    if quads is not None:
        store.extend(list(quads))
    store.flush()
    count = len(store)
    del store
    (build / "build.json").write_text(f'{{"build_id": "{build_id}", "quads": {count}}}', encoding="utf-8")
    publish(Path(store_dir), build)
    return build


def descendants(pid: int) -> list[int]:
    """The processes below ``pid`` (children, their children, …), from Linux's /proc."""
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            found += [int(child), *descendants(int(child))]
    return found


def listening_ports(pid: int, below: bool = True) -> set[int]:
    """The TCP ports that process ``pid`` (or, with ``below``, one below it) listens on, from
    Linux's /proc: how a test learns the port of a server it started on port 0."""
    inodes: set[str] = set()
    for process in [pid, *(descendants(pid) if below else [])]:
        try:
            fds = os.listdir(f"/proc/{process}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{process}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
    ports: set[int] = set()
    if not inodes:
        return ports
    for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
        try:
            text = Path(table).read_text()
        except OSError:
            continue
        for port, inode in _LISTENING.findall(text):
            if inode in inodes:
                ports.add(int(port, 16))
    return ports


#: a line of /proc/net/tcp{,6} in state 0A (LISTEN): local port, inode
_LISTENING = re.compile(r"^\s*\d+: [0-9A-F]+:([0-9A-F]{4}) [0-9A-F]+:[0-9A-F]{4} 0A (?:\S+ +){5}(\d+) ", re.M)


def wait_http(url: str, timeout: float = 30.0, proc: subprocess.Popen | None = None) -> None:
    end = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            r = httpx.get(url, timeout=2.0)
            if r.status_code < 500:
                return
            last = r.status_code
        except httpx.HTTPError as exc:
            last = exc
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not come up: {last}")


def announced_port(log: Path, proc: subprocess.Popen, timeout: float = 60.0) -> int:
    """The port that ``zhytomyr-kg serve --port 0`` names in its first line (``serving SPARQL at
    http://HOST:PORT/sparql``), read from its output in ``log``."""
    end = time.monotonic() + timeout
    while not (found := re.search(r"serving SPARQL at http://[^\s/]+:(\d+)/sparql", log.read_text())):
        if proc.poll() is not None or time.monotonic() > end:
            raise RuntimeError(f"no port announced (exit code {proc.poll()}):\n{log.read_text()}")
        time.sleep(0.05)
    return int(found.group(1))


@dataclass
class Server:
    """A server that :func:`running` started: its process and the port the kernel gave it."""

    proc: subprocess.Popen
    port: int

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _tail(log, limit: int = 4000) -> str:
    size = os.fstat(log.fileno()).st_size
    return os.pread(log.fileno(), limit, max(0, size - limit)).decode("utf-8", "replace")


@contextlib.contextmanager
def running(
    cmd: list[str],
    ready_path: str = "/health",
    env: dict | None = None,
    log_path: Path | None = None,
    timeout: float = 60.0,
) -> Iterator[Server]:
    """Start ``cmd`` (a server told to listen on 127.0.0.1 port 0), learn the port it was given,
    wait until ``ready_path`` answers there, and stop it (by its own pid) afterwards.

    The server's output goes to ``log_path`` (or a temporary file); if it exits or does not come
    up, the error quotes the end of it.
    """
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = str(ROOT) + (
        os.pathsep + full_env["PYTHONPATH"] if full_env.get("PYTHONPATH") else ""
    )
    full_env.update(env or {})
    # the server's log, open while it runs
    out = open(log_path, "w+b") if log_path else tempfile.TemporaryFile()  # noqa: SIM115
    proc = subprocess.Popen(cmd, env=full_env, stdout=out, stderr=subprocess.STDOUT, cwd=str(ROOT))
    try:
        try:
            end = time.monotonic() + timeout
            while not (ports := listening_ports(proc.pid)):
                if proc.poll() is not None:
                    raise RuntimeError(f"server exited with {proc.returncode}")
                if time.monotonic() > end:
                    raise RuntimeError(f"no listening port after {timeout} s")
                time.sleep(0.05)
            if len(ports) != 1:
                raise RuntimeError(f"the server listens on several ports: {sorted(ports)}")
            server = Server(proc, ports.pop())
            wait_http(server.base + ready_path, max(1.0, end - time.monotonic()), proc)
        except RuntimeError as exc:
            raise RuntimeError(f"{' '.join(cmd)}: {exc}\n--- its output:\n{_tail(out)}") from None
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        out.close()


def serve_cmd(workers: int | None = None, port: int = 0) -> list[str]:
    """``zhytomyr-kg serve`` as users start it: the default process layout unless ``workers``
    (HTTP processes) is given; the store comes from ``ZKG_STORE``. Port 0: the kernel picks one."""
    cmd = [sys.executable, "-m", "zhytomyr_kg.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    return cmd + (["--workers", str(workers)] if workers else [])


def service_cmd(workers: int = 1) -> list[str]:
    """The service under uvicorn directly, on port 0: one HTTP process, the pool size from the
    environment."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "graph_service.web.app:app_from_env",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
    ]


def oxigraph_bin() -> str | None:
    candidate = Path(sys.executable).with_name("oxigraph")
    if candidate.exists():
        return str(candidate)
    import shutil

    return shutil.which("oxigraph")
