"""Shared fixtures: the real report built once per session, and small excerpt reports."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Pages are not rendered in the background unless a test asks for it (tests/test_prerender.py):
# it would compete with the tests for the CPU and change what they count.
os.environ.setdefault("ZKG_PAGES_PRERENDER", "0")

from etl.departments import DepartmentIndex
from etl.pipeline import BuildResult, build
from etl.reader import read_report
from etl.structure import ReportTree, load_priorities, parse_report
from zhytomyr_kg.resources import BUNDLED_REPORT, ETL_DATA_DIR
from zhytomyr_kg.settings import Settings

TITLE = '**Інформація про виконання завдань та реалізацію проєктів пріоритету "{name}"'
TITLE_TAIL = "Концепції інтегрованого розвитку м.Житомира до 2030 року**"
HEADER = (
    "№ з/п\tОпис завдання відповідно до Концепції\tПроєкт\t"
    "Виконавчий орган міської ради - відповідальний за надання інформації\t"
    "Інформація про виконання за {year} рік"
)
PRIORITIES = [
    "Ефективне місто",
    "Інноваційне місто",
    "Комфортне місто",
    "Активне місто",
    "Зелене місто",
    "Інклюзивне місто",
]


def table(name: str, rows: list[str], year: int = 2022) -> list[str]:
    return ["", TITLE.format(name=name), TITLE_TAIL, "", HEADER.format(year=year), *rows]


@pytest.fixture(scope="session")
def departments() -> DepartmentIndex:
    return DepartmentIndex.load()


@pytest.fixture(scope="session")
def priorities():
    return load_priorities(ETL_DATA_DIR)


@pytest.fixture
def parse_excerpt(tmp_path: Path, departments, priorities):
    """Parse the rows of one table (of "Ефективне місто") given as lines of text."""

    def parse(rows: list[str], name: str = "Ефективне місто") -> ReportTree:
        path = tmp_path / "excerpt.txt"
        path.write_text("\n".join(table(name, rows)), encoding="utf-8")
        only = {k: v for k, v in priorities.items() if v.label_uk == name}
        return parse_report(read_report(path), departments, only)

    return parse


@pytest.fixture(scope="session")
def real_tree(departments, priorities) -> ReportTree:
    return parse_report(read_report(BUNDLED_REPORT), departments, priorities)


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory) -> Path:
    """A store directory with one build of ``graph_service.testing.sample_quads()``; read-only."""
    from graph_service.testing import build_store, sample_quads

    directory = tmp_path_factory.mktemp("sample-store")
    build_store(directory, sample_quads())
    return directory


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> BuildResult:
    """The bundled report built once into an on-disk store."""
    store = tmp_path_factory.mktemp("store")
    return build(Settings(store=store))


@pytest.fixture(scope="session")
def store(built):
    return built.store


def cli_build(store: Path) -> Path:
    """Build the bundled report into ``store`` with the CLI, in its own process (so the test
    process holds no handle on it)."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "zhytomyr_kg.cli", "build", "-q", "--store", str(store)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    return store


def select(store, query: str) -> list[dict[str, str]]:
    """Rows of a SELECT as plain strings (union default graph, as the endpoint serves it)."""
    solutions = store.query(query, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]
    return [{n: (row[n].value if row[n] is not None else None) for n in names} for row in solutions]


# Fixture modules: the browser-test harness (Playwright + Debian chromium: live_server,
# browser_page) and the pages' test client (pages_client).
pytest_plugins = ["tests.browser", "tests.pages_support"]
