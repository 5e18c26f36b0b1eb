"""The wheel is the whole product: built from this checkout and installed with its dependencies
into a fresh venv, it builds the graph, answers a named query and serves, with the checkout out of
reach (another working directory, no PYTHONPATH): queries/, ontology/, etl/data/, the templates
and the static files all come from the installed package."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from graph_service.testing import announced_port, listening_ports, wait_http

pytestmark = [pytest.mark.processes, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
#: not part of the source: the venv (a symlink here), caches, earlier builds, test output
NOT_SOURCE = (".git", ".venv", "node_modules", "build", "dist", "var", "test-artifacts", "*.egg-info")
NOT_SOURCE += (".pytest_cache", ".mypy_cache", ".ruff_cache", "__pycache__")


def clean_env() -> dict[str, str]:
    """This environment less what would reach the checkout or change the service's settings."""
    drop = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")
    return {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("ZKG_")}


def run(cmd: list, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, f"{cmd}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path]:
    """(the fresh venv's bin/, a working directory outside the checkout) with the wheel installed."""
    work = tmp_path_factory.mktemp("wheel")
    # a copy of the source, so the build's own folders (build/, *.egg-info) never land in the checkout
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    run([sys.executable, "-m", "build", "--wheel", "--outdir", work / "dist", source], cwd=work)
    (wheel,) = (work / "dist").glob("zhytomyr_kg-*-py3-none-any.whl")
    # a bare venv; this pip installs the wheel and its dependencies (from the package index) into it
    run([sys.executable, "-m", "venv", "--without-pip", work / "venv"], cwd=work)
    bin_dir = work / "venv" / "bin"
    pip = [sys.executable, "-m", "pip", "--python", bin_dir / "python", "install", "--quiet", "--no-compile"]
    run([*pip, wheel], cwd=work, timeout=600)
    return bin_dir, work


def test_the_installed_package_carries_its_data(installed):
    bin_dir, work = installed
    probe = (
        "import json, sysconfig, zhytomyr_kg, zhytomyr_kg.resources as r\n"
        "print(json.dumps({'site': sysconfig.get_paths()['purelib'], 'package': zhytomyr_kg.__file__,\n"
        "  'queries': str(r.QUERIES_DIR), 'ontology': str(r.ONTOLOGY_DIR), 'etl_data': str(r.ETL_DATA_DIR),\n"
        "  'templates': str(r.TEMPLATES_DIR), 'static': str(r.STATIC_DIR), 'messages': str(r.MESSAGES_CSV)}))"
    )
    paths = json.loads(run([bin_dir / "python", "-c", probe], cwd=work).stdout)
    site = Path(paths.pop("site")).resolve()
    assert site.is_relative_to(work / "venv")
    for name, path in paths.items():
        path = Path(path).resolve()
        assert path.is_relative_to(site), f"{name}: {path} is not in {site}"
        assert not path.is_relative_to(ROOT), f"{name}: {path} is the checkout's"
    assert Path(paths["queries"]).joinpath("class-counts.rq").is_file()
    assert list(Path(paths["ontology"]).glob("*.ttl"))
    assert Path(paths["etl_data"]).joinpath("report-2022.txt").is_file()
    assert Path(paths["templates"]).joinpath("base.html").is_file()
    assert Path(paths["static"]).joinpath("site.css").is_file()
    assert Path(paths["messages"]).is_file()


def test_the_installed_command_builds_queries_and_serves(installed):
    bin_dir, work = installed
    store = work / "store"
    built = run([bin_dir / "zhytomyr-kg", "build", "-q", "--store", store], cwd=work)
    assert "built" in built.stdout and "quads" in built.stdout
    counts = run([bin_dir / "zhytomyr-kg", "query", "class-counts", "--store", store], cwd=work).stdout
    assert "ontology#Project" in counts
    rows = int(counts.strip().splitlines()[-1].strip("()").split()[0])  # "(N rows)"
    assert rows > 0

    log = work / "serve.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [bin_dir / "zhytomyr-kg", "serve", "--store", store, "--port", "0", "--workers", "1"],
            cwd=work,
            env={**clean_env(), "ZKG_ACCESS_LOG": "0"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            port = announced_port(log, server)
            base = f"http://127.0.0.1:{port}"
            wait_http(base + "/health", 60, server)
            assert listening_ports(server.pid) == {port}
            health = httpx.get(base + "/health")
            assert health.status_code == 200 and health.json()["triples"] > 10_000
            home = httpx.get(base + "/")  # a page: the installed templates
            assert home.status_code == 200 and home.headers["content-type"].startswith("text/html")
            assert httpx.get(base + "/static/site.css").status_code == 200  # the installed static files
        finally:
            server.terminate()
            server.wait(30)
    assert "Traceback" not in log.read_text(), log.read_text()
