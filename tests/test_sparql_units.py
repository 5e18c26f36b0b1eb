"""The pieces under the endpoint: the query guard, content negotiation, the embedded backend, the cache."""

from __future__ import annotations

import pyoxigraph
import pytest

from graph_service import conneg as formats
from graph_service.sample_graphs import sample_quads
from graph_service.sparql.executors import memory_status
from graph_service.sparql.protocol import etag_matches
from graph_service.sparql.service import result_cache
from graph_service.store.base import QueryError, check_query
from graph_service.store.oxigraph import OxigraphBackend
from graph_service.store.sparql_text import analyse, with_row_cap
from graph_service.testing import build_store
from zhytomyr_kg.settings import MEMORY_BYTES_PER_QUAD, ServiceConfig
from zhytomyr_kg.store_layout import NoStore

ZKG = "https://w3id.org/zhytomyr-kg/ontology#"
ID = "https://w3id.org/zhytomyr-kg/id/"


# --------------------------------------------------------------------------- the query guard


@pytest.mark.parametrize(
    "query, form",
    [
        ("SELECT * { ?s ?p ?o }", "SELECT"),
        ("# comment\nPREFIX a: <http://a/> BASE <http://b/> prefix : <http://c/> ask {}", "ASK"),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
        ("describe <http://x>", "DESCRIBE"),
        ("SELEC * {}", None),
    ],
)
def test_query_form(query, form):
    assert analyse(query).form == form


@pytest.mark.parametrize(
    "query",
    [
        "INSERT DATA { <a> <b> <c> }",
        "PREFIX x: <http://x/> DELETE WHERE { ?s ?p ?o }",
        "LOAD <http://example.org/x.ttl>",
        "load silent <http://example.org/x.ttl> into graph <g>",
        "CLEAR ALL",
        "WITH <g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "DROP GRAPH <g>",
    ],
)
def test_updates_are_recognised(query):
    with pytest.raises(QueryError) as err:
        check_query(query)
    assert err.value.status == 403 and "read-only" in err.value.message


def test_service_targets_and_allow_list():
    q = "PREFIX w: <https://query.wikidata.org/> SELECT * { SERVICE w:sparql { ?s ?p ?o } SERVICE SILENT <http://b/> {} }"
    assert analyse(q).services == ["https://query.wikidata.org/sparql", "http://b/"]
    assert analyse("SELECT * { SERVICE ?x {} }").services == [None]
    assert analyse('SELECT * { ?s ?p "SERVICE <http://a/>" . # SERVICE <http://c/>\n }').services == []
    assert analyse("SELECT * { ?s ?p '''multi\nSERVICE <http://d/>''' }").services == []
    assert analyse(r'SELECT * { ?s ?p "esc\" SERVICE <http://e/>" }').services == []
    with pytest.raises(QueryError):
        check_query(q, service_allow=["https://query.wikidata.org/sparql"])  # http://b/ is not listed
    info = check_query(q, service_allow=["https://query.wikidata.org/sparql", "http://b/"])
    assert len(info.services) == 2


def test_service_with_escapes_or_relative_iri_is_refused():
    assert analyse(r"SELECT * { SERVICE <http://a/\u0041> {} }").services == [None]
    assert analyse("BASE <http://evil/> SELECT * { SERVICE <x> {} }").services == [None]


def test_dataset_clause_detection():
    assert analyse("SELECT * FROM <g> { ?s ?p ?o }").has_dataset_clause
    assert analyse("SELECT * FROM NAMED <g> { GRAPH ?g { ?s ?p ?o } }").has_dataset_clause
    assert not analyse('SELECT * { ?s ?p "FROM" }').has_dataset_clause


def test_row_cap_rewrites():
    q = "SELECT * { ?s ?p ?o }"
    assert with_row_cap(q, analyse(q), 10) == q + "\nLIMIT 10"
    q = "SELECT * { ?s ?p ?o } LIMIT 5"
    assert with_row_cap(q, analyse(q), 10) is None
    q = "SELECT * { ?s ?p ?o } ORDER BY ?s LIMIT 500 OFFSET 3"
    assert with_row_cap(q, analyse(q), 10) == "SELECT * { ?s ?p ?o } ORDER BY ?s LIMIT 10 OFFSET 3"
    q = "SELECT * { ?s ?p ?o } OFFSET 3 LIMIT 500"
    assert with_row_cap(q, analyse(q), 10) == "SELECT * { ?s ?p ?o } OFFSET 3 LIMIT 10"
    q = "ASK { ?s ?p ?o }"
    assert with_row_cap(q, analyse(q), 10) is None
    q = "SELECT * { { SELECT * { ?s ?p ?o } LIMIT 500 } }"  # inner LIMIT is not the trailing one
    assert with_row_cap(q, analyse(q), 10) == q + "\nLIMIT 10"


# --------------------------------------------------------------------------- negotiation


@pytest.mark.parametrize(
    "form, accept, fmt, expected",
    [
        ("SELECT", None, None, "application/sparql-results+json"),
        ("SELECT", "text/csv;q=0.5, application/sparql-results+xml", None, "application/sparql-results+xml"),
        ("SELECT", "text/*", None, "text/csv"),
        (
            "SELECT",
            "application/sparql-results+json;q=0.1, text/tab-separated-values;q=0.9",
            None,
            "text/tab-separated-values",
        ),
        ("ASK", "application/xml", None, "application/sparql-results+xml"),
        ("CONSTRUCT", "application/json", None, "application/ld+json"),
        ("DESCRIBE", "application/x-turtle", None, "text/turtle"),
        ("CONSTRUCT", "text/plain", None, "application/n-triples"),
        ("CONSTRUCT", "image/png", "ttl", "text/turtle"),
        ("SELECT", None, "application/sparql-results+xml", "application/sparql-results+xml"),
    ],
)
def test_negotiate(form, accept, fmt, expected):
    assert formats.negotiate(form, accept, fmt).media_type == expected


@pytest.mark.parametrize(
    "form, accept, fmt",
    [
        ("SELECT", "image/png", None),
        ("ASK", "text/csv", None),
        ("CONSTRUCT", "application/sparql-results+json", None),
        ("SELECT", None, "turtle"),
    ],
)
def test_not_acceptable(form, accept, fmt):
    with pytest.raises(formats.NotAcceptable):
        formats.negotiate(form, accept, fmt)


def test_etag_matching():
    assert etag_matches('"a", W/"b"', '"b"')
    assert etag_matches("*", '"x"')
    assert not etag_matches('"a"', '"b"')


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?p ?o WHERE { <http://x/a> ?p ?o }",
        "PREFIX z: <http://z#> SELECT * { ?s a z:Project . } LIMIT 10",
        'SELECT ?s WHERE { ?s <http://p> "x"@uk }',
        'SELECT ?s WHERE { ?s <http://p> "x"^^<http://t> }',
        "select ?s where { ?s <http://p> 42 }",
        "ASK { <http://a> ?p ?o }",
        "DESCRIBE <http://a>",
        "CONSTRUCT WHERE { <http://a> ?p ?o }",
    ],
)
def test_bounded_lookups(query):
    assert analyse(query).bounded_lookup


@pytest.mark.parametrize(
    "query",
    [
        "CONSTRUCT { ?o ?p <http://a> } WHERE { <http://a> ?p ?o }",  # a template of its own
        "SELECT ?x WHERE { ?x ?p ?x }",  # a repeated variable filters while scanning
        "SELECT DISTINCT ?p WHERE { ?s ?p ?o }",
        "SELECT REDUCED ?p WHERE { ?s ?p ?o }",
        "SELECT ?p WHERE { ?s ?p ?o } ORDER BY ?p",
        "SELECT ?p WHERE { ?s ?p ?o } OFFSET 100000",  # reads without answering
        "SELECT ?p WHERE { ?s ?p ?o } LIMIT 5 OFFSET 100000",
        "SELECT ?p WHERE { ?s ?p ?o FILTER(?o) }",
        "SELECT ?p WHERE { ?s ?p ?o . ?o ?q ?r }",
        "SELECT ?p WHERE { ?s ?p ?o ; ?q ?r }",
        "SELECT ?p WHERE { ?s ?p ?o , ?r }",
        "SELECT ?p WHERE { ?s <http://p>* ?o }",
        "SELECT ?p WHERE { ?s <http://p>/<http://q> ?o }",
        "SELECT ?p WHERE { ?s ^<http://p> ?o }",
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
        "SELECT ?s WHERE { ?s ?p [] }",
        "SELECT ?s WHERE { _:b ?p ?s }",
        "SELECT ?s FROM <http://g> WHERE { ?s ?p ?o }",
        "DESCRIBE ?s WHERE { ?s ?p ?o }",
        "DESCRIBE <http://a> <http://b>",
        "SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } }",
        "SELECT ?s WHERE { ?s ?p ?o } VALUES ?s { <http://a> }",
        "SELECT ?s WHERE { SERVICE <http://x> { ?s ?p ?o } }",
        "SELECT ?s WHERE { ?s ?p ?o } GROUP BY ?s",
        "SELECT ?s WHERE { { ?s ?p ?o } }",
        "SELECT ?s WHERE { ?s ?p ?o OPTIONAL { ?o ?q ?r } }",
        "INSERT DATA { <http://a> <http://b> <http://c> }",
    ],
)
def test_not_bounded_lookups(query):
    assert not analyse(query).bounded_lookup


# --------------------------------------------------------------------------- embedded backend


def test_oxigraph_backend_shapes(tmp_path):
    build_store(tmp_path, sample_quads())
    backend = OxigraphBackend(tmp_path)
    rows = backend.select_rows(
        f"SELECT ?p ?missing WHERE {{ ?p a <{ZKG}Project> OPTIONAL {{ ?p <urn:none> ?missing }} }}"
    )
    assert rows == [{"p": ID + "project/enerhoefektyvnist-shkil", "missing": None}]
    nt = backend.construct(f"DESCRIBE <{ID}funder/giz>", "application/n-triples")
    assert len(nt.decode().strip().splitlines()) == 4
    ttl = backend.construct(f"DESCRIBE <{ID}funder/giz>", "turtle")
    assert len(list(pyoxigraph.parse(ttl, format=pyoxigraph.RdfFormat.TURTLE))) == 4
    result = backend.query("ASK {}", accept="application/sparql-results+xml")
    assert (
        result.media_type == "application/sparql-results+xml" and b"<boolean>true</boolean>" in result.read()
    )
    assert backend.triple_count() == len(sample_quads())
    health = backend.health()
    assert health.ok and health.data_version == "test-build-1"


def test_oxigraph_backend_follows_new_builds(tmp_path):
    build_store(tmp_path, sample_quads()[:5], build_id="b1")
    backend = OxigraphBackend(tmp_path, recheck=0)
    assert backend.data_version() == "b1" and backend.triple_count() == 5
    build_store(tmp_path, sample_quads(), build_id="b2")
    assert backend.data_version() == "b2"
    assert backend.triple_count() == len(sample_quads())
    assert backend.select_rows(f"SELECT ?p WHERE {{ ?p a <{ZKG}Project> }}")  # the new data is visible


def test_oxigraph_backend_answers_small_builds_from_memory(tmp_path):
    build_store(tmp_path, sample_quads())
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"
    on_disk = OxigraphBackend(tmp_path)
    in_memory = OxigraphBackend(tmp_path, memory_quads=len(sample_quads()))
    too_big = OxigraphBackend(tmp_path, memory_quads=len(sample_quads()) - 1)
    answers = [b.query(query).read() for b in (on_disk, in_memory, too_big)]
    assert [on_disk.in_memory, in_memory.in_memory, too_big.in_memory] == [False, True, False]
    assert answers[0] == answers[1] == answers[2]
    build_store(tmp_path, sample_quads()[:3], build_id="smaller")
    in_memory.recheck = 0
    assert in_memory.triple_count() == 3 and in_memory.in_memory  # a new build: a new copy


def test_the_memory_budget_decides_the_in_memory_copy(tmp_path, monkeypatch):
    quads = len(sample_quads())
    copies = 1 + 2  # the HTTP process and two query workers
    fits = ServiceConfig(memory_budget=quads * MEMORY_BYTES_PER_QUAD * copies, pool_size=2)
    short = ServiceConfig(memory_budget=quads * MEMORY_BYTES_PER_QUAD * copies - 1, pool_size=2)
    assert fits.memory_copies == 3 and fits.memory_quads == quads and short.memory_quads == quads - 1
    # never more than half a worker's address-space cap per copy (the copy counts against it)
    capped = ServiceConfig(memory_budget=10**12, worker_memory=2 * 1000 * MEMORY_BYTES_PER_QUAD)
    assert capped.memory_quads == 1000 and capped.memory_plan()["limited_by"] == "ZKG_SPARQL_WORKER_MEMORY"
    # the old threshold, when set, is an explicit override
    monkeypatch.setenv("ZKG_MEMORY_BUDGET", "1")
    monkeypatch.setenv("ZKG_SPARQL_MEMORY_QUADS", str(quads))
    override = ServiceConfig.from_env()
    assert override.memory_quads == quads and override.memory_plan()["source"] == "ZKG_SPARQL_MEMORY_QUADS"
    monkeypatch.delenv("ZKG_SPARQL_MEMORY_QUADS")
    assert ServiceConfig.from_env().memory_quads == 0  # a budget of one byte holds nothing

    build_store(tmp_path, sample_quads())
    for config, held in ((fits, True), (short, False)):
        backend = OxigraphBackend(tmp_path, memory_quads=config.memory_quads)
        backend.open()
        status = memory_status(config, backend)
        assert backend.in_memory is held and status["in_memory"] is held and status["quads"] == quads
        where = "held in memory" if held else "read from disk"
        assert status["why"].startswith(f"{where}: {quads} quads × {MEMORY_BYTES_PER_QUAD} B × 3 copies")


def test_oxigraph_backend_without_store(tmp_path):
    backend = OxigraphBackend(tmp_path)
    with pytest.raises(NoStore):
        backend.data_version()
    assert not backend.health().ok


def test_result_size_limit(tmp_path):
    build_store(tmp_path, sample_quads())
    backend = OxigraphBackend(tmp_path, max_result_bytes=200)
    with pytest.raises(QueryError) as err:
        backend.query("SELECT * WHERE { ?s ?p ?o }").read()
    assert err.value.status == 413


# --------------------------------------------------------------------------- cache and config


def test_cache_is_bounded():
    cache = result_cache(ServiceConfig(cache_entries=2, cache_bytes=13, cache_item_bytes=7))
    cache.put(("a",), ("t", b"12345", None))  # 1 byte of key + 5 of body
    cache.put(("b",), ("t", b"1234", None))
    assert len(cache) == 2
    cache.get(("a",))  # a is now the most recent
    cache.put(("c",), ("t", b"123", None))  # over 13 bytes: the least recent (b) goes
    assert cache.get(("b",)) is None and cache.get(("a",)) is not None
    cache.put(("d",), ("t", b"1234567", None))  # larger than one item may be: not cached
    assert cache.get(("d",)) is None
    assert cache.size <= 13


def test_memo_tables_are_bounded_by_the_bytes_clients_send():
    """8,000 distinct 196 KB queries (each refused with 413) must not fill a memo table without
    bound (issue #14, D5): the table keeps at most its byte budget."""
    from graph_service.lru import MEMO_BYTES
    from graph_service.sparql.protocol import memo

    table = memo(4096)
    for i in range(2000):
        table.put(f"{i:06d}" + "x" * 100_000, "refused")
    assert table.size <= MEMO_BYTES and len(table) < 2000


def test_config_from_env(monkeypatch):
    monkeypatch.setenv("ZKG_SPARQL_TIMEOUT", "2.5")
    monkeypatch.setenv("ZKG_SPARQL_SERVICE_ALLOW", "https://query.wikidata.org/sparql, http://b/")
    monkeypatch.setenv("ZKG_SPARQL_WORKER_NETNS", "0")
    config = ServiceConfig.from_env(max_rows=7)
    assert config.timeout == 2.5 and config.max_rows == 7 and not config.worker_netns
    assert config.service_allow == ("https://query.wikidata.org/sparql", "http://b/")
    monkeypatch.setenv("ZKG_SPARQL_MAX_ROWS", "many")
    with pytest.raises(ValueError, match="ZKG_SPARQL_MAX_ROWS"):
        ServiceConfig.from_env()
