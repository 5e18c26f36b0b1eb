"""Stable IRIs: a rebuild gives the same IRIs; a later year adds reports to the same tasks."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from etl.errors import ValidationFailed
from etl.pipeline import build
from etl.validate import validate
from tests.conftest import select
from zhytomyr_kg.resources import BUNDLED_REPORT
from zhytomyr_kg.settings import Settings

ZKG = "https://w3id.org/zhytomyr-kg/ontology#"


def subjects(store) -> set[str]:
    return {r["s"] for r in select(store, "SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s)) }")}


@pytest.fixture(scope="module")
def rebuilt(cli_built, tmp_path_factory):
    """The bundled report built again, in process, into a copy of the session's CLI-built store:
    (its store directory, the first build's id and data version as the service saw them, the
    rebuild's result). Both rebuild tests below read it: one build, not two."""
    from graph_service.store.oxigraph import OxigraphBackend
    from tests.conftest import copy_store
    from zhytomyr_kg.store_layout import live_build

    store = copy_store(cli_built.store, tmp_path_factory.mktemp("rebuild") / "store")
    backend = OxigraphBackend(store, recheck=0)
    first = live_build(store).build_id, backend.data_version()
    return store, backend, first, build(Settings(store=store))


def test_rebuild_gives_identical_iris_and_version(built, rebuilt):
    *_, again = rebuilt  # the same inputs built again, in another process than the first build
    assert subjects(again.store) == subjects(built.store)
    assert again.loaded.version == built.loaded.version


@pytest.fixture(scope="module")
def two_years(tmp_path_factory):
    folder = tmp_path_factory.mktemp("years")
    later = folder / "report-2023.txt"
    later.write_text(
        BUNDLED_REPORT.read_text(encoding="utf-8").replace("за 2022 рік", "за 2023 рік"), encoding="utf-8"
    )
    return build(Settings(store=folder / "store"), [BUNDLED_REPORT, later], in_memory=True)


def test_later_year_gets_its_own_graph(two_years):
    assert [g for _, g in two_years.reports] == [
        "https://w3id.org/zhytomyr-kg/graph/report/zhytomyr-2022",
        "https://w3id.org/zhytomyr-kg/graph/report/zhytomyr-2023",
    ]


def test_later_year_adds_reports_to_the_same_projects(two_years, store):
    count = f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a <{ZKG}Project> }}"
    assert select(two_years.store, count) == select(store, count)
    rows = select(
        two_years.store,
        f"""
        SELECT ?year WHERE {{
          ?r <{ZKG}reportsOn> <https://w3id.org/zhytomyr-kg/id/project/biznes-platforma> ; <{ZKG}year> ?year }}
        ORDER BY ?year""",
    )
    assert [r["year"] for r in rows] == ["2022", "2023"]


def test_same_report_twice_is_refused(tmp_path):
    from etl.errors import ReportError

    with pytest.raises(ReportError, match="second report for the same city and year"):
        build(Settings(store=tmp_path), [BUNDLED_REPORT, BUNDLED_REPORT], in_memory=True)


def test_shacl_violation_stops_the_build(built):
    import pyoxigraph as ox

    quads = list(built.store)
    project = ox.NamedNode("https://w3id.org/zhytomyr-kg/id/project/biznes-platforma")
    broken = [q for q in quads if not (q.subject == project and q.predicate.value == ZKG + "inTask")]
    with pytest.raises(ValidationFailed) as info:
        validate(broken)
    assert info.value.violations >= 1
    assert "inTask" in info.value.report_text


def test_identical_rebuild_keeps_the_data_version(rebuilt):
    """The service's ETags derive from the data version: rebuilding the same inputs keeps it
    (the first build is the CLI's, copied; the rebuild runs in ``rebuilt``)."""
    from zhytomyr_kg.store_layout import live_build

    store, backend, (first_build, first_version), _ = rebuilt
    assert live_build(store).build_id != first_build
    assert backend.data_version() == first_version


@pytest.fixture(scope="module")
def transformed():
    """The bundled report transformed (read, structure, RDF; no extraction, no validation): the
    input of both parallel-validation tests, each of which breaks its own shallow copy."""
    from etl.pipeline import Curated, transform

    return transform(Settings(store=Path(".")), [BUNDLED_REPORT], Curated.load(), {}, lambda _: None)


def test_core_violation_found_by_the_parallel_validation(tmp_path, transformed):
    """The core data is validated in a forked process; its violation reaches the build."""
    from etl.pipeline import extract_and_validate

    settings = Settings(store=tmp_path)
    data = copy.copy(transformed)
    data.core = [q for q in data.core if q.predicate.value != ZKG + "inTask"]
    with pytest.raises(ValidationFailed) as info:
        extract_and_validate(settings, data, {}, lambda _: None)
    assert "inTask" in info.value.report_text


def test_extraction_violation_found_by_the_parallel_validation(tmp_path, monkeypatch, transformed):
    import etl.pipeline as pipeline

    def broken(settings, report):
        return [q for q in real(settings, report) if q.predicate.value != ZKG + "endOffset"]

    real = pipeline.extract_quads
    monkeypatch.setattr(pipeline, "extract_quads", broken)
    settings = Settings(store=tmp_path)
    with pytest.raises(ValidationFailed) as info:
        pipeline.extract_and_validate(settings, copy.copy(transformed), {}, lambda _: None)
    assert "endOffset" in info.value.report_text


def test_split_validation_agrees_with_validating_everything_at_once(built):
    """The shapes are split between the core and the extraction checks; on the real graph,
    validating all quads against all shapes in one go conforms too."""
    from etl.ontology import shape_files

    assert {p.name for p in shape_files()} >= {"shapes.ttl", "shapes-mentions.ttl"}
    assert validate(list(built.store), ontology_graph="https://w3id.org/zhytomyr-kg/graph/ontology") > 10000


@pytest.mark.parametrize("stage", ["transform", "extract"])
def test_a_failed_build_leaves_no_process_behind(tmp_path, monkeypatch, stage):
    """The validation process is forked when the build starts; a failure at any later stage ends
    it (a process left waiting would hold inherited pipes open)."""
    import multiprocessing

    import etl.pipeline as pipeline

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(pipeline, "transform" if stage == "transform" else "extract_quads", boom)
    with pytest.raises(RuntimeError, match="boom"):
        pipeline.build(Settings(store=tmp_path))
    assert multiprocessing.active_children() == []
