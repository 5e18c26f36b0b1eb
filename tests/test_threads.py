"""pyoxigraph's query results are "unsendable": dropped on another thread than the one that made
them, they raise ``RuntimeError: pyoxigraph::sparql::PyQuerySolutions is unsendable, but is being
dropped on another thread`` (issue #15, seen in the logs of HTTP processes under load). Pages and
the thread executor run queries with ``asyncio.to_thread``; an exception that left a frame still
holding the results carried them to the event loop, which dropped them there."""

from __future__ import annotations

import asyncio
import gc
import sys
import threading

import pytest

from graph_service import conneg as formats
from graph_service.sample_graphs import sample_quads
from graph_service.store.base import QueryError
from graph_service.store.oxigraph import OxigraphBackend
from graph_service.testing import build_store

ALL = "SELECT * WHERE { ?s ?p ?o }"
GRAPH = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"


@pytest.fixture
def unraisable(monkeypatch):
    seen: list[str] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: seen.append(f"{u.exc_type.__name__}: {u.exc_value}"))
    return seen


def test_results_are_dropped_in_the_thread_that_made_them(tmp_path, unraisable):
    build_store(tmp_path, sample_quads())
    backend = OxigraphBackend(tmp_path, max_result_bytes=64)  # every full answer is too large

    def call(i: int):
        kind = i % 4
        if kind == 0:
            return backend.query(ALL, format="json").read()  # ResultTooLarge mid-serialisation
        if kind == 1:
            return backend.query(GRAPH, format="turtle").read()  # same, for a graph
        if kind == 2:
            return backend.query(ALL, format="turtle").read()  # NotAcceptable after the query ran
        return backend.query("ASK { ?s ?p ?o }", format="json").read()  # answered

    async def many() -> list:
        return await asyncio.gather(*(asyncio.to_thread(call, i) for i in range(200)), return_exceptions=True)

    # an event loop of its own, in a thread of its own (another test may have left one running in
    # this thread): the exceptions (and their tracebacks) reach that loop's thread
    box: list = []
    loop_thread = threading.Thread(target=lambda: box.append(asyncio.run(many())))
    loop_thread.start()
    loop_thread.join()
    outcomes = box.pop()
    gc.collect()
    assert all(isinstance(o, (bytes, QueryError, formats.NotAcceptable)) for o in outcomes)
    assert sum(isinstance(o, QueryError) for o in outcomes) == 100
    del outcomes
    gc.collect()
    assert [u for u in unraisable if "unsendable" in u] == []
