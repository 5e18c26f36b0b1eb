"""With ``--sparql-endpoint``, every route answers as the embedded service does (modulo order):
the export's dataset.nq.gz loaded into ``oxigraph serve`` through the Graph Store protocol
(`load-remote`), then the service in front of it, route by route (issue #15, item 6).
tests/test_virtuoso_same_pages.py does the same against Virtuoso."""

from __future__ import annotations

import pytest

from graph_service.store.remote import load_remote
from graph_service.testing import oxigraph_bin, running
from tests.pages_support import store_dir
from tests.remote_diff import (
    assert_same_routes,
    class_counts,
    embedded_and_remote,
)

pytestmark = [
    pytest.mark.processes,
    pytest.mark.skipif(
        oxigraph_bin() is None, reason="the oxigraph server (PyPI 'oxigraph') is not installed"
    ),
]


@pytest.fixture(scope="module")
def clients(built, dumps, tmp_path_factory):
    dump = dumps / "dataset.nq.gz"  # the session's export of the build (conftest)
    location = tmp_path_factory.mktemp("oxigraph-server")
    cmd = [
        oxigraph_bin(),
        "serve",
        "--location",
        str(location),
        "--bind",
        "127.0.0.1:0",
        "--union-default-graph",
    ]
    with running(cmd, "/query?query=ASK%7B%7D") as server:
        load_remote(dump, server.base + "/store")
        with embedded_and_remote(store_dir(built), server.base + "/query") as pair:
            yield pair


def test_every_route_is_the_same_on_oxigraph_server(clients):
    assert_same_routes(*clients)


def test_class_counts_are_the_same_on_oxigraph_server(clients):
    embedded, remote = clients
    counts = class_counts(embedded)
    assert counts and counts == class_counts(remote)
