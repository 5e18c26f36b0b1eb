"""A query worker process: holds one read-only store handle and runs one query at a time.

Started by :mod:`graph_service.sparql.pool` as ``python -m graph_service.sparql.worker STORE_DIR`` with the
limits in its environment. The HTTP process can kill it at any moment (a query past its time
limit is stopped that way: pyoxigraph cannot interrupt a running query) and starts another.

Its address space is capped (``RLIMIT_AS`` = ``ZKG_SPARQL_WORKER_MEMORY``) before anything is
loaded: a query that needs more memory fails to allocate — the engine then aborts the process
("memory allocation of … failed" on stderr), Python raises MemoryError — and the pool answers
503 naming the limit and replaces the worker.

Wire format on stdin/stdout (binary):

* request: 4-byte big-endian length + JSON object
  ``{"sparql", "accept", "format", "media_type", "default_graph_uris", "named_graph_uris", "build_id"}``
* response frames: 1 type byte + 4-byte big-endian length + payload, where the type is
  ``H`` (JSON head: media_type, form, capped_rows), ``D`` (a chunk of the serialised result),
  ``E`` (end, empty) or ``X`` (JSON error: status, message).
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import struct
import sys

from zhytomyr_kg.settings import env

HEAD, DATA, END, ERROR = b"H", b"D", b"E", b"X"
_LEN = struct.Struct(">I")
_FRAME = struct.Struct(">cI")


def isolate_network() -> str:
    """Move this process into an empty network namespace, so no query can reach the network.

    Must run before any thread starts (RocksDB starts threads when the store opens).
    Returns a short description of what was achieved.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        clone_newnet, clone_newuser = 0x40000000, 0x10000000
        if libc.unshare(clone_newnet) == 0:
            return "netns"
        uid, gid = os.getuid(), os.getgid()
        if libc.unshare(clone_newuser | clone_newnet) == 0:
            try:  # keep our own uid inside the new user namespace (files stay readable)
                with open("/proc/self/setgroups", "w") as f:
                    f.write("deny")
                with open("/proc/self/uid_map", "w") as f:
                    f.write(f"{uid} {uid} 1")
                with open("/proc/self/gid_map", "w") as f:
                    f.write(f"{gid} {gid} 1")
            except OSError:
                pass
            return "userns+netns"
        return f"none (unshare: errno {ctypes.get_errno()})"
    except Exception as exc:
        return f"none ({exc})"


def memory_message(limit: int) -> str:
    """What the client is told when a query needed more memory than ``limit`` bytes."""
    return (
        f"query stopped: it needed more memory than a query worker may use ({_size(limit)}, "
        "ZKG_SPARQL_WORKER_MEMORY)"
    )


def _size(n: int) -> str:
    for unit, size in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if n >= size:
            return f"{n / size:.4g} {unit}"
    return f"{n} bytes"


def cap_memory(limit: int) -> None:
    """Cap this process's address space at ``limit`` bytes (0: no cap)."""
    if limit <= 0:
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    store_dir = argv[0]
    memory_limit = env("ZKG_SPARQL_WORKER_MEMORY")
    cap_memory(memory_limit)  # first: the store and its in-memory copy count too
    # Ctrl-C in a terminal reaches the whole process group: the HTTP process decides when a
    # worker ends (it closes its stdin or kills it), so the worker ignores the interrupt
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:  # die with the HTTP process, even if it is killed without cleaning up
        ctypes.CDLL(None).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL
    except Exception:
        pass
    isolation = "off"
    if env("ZKG_WORKER_ISOLATE_NET"):
        isolation = isolate_network()

    from graph_service.conneg import NotAcceptable
    from graph_service.store.base import QueryError
    from graph_service.store.oxigraph import OxigraphBackend
    from zhytomyr_kg.settings import ServiceConfig
    from zhytomyr_kg.store_layout import NoStore

    config = ServiceConfig.from_env()
    backend = OxigraphBackend(
        store_dir,
        max_rows=config.max_rows,
        max_result_bytes=config.max_result_bytes,
        max_query_bytes=config.max_query_bytes,
        service_allow=config.service_allow,
        memory_quads=config.memory_quads,
    )
    try:  # open (and copy into memory) the live build now, not on the first query
        backend.store()
    except Exception:
        pass
    stdin = sys.stdin.buffer
    stdout = sys.stdout.buffer
    # detach Python's stdout from the protocol stream: stray prints go to stderr
    sys.stdout = sys.stderr

    out = bytearray()  # frames are batched: a small result leaves in one write

    def frame(kind: bytes, payload: bytes = b"") -> None:
        out.extend(_FRAME.pack(kind, len(payload)))
        if payload:
            out.extend(payload)

    def flush() -> None:
        if out:
            stdout.write(out)
            stdout.flush()
            out.clear()

    # ready signal, with what isolation we got
    frame(
        HEAD,
        json.dumps(
            {"ready": True, "isolation": isolation, "pid": os.getpid(), "in_memory": backend.in_memory}
        ).encode(),
    )
    flush()

    while True:
        header = stdin.read(4)
        if len(header) < 4:
            return 0
        (length,) = _LEN.unpack(header)
        request = json.loads(stdin.read(length))
        started = False

        def on_start(result) -> None:
            nonlocal started
            started = True
            frame(
                HEAD,
                json.dumps(
                    {"media_type": result.media_type, "form": result.form, "capped_rows": result.capped_rows}
                ).encode(),
            )

        def emit(chunk: bytes) -> None:
            frame(DATA, chunk)
            if len(out) >= 65536:
                flush()

        try:
            backend.execute(
                request["sparql"],
                emit,
                accept=request.get("accept"),
                format=request.get("format"),
                media_type=request.get("media_type"),
                default_graph_uris=request.get("default_graph_uris") or (),
                named_graph_uris=request.get("named_graph_uris") or (),
                build_id=request.get("build_id"),
                base_iri=request.get("base_iri"),
                on_start=on_start,
                chunk_size=int(request.get("chunk_size") or 65536),
            )
            frame(END)
        except QueryError as exc:
            frame(ERROR, json.dumps({"status": exc.status, "message": exc.message}).encode())
        except NotAcceptable as exc:
            frame(ERROR, json.dumps({"status": 406, "message": str(exc)}).encode())
        except MemoryError:
            out.clear()  # a partial result is dropped with the worker
            stopped = {"status": 503, "message": memory_message(memory_limit), "retire": True}
            frame(ERROR, json.dumps(stopped).encode())
            flush()
            return 3  # this process's memory is in no state to go on: the pool starts another
        except NoStore as exc:  # names the store's path: to the log (stderr), not the client
            print(f"no data: {exc}", file=sys.stderr, flush=True)
            frame(ERROR, json.dumps({"status": 503, "message": f"no data available: {exc.message}"}).encode())
        except Exception as exc:  # may name paths (a store that cannot be read): logged, not answered
            print(f"{type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
            message = (
                f"the query failed in its worker ({type(exc).__name__}); the service log has the details"
            )
            frame(ERROR, json.dumps({"status": 500, "message": message}).encode())
        flush()
        del started


if __name__ == "__main__":
    sys.exit(main())
