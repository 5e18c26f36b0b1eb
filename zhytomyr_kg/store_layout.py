"""How a store directory is laid out, so a failed build never touches the live data.

``<store>/builds/<build-id>/oxigraph`` holds one complete, validated pyoxigraph store and
``<store>/builds/<build-id>/build.json`` its description (version, sources, counts).
``<store>/current`` is a symlink to the live build; the ETL swaps it atomically with
``os.replace`` only after the new build validated. Readers open ``current`` and can tell that
the data changed when the symlink's target (the build id, i.e. the data version) changes.

Locks (``fcntl.flock``, released by the kernel when a process dies):

* ``<store>/.build.lock`` — a build holds it exclusively from start to end (:func:`build_lock`),
  so two builds of one store never interleave; the second waits, then gives up with
  :class:`BuildLocked` naming the pid of the first.
* ``<store>/builds/<id>/.open`` — every process that reads a build (query workers, HTTP
  processes, the CLI) or writes one holds it shared (:func:`hold`); pruning takes it exclusively
  without waiting and skips the build when it cannot, so it never removes the live build, a
  build being written, or a build a serving process has open.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

CURRENT = "current"
BUILDS = "builds"
OXIGRAPH = "oxigraph"
BUILD_INFO = "build.json"
BUILD_LOCK = ".build.lock"
OPEN = ".open"

log = logging.getLogger("zkg.store")


#: what strangers are told when there is no live build (the store's path goes to the log only)
NO_GRAPH = "no graph has been built yet"


class NoStore(RuntimeError):
    """The store directory has no live build yet (run ``zhytomyr-kg build``).

    ``str()`` names the store directory: it is for the log and the command line. ``message`` is
    what strangers are told (no path): "no graph has been built yet"."""

    def __init__(self, text: str, public: str = NO_GRAPH):
        super().__init__(text)
        self.message = public


class BuildLocked(RuntimeError):
    """Another build of the same store is running (it holds ``<store>/.build.lock``)."""

    def __init__(self, store_dir: Path, pid: int | None, waited: float):
        self.store_dir = store_dir
        self.pid = pid
        who = f"pid {pid}" if pid else "pid unknown"
        super().__init__(
            f"another build of {store_dir} is running ({who}); waited {waited:g} s (ZKG_BUILD_LOCK_TIMEOUT)"
        )


_LOCK_FDS: set[int] = set()  # build locks this process holds: a forked child must not keep them


def _close_lock_fds_in_child() -> None:
    for fd in _LOCK_FDS:
        with contextlib.suppress(OSError):
            os.close(fd)
    _LOCK_FDS.clear()


os.register_at_fork(after_in_child=_close_lock_fds_in_child)


@contextlib.contextmanager
def build_lock(
    store_dir: Path, timeout: float, waiting: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold ``<store>/.build.lock`` exclusively: wait up to ``timeout`` seconds for another
    build to finish, then raise :class:`BuildLocked`. ``waiting(message)`` is told once."""
    store_dir = Path(store_dir)
    store_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(store_dir / BUILD_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    _LOCK_FDS.add(fd)
    try:
        started = time.monotonic()
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                waited = time.monotonic() - started
                if waited >= timeout:
                    raise BuildLocked(store_dir, _pid_in(fd), timeout) from None
                if waiting is not None and not told:
                    told = True
                    waiting(
                        f"waiting up to {timeout:g} s for another build of {store_dir} (pid {_pid_in(fd)})"
                    )
                time.sleep(min(0.1, max(0.0, timeout - waited)))
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        _LOCK_FDS.discard(fd)
        os.close(fd)


def _pid_in(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        return int(text) if text else None
    except (OSError, ValueError):
        return None


class BuildHold:
    """A shared lock on one build's ``.open``: pruning leaves the build alone while it is held."""

    def __init__(self, directory: Path, fd: int | None):
        self.directory = directory
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> BuildHold:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __del__(self) -> None:
        self.release()


def hold(directory: Path, *, writing: bool = False) -> BuildHold:
    """Hold the build in ``directory`` open (shared; ``writing``: a build being written, which
    has no store yet). Raises :class:`NoStore` when the build is gone (or was pruned while we
    waited). In a store this process cannot write to, and for a build without ``.open`` (made
    before the locks), the hold is empty: nothing to lock with."""
    directory = Path(directory)
    if not writing and not (directory / OXIGRAPH).exists():
        raise NoStore(
            f"build {directory.name} not found in {directory.parent.parent}",
            "the graph's build is not available",
        )
    try:
        fd = os.open(directory / OPEN, os.O_RDONLY | os.O_CREAT, 0o644)
    except OSError:
        try:
            fd = os.open(directory / OPEN, os.O_RDONLY)
        except OSError as exc:
            log.warning("cannot lock build %s (%s): pruning may remove it while it is open", directory, exc)
            return BuildHold(directory, None)
    fcntl.flock(fd, fcntl.LOCK_SH)  # waits only while a pruner removes this very build
    if not (directory / (OPEN if writing else OXIGRAPH)).exists():
        os.close(fd)
        raise NoStore(
            f"build {directory.name} was removed from {directory.parent.parent}",
            "the graph's build is not available",
        )
    return BuildHold(directory, fd)


@dataclass(frozen=True)
class LiveBuild:
    """The build that ``current`` points at."""

    build_id: str
    directory: Path

    @property
    def oxigraph_path(self) -> Path:
        return self.directory / OXIGRAPH

    def info(self) -> dict:
        """The build's description; empty when it is missing or unreadable (the data itself is
        in ``oxigraph/``: a damaged description must not stop a build from being served)."""
        path = self.directory / BUILD_INFO
        try:
            info = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning(
                "the description of build %s is unreadable (%s): serving it without", self.build_id, exc
            )
            return {}
        return info if isinstance(info, dict) else {}


def live_build(store_dir: Path) -> LiveBuild:
    """The live build of ``store_dir``; raises :class:`NoStore` when there is none."""
    link = Path(store_dir) / CURRENT
    if not link.is_symlink() or not link.exists():
        raise NoStore(f"no graph in {store_dir}: run `zhytomyr-kg build` first")
    target = (link.parent / os.readlink(link)).resolve()
    return LiveBuild(build_id=target.name, directory=target)


def new_build_dir(store_dir: Path, build_id: str) -> Path:
    """A fresh, empty directory for a build that is not live yet (with its ``.open``)."""
    directory = Path(store_dir) / BUILDS / build_id
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    (directory / OPEN).touch()
    return directory


def publish(store_dir: Path, build_dir: Path, keep: int = 2) -> None:
    """Make ``build_dir`` live in one atomic step, then prune old builds.

    The newest ``keep`` builds stay on disk so a reader that opened the previous one keeps
    working until it reopens.
    """
    store_dir = Path(store_dir)
    tmp_link = store_dir / f".{CURRENT}.{os.getpid()}"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    os.symlink(Path(BUILDS) / build_dir.name, tmp_link)
    os.replace(tmp_link, store_dir / CURRENT)
    try:  # the build is live: what follows is housekeeping, and never fails the build
        prune(store_dir, keep, protect=(build_dir,))
    except OSError as exc:
        log.warning("pruning old builds of %s failed: %s", store_dir, exc)


def prune(store_dir: Path, keep: int = 2, protect: tuple[Path, ...] = ()) -> list[Path]:
    """Remove builds older than the newest ``keep`` — but never the live one, one in
    ``protect``, or one any process holds (:func:`hold`: being written, or open for reading).
    Returns the removed directories."""
    store_dir = Path(store_dir)
    spared = {p.resolve() for p in protect}
    with contextlib.suppress(NoStore):
        spared.add(live_build(store_dir).directory)
    builds = []
    for directory in (store_dir / BUILDS).iterdir():
        with contextlib.suppress(FileNotFoundError):  # removed meanwhile by another pruner
            if directory.is_dir():
                builds.append((directory.stat().st_mtime, directory))
    builds.sort(key=lambda item: item[0], reverse=True)
    removed = []
    for _, old in builds[keep:]:
        if old.resolve() in spared:
            continue
        try:
            fd = os.open(old / OPEN, os.O_RDONLY | os.O_CREAT, 0o644)
        except OSError:
            continue  # gone already, or not ours to remove
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                    raise
                log.info("not pruning build %s: a process has it open", old.name)
                continue
            shutil.rmtree(old, ignore_errors=True)
            removed.append(old)
        finally:
            os.close(fd)
    return removed


def discard(build_dir: Path) -> None:
    """Remove a build that failed; the live one is untouched."""
    shutil.rmtree(build_dir, ignore_errors=True)
