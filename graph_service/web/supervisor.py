"""Several HTTP processes on one port, each with a listening socket of its own (``SO_REUSEPORT``).

Why not uvicorn's ``--workers``: its processes share one socket and race to accept, and the
winner takes every pending connection at once. A burst of new connections (a client opening its
connection pool, wrk) then often lands entirely on one process, which has only its own query
workers while the other process idles: on the benchmark machine that happened in about one run
in eight and halved the throughput of pool queries (docs/SERVICE.md). With one socket per
process the kernel spreads connections over the processes by hash.

The supervisor starts the processes, restarts one that dies, and stops them all on SIGTERM or
SIGINT. A process that dies within ``STARTUP_GRACE`` seconds of its start (the application
cannot start) stops the whole service with an error rather than restarting forever.
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
STARTUP_GRACE = 5.0


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


def _serve_one(app: str, host: str, port: int, uvicorn_options: dict[str, Any]) -> None:
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

    sock = _listening_socket(host, port, reuse_port=True)
    config = uvicorn.Config(app, **uvicorn_options)
    uvicorn.Server(config).run(sockets=[sock])


def serve_processes(app: str, host: str, port: int, processes: int, **uvicorn_options: Any) -> int:
    """Run ``processes`` uvicorn servers of ``app`` on ``host:port`` until signalled; the exit code."""
    try:  # fail now, clearly, if the port is taken (our own sockets would share it silently)
        _listening_socket(host, port, reuse_port=False).close()
    except OSError as exc:
        log.error("cannot listen on %s:%s: %s", host, port, exc.strerror or exc)
        return 1
    context = multiprocessing.get_context("spawn")
    stopping = False

    def start() -> tuple[multiprocessing.process.BaseProcess, float]:
        process = context.Process(target=_serve_one, args=(app, host, port, uvicorn_options), name="zkg-http")
        process.start()
        return process, time.monotonic()

    def stop(signum, frame) -> None:
        nonlocal stopping
        stopping = True

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    children = [start() for _ in range(processes)]
    code = 0
    try:
        while not stopping:
            multiprocessing.connection.wait([p.sentinel for p, _ in children], timeout=0.5)
            for i, (process, started) in enumerate(children):
                if process.is_alive() or stopping:
                    continue
                if time.monotonic() - started < STARTUP_GRACE:
                    log.error(
                        "HTTP process %s exited with code %s while starting: stopping",
                        process.pid,
                        process.exitcode,
                    )
                    stopping, code = True, 1
                    break
                log.warning(
                    "HTTP process %s exited with code %s: restarting it", process.pid, process.exitcode
                )
                children[i] = start()
    finally:
        for process, _ in children:
            process.terminate()
        for process, _ in children:
            process.join(10)
            if process.is_alive():
                process.kill()
                process.join(5)
        for s, handler in previous.items():
            signal.signal(s, handler)
    return code
