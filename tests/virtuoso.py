"""Debian's Virtuoso (``virtuoso-t``, package virtuoso-opensource) on loopback, for the tests.

A fresh database in a temporary directory, a generated ``virtuoso.ini`` that binds both its SQL
port and its HTTP port to 127.0.0.1, and a teardown that kills the server's process group and
removes the directory. Virtuoso cannot listen on port 0, so two free ports are picked and the
start is retried with others when one of them was taken in between.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

#: the password of ``dba`` in a database Virtuoso creates (its default; loopback only)
DBA = ("dba", "dba")

INI = """\
[Database]
DatabaseFile    = {dir}/virtuoso.db
ErrorLogFile    = {dir}/virtuoso.log
LockFile        = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel   = 7
FileExtend      = 200
Striping        = 0
TempStorage     = TempDatabase

[TempDatabase]
DatabaseFile    = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
Striping        = 0

[Parameters]
ServerPort           = 127.0.0.1:{sql_port}
DisableUnixSocket    = 1
CheckpointInterval   = 0
NumberOfBuffers      = 10000
MaxDirtyBuffers      = 6000
MaxClientConnections = 10
ThreadsPerQuery      = 2
DirsAllowed          = ., {dir}
CaseMode             = 2

[HTTPServer]
ServerPort           = 127.0.0.1:{http_port}
ServerRoot           = {dir}
ServerThreads        = 10
MaxClientConnections = 10
Charset              = UTF-8
EnabledGzipContent   = 1

; Virtuoso's cost estimator is off (0): with the dataset's graphs named in the request (what the
; service sends) it estimates page-departments.rq at ~600 s, over its default limit of 400 s, and
; refuses it; the query runs in ~5 s. docs/SERVICE.md says so for deployments.
[SPARQL]
ResultSetMaxRows           = {max_rows}
MaxQueryExecutionTime      = 60
MaxQueryCostEstimationTime = 0
"""


@dataclass
class Virtuoso:
    proc: subprocess.Popen
    http_port: int
    sql_port: int
    directory: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def sparql(self) -> str:
        return self.base + "/sparql"

    @property
    def graph_store(self) -> str:
        """The Graph Store endpoint that takes writes (HTTP Digest, :data:`DBA`)."""
        return self.base + "/sparql-graph-crud-auth"


def virtuoso_bin() -> str | None:
    return shutil.which("virtuoso-t")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _log(directory: Path) -> str:
    try:
        return (directory / "virtuoso.log").read_text(errors="replace")[-3000:]
    except OSError:
        return ""


def _stop(proc: subprocess.Popen) -> None:
    """Kill the server's process group (it was started in a session of its own)."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def _start(directory: Path, max_rows: int, timeout: float) -> Virtuoso | None:
    """One attempt on two fresh free ports; None when a port was taken meanwhile."""
    sql_port, http_port = _free_port(), _free_port()
    ini = directory / "virtuoso.ini"
    ini.write_text(
        INI.format(dir=directory, sql_port=sql_port, http_port=http_port, max_rows=max_rows),
        encoding="utf-8",
    )
    binary = virtuoso_bin()
    assert binary is not None
    with open(directory / "stdout.log", "wb") as out:
        proc = subprocess.Popen(
            [binary, "+foreground", "+configfile", str(ini)],
            cwd=directory,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Virtuoso(proc, http_port, sql_port, directory)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            log = _log(directory)
            if "ddress already in use" in log or "Failed to start listening" in log:
                return None
            raise RuntimeError(f"virtuoso-t exited with {proc.returncode}:\n{log}")
        try:
            if httpx.get(server.sparql, params={"query": "ASK {}"}, timeout=2.0).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    _stop(proc)
    raise RuntimeError(f"virtuoso-t did not answer within {timeout} s:\n{_log(directory)}")


@contextlib.contextmanager
def running_virtuoso(max_rows: int = 10_000, timeout: float = 120.0, attempts: int = 5) -> Iterator[Virtuoso]:
    """A Virtuoso with an empty database on 127.0.0.1, stopped and removed afterwards."""
    directory = Path(tempfile.mkdtemp(prefix="zkg-virtuoso-"))
    server: Virtuoso | None = None
    try:
        for _ in range(attempts):
            server = _start(directory, max_rows, timeout)
            if server is not None:
                break
            for name in os.listdir(directory):  # a fresh database for the next attempt
                (directory / name).unlink()
        if server is None:
            raise RuntimeError(f"virtuoso-t found no free ports in {attempts} attempts")
        yield server
    finally:
        if server is not None:
            _stop(server.proc)
        shutil.rmtree(directory, ignore_errors=True)
