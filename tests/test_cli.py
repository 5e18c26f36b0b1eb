"""The command line as a user runs it: output, formats and exit codes."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.processes]

ZKG = "https://w3id.org/zhytomyr-kg/ontology#"


def run_cli(*args: str, store: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "zhytomyr_kg.cli", *args, "--store", str(store)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_build_reports_progress_and_the_result(cli_built):
    """``zhytomyr-kg build`` (the session's ``cli_built``, shared with other modules)."""
    assert "built" in cli_built.result.stdout and "quads" in cli_built.result.stdout
    assert "validating" in cli_built.result.stderr  # progress on long work


def test_console_script_is_declared():
    text = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    assert 'zhytomyr-kg = "zhytomyr_kg.cli:main"' in text


def test_query_named_json_is_sparql_results_json(cli_store):
    result = run_cli("query", "projects-per-priority", "--format", "json", store=cli_store)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["head"]["vars"] == ["priority", "notation", "label", "projects"]
    assert len(data["results"]["bindings"]) == 6


def test_query_text_csv_and_tsv(cli_store):
    query = f"SELECT ?p WHERE {{ ?p a <{ZKG}Priority> }} ORDER BY ?p"
    out = run_cli("query", query, "--format", "csv", store=cli_store).stdout
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["p"] and len(rows) == 7
    tsv = run_cli("query", query, "--format", "tsv", store=cli_store).stdout
    assert tsv.splitlines()[0] == "?p" and tsv.splitlines()[1].startswith(
        "<https://w3id.org/zhytomyr-kg/id/priority/"
    )


def test_query_from_file_and_table(tmp_path, cli_store):
    path = tmp_path / "q.rq"
    path.write_text(f"SELECT (COUNT(?t) AS ?tasks) WHERE {{ ?t a <{ZKG}Task> }}", encoding="utf-8")
    out = run_cli("query", f"@{path}", store=cli_store).stdout
    assert out.splitlines()[0].strip() == "tasks" and "86" in out and "(1 row)" in out


def test_construct_as_turtle_and_ntriples(cli_store):
    query = f"CONSTRUCT {{ ?p a <{ZKG}Priority> }} WHERE {{ ?p a <{ZKG}Priority> }}"
    ttl = run_cli("query", query, "--format", "turtle", store=cli_store).stdout
    nt = run_cli("query", query, "--format", "ntriples", store=cli_store).stdout
    assert len(nt.strip().splitlines()) == 6
    assert "ontology#Priority" in ttl


def test_malformed_query_fails_with_parser_message(cli_store):
    result = run_cli("query", "SELECT ?x WHERE { ?x ", store=cli_store)
    assert result.returncode == 1
    assert "error:" in result.stderr and "expected" in result.stderr.lower()


def test_unknown_param_is_refused(cli_store):
    result = run_cli("query", "projects-per-priority", "--param", "x=1", store=cli_store)
    assert result.returncode == 2


def test_validate_and_stats(cli_store):
    result = run_cli("validate", store=cli_store)
    assert result.returncode == 0 and "conforms" in result.stdout
    stats = run_cli("stats", store=cli_store).stdout
    assert "Projects per priority" in stats and "Інклюзивне місто" in stats


def test_store_from_environment(tmp_path, cli_store):
    import os

    env = {**os.environ, "ZKG_STORE": str(cli_store)}
    result = subprocess.run(
        [sys.executable, "-m", "zhytomyr_kg.cli", "query", "status-counts", "--format", "csv"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0 and "in_progress" in result.stdout


def test_no_store_yet(tmp_path):
    result = run_cli("query", "status-counts", store=tmp_path / "empty")
    assert result.returncode == 3 and "zhytomyr-kg build" in result.stderr
