"""The benchmarks still run end to end (tiny settings; no figure is asserted: they are measured,
not tested — see bench/ and the README)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyoxigraph
import pytest

pytestmark = [pytest.mark.processes, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]


def run_bench(script: str, *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_sparql_http_bench_measures_every_server(tmp_path):
    out = tmp_path / "figures.json"
    run_bench(
        "sparql_http.py",
        "--triples",
        "2000",
        "--duration",
        "0.1",
        "--connections",
        "2",
        "--http-workers",
        "1",
        "--queries",
        "entity,join",
        "--json",
        str(out),
    )
    results = json.loads(out.read_text())["results"]
    assert set(results) == {"ours", "ours-cached", "oxigraph", "rdflib-endpoint"}
    for server in results.values():
        for query in ("entity", "join"):
            assert server[query]["2"]["rps"] > 0 and server[query]["2"]["errors"] == 0


ID = "https://w3id.org/zhytomyr-kg/id/"
REPORTS_ON = "https://w3id.org/zhytomyr-kg/ontology#reportsOn"


def smoke_graph(store: pyoxigraph.Store, path: Path, priority: str = "aktyvne-misto") -> None:
    """The session's build of the bundled report with the progress reports of one priority only
    (and only the projects they report on); the rest of the graph whole. Every kind of page, the
    GIZ funder and the search still have their data, while the pages the bench waits to be
    pre-rendered (twice, in four variants each) are fewer than half."""
    reports = ID + f"report/2022/{priority}/"
    projects = {
        q.object.value
        for q in store.quads_for_pattern(None, pyoxigraph.NamedNode(REPORTS_ON), None)
        if q.subject.value.startswith(reports)
    }

    def kept(quad: pyoxigraph.Quad) -> bool:
        if not isinstance(quad.subject, pyoxigraph.NamedNode):
            return True
        iri = quad.subject.value
        if iri.startswith(ID + "report/"):
            return iri.startswith(reports)
        if iri.startswith(ID + "project/"):
            return iri in projects
        return True

    pyoxigraph.serialize((q for q in store if kept(q)), output=str(path), format=pyoxigraph.RdfFormat.N_QUADS)


def test_pages_bench_measures_a_page_and_its_turtle(tmp_path, built):
    out = tmp_path / "figures.json"
    data = tmp_path / "graph.nq"
    smoke_graph(built.store, data)
    run_bench(
        "pages.py",
        "/id/funder/giz",
        "--data",
        str(data),
        "--duration",
        "0.1",
        "--connections",
        "2",
        "--http-workers",
        "1",
        "--search",
        "башти",
        "--first-views",
        "5",
        "--json",
        str(out),
    )
    figures = json.loads(out.read_text())
    giz = figures["targets"]["/id/funder/giz"]
    assert giz["kind"] == "page as HTML" and giz["bytes"]["ours"] > giz["bytes"]["oxigraph"] > 0
    for measured in (giz["ours"], giz["oxigraph"], figures["search"]["башти"]):
        assert measured["rps"] > 0 and measured["errors"] == 0
    first = figures["first_views"]  # after a build switch, once the pages are pre-rendered
    assert first["entities"]["ours"]["n"] == first["entities"]["oxigraph"]["n"] == 5
    assert first["entities"]["ours"]["errors"] == 0 and first["lists"]["n"] == 5
    assert first["ratio_p50"] > 0 and len(first["prerender_seconds"]) >= 1


def test_etl_bench_compares_loading_with_bulk_load():
    text = run_bench("etl.py", "--copies", "1", "--shacl-up-to", "1", "--cold-repeats", "1")
    assert "ratio" in text
