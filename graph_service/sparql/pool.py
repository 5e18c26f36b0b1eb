"""A small pool of query worker processes, driven from the HTTP process's event loop.

Every query runs in a worker (:mod:`graph_service.sparql.worker`). The pool hands a request to an
idle worker, reads its frames without blocking the loop, and enforces the deadline: a worker
still busy when the deadline passes is killed and replaced, so a runaway query stops using
CPU while other requests keep being answered by the remaining workers.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import os
import signal
import struct
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from graph_service.sparql.worker import DATA, END, ERROR, HEAD, memory_message

log = logging.getLogger("zkg.pool")
_FRAME = struct.Struct(">cI")


class Timeout(Exception):
    """The deadline passed (while waiting for a worker or while the query ran)."""


class WorkerFailed(Exception):
    """A worker died or spoke nonsense."""


class Worker:
    def __init__(self, proc: asyncio.subprocess.Process, isolation: str):
        self.proc = proc
        self.isolation = isolation
        self.pid = proc.pid
        self.served = 0
        self.busy = False  # handed a request and not given back yet
        self.retired = False  # killed or found dead; a replacement was started
        self._buf = bytearray()
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=20)
        self.stderr_done: asyncio.Task | None = None  # relays its stderr until it closes

    def alive(self) -> bool:
        """Not retired, not exited, its stdin still open: fit to be handed a request."""
        stdin = self.proc.stdin
        return (
            not self.retired and self.proc.returncode is None and stdin is not None and not stdin.is_closing()
        )

    async def send(self, request: dict) -> None:
        payload = json.dumps(request).encode("utf-8")
        assert self.proc.stdin is not None
        self.proc.stdin.write(struct.pack(">I", len(payload)) + payload)
        await self.proc.stdin.drain()

    async def frame(self) -> tuple[bytes, bytes]:
        """The next frame; reads whatever the pipe holds at once (a small answer is one read)."""
        buf = self._buf
        while True:
            if len(buf) >= 5:
                kind, length = _FRAME.unpack_from(buf)
                end = 5 + length
                if len(buf) >= end:
                    payload = bytes(buf[5:end])
                    del buf[:end]
                    return kind, payload
            assert self.proc.stdout is not None
            chunk = await self.proc.stdout.read(1 << 20)
            if not chunk:
                raise WorkerFailed(f"worker {self.pid} exited")
            buf += chunk

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()

    async def relay_stderr(self) -> None:
        """Copy the worker's stderr to ours, keeping the last lines (why it died)."""
        stream = self.proc.stderr
        assert stream is not None
        while line := await stream.readline():
            text = line.decode("utf-8", "replace").rstrip()
            self.stderr_tail.append(text)
            log.warning("query worker %d: %s", self.pid, text)

    async def ended(self, wait: float = 2.0) -> tuple[int | None, str]:
        """The exit code (None if it has not exited within ``wait`` s) and its last stderr lines."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(wait):
                await self.proc.wait()
                if self.stderr_done is not None:
                    await self.stderr_done
        return self.proc.returncode, "\n".join(self.stderr_tail)


@dataclass
class Outcome:
    """A query's result as the worker produced it."""

    media_type: str
    form: str
    capped_rows: int | None
    body: bytes | None  # the whole body, when it fitted the buffer
    head_chunks: list[bytes]  # the chunks already read, when it did not
    rest: AsyncIterator[bytes] | None  # the remaining chunks (stream), when it did not


class WorkerPool:
    def __init__(
        self,
        store_dir: Path | str,
        size: int,
        *,
        isolate_net: bool = True,
        env: dict | None = None,
        memory_limit: int = 0,
    ):
        self.store_dir = str(store_dir)
        self.size = max(1, size)
        self.isolate_net = isolate_net
        self.env = env or {}
        self.memory_limit = memory_limit  # the workers' RLIMIT_AS (ZKG_SPARQL_WORKER_MEMORY)
        self.out_of_memory = 0  # queries stopped by it
        self._idle: asyncio.Queue[Worker] = asyncio.Queue()
        self._all: set[Worker] = set()
        self._closing = False
        self._spawning: set[asyncio.Task] = set()
        self.restarts = 0
        self.isolation = "unknown"
        self.in_memory = False  # whether the last worker started answers from an in-memory copy
        self.on_restart = None  # callback for metrics

    async def start(self) -> None:
        workers = await asyncio.gather(*(self._spawn() for _ in range(self.size)))
        for w in workers:
            self._give_back(w)

    async def _spawn(self) -> Worker:
        env = dict(os.environ)
        env.update(self.env)
        env["ZKG_WORKER_ISOLATE_NET"] = "1" if self.isolate_net else "0"
        root = str(Path(__file__).resolve().parents[2])  # the folder holding graph_service/
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        if self.memory_limit > 0:  # glibc reserves 64 MiB of address space per thread's arena
            env.setdefault("MALLOC_ARENA_MAX", "2")
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "graph_service.sparql.worker",
            self.store_dir,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
            limit=1 << 20,
        )
        worker = Worker(proc, "starting")
        worker.stderr_done = asyncio.get_running_loop().create_task(worker.relay_stderr())
        try:
            kind, payload = await worker.frame()
        except WorkerFailed:
            code, tail = await worker.ended()
            raise WorkerFailed(f"worker did not start (exit code {code}): {tail[-500:]}") from None
        if kind != HEAD:
            worker.kill()
            raise WorkerFailed("worker did not start")
        hello = json.loads(payload)
        worker.isolation = hello.get("isolation", "?")
        self.isolation = worker.isolation
        self.in_memory = bool(hello.get("in_memory"))
        self._all.add(worker)
        self._watch(worker)
        return worker

    def _watch(self, worker: Worker) -> None:
        """Replace ``worker`` as soon as it exits while idle (killed, crashed, out of memory),
        so the next request never meets it; a busy worker's exit is the running request's."""

        async def watch() -> None:
            code = await worker.proc.wait()
            if not worker.busy and not worker.retired:
                log.warning("idle query worker %d exited (code %s): replacing it", worker.pid, code)
                self._replace(worker)

        task = asyncio.get_running_loop().create_task(watch())
        self._spawning.add(task)
        task.add_done_callback(self._spawning.discard)

    async def _take(self) -> Worker:
        """The next idle worker that is alive: a dead one met in the queue is replaced, never
        handed a request."""
        while True:
            worker = await self._idle.get()
            if worker.alive():
                worker.busy = True
                return worker
            self._replace(worker)

    def _give_back(self, worker: Worker) -> None:
        worker.busy = False
        self._idle.put_nowait(worker)

    def _replace(self, worker: Worker) -> None:
        """Kill ``worker`` and start a replacement in the background (once per worker)."""
        if worker.retired:
            return
        worker.retired = True
        worker.kill()
        self._all.discard(worker)
        self.restarts += 1
        if self.on_restart:
            self.on_restart()
        if self._closing:
            return

        async def respawn() -> None:
            try:
                await worker.proc.wait()
            except Exception:
                pass
            for attempt in range(5):
                try:
                    new = await self._spawn()
                    self._give_back(new)
                    return
                except Exception:
                    log.exception("worker restart failed (attempt %d)", attempt + 1)
                    await asyncio.sleep(0.5 * (attempt + 1))

        task = asyncio.get_running_loop().create_task(respawn())
        self._spawning.add(task)
        task.add_done_callback(self._spawning.discard)

    async def run(self, request: dict, deadline: float, buffer_limit: int) -> Outcome:
        """Run ``request`` on a worker before ``deadline`` (loop time).

        Raises :class:`Timeout`, :class:`WorkerError` (the query's own error, with a status)
        or :class:`WorkerFailed`. A worker that did not finish cleanly is replaced.
        """
        worker: Worker | None = None
        handed_back = False
        try:
            async with asyncio.timeout_at(deadline):
                worker = await self._take()
                killed = 0  # workers found killed since they were taken: at most the whole pool
                while True:  # a worker that died since it was checked never got the request:
                    try:  # hand it to another one
                        await worker.send(request)
                    except (OSError, RuntimeError) as exc:  # a closed pipe (uvloop: RuntimeError)
                        log.warning(
                            "query worker %d could not take a request (%s): replacing it", worker.pid, exc
                        )
                        self._replace(worker)
                        worker = None
                        worker = await self._take()
                        continue
                    try:
                        kind, payload = await worker.frame()
                        break
                    except WorkerFailed:
                        # Killed from outside (the pool kills only after a failure or a deadline,
                        # which is a Timeout) just before or as it got the request: the pipe took
                        # the request, but the worker never read it. Another worker gets it (each
                        # found killed is replaced, so this ends once the pool is a new one).
                        code, _ = await worker.ended()
                        if killed >= self.size or code != -signal.SIGKILL:
                            raise
                        log.warning("query worker %d was killed before it answered: replacing it", worker.pid)
                        self._replace(worker)
                        worker = None
                        killed += 1
                        worker = await self._take()
                if kind == ERROR:
                    handed_back = self._settle(worker, payload)
                    raise _error(payload)
                if kind != HEAD:
                    raise WorkerFailed(f"unexpected frame {kind!r}")
                head = json.loads(payload)
                chunks: list[bytes] = []
                size = 0
                while size <= buffer_limit:
                    kind, payload = await worker.frame()
                    if kind == DATA:
                        chunks.append(payload)
                        size += len(payload)
                    elif kind == END:
                        handed_back = True
                        worker.served += 1
                        self._give_back(worker)
                        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
                        return Outcome(
                            head["media_type"], head["form"], head.get("capped_rows"), body, [], None
                        )
                    elif kind == ERROR:
                        handed_back = self._settle(worker, payload)
                        raise _error(payload)
                    else:
                        raise WorkerFailed(f"unexpected frame {kind!r}")
            # too large to buffer: stream the rest; the worker comes back when it is drained
            handed_back = True
            return Outcome(
                head["media_type"],
                head["form"],
                head.get("capped_rows"),
                None,
                chunks,
                self._stream(worker, deadline),
            )
        except TimeoutError:
            raise Timeout() from None
        except WorkerFailed as exc:
            if worker is None:
                raise
            raise await self._why(worker, exc) from None
        finally:
            if worker is not None and not handed_back:
                self._replace(worker)

    def _settle(self, worker: Worker, payload: bytes) -> bool:
        """After an error frame: give the worker back, unless it is retiring (then it is
        replaced). Returns whether it was given back."""
        if json.loads(payload).get("retire"):
            self.out_of_memory += 1
            return False
        self._give_back(worker)
        return True

    async def _why(self, worker: Worker, failure: WorkerFailed) -> Exception:
        """Why ``worker`` died during a query: past the memory cap (a 503 naming it), or not."""
        code, tail = await worker.ended()
        if code is None:
            return failure
        allocation = "memory allocation of" in tail or "MemoryError" in tail
        aborted = code == -signal.SIGABRT and "overflowed its stack" not in tail
        if self.memory_limit > 0 and (allocation or aborted):
            self.out_of_memory += 1
            log.warning("query worker %d ran out of memory (code %s): replacing it", worker.pid, code)
            return WorkerOutOfMemory(503, memory_message(self.memory_limit))
        return WorkerFailed(f"worker {worker.pid} exited (code {code})")

    async def _stream(self, worker: Worker, deadline: float) -> AsyncIterator[bytes]:
        done = False
        try:
            while True:
                try:
                    async with asyncio.timeout_at(deadline):
                        kind, payload = await worker.frame()
                except TimeoutError:
                    raise Timeout() from None
                if kind == DATA:
                    yield payload
                elif kind == END:
                    done = True
                    worker.served += 1
                    self._give_back(worker)
                    return
                elif kind == ERROR:
                    done = self._settle(worker, payload)
                    raise _error(payload)
                else:
                    raise WorkerFailed(f"unexpected frame {kind!r}")
        finally:
            if not done:  # timeout, client gone, or worker failure mid-stream
                self._replace(worker)

    async def close(self) -> None:
        self._closing = True
        for task in list(self._spawning):
            task.cancel()
        for worker in list(self._all):
            with contextlib.suppress(Exception):
                if worker.proc.stdin:
                    worker.proc.stdin.close()
            worker.kill()
        for worker in list(self._all):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(worker.proc.wait(), 5)
        self._all.clear()

    def status(self) -> dict:
        return {
            "workers": len(self._all),
            "pids": sorted(w.pid for w in self._all),
            "idle": sum(1 for w in self._all if not w.busy),  # not the queue: it may hold dead ones
            "restarts": self.restarts,
            "out_of_memory": self.out_of_memory,
            "memory_limit": self.memory_limit,
            "isolation": self.isolation,
            "in_memory": self.in_memory,
        }


class WorkerError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class WorkerOutOfMemory(WorkerError):
    """The query needed more memory than a worker may use (``ZKG_SPARQL_WORKER_MEMORY``): 503."""


def _error(payload: bytes) -> WorkerError:
    data = json.loads(payload)
    kind = WorkerOutOfMemory if data.get("retire") else WorkerError
    return kind(int(data.get("status", 500)), data.get("message", "query failed"))
