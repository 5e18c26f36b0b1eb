"""What ``bench/scale.py`` reads off a process and a server: memory of a process tree (from
Linux's /proc), a command's wall time and peak memory, and timed HTTP requests that count every
failure (a status other than 2xx, a timeout, a refused or broken connection)."""

from __future__ import annotations

import http.client
import os
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from graph_service.testing import ROOT, descendants

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and every process below it (summed: forked workers share pages
    copy-on-write, so this over-counts shared pages — the figure a memory budget would see)."""
    total = 0
    for process in [pid, *descendants(pid)]:
        try:
            resident = int(Path(f"/proc/{process}/statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
        total += resident * PAGE_SIZE
    return total


class PeakRss:
    """Samples :func:`tree_rss` of ``pid`` every ``interval`` s in a thread; ``peak`` is the most seen."""

    def __init__(self, pid: int, interval: float = 0.1):
        self.pid, self.interval, self.peak = pid, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss(self.pid))
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Ran:
    """A command's outcome: exit code, wall seconds, peak resident bytes of its tree, output."""

    code: int
    seconds: float
    peak_rss: int
    output: str


def env_with_checkout(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for our commands: this checkout's packages first (as graph_service.testing
    starts servers), plus ``extra``."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.update(extra or {})
    return env


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "zhytomyr_kg.cli", *args]


def run_measured(cmd: list[str], log: Path, env: dict[str, str] | None = None) -> Ran:
    """Run ``cmd`` to its end, sampling the memory of its process tree."""
    with open(log, "w+b") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, env=env_with_checkout(env)
        )
        with PeakRss(proc.pid) as peak:
            code = proc.wait()
        seconds = time.perf_counter() - t0
    return Ran(code, seconds, peak.peak, log.read_text(encoding="utf-8", errors="replace"))


@dataclass
class Timed:
    status: int  # 0: no answer (timeout, refused, broken connection)
    ms: float
    size: int
    target: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class Client:
    """One keep-alive connection (so that repeats reach the same HTTP process and its caches);
    reopened after a failure. Every request is kept in ``log``."""

    host: str
    port: int
    timeout: float
    log: list[Timed] = field(default_factory=list)
    _conn: http.client.HTTPConnection | None = None

    def get(self, target: str, accept: str) -> Timed:
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        t0 = time.perf_counter()
        try:
            self._conn.request("GET", target, headers={"Accept": accept})
            response = self._conn.getresponse()
            body = response.read()
            timed = Timed(response.status, (time.perf_counter() - t0) * 1000, len(body), target[:100])
            if not timed.ok:
                timed.error = body[:200].decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as exc:
            timed = Timed(
                0, (time.perf_counter() - t0) * 1000, 0, target[:100], f"{type(exc).__name__}: {exc}"
            )
            self.close()
        self.log.append(timed)
        return timed

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    @property
    def failures(self) -> list[Timed]:
        return [t for t in self.log if not t.ok]


def median_ms(timings: list[Timed]) -> float | None:
    """Median over the answered requests (a failure is counted apart, not timed)."""
    ms = [t.ms for t in timings if t.ok]
    return statistics.median(ms) if ms else None


def http_processes(supervisor: int) -> set[int]:
    """The supervisor's HTTP processes (its children, less multiprocessing's resource tracker)."""
    try:
        kids = Path(f"/proc/{supervisor}/task/{supervisor}/children").read_text().split()
    except OSError:
        return set()
    found = set()
    for kid in kids:
        try:
            if b"resource_tracker" not in Path(f"/proc/{kid}/cmdline").read_bytes():
                found.add(int(kid))
        except OSError:
            continue
    return found
