"""The project's layout rules that code review would otherwise have to remember."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUERY_TEXT = re.compile(r"\bWHERE\s*\{|\bSELECT\s+(DISTINCT\s+)?[?(]|\bCONSTRUCT\s*\{")


def test_sparql_is_written_only_in_queries():
    """Every query lives in queries/*.rq (one place, shown by pages and offered by the editor)."""
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for package in ("etl", "graph_service", "zhytomyr_kg")
        for path in sorted((ROOT / package).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if QUERY_TEXT.search(line) and not line.lstrip().startswith("#")
    ]
    assert offenders == []


def test_contract_copy_is_identical_to_the_shared_one():
    shared = ROOT.parent / "shared" / "CONTRACT.md"
    if shared.exists():
        assert (ROOT / "docs" / "CONTRACT.md").read_bytes() == shared.read_bytes()


def test_every_environment_variable_is_read_through_the_settings_table():
    """``ZKG_*`` variables are read by ``zhytomyr_kg.settings.env`` only, so the table is complete."""
    pattern = re.compile(r"os\.environ(?:\.get)?[\[(]\s*[\"']ZKG_")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for package in ("etl", "graph_service", "zhytomyr_kg")
        for path in sorted((ROOT / package).rglob("*.py"))
        if path.name != "settings.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]
    assert offenders == []


def test_configuration_doc_is_the_settings_table():
    from zhytomyr_kg.settings import environment_table

    doc = (ROOT / "docs" / "CONFIGURATION.md").read_text(encoding="utf-8")
    assert doc.endswith(environment_table()), "regenerate: see the head of docs/CONFIGURATION.md"


ROOMS = ("store", "sparql", "publish", "web")
#: the command line: the top, which may import everything
COMMANDS = {"zhytomyr_kg.cli", "zhytomyr_kg.serve", "zhytomyr_kg.__main__"}
#: which room of graph_service may import which (data flows store → sparql / publish → web)
ALLOWED = {
    "store": set(),
    "sparql": {"store"},
    "publish": {"store"},
    "web": {"store", "sparql", "publish"},
}


def _room(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "graph_service" and len(parts) >= 2 and parts[1] in ROOMS else None


def test_imports_go_one_way():
    """graph_service's rooms import only the rooms upstream of them, and the base of zhytomyr_kg
    (everything but its command line) imports neither etl nor graph_service."""
    import ast

    offenders = []
    for path in sorted(ROOT.glob("graph_service/**/*.py")) + sorted(ROOT.glob("zhytomyr_kg/*.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            for target in targets:
                if module.startswith("zhytomyr_kg.") and module not in COMMANDS:
                    if target.split(".")[0] in ("etl", "graph_service"):
                        offenders.append(f"{module} → {target}")
                    continue
                source, dest = _room(module), _room(target)
                if source and dest and dest != source and dest not in ALLOWED[source]:
                    offenders.append(f"{module} → {target}")
    assert offenders == []


def test_every_package_is_in_the_wheel():
    """pyproject.toml lists the packages explicitly (queries/ and ontology/ are mapped into
    zhytomyr_kg): a new package folder must be added there, or the installed wheel lacks it."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for package in ("etl", "graph_service", "zhytomyr_kg")
        for init in (ROOT / package).rglob("__init__.py")
    }
    assert found - listed == set()


def test_a_service_on_the_embedded_store_and_a_build_do_not_load_the_http_client(tmp_path):
    """httpx (with its command line's click, rich and pygments) is for a remote store only: it
    costs ~80 ms at every start of an HTTP process, a build and a CLI command."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from graph_service.web.app import create_app\n"
        "from zhytomyr_kg.settings import Settings\n"
        f"create_app(Settings(store={str(tmp_path)!r}))\n"
        "import etl.pipeline, zhytomyr_kg.cli\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('httpx', 'rich', 'click')))\n"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"
