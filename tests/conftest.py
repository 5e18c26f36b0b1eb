"""Shared fixtures: the real report built once per session, and small excerpt reports."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

# Pages are not rendered in the background unless a test asks for it (tests/test_prerender.py):
# it would compete with the tests for the CPU and change what they count.
os.environ.setdefault("ZKG_PAGES_PRERENDER", "0")
# One query worker per service app (ServiceConfig.pool_size; on this 2-core machine the default
# is 2), in this process and in the servers the tests start: a worker costs a Python start and
# a copy of the store (~0.4 s of CPU), and every in-process app or server would start two. A test
# about the pool or concurrency sets its own size (ZKG_SPARQL_POOL_SIZE in its server's env).
os.environ.setdefault("ZKG_SPARQL_POOL_SIZE", "1")

from etl.departments import DepartmentIndex
from etl.pipeline import BuildResult
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
    """A store directory with one build of ``graph_service.sample_graphs.sample_quads()``; read-only."""
    from graph_service.sample_graphs import sample_quads
    from graph_service.testing import build_store

    directory = tmp_path_factory.mktemp("sample-store")
    build_store(directory, sample_quads())
    return directory


@pytest.fixture(scope="session")
def built(cli_built, tmp_path_factory) -> BuildResult:
    """The bundled report built once into an on-disk store: a copy of ``cli_built`` (the same
    inputs, the same settings, so the same graph and data version as an in-process ``build``
    gives), opened read-only as ``build`` returns it. A worker builds the bundled report once for
    both fixtures; tests that build in process (test_reproducible's second build, the rebuilds of
    test_iris_and_years) compare against it."""
    import pyoxigraph as ox

    from etl.load import Loaded
    from zhytomyr_kg.store_layout import OXIGRAPH, live_build

    store = copy_store(cli_built.store, tmp_path_factory.mktemp("store") / "store")
    live = live_build(store)
    info = live.info()
    build_dir = live.directory.resolve()
    loaded = Loaded(
        ox.Store.read_only(str(build_dir / OXIGRAPH)), build_dir, info["data_version"], info["quads"]
    )
    reports = [(Path(r["path"]), r["graph"]) for r in info["reports"]]
    return BuildResult(loaded, reports, info["quads"])


@pytest.fixture(scope="session")
def store(built):
    return built.store


def cli_build(store: Path) -> Path:
    """Build the bundled report into ``store`` with the CLI, in its own process (so the test
    process holds no handle on it)."""
    result = subprocess.run(
        [sys.executable, "-m", "zhytomyr_kg.cli", "build", "-q", "--store", str(store)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    return store


@dataclass(frozen=True)
class CliBuild:
    store: Path
    result: subprocess.CompletedProcess


@pytest.fixture(scope="session")
def cli_built(tmp_path_factory) -> CliBuild:
    """The bundled report built by ``zhytomyr-kg build`` (in its own process) into a store that
    several modules share: they only read it (a failed build leaves it as it was) or copy it
    (``cli_store_copy``, ``cli_store_module_copy``: a service on it writes its dumps into the
    build, so a module serving it works on a copy and no module sees another's dumps). Their
    tests run on one xdist worker (SHARED_MODULES). Under xdist the run builds it once for all
    workers (``shared_cli_build``), and each worker gets its own copy."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        store = tmp_path_factory.mktemp("cli-store")
        return CliBuild(store, _cli_build_logged(store))
    pristine, result = shared_cli_build(tmp_path_factory.getbasetemp().parent)
    return CliBuild(copy_store(pristine, tmp_path_factory.mktemp("cli-store") / "store"), result)


def _cli_build_logged(store: Path) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "zhytomyr_kg.cli", "build", "--store", str(store)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    return result


def shared_cli_build(run_dir: Path) -> tuple[Path, subprocess.CompletedProcess]:
    """The run's one ``zhytomyr-kg build`` of the bundled report, in ``run_dir`` (the xdist
    workers' common base temporary directory): the first worker to take the lock builds it and
    writes its log beside it, the others wait and read them. Nothing ever writes into this
    pristine store; each worker copies it (milliseconds, where a build is ~4 s of CPU)."""
    import fcntl
    import json

    store, done = run_dir / "cli-built" / "store", run_dir / "cli-built" / "done.json"
    store.parent.mkdir(exist_ok=True)
    with open(run_dir / "cli-built.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        if not done.exists():  # a failed build raises here: each worker then tries, and fails alike
            run = _cli_build_logged(store)
            log = {"args": run.args, "returncode": run.returncode, "stdout": run.stdout, "stderr": run.stderr}
            done.write_text(json.dumps(log), encoding="utf-8")
        log = json.loads(done.read_text(encoding="utf-8"))
    result = subprocess.CompletedProcess(log["args"], log["returncode"], log["stdout"], log["stderr"])
    assert result.returncode == 0, result.stderr
    return store, result


@pytest.fixture
def cli_store(cli_built) -> Path:
    return cli_built.store


def copy_store(source: Path, target: Path) -> Path:
    """A copy of the store directory ``source`` (its builds and the relative ``current`` link) at
    ``target``: for a test that changes a shared store, or serves it (a server writes the dumps
    into the live build). A copy takes milliseconds, a build seconds."""
    import shutil

    shutil.copytree(source, target, symlinks=True)
    return target


@pytest.fixture
def cli_store_copy(cli_built, tmp_path) -> Path:
    """A copy of the session's CLI-built store, for a test that changes it."""
    return copy_store(cli_built.store, tmp_path / "store")


@pytest.fixture(scope="module")
def cli_store_module_copy(cli_built, tmp_path_factory) -> Path:
    """A copy of the session's CLI-built store for one module, whose service writes into it (the
    dumps of its build); the shared store stays exactly as the CLI built it."""
    import shutil

    copy = tmp_path_factory.mktemp("cli-store-copy") / "store"
    shutil.copytree(cli_built.store, copy, symlinks=True)
    return copy


@pytest.fixture(scope="session")
def dumps(built, tmp_path_factory) -> Path:
    """The dumps (graph_service.publish.export) of the session's build; read-only."""
    from graph_service.publish.export import export

    out = tmp_path_factory.mktemp("export") / "dumps"
    export(built.store, out, Settings(store=built.loaded.build_dir), version=built.loaded.version)
    return out


def select(store, query: str) -> list[dict[str, str]]:
    """Rows of a SELECT as plain strings (union default graph, as the endpoint serves it)."""
    solutions = store.query(query, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]
    return [{n: (row[n].value if row[n] is not None else None) for n in names} for row in solutions]


# Fixture modules: the browser-test harness (Playwright + Debian chromium: live_server,
# browser_page) and the pages' test client (pages_client); one TLS context for all httpx clients.
pytest_plugins = ["tests.browser", "tests.pages_support", "tests.shared_tls"]

# --------------------------------------------------------------------------- markers, xdist
#: fixtures of tests/browser.py and the marks a test using them gets
HARNESS_MARKS = {"_chromium": ("browser", "processes"), "live_server": ("processes",)}

#: modules whose tests share a costly session fixture: one xdist work unit, so that fixture is set
#: up once per run rather than once per worker ("browser": chromium and live_server; "stores":
#: cli_built, built and dumps). A module missing here still passes, it only sets the fixture up again.
SHARED_MODULES = {
    "tests/test_browser_editor.py": "browser",
    "tests/test_browser_escaping.py": "browser",
    "tests/test_browser_walk.py": "browser",
    "tests/test_query_routes.py": "browser",
    "tests/test_bad_input.py": "stores",
    "tests/test_cli.py": "stores",
    "tests/test_dataset.py": "stores",
    "tests/test_export.py": "stores",
    "tests/test_iris_and_years.py": "stores",
    "tests/test_links.py": "stores",
    "tests/test_schema_org.py": "stores",
    "tests/test_sitemap.py": "stores",
    "tests/test_reproducible.py": "stores",
    "tests/test_remote_same_pages.py": "stores",
}
#: modules of independent slow tests (no module-scoped fixture): each test is a work unit
SPLIT_MODULES = {"tests/test_bench_smoke.py", "tests/test_sparql_limits.py"}


def work_unit(nodeid: str) -> str:
    """The xdist work unit of a test: its module (so module-scoped fixtures are set up once), a
    group of modules (SHARED_MODULES) or, in SPLIT_MODULES, the test alone."""
    module = nodeid.split("::", 1)[0]
    if module in SPLIT_MODULES:
        return nodeid
    return SHARED_MODULES.get(module, module)


def _module_scoped(item: pytest.Item) -> bool:
    """Whether ``item`` uses a fixture of module scope (its module's shared store, server …)."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    return any(defs and defs[-1].scope == "module" for defs in info.name2fixturedefs.values())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Marks, and the order of the parallel run (docs/TESTING.md).

    * A test using the browser harness is marked ``browser``/``processes``.
    * On an xdist worker, the work units holding a ``slow`` test come first, then the others,
      each part larger units (by tests) first (``--no-loadscope-reorder`` keeps this order): the
      long ones start at once and the short ones fill the gaps at the end.
    """
    for item in items:
        for name, marks in HARNESS_MARKS.items():
            if name in item.fixturenames:
                for mark in marks:
                    item.add_marker(mark)
        if work_unit(item.nodeid) == item.nodeid and _module_scoped(item):
            raise pytest.UsageError(
                f"{item.nodeid} uses a module-scoped fixture: take its module out of SPLIT_MODULES"
            )
    if not hasattr(config, "workerinput"):  # a serial run keeps the files' order
        return
    slow = {work_unit(item.nodeid) for item in items if item.get_closest_marker("slow")}
    sizes = Counter(work_unit(item.nodeid) for item in items)

    def rank(item: pytest.Item) -> tuple[bool, int]:
        unit = work_unit(item.nodeid)
        return unit not in slow, -sizes[unit]

    items.sort(key=rank)  # stable: a unit's tests keep their order


def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """``--dist loadscope`` with ``work_unit`` as the scope (xdist's own: the module or class)."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class WorkUnitScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

    return WorkUnitScheduling(config, log)
