"""The user-extendable link file ``etl/data/links.csv``: merged into the authority graph with its
source, and every kind of broken row stops the build naming the file and line, store untouched."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from etl.errors import ReportError
from etl.links import LINKS_FILE, RELATIONS, link_quads, read_links
from etl.pipeline import build
from zhytomyr_kg.settings import Settings
from zhytomyr_kg.store_layout import live_build

HEADER = "local_iri,external_iri,relation,source\n"
OWL_SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DCT_SOURCE = "http://purl.org/dc/terms/source"


def _rows() -> list[dict[str, str]]:
    with open(LINKS_FILE, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _file(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "links.csv"
    path.write_text(HEADER + "".join(line + "\n" for line in lines), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- the bundled file
def test_every_bundled_link_has_a_source_and_an_allowed_relation():
    rows = _rows()
    assert rows, "the link file is seeded"
    for r in rows:
        assert r["source"].strip(), r
        assert r["relation"] in RELATIONS, r


def test_bundled_links_are_in_the_built_graph_with_their_source(store):
    s = Settings()
    links = read_links(s)
    assert len(links) == len(_rows())
    for link in links:
        triple = (ox.NamedNode(link.local), ox.NamedNode(link.relation), ox.NamedNode(link.external))
        quads = list(store.quads_for_pattern(*triple))
        assert [q.graph_name.value for q in quads] == [s.graph("authority")], link
        statements = {
            q.subject
            for q in store.quads_for_pattern(None, ox.NamedNode(RDF + "object"), triple[2])
            if (q.subject, ox.NamedNode(RDF + "subject"), triple[0]) in _triples(store, q.subject)
        }
        assert len(statements) == 1, link
        sources = [
            q.object.value for q in store.quads_for_pattern(statements.pop(), ox.NamedNode(DCT_SOURCE), None)
        ]
        assert sources == [link.source]


def _triples(store, subject):
    return {(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(subject, None, None)}


def test_bundled_links_repeat_nothing_else_in_the_graph(built):
    """Take the link file's quads out of the built graph and merge the file again: it must be
    accepted (a link the graph already states, e.g. from external_links.csv, is refused) and give
    back exactly the quads taken out."""
    s = Settings()
    stated = {(link.local, link.relation, link.external) for link in read_links(s)}
    rest = [
        q
        for q in built.store
        if "/link/" not in q.subject.value
        and (q.subject.value, q.predicate.value, q.object.value) not in stated
    ]
    again = link_quads(s, rest)
    assert set(again) == set(built.store) - set(rest)
    assert len(again) == 6 * len(stated)


# --------------------------------------------------------------------------- validation
GRAPH = [
    ox.Quad(
        ox.NamedNode("https://w3id.org/zhytomyr-kg/id/place/zhytomyr"),
        ox.NamedNode(RDF + "type"),
        ox.NamedNode("https://schema.org/Place"),
        ox.NamedNode("https://w3id.org/zhytomyr-kg/graph/authority"),
    ),
    ox.Quad(
        ox.NamedNode("https://w3id.org/zhytomyr-kg/id/place/zhytomyr"),
        ox.NamedNode(OWL_SAME_AS),
        ox.NamedNode("https://sws.geonames.org/686967/"),
        ox.NamedNode("https://w3id.org/zhytomyr-kg/graph/authority"),
    ),
]


def test_relative_and_absolute_local_iris_and_every_allowed_relation(tmp_path):
    lines = [
        f"place/zhytomyr,https://example.org/x/{i},{curie},a source" for i, curie in enumerate(RELATIONS)
    ]
    lines.append(
        "https://w3id.org/zhytomyr-kg/id/place/zhytomyr,https://example.org/abs,rdfs:seeAlso,a source"
    )
    quads = link_quads(Settings(), GRAPH, _file(tmp_path, *lines))
    links = {
        (q.subject.value, q.predicate.value, q.object.value)
        for q in quads
        if not q.subject.value.startswith("https://w3id.org/zhytomyr-kg/id/place/zhytomyr/link/")
    }
    assert len(links) == len(RELATIONS) + 1
    assert {p for _, p, _ in links} == set(RELATIONS.values())
    assert {s for s, _, _ in links} == {"https://w3id.org/zhytomyr-kg/id/place/zhytomyr"}


@pytest.mark.parametrize(
    "line, message",
    [
        ("place/no-such-place,https://example.org/a,owl:sameAs,a source", "unknown local IRI"),
        ("place/zhytomyr,https://example.org/a,owl:sameAs,", "source is empty"),
        ("place/zhytomyr,https://example.org/a,owl:sameAs,   ", "source is empty"),
        ("place/zhytomyr,https://example.org/a,owl:differentFrom,a source", "unknown relation"),
        ("place/zhytomyr,https://example.org/a,sameAs,a source", "unknown relation"),
        ("place/zhytomyr,not an iri,owl:sameAs,a source", "not an absolute http(s) IRI"),
        ("place/zhytomyr,https://example.org/a b,owl:sameAs,a source", "not an absolute http(s) IRI"),
        ("place/zhytomyr,wikidata:Q1,owl:sameAs,a source", "not an absolute http(s) IRI"),
        ("place/zhytomyr,https://example.org/<a>,owl:sameAs,a source", "not an absolute http(s) IRI"),
        (
            "https://example.org/id/place/zhytomyr,https://example.org/a,owl:sameAs,a source",
            "not under this dataset",
        ),
        (
            "place/zhytomyr,https://w3id.org/zhytomyr-kg/id/place/ukraina,owl:sameAs,a source",
            "inside this dataset",
        ),
        ("place/zhytomyr,https://sws.geonames.org/686967/,owl:sameAs,a source", "already linked"),
        ("place/zhytomyr,https://example.org/a,owl:sameAs", "fields, expected 4"),
    ],
)
def test_a_broken_row_is_an_error_naming_its_line(tmp_path, line, message):
    path = _file(tmp_path, "place/zhytomyr,https://example.org/fine,rdfs:seeAlso,a source", line)
    with pytest.raises(ReportError) as err:
        link_quads(Settings(), GRAPH, path)
    assert err.value.line == 3 and err.value.path == path
    assert message in str(err.value)
    assert str(err.value).startswith(f"{path}:3: ")


def test_a_repeated_row_names_the_first(tmp_path):
    row = "place/zhytomyr,https://example.org/a,skos:closeMatch,a source"
    with pytest.raises(ReportError, match="the same link as line 2") as err:
        link_quads(Settings(), GRAPH, _file(tmp_path, row, row))
    assert err.value.line == 3


def test_a_wrong_header_is_an_error(tmp_path):
    path = tmp_path / "links.csv"
    path.write_text(
        "local,external,relation\nplace/zhytomyr,https://example.org/a,owl:sameAs\n", encoding="utf-8"
    )
    with pytest.raises(ReportError, match="lacks column"):
        link_quads(Settings(), GRAPH, path)


def test_another_base_iri_resolves_relative_local_iris_under_it(tmp_path):
    s = Settings(base_iri="https://example.org/kg/")
    graph = [
        ox.Quad(
            ox.NamedNode("https://example.org/kg/id/place/zhytomyr"),
            ox.NamedNode(RDF + "type"),
            ox.NamedNode("https://schema.org/Place"),
            ox.DefaultGraph(),
        )
    ]
    quads = link_quads(
        s, graph, _file(tmp_path, "place/zhytomyr,https://example.org/elsewhere,owl:sameAs,src")
    )
    assert ox.NamedNode(OWL_SAME_AS) in {q.predicate for q in quads}
    assert {q.graph_name.value for q in quads} == {"https://example.org/kg/graph/authority"}


# --------------------------------------------------------------------------- through the build
@pytest.fixture
def good_store(cli_store) -> Path:
    """The session's CLI-built store: the builds below fail and must leave it as it was."""
    return cli_store


def test_build_fails_on_an_unknown_local_iri_and_leaves_the_store(good_store, tmp_path, monkeypatch):
    before = live_build(good_store).directory.resolve()
    bad = _file(
        tmp_path,
        "place/zhytomyr,https://example.org/ok,rdfs:seeAlso,src",
        "funder/no-such-funder,https://example.org/nope,owl:sameAs,src",
    )
    monkeypatch.setenv("ZKG_LINKS_FILE", str(bad))
    with pytest.raises(ReportError) as err:
        build(Settings(store=good_store))
    assert err.value.line == 3 and "unknown local IRI" in str(err.value)
    assert live_build(good_store).directory.resolve() == before


@pytest.mark.processes
def test_cli_build_reports_the_line_and_keeps_the_store(good_store, tmp_path):
    before = live_build(good_store).directory.resolve()
    bad = _file(tmp_path, "place/zhytomyr,https://example.org/ok,rdfs:seeAlso,")
    result = subprocess.run(
        [sys.executable, "-m", "zhytomyr_kg.cli", "build", "-q", "--store", str(good_store)],
        capture_output=True,
        text=True,
        timeout=180,
        env={**_env(), "ZKG_LINKS_FILE": str(bad)},
    )
    assert result.returncode == 1
    assert f"{bad}:2: the source is empty" in result.stderr
    assert "The store was not changed." in result.stderr
    assert live_build(good_store).directory.resolve() == before


def test_a_user_link_is_merged_and_changes_the_data_version(good_store, tmp_path, monkeypatch):
    before = live_build(good_store)
    extra = _file(tmp_path, "project/biznes-platforma,https://example.org/see,rdfs:seeAlso,a test source")
    monkeypatch.setenv("ZKG_LINKS_FILE", str(extra))
    result = build(Settings(), in_memory=True)
    iri = Settings().id_base + "project/biznes-platforma"
    assert (
        ox.Quad(
            ox.NamedNode(iri),
            ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#seeAlso"),
            ox.NamedNode("https://example.org/see"),
            ox.NamedNode(Settings().graph("authority")),
        )
        in result.store
    )
    assert result.loaded.version != before.info()["data_version"]


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "ZKG_LINKS_FILE"}
