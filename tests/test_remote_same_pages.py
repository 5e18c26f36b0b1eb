"""With ``--sparql-endpoint``, every route answers as the embedded service does (modulo order):
the export's dataset.nq.gz loaded into ``oxigraph serve`` through the Graph Store protocol
(`load-remote`), then the service in front of it, route by route (issue #15, item 6)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from graph_service.publish.export import export
from graph_service.store.oxigraph import OxigraphBackend
from graph_service.store.remote import RemoteBackend, load_remote
from graph_service.testing import oxigraph_bin, running
from graph_service.web.app import create_app
from tests.pages_support import store_dir
from tests.remote_diff import class_counts, compare, routes
from zhytomyr_kg.settings import Settings

pytestmark = [
    pytest.mark.processes,
    pytest.mark.skipif(
        oxigraph_bin() is None, reason="the oxigraph server (PyPI 'oxigraph') is not installed"
    ),
]


@pytest.fixture(scope="module")
def dump(built, tmp_path_factory):
    out = tmp_path_factory.mktemp("export")
    settings = Settings(store=store_dir(built))
    backend = OxigraphBackend(settings.store)
    export(backend.store(), out, settings)
    return out / "dataset.nq.gz"


@pytest.fixture(scope="module")
def clients(built, dump, tmp_path_factory):
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
        remote = RemoteBackend(server.base + "/query")
        remote.graph_base = Settings().graph_base
        with (
            TestClient(create_app(Settings(store=store_dir(built)))) as embedded,
            TestClient(create_app(remote)) as front,
        ):
            yield embedded, front


def test_every_route_is_the_same_on_oxigraph_server(clients):
    embedded, remote = clients
    paths = routes(embedded)
    assert len(paths) >= 60
    diff = compare(embedded, remote, paths)
    print(diff.summary())
    # known, and not the remote path's: lists in cells come in the store's GROUP_CONCAT order, and
    # zkg:Funder has two Ukrainian labels (issue #15 part 1 and "one label per term and language")
    assert [p for p, why in diff.reasons.items() if why == "other"] == [], diff.summary()
    assert len(diff.identical) >= len(paths) * 2 // 3, diff.summary()


def test_class_counts_are_the_same_on_oxigraph_server(clients):
    embedded, remote = clients
    counts = class_counts(embedded)
    assert counts and counts == class_counts(remote)
