"""Every failure of ``zhytomyr-kg build`` is one line on stderr, exit 1, never a traceback, and
the store is left as it was (#14 D12). Faults are injected into the CLI's ``main()`` in this
process: a full disk while the store is written or in the forked search-index stage, a
permission error, a store path that cannot be a directory, a bug. The concurrent-build race is
in ``test_build_lock.py``."""

from __future__ import annotations

import errno
import os
import sqlite3
import types
from pathlib import Path

import pytest

import etl.load
import etl.pipeline
from tests.conftest import copy_store
from zhytomyr_kg import cli, store_layout

pytestmark = [pytest.mark.hostile]


@pytest.fixture(scope="module")
def good_store(cli_built, tmp_path_factory) -> Path:
    """A copy of the session's store built by ``zhytomyr-kg build`` (tests/conftest.py)."""
    return copy_store(cli_built.store, tmp_path_factory.mktemp("good") / "store")


def snapshot(store: Path) -> tuple:
    return (os.readlink(store / store_layout.CURRENT), sorted(p.name for p in store.rglob("*")))


def build_fails(capsys, store: Path, expected: str) -> str:
    """Run ``zhytomyr-kg build`` in this process; it must fail with one line and the store unchanged."""
    before = snapshot(store) if (store / store_layout.CURRENT).is_symlink() else None
    capsys.readouterr()
    code = cli.main(["build", "-q", "--store", str(store)])
    err = capsys.readouterr().err
    assert code == 1, err
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 2 and lines[0].startswith("error: ") and lines[1] == "The store was not changed.", (
        err
    )
    assert expected in lines[0], err
    if before is not None:
        assert snapshot(store) == before  # no half-written build, no temporary file left behind
    return lines[0]


def full_disk(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(args[0]) if args else None)


def test_a_full_disk_while_the_store_is_written(capsys, monkeypatch, good_store):
    monkeypatch.setattr(etl.load, "ox", types.SimpleNamespace(Store=full_disk))
    line = build_fails(capsys, good_store, "the disk is full: ")
    assert "No space left on device" in line and str(good_store / store_layout.BUILDS) in line


def test_a_full_disk_in_the_forked_search_index_stage(capsys, monkeypatch, good_store):
    def index(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(etl.pipeline, "build_index", index)
    build_fails(
        capsys, good_store, "the disk is full (free some space and build again; database or disk is full)"
    )


def test_not_allowed_to_write_the_store(capsys, monkeypatch, good_store):
    def denied(store_dir, build_id):
        raise PermissionError(
            errno.EACCES, os.strerror(errno.EACCES), str(Path(store_dir) / "builds" / build_id)
        )

    monkeypatch.setattr(store_layout, "new_build_dir", denied)
    build_fails(capsys, good_store, f"not allowed to write: {good_store / 'builds'}")


def test_a_store_path_below_a_file(capsys, tmp_path):
    (tmp_path / "file").write_text("not a directory")
    build_fails(capsys, tmp_path / "file" / "store", f"Not a directory: {tmp_path / 'file' / 'store'}")


def test_a_bug_is_one_line_too(capsys, monkeypatch, good_store):
    def broken(*args, **kwargs):
        raise KeyError("a key that is not there")

    monkeypatch.setattr(etl.pipeline, "report_quads", broken)
    build_fails(capsys, good_store, "the build failed: KeyError: 'a key that is not there'")
