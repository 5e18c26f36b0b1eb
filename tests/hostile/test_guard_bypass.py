"""Queries that hide SERVICE, LOAD or an Update from the query reader reach nothing.

The reader that guards the endpoint (graph_service/store/sparql_text.py) and the engine must read
a query alike; where they could differ, what runs in the HTTP process is rebuilt from parsed terms,
and everything else runs in a query worker. These tests play the lexing tricks of issue #14
(escapes in prefixed names, codepoint escapes, comments, strings, IRIs with quotes, nesting) through
the three protocol forms, against a live service whose workers are *not* network-isolated (so the
reader itself is under test), with a listener on loopback that must never see a connection.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph_service.store.base import QueryError, check_query
from graph_service.store.sparql_text import analyse
from graph_service.testing import running, service_cmd

pytestmark = [pytest.mark.hostile]

# the issue's query: the guard read `\'` as the start of a string and missed the SERVICE
ISSUE_QUERY = (
    "PREFIX x: <http://x/>\n"
    "SELECT * WHERE { ?s x:p\\'? ?o . OPTIONAL { SERVICE <http://127.0.0.1:%d/ssrf> { ?a ?b ?c } } #'\n"
    "}"
)


class Listener:
    """A TCP listener on loopback that counts the connections it accepts."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    found = Listener()
    yield found
    found.close()


@pytest.fixture(scope="module")
def service(sample_store) -> Iterator[str]:
    env = {
        "ZKG_STORE": str(sample_store),
        "ZKG_ACCESS_LOG": "0",
        "ZKG_SPARQL_WORKER_NETNS": "0",  # the reader alone must hold
        "ZKG_SPARQL_TIMEOUT": "5",
        "ZKG_SPARQL_POOL_SIZE": "1",
    }
    with running(service_cmd(), "/health", env=env) as server:
        yield server.base


# ------------------------------------------------------------------------------ the reader


def test_the_issue_query_is_refused_as_a_service_call():
    with pytest.raises(QueryError) as err:
        check_query(ISSUE_QUERY % 9)
    assert err.value.status == 403 and "SERVICE http://127.0.0.1:9/ssrf" in err.value.message


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERV\\u0049CE <http://127.0.0.1:9/> { ?a ?b ?c } }",
        "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/> { ?a ?b ?c } }",
        "\\u0049NSERT DATA { <http://a> <http://b> <http://c> }",
    ],
)
def test_codepoint_escapes_outside_literals_are_refused(query):
    with pytest.raises(QueryError) as err:
        check_query(query)
    assert err.value.status == 400 and "codepoint escapes" in err.value.message


def test_prefixed_name_escapes_are_part_of_the_name():
    info = analyse("PREFIX x: <http://x/> SELECT * { ?s x:a\\#b ?o . SERVICE <http://s/> {} }")
    assert info.services == ["http://s/"]
    assert not analyse("PREFIX x: <http://x/> SELECT * { ?s x:p\\' ?o }").bounded_lookup


def test_deep_nesting_is_refused_before_the_engine_parses_it():
    deep = "SELECT * WHERE { FILTER(" + "(" * 30_000 + "1" + ")" * 30_000 + ") }"
    with pytest.raises(QueryError) as err:
        check_query(deep)
    assert err.value.status == 400 and "ZKG_SPARQL_MAX_DEPTH" in err.value.message
    check_query("SELECT * WHERE { FILTER(" + "(" * 20 + "1" + ")" * 20 + ") }")


@pytest.mark.parametrize(
    "query, rebuilt",
    [
        (
            "PREFIX z: <http://z#> SELECT * { ?s a z:Project . } LIMIT 10",
            "SELECT * WHERE { ?s <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://z#Project> } LIMIT 10",
        ),
        (
            "select ?o where { <http://a> <http://p> ?o } # a comment",
            "SELECT ?o WHERE { <http://a> <http://p> ?o }",
        ),
        ('ASK { ?s <http://p> "x"@uk }', 'ASK WHERE { ?s <http://p> "x"@uk }'),
    ],
)
def test_a_bounded_lookup_runs_as_rebuilt_from_its_terms(query, rebuilt):
    assert analyse(query).lookup == rebuilt


@pytest.mark.parametrize(
    "query",
    [
        "PREFIX x: <http://x/> SELECT * { ?s x:p\\' ?o }",  # an escape in a name
        'SELECT * { ?s <http://p> "a\\"b" }',  # an escape in a literal
        "BASE <http://b/> SELECT * { ?s <p> ?o }",  # a relative IRI
        "SELECT ?é { ?é <http://p> ?o }",  # a variable name beyond ASCII
        "PREFIX x: <http://x/> SELECT * { ?s x:o. ?o }",
    ],
)
def test_anything_unusual_is_no_bounded_lookup(query):
    assert analyse(query).lookup is None


# ------------------------------------------------------------------------------ live, all forms

KEYWORDS = ["SERVICE", "service", "SeRvIcE", "SERVICE SILENT", "SERV\\u0049CE", "\\u0053ERVICE"]
OPENERS = [
    "",
    "?s x:p\\' ?o . ",
    "?s x:p\\#q ?o . ",
    "?s x:p ?o . # ",
    "'",
    '"',
    "'''",
    '"""',
    "<http://a'",
    "x:a\\",
    "{ ",
]
CLOSERS = ["", "#'", '#"', "'", '"', "'''", "\n", "\r", "}", "#}"]


def _payloads(port: int) -> st.SearchStrategy[str]:
    url = f"<http://127.0.0.1:{port}/x>"
    service = st.builds(
        lambda opener, keyword, closer, nest: (
            "PREFIX x: <http://x/>\nSELECT * WHERE { "
            + opener
            + "{ " * nest
            + f"OPTIONAL {{ {keyword} {url} {{ ?a ?b ?c }} }}"
            + " }" * nest
            + f" {closer}\n}}"
        ),
        st.sampled_from(OPENERS),
        st.sampled_from(KEYWORDS),
        st.sampled_from(CLOSERS),
        st.integers(0, 3),
    )
    load = st.builds(
        lambda opener, closer, verb: (
            f"PREFIX x: <http://x/>\nSELECT * {{ {opener} }} ;\n{verb} {url} {closer}"
        ),
        st.sampled_from(OPENERS),
        st.sampled_from(CLOSERS),
        st.sampled_from(["LOAD", "load silent", "LO\\u0041D"]),
    )
    return st.one_of(service, load)


def _send(base: str, query: str, form: str) -> httpx.Response:
    if form == "get":
        return httpx.get(base + "/sparql", params={"query": query}, timeout=30)
    if form == "form":
        return httpx.post(base + "/sparql", data={"query": query}, timeout=30)
    return httpx.post(
        base + "/sparql",
        content=query.encode(),
        headers={"Content-Type": "application/sparql-query"},
        timeout=30,
    )


@pytest.mark.processes
def test_the_issue_query_reaches_nothing_in_any_protocol_form(service, listener):
    for form in ("get", "form", "direct"):
        response = _send(service, ISSUE_QUERY % listener.port, form)
        assert response.status_code == 403, response.text
    assert listener.connections == 0


@pytest.mark.processes
def test_hidden_service_and_load_reach_no_listener(service, listener):
    statuses: list[int] = []

    @settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(query=_payloads(listener.port), form=st.sampled_from(["get", "form", "direct"]))
    def attack(query: str, form: str) -> None:
        response = _send(service, query, form)
        statuses.append(response.status_code)
        assert response.status_code < 500, (query, response.text)
        assert listener.connections == 0, query

    attack()
    assert statuses and set(statuses) <= {200, 400, 403}
    assert 403 in statuses  # the reader saw through at least some disguises (not only parse errors)
    # and the service still answers a normal query
    with contextlib.closing(httpx.Client(timeout=10)) as client:
        ok = client.get(service + "/sparql", params={"query": "ASK { ?s ?p ?o }"})
    assert ok.status_code == 200
