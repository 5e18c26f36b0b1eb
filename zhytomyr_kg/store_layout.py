"""How a store directory is laid out, so a failed build never touches the live data.

``<store>/builds/<build-id>/oxigraph`` holds one complete, validated pyoxigraph store and
``<store>/builds/<build-id>/build.json`` its description (version, sources, counts).
``<store>/current`` is a symlink to the live build; the ETL swaps it atomically with
``os.replace`` only after the new build validated. Readers open ``current`` and can tell that
the data changed when the symlink's target (the build id, i.e. the data version) changes.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

CURRENT = "current"
BUILDS = "builds"
OXIGRAPH = "oxigraph"
BUILD_INFO = "build.json"


class NoStore(RuntimeError):
    """The store directory has no live build yet (run ``zhytomyr-kg build``)."""


@dataclass(frozen=True)
class LiveBuild:
    """The build that ``current`` points at."""

    build_id: str
    directory: Path

    @property
    def oxigraph_path(self) -> Path:
        return self.directory / OXIGRAPH

    def info(self) -> dict:
        path = self.directory / BUILD_INFO
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def live_build(store_dir: Path) -> LiveBuild:
    """The live build of ``store_dir``; raises :class:`NoStore` when there is none."""
    link = Path(store_dir) / CURRENT
    if not link.is_symlink() or not link.exists():
        raise NoStore(f"no graph in {store_dir}: run `zhytomyr-kg build` first")
    target = (link.parent / os.readlink(link)).resolve()
    return LiveBuild(build_id=target.name, directory=target)


def new_build_dir(store_dir: Path, build_id: str) -> Path:
    """A fresh, empty directory for a build that is not live yet."""
    directory = Path(store_dir) / BUILDS / build_id
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
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
    builds = sorted(
        (d for d in (store_dir / BUILDS).iterdir() if d.is_dir()),
        key=lambda d: d.stat().st_mtime,
        reverse=True,
    )
    for old in builds[keep:]:
        if old.resolve() != build_dir.resolve():
            shutil.rmtree(old, ignore_errors=True)


def discard(build_dir: Path) -> None:
    """Remove a build that failed; the live one is untouched."""
    shutil.rmtree(build_dir, ignore_errors=True)
