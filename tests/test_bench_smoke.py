"""The benchmarks still run end to end (tiny settings; no figure is asserted: they are measured,
not tested — see bench/ and the README)."""

from __future__ import annotations

import importlib.util
import json
import re
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
        "--pool-size",
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


def smoke_graph(store: pyoxigraph.Store, path: Path, goal: str = "aktyvne-misto/2") -> None:
    """The session's build of the bundled report cut to one strategic goal (``priority/number``):
    its progress reports, the projects they report on, its tasks, its goal, and only the places,
    organisations, funders and programmes that something kept points to; the rest of the graph
    (priorities, departments, statuses …) whole. Every kind of page, the GIZ funder (goal 2 of
    "Активне місто" names it, beside the water tower that the search finds) and the search still
    have their data, while the pages the bench waits to be pre-rendered (twice, in four variants
    each) are about a tenth of the whole report's."""
    reports = ID + f"report/2022/{goal}/"
    projects = {
        q.object.value
        for q in store.quads_for_pattern(None, pyoxigraph.NamedNode(REPORTS_ON), None)
        if q.subject.value.startswith(reports)
    }
    own_goal, own_tasks = ID + f"goal/{goal}", ID + f"task/{goal}/"
    #: kept when a kept entity points to them
    pointed = tuple(ID + f"{kind}/" for kind in ("place", "organization", "funder", "programme"))

    def kept_subject(iri: str) -> bool:
        if iri.startswith(ID + "report/"):
            return iri.startswith(reports)
        if iri.startswith(ID + "project/"):
            return iri in projects
        if iri.startswith(ID + "goal/"):
            return iri == own_goal
        if iri.startswith(ID + "task/"):
            return iri.startswith(own_tasks)
        return True

    def kept(quad: pyoxigraph.Quad) -> bool:
        return not isinstance(quad.subject, pyoxigraph.NamedNode) or kept_subject(quad.subject.value)

    links = [
        (q.subject.value, q.object.value)
        for q in store
        if isinstance(q.object, pyoxigraph.NamedNode) and q.object.value.startswith(pointed) and kept(q)
    ]
    referenced = {o for s, o in links if not s.startswith(pointed)}
    while more := {o for s, o in links if s in referenced} - referenced:  # a programme's funder …
        referenced |= more

    def wanted(quad: pyoxigraph.Quad) -> bool:
        if isinstance(quad.subject, pyoxigraph.NamedNode) and quad.subject.value.startswith(pointed):
            return quad.subject.value in referenced
        return kept(quad)

    pyoxigraph.serialize(
        (q for q in store if wanted(q)), output=str(path), format=pyoxigraph.RdfFormat.N_QUADS
    )


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


def test_scale_bench_prints_growth_tables_with_no_failure(tmp_path):
    out = tmp_path / "figures.json"
    text = run_bench(
        "scale.py",
        "--years",
        "1,2",
        "--quads",
        "1,40000",
        "--repeats",
        "1",
        "--sample",
        "1",
        "--http-workers",
        "1",
        "--env",
        "ZKG_SPARQL_POOL_SIZE=1",
        "--json",
        str(out),
    )
    assert "years (growth vs the first)" in text and "cities (growth vs the first)" in text
    assert re.search(r"^first /projects ms +\d+ +\d+ \(\d+\.\d×\)$", text, re.M)
    assert "PASS  0 failed requests" in text and "PASS  0 process deaths" in text
    figures = json.loads(out.read_text())
    years, cities = figures["years"], figures["cities"]
    # how many cities reach 40,000 quads depends on the size of the bundled report's graph
    assert [r["size"] for r in years] == [1, 2] and cities[0]["cities"] == 1 < cities[1]["cities"]
    assert years[1]["quads"] > years[0]["quads"] and cities[1]["quads"] > cities[0]["quads"]
    for row in years + cities:
        assert row["failures"] == [] and row["deaths"] == 0 and row["rss_peak"] > 0
        assert {v["status"] for v in row["first"].values()} == {200}
        assert set(row["sparql"]) == {"entity", "join", "count"} and all(row["sparql"].values())
    assert years[1]["export_code"] == 0 and years[1]["export_rss"] > 0


def test_scale_cities_rewrite_instances_and_keep_the_vocabulary(monkeypatch):
    spec = importlib.util.spec_from_file_location("scale_data", ROOT / "bench" / "scale_data.py")
    assert spec and spec.loader
    scale_data = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "scale_data", scale_data)  # its dataclass looks itself up
    spec.loader.exec_module(scale_data)
    base = "https://w3id.org/zhytomyr-kg/"
    rewriter = scale_data.CityRewriter(base, "zhytomyr")
    line = (
        f"<{base}id/report/2022/efektyvne-misto/1/1/x> <{base}ontology#status> <{base}id/status/completed> "
        f"<{base}graph/report/zhytomyr-2022> .\n"
    )
    assert rewriter.rewrite(line, "c0002") == (
        f"<{base}id/report/c0002-2022/efektyvne-misto/1/1/x> <{base}ontology#status> "
        f"<{base}id/status/completed> <{base}graph/report/c0002-2022> .\n"
    )
    line = f"<{base}id/source/zhytomyr-2022#L14> <{base}ontology#x> <{base}id/funder/giz> <{base}graph/strategy/zhytomyr> .\n"
    assert rewriter.rewrite(line, "c0002") == (
        f"<{base}id/source/c0002-2022#L14> <{base}ontology#x> <{base}id/funder/c0002-giz> "
        f"<{base}graph/strategy/c0002> .\n"
    )
    ontology = (
        f"<{base}ontology#Project> <{base}ontology#x> <{base}.well-known/genid/a> <{base}graph/ontology> .\n"
    )
    assert rewriter.rewrite(ontology, "c0002") == ontology
