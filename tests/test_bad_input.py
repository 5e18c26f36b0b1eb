"""A broken report fails the build with its file and line, exit code 1, and the last good store untouched."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyoxigraph
import pytest

from zhytomyr_kg import store_layout
from zhytomyr_kg.resources import BUNDLED_REPORT

pytestmark = [pytest.mark.processes]

LINES = BUNDLED_REPORT.read_text(encoding="utf-8").split("\n")


def run_cli(*args: str, store: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "zhytomyr_kg.cli", *args, "--store", str(store), "--quiet"],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def good_store(cli_store) -> Path:
    """The session's CLI-built store: every build below fails and must leave it as it was."""
    return cli_store


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def text(lines: list[str]) -> bytes:
    return "\n".join(lines).encode("utf-8")


def replace_line(number: int, new: str) -> list[str]:
    return LINES[: number - 1] + [new] + LINES[number:]


CASES = {
    # name: (file bytes, expected line, words the message must contain)
    "empty": (b"", 1, "empty"),
    "other-encoding": ("\n".join(LINES).encode("cp1251", errors="replace"), 3, "UTF-8"),
    "truncated-mid-file": (text(LINES[:200]), 200, "truncated"),
    "truncated-mid-row": (
        text(LINES[:9] + [LINES[9].split("\t")[0] + "\t" + LINES[9].split("\t")[1][:30]]),
        10,
        "columns",
    ),
    "missing-column": (text(replace_line(6, "\t".join(LINES[5].split("\t")[:4]))), 6, "expected 5"),
    "unknown-priority": (
        text(replace_line(3, LINES[2].replace("Ефективне місто", "Космічне місто"))),
        3,
        "unknown priority",
    ),
    "no-header": (text(LINES[:5] + LINES[6:]), 6, "header"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_broken_report_fails_with_file_and_line_and_keeps_the_store(tmp_path, good_store, case):
    data, line, words = CASES[case]
    path = write(tmp_path, f"{case}.txt", data)
    before = store_layout.live_build(good_store).build_id
    result = run_cli("build", str(path), store=good_store)
    assert result.returncode == 1, result.stderr
    assert f"{path}:{line}:" in result.stderr
    assert words in result.stderr
    assert "store was not changed" in result.stderr
    assert store_layout.live_build(good_store).build_id == before
    # and the live build still answers (test_cli.py runs the query command itself)
    live = pyoxigraph.Store.read_only(str(store_layout.live_build(good_store).directory / "oxigraph"))
    assert len(live) > 1000


def test_missing_file(tmp_path, good_store):
    result = run_cli("build", str(tmp_path / "nope.txt"), store=good_store)
    assert result.returncode == 1 and "cannot read" in result.stderr
