"""The load generator both HTTP benchmarks share: ``wrk`` when installed, else a Python client.

``load(url, accept, connections, duration)`` returns ``{"rps", "p50_ms", "p99_ms", "errors"}``.
With the Python client the figures are bounded by the client itself; ``generator(duration)``
names the one in use so the benchmarks can say which. wrk counts whole seconds, so a cell shorter
than one (the tests' smoke runs: 0.1 s) goes to the Python client, which keeps to it: with wrk each
of those cells ran a full second with both cores busy.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import time

import httpx

WRK = shutil.which("wrk")
#: wrk's shortest run, in seconds (its ``-d`` takes whole seconds)
WRK_SHORTEST = 1.0


def generator(duration: float) -> str:
    """The load generator ``load`` uses for cells of ``duration`` seconds."""
    return "wrk" if WRK and duration >= WRK_SHORTEST else "python (httpx)"


def load(url: str, accept: str, connections: int, duration: float) -> dict:
    """Requests/s, p50/p99 latency (ms) and errors (non-2xx/3xx, socket errors) of GET ``url``."""
    if generator(duration) == "wrk":
        return _wrk(url, accept, connections, duration)
    return asyncio.run(_python(url, accept, connections, duration))


def _wrk(url: str, accept: str, connections: int, duration: float) -> dict:
    cmd = [
        "wrk",
        "-t",
        str(max(1, min(connections, 2))),
        "-c",
        str(connections),
        "-d",
        f"{round(duration)}s",
        "--timeout",
        "10s",
        "--latency",
        "-H",
        f"Accept: {accept}",
        url,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60, check=False)
    if "Requests/sec:" not in proc.stdout:
        raise RuntimeError(f"wrk failed: {proc.stdout} {proc.stderr}")
    return read_wrk(proc.stdout)


def read_wrk(out: str) -> dict:
    """The figures of wrk's ``--latency`` output."""
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not found:
        raise ValueError(f"not wrk's output: {out[:200]!r}")

    def lat(pct: int) -> float | None:
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return None
        v, unit = float(m.group(1)), m.group(2)
        return v / 1000 if unit == "us" else v if unit == "ms" else v * 1000

    errors = sum(int(m) for m in re.findall(r"Non-2xx or 3xx responses:\s+(\d+)", out))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors += sum(int(x) for x in m.groups())
    return {"rps": float(found.group(1)), "p50_ms": lat(50), "p99_ms": lat(99), "errors": errors}


async def _python(url: str, accept: str, connections: int, duration: float) -> dict:
    latencies: list[float] = []
    errors = 0
    async with httpx.AsyncClient(timeout=10, limits=httpx.Limits(max_connections=connections)) as client:

        async def worker() -> None:
            nonlocal errors
            while True:  # at least one request each, however short the duration or slow the machine
                t = time.perf_counter()
                r = await client.get(url, headers={"Accept": accept})
                latencies.append(time.perf_counter() - t)
                errors += r.status_code >= 400
                if time.perf_counter() >= end:
                    break

        start = time.perf_counter()
        end = start + duration
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - start
    latencies.sort()

    def pct(q: float) -> float | None:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else None

    return {"rps": len(latencies) / elapsed, "p50_ms": pct(0.5), "p99_ms": pct(0.99), "errors": errors}
