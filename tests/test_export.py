"""`zhytomyr-kg export`: the dumps hold exactly the store's data, the CSV matches its CSVW metadata,
the JSON-LD round-trips, and the manifest's sizes and checksums are those of the files."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import csvw
import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from graph_service.publish.export import CONTEXT, CSVW_METADATA, MANIFEST, NQUADS, export, read_manifest
from zhytomyr_kg.settings import ZKG, Settings

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


@pytest.fixture(scope="module")
def manifest(dumps) -> dict:
    return read_manifest(dumps)


def _instances(store: ox.Store, cls: str) -> set[str]:
    return {q.subject.value for q in store.quads_for_pattern(None, RDF_TYPE, ox.NamedNode(ZKG + cls))}


# --------------------------------------------------------------------------- manifest
def test_manifest_lists_every_file_with_its_true_size_and_checksum(dumps, manifest, built):
    listed = {f["name"] for f in manifest["files"]}
    on_disk = {p.name for p in dumps.iterdir()} - {MANIFEST}
    assert listed == on_disk
    for f in manifest["files"]:
        data = (dumps / f["name"]).read_bytes()
        assert f["bytes"] == len(data), f["name"]
        assert f["sha256"] == hashlib.sha256(data).hexdigest(), f["name"]
    assert manifest["version"] == built.loaded.version


def test_export_is_byte_stable_for_the_same_data(built, dumps, manifest, tmp_path):
    again = export(
        built.store, tmp_path / "again", Settings(store=built.loaded.build_dir), version=built.loaded.version
    )
    first = {f["name"]: f["sha256"] for f in manifest["files"]}
    second = {f["name"]: f["sha256"] for f in again["files"]}
    assert first == second


# --------------------------------------------------------------------------- RDF dumps
def test_nquads_dump_is_the_whole_store(dumps, built):
    data = gzip.decompress((dumps / NQUADS).read_bytes())
    dumped = set(ox.parse(data, format=ox.RdfFormat.N_QUADS))
    assert dumped == set(built.store)


def test_one_turtle_file_per_named_graph_with_that_graphs_triples(dumps, manifest, built):
    graphs = {g.value for g in built.store.named_graphs()}
    ttl = {f["graph"]: f["name"] for f in manifest["files"] if f["name"].endswith(".ttl")}
    assert set(ttl) == graphs
    for graph, name in ttl.items():
        parsed = {q.triple for q in ox.parse((dumps / name).read_bytes(), format=ox.RdfFormat.TURTLE)}
        expected = {
            ox.Triple(q.subject, q.predicate, q.object)
            for q in built.store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
        }
        assert parsed == expected, name


@pytest.mark.parametrize("stem", ["graph-authority", "graph-report-zhytomyr-2022"])
def test_jsonld_round_trips_to_the_same_triples(dumps, stem):
    from_jsonld = rdflib.Graph().parse(dumps / f"{stem}.jsonld", format="json-ld")
    from_turtle = rdflib.Graph().parse(dumps / f"{stem}.ttl", format="turtle")
    assert len(from_jsonld) == len(from_turtle) > 0
    assert isomorphic(from_jsonld, from_turtle)


def test_jsonld_uses_the_published_context(dumps):
    published = json.loads((dumps / CONTEXT).read_text(encoding="utf-8"))["@context"]
    doc = json.loads((dumps / "graph-authority.jsonld").read_text(encoding="utf-8"))
    assert doc["@context"] == published
    # compacted, not expanded: terms use the context's prefixes
    assert "rdfs:label" in (dumps / "graph-authority.jsonld").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- CSV + CSVW
def test_csvw_metadata_validates_against_the_csv_files(dumps):
    validator = csvw.CSVW(str(dumps / CSVW_METADATA))
    assert validator.is_valid, validator.warnings
    assert not validator.warnings


def _valid(metadata: Path) -> bool:
    """csvw reports broken data either by ``is_valid`` False or (strict mode) by raising ValueError."""
    try:
        return csvw.CSVW(str(metadata)).is_valid
    except ValueError:
        return False


def _broken_copy(dumps: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "broken"
    shutil.copytree(dumps, copy)
    return copy


def test_csvw_validation_catches_a_bad_datatype(dumps, tmp_path):
    copy = _broken_copy(dumps, tmp_path)
    path = copy / "projects.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    col = rows[0].index("start_year")
    rows[1][col] = "двадцять"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerows(rows)
    assert not _valid(copy / CSVW_METADATA)


def test_csvw_validation_catches_a_dangling_foreign_key(dumps, tmp_path):
    copy = _broken_copy(dumps, tmp_path)
    path = copy / "project-departments.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    rows.append([rows[1][0], "https://w3id.org/zhytomyr-kg/id/department/no-such-body"])
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerows(rows)
    assert not _valid(copy / CSVW_METADATA)


def test_tables_have_one_row_per_entity(dumps, built):
    store = built.store
    for table, cls in [
        ("projects", "Project"),
        ("tasks", "Task"),
        ("departments", "Department"),
        ("progress-reports", "ProgressReport"),
    ]:
        with (dumps / f"{table}.csv").open(encoding="utf-8", newline="") as f:
            ids = [row[0] for row in list(csv.reader(f))[1:]]
        assert len(ids) == len(set(ids)), f"{table}: duplicate keys"
        assert set(ids) == _instances(store, cls), table


def test_funder_and_place_tables_exist_exactly_when_the_graph_has_them(dumps, built):
    for table, cls in [("funders", "Funder"), ("places", "Place"), ("programmes", "Programme")]:
        assert (dumps / f"{table}.csv").exists() == bool(_instances(built.store, cls))


def _table(dumps: Path, name: str) -> list[dict[str, str]]:
    with (dumps / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _pairs(store: ox.Store, predicate: str) -> set[tuple[str, str]]:
    return {
        (q.subject.value, q.object.value)
        for q in store.quads_for_pattern(None, ox.NamedNode(ZKG + predicate), None)
    }


def test_programme_tables(dumps, built):
    rows = _table(dumps, "programmes")
    assert {r["programme"] for r in rows} == _instances(built.store, "Programme")
    assert all(r["label_uk"] for r in rows)
    links = {(r["programme"], r["funder"]) for r in _table(dumps, "programme-funders")}
    assert links == _pairs(built.store, "programmeOf") != set()


def test_project_funder_table_covers_every_project_funder_link_with_its_evidence(dumps, built):
    store = built.store
    rows = _table(dumps, "project-funders")
    # supportedBy (#10): "за підтримки" with no money named; it also stands beside every fundedBy
    # and partner edge, where the mention's own relation is the specific one
    assert {r["relation"] for r in rows} == {"fundedBy", "partner", "supportedBy"}
    funders = _instances(store, "Funder")
    projects = _instances(store, "Project")
    specific = {(p, f) for rel in ("fundedBy", "partner") for p, f in _pairs(store, rel)}
    expected = {
        (p, rel, f)
        for rel in ("fundedBy", "partner", "supportedBy")
        for p, f in _pairs(store, rel)
        if p in projects and f in funders and (rel != "supportedBy" or (p, f) not in specific)
    }
    assert {(r["project"], r["relation"], r["funder"]) for r in rows} == expected != set()
    text = {
        q.subject.value: q.object.value
        for q in store.quads_for_pattern(None, ox.NamedNode(ZKG + "text"), None)
    }
    for r in rows:
        assert r["evidence"] and r["evidence"] in text[r["report"]], r
        assert int(r["source_line"]) > 0
    assert len({r["mention"] for r in rows}) == len(rows)


def test_report_place_table_has_every_place_mention_as_written(dumps, built):
    store = built.store
    rows = _table(dumps, "report-places")
    places = _instances(store, "Place")
    mentioned = {(r, p) for r, p in _pairs(store, "mentions") if p in places}
    assert {(r["report"], r["place"]) for r in rows} == mentioned != set()
    text = {
        q.subject.value: q.object.value
        for q in store.quads_for_pattern(None, ox.NamedNode(ZKG + "text"), None)
    }
    report_lines = {
        q.subject.value: int(q.object.value)
        for q in store.quads_for_pattern(None, ox.NamedNode(ZKG + "sourceLine"), None)
    }
    for r in rows:
        assert r["surface"] and r["surface"] in text[r["report"]], r
        assert int(r["source_line"]) >= report_lines[r["report"]], r


def test_csvw_validation_catches_a_mention_of_an_unknown_funder(dumps, tmp_path):
    copy = _broken_copy(dumps, tmp_path)
    path = copy / "project-funders.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    col = rows[0].index("funder")
    rows[1][col] = "https://w3id.org/zhytomyr-kg/id/funder/no-such-funder"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerows(rows)
    assert _valid(dumps / CSVW_METADATA)
    assert not _valid(copy / CSVW_METADATA)


def test_every_column_has_ukrainian_and_english_titles_and_a_datatype(dumps):
    meta = json.loads((dumps / CSVW_METADATA).read_text(encoding="utf-8"))
    assert {t["url"] for t in meta["tables"]} == {p.name for p in dumps.glob("*.csv")}
    for table in meta["tables"]:
        assert table["tableSchema"]["primaryKey"]
        for col in table["tableSchema"]["columns"]:
            if col.get("virtual"):
                continue
            assert col["titles"]["uk"] and col["titles"]["en"] and col["datatype"], (
                table["url"],
                col["name"],
            )


_VAR = re.compile(r"\{\+?(\w+)\}")


def _expand(template: str, row: dict) -> str:
    return _VAR.sub(lambda m: row[m.group(1)], template)


def test_csvw_mapping_states_only_triples_that_are_in_the_graph(dumps, built):
    """CSV → RDF by the metadata's aboutUrl/propertyUrl/valueUrl: every cell is a triple of the store."""
    store = built.store
    meta = json.loads((dumps / CSVW_METADATA).read_text(encoding="utf-8"))
    checked = 0
    for table in meta["tables"]:
        schema = table["tableSchema"]
        with (dumps / table["url"]).open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        for row in rows:
            for col in schema["columns"]:
                value = "(virtual)" if col.get("virtual") else row[col["name"]]
                if "propertyUrl" not in col or value == "":
                    continue
                subject = ox.NamedNode(_expand(col.get("aboutUrl", schema["aboutUrl"]), row))
                predicate = ox.NamedNode(_expand(col["propertyUrl"], row))
                if "valueUrl" in col:
                    obj = ox.NamedNode(_expand(col["valueUrl"], row))
                elif "lang" in col:
                    obj = ox.Literal(value, language=col["lang"])
                elif col["datatype"] == "integer":
                    obj = ox.Literal(value, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
                else:
                    obj = ox.Literal(value)
                found = next(store.quads_for_pattern(subject, predicate, obj), None)
                assert found is not None, (table["url"], col["name"], subject, obj)
                checked += 1
    assert checked > 1000


# --------------------------------------------------------------------------- CLI
def _cli(*args: str, store: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "zhytomyr_kg.cli", *args, "--store", str(store), "-q"],
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.mark.processes
def test_cli_export_without_a_store_exits_3(tmp_path):
    result = _cli("export", store=tmp_path / "none")
    assert result.returncode == 3
    assert "zhytomyr-kg build" in result.stderr


@pytest.mark.processes
@pytest.mark.slow
def test_cli_export_writes_into_the_live_build(tmp_path, cli_store_copy):
    store = cli_store_copy
    assert not (store / "current" / "dumps").exists()
    result = _cli("export", store=store)
    assert result.returncode == 0, result.stderr
    dumps = store / "current" / "dumps"
    manifest = read_manifest(dumps)
    assert manifest is not None and (dumps / NQUADS).exists()
    assert manifest["version"] == (store / "current").resolve().name
    out = tmp_path / "elsewhere"
    assert _cli("export", "--out", str(out), store=store).returncode == 0
    assert read_manifest(out)["files"] == manifest["files"]
