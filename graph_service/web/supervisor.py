"""Several HTTP processes on one port, each with a listening socket of its own (``SO_REUSEPORT``).

Why not uvicorn's ``--workers``: its processes share one socket and race to accept, and the
winner takes every pending connection at once. A burst of new connections (a client opening its
connection pool, wrk) then often lands entirely on one process, which has only its own query
workers while the other process idles: on the benchmark machine that happened in about one run
in eight and halved the throughput of pool queries (docs/SERVICE.md). With one socket per
process the kernel spreads connections over the processes by hash.

The supervisor starts the processes, restarts one that dies, and stops them all on SIGTERM or
SIGINT. A process that dies is restarted after a delay that doubles with each quick death of that
process (``BACKOFF_START`` … ``BACKOFF_MAX`` seconds) and resets once it has lived
``STABLE_AFTER`` seconds, so a request that crashes processes cannot make the supervisor spin nor
give up. The one case that stops the service is an application that cannot start at all: every
process died before any of them finished its start-up (uvicorn's, the application's lifespan).
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import signal
import socket
import time
from typing import Any

log = logging.getLogger("zkg.supervisor")
BACKOFF_START, BACKOFF_MAX, STABLE_AFTER = 0.5, 30.0, 30.0


class Slot:
    """One HTTP process of the service and its restart history."""

    def __init__(self, start: Any) -> None:
        self._start = start
        self.failures = 0
        self.restart_at: float | None = None
        self.process, self.started = start(), time.monotonic()

    def restart(self) -> None:
        self.process, self.started, self.restart_at = self._start(), time.monotonic(), None

    def died(self, now: float) -> float:
        """Record a death; the delay before the restart."""
        if now - self.started >= STABLE_AFTER:
            self.failures = 0
        self.failures += 1
        return min(BACKOFF_MAX, BACKOFF_START * 2 ** (self.failures - 1))


def reuse_port_supported() -> bool:
    return hasattr(socket, "SO_REUSEPORT")


def _listening_socket(host: str, port: int, reuse_port: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def reserve_port(host: str, reuse_port: bool) -> socket.socket:
    """A socket bound to a free port of ``host`` (``--port 0``), not listening: the caller holds
    it while the service runs, so the port stays the service's; its number is ``getsockname()[1]``."""
    return _listening_socket(host, 0, reuse_port)


def _serve_one(app: str, host: str, port: int, uvicorn_options: dict[str, Any], ready: Any) -> None:
    """One HTTP process: its own socket on the shared port, one uvicorn server.

    It leaves the terminal's process group, so Ctrl-C reaches only the supervisor, which then
    asks each process once to stop (a second signal would make uvicorn abort), and it ends with
    the supervisor if that is killed outright.
    """
    import ctypes
    import os

    import uvicorn

    os.setpgrp()
    try:
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if not self.should_exit:
                ready.set()  # the application started: tell the supervisor

    sock = _listening_socket(host, port, reuse_port=True)
    Server(uvicorn.Config(app, **uvicorn_options)).run(sockets=[sock])


def serve_processes(app: str, host: str, port: int, processes: int, **uvicorn_options: Any) -> int:
    """Run ``processes`` uvicorn servers of ``app`` on ``host:port`` until signalled; the exit code."""
    try:  # fail now, clearly, if the port is taken (our own sockets would share it silently)
        _listening_socket(host, port, reuse_port=False).close()
    except OSError as exc:
        log.error("cannot listen on %s:%s: %s", host, port, exc.strerror or exc)
        return 1
    context = multiprocessing.get_context("spawn")
    stopping = False
    started = context.Event()  # set by the first process that completes its start-up

    def start() -> multiprocessing.process.BaseProcess:
        process = context.Process(
            target=_serve_one, args=(app, host, port, uvicorn_options, started), name="zkg-http"
        )
        process.start()
        return process

    def stop(signum, frame) -> None:
        nonlocal stopping
        stopping = True

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    slots = [Slot(start) for _ in range(processes)]
    code = 0
    try:
        while not stopping:
            running = [s.process.sentinel for s in slots if s.restart_at is None]
            multiprocessing.connection.wait(running, timeout=0.5)
            now = time.monotonic()
            for slot in slots:
                if stopping:
                    break
                if slot.restart_at is not None:
                    if now >= slot.restart_at:
                        slot.restart()
                    continue
                if slot.process.is_alive():
                    continue
                lived = now - slot.started
                if not started.is_set() and all(
                    not s.process.is_alive() for s in slots if s.restart_at is None
                ):
                    log.error(
                        "HTTP process %s exited with code %s while starting, and no process has "
                        "started: stopping",
                        slot.process.pid,
                        slot.process.exitcode,
                    )
                    stopping, code = True, 1
                    break
                delay = slot.died(now)
                log.warning(
                    "HTTP process %s exited with code %s after %.1f s: restarting it in %.1f s",
                    slot.process.pid,
                    slot.process.exitcode,
                    lived,
                    delay,
                )
                slot.restart_at = now + delay
    finally:
        for slot in slots:
            slot.process.terminate()
        for slot in slots:
            slot.process.join(10)
            if slot.process.is_alive():
                slot.process.kill()
                slot.process.join(5)
        for s, handler in previous.items():
            signal.signal(s, handler)
    return code
