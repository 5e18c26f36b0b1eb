"""Reproducible publishing (#12): no blank node reaches the store (they are skolemised by content,
``etl/skolem.py``), two builds of the same report give byte-identical dumps, and the build log,
``build.json``, the store, ``/health``, VoID and the dumps state one quad count."""

from __future__ import annotations

import gzip
import re

import pyoxigraph as ox
import pytest
import rdflib
from fastapi.testclient import TestClient

from etl.pipeline import build
from etl.skolem import skolemise
from graph_service.publish.dataset import VOID
from graph_service.publish.export import export
from graph_service.web.app import create_app
from tests.conftest import copy_store
from zhytomyr_kg.resources import ONTOLOGY_DIR
from zhytomyr_kg.settings import GENID, Settings
from zhytomyr_kg.store_layout import live_build

BASE = "https://w3id.org/zhytomyr-kg/"
SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
ex:A sh:property [ sh:path ex:p ; sh:languageIn ( "uk" "en" ) ] , [ sh:path ex:q ] .
ex:B sh:property [ sh:path ex:p ; sh:languageIn ( "uk" "en" ) ] .
"""


def _parse(text: str) -> list[ox.Quad]:
    graph = ox.NamedNode(BASE + "graph/test")
    return [
        ox.Quad(t.subject, t.predicate, t.object, graph) for t in ox.parse(text, format=ox.RdfFormat.TURTLE)
    ]


def _blank(quads) -> list[ox.Quad]:
    return [q for q in quads if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)]


# --------------------------------------------------------------------------- skolem IRIs


def test_skolem_iris_are_labelled_by_content_not_by_the_parser():
    first, second = _parse(SHAPES), _parse(SHAPES)
    assert {q.subject for q in _blank(first)} != {q.subject for q in _blank(second)}  # parser labels differ
    a, b = skolemise(first, BASE), skolemise(second, BASE)
    assert a == b and not _blank(a)
    genids = {t.value for q in a for t in (q.subject, q.object) if t.value.startswith(BASE + GENID)}
    assert all(re.fullmatch(re.escape(BASE + GENID) + "[0-9a-f]{32}", iri) for iri in genids)
    # 3 property shapes + 2 list nodes under each of the two languageIn: the same words under
    # ex:A and ex:B stay two nodes (where a node hangs is part of its content)
    assert len(genids) == 3 + 2 * 2
    changed = skolemise(_parse(SHAPES.replace("ex:q ]", "ex:r ]")), BASE)
    assert changed != a and len({q for q in changed} & set(a)) > 0


def test_quads_without_blank_nodes_pass_unchanged_once_each():
    quads = _parse("<http://example.org/s> <http://example.org/p> 1 .") * 2
    assert skolemise(quads, BASE) == quads[:1]


# --------------------------------------------------------------------------- two builds


@pytest.fixture(scope="module")
def second_build(tmp_path_factory):
    """The bundled report built a second time, into another store."""
    return build(Settings(store=tmp_path_factory.mktemp("second")))


def test_no_blank_node_reaches_the_store(built):
    assert not _blank(built.store)
    ontology = ox.NamedNode(Settings().graph("ontology"))
    genids = {
        q.subject.value
        for q in built.store.quads_for_pattern(None, None, None, ontology)
        if q.subject.value.startswith(BASE + GENID)
    }
    parsed = {
        t.subject
        for path in sorted(ONTOLOGY_DIR.glob("*.ttl"))
        for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
        if isinstance(t.subject, ox.BlankNode)
    }
    assert 0 < len(genids) <= len(parsed)  # every blank node of the shapes has its IRI


def test_two_builds_of_the_same_report_give_byte_identical_dumps(built, second_build, tmp_path):
    one = export(built.store, tmp_path / "one", Settings(), version="one")
    # the service exports from an in-memory copy of the build (ZKG_SPARQL_MEMORY_QUADS)
    memory = ox.Store()
    memory.bulk_extend(second_build.store)
    two = export(memory, tmp_path / "two", Settings(), version="two")
    assert [f["name"] for f in one["files"]] == [f["name"] for f in two["files"]]
    for f, g in zip(one["files"], two["files"], strict=True):
        assert (tmp_path / "one" / f["name"]).read_bytes() == (tmp_path / "two" / g["name"]).read_bytes(), f[
            "name"
        ]
        assert (f["bytes"], f["sha256"]) == (g["bytes"], g["sha256"])


# --------------------------------------------------------------------------- one quad count


def test_one_quad_count_in_the_build_log_build_json_store_health_void_and_dumps(tmp_path, cli_built):
    # `zhytomyr-kg build --store …` (the session's, tests/conftest.py): its log, and a copy of its
    # store (the app below writes the dumps into it)
    store = copy_store(cli_built.store, tmp_path / "store")
    log = cli_built.result.stdout + cli_built.result.stderr
    counts = {
        "built": int(re.search(r"built (\d+) quads", log).group(1)),
        "validating": int(re.search(r"validating (\d+) quads", log).group(1)),
        "loaded": int(re.search(r"loaded (\d+) quads", log).group(1)),
        "build.json": live_build(store).info()["quads"],
    }
    with TestClient(create_app(Settings(store=store))) as client:
        health = client.get("/health").json()
        counts["/health triples"] = health["triples"]
        counts["/health build quads"] = health["build"]["quads"]
        void = rdflib.Graph().parse(
            data=client.get("/.well-known/void", headers={"Accept": "text/turtle"}).text, format="turtle"
        )
        dataset = rdflib.URIRef(BASE + "dataset")
        counts["void:triples"] = int(void.value(dataset, VOID.triples))
        counts["sum of the graphs' void:triples"] = sum(
            int(void.value(sub, VOID.triples))
            for sub in void.objects(dataset, VOID.subset)
            if (sub, VOID.triples, None) in void and str(sub).startswith(BASE + "graph/")
        )
        dump = gzip.decompress(client.get("/dumps/dataset.nq.gz").content).decode("utf-8")
        counts["dataset.nq.gz lines"] = len(dump.splitlines())
    store_quads = ox.Store.read_only(str(live_build(store).oxigraph_path))
    counts["the store"] = len(store_quads)
    assert len(set(counts.values())) == 1, counts


def test_the_dumps_have_no_blank_node(built, tmp_path):
    manifest = export(built.store, tmp_path / "d", Settings())
    for f in manifest["files"]:
        if f["name"].endswith((".ttl", ".nq.gz")):
            data = (tmp_path / "d" / f["name"]).read_bytes()
            fmt = ox.RdfFormat.N_QUADS if f["name"].endswith(".gz") else ox.RdfFormat.TURTLE
            parsed = list(
                ox.parse(gzip.decompress(data) if fmt == ox.RdfFormat.N_QUADS else data, format=fmt)
            )
            assert parsed and not _blank(parsed), f["name"]
