"""The processes a running ``zhytomyr-kg serve`` is made of, read from Linux's /proc, and waiting
on a condition about them: shared by the tests that kill them."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return b""


def http_processes(supervisor: int) -> list[int]:
    """The supervisor's children that serve HTTP (not multiprocessing's resource tracker)."""
    return [p for p in children(supervisor) if b"resource_tracker" not in cmdline(p)]


def query_workers(supervisor: int) -> list[int]:
    return [w for p in http_processes(supervisor) for w in children(p) if b"sparql.worker" in cmdline(w)]


def wait_for(predicate: Callable[[], T], what: str, timeout: float = 60.0) -> T:
    """``predicate()`` once it is true; an AssertionError naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"after {timeout} s: {what}")
