"""Pages rendered in the background when a build is published (#13, graph_service/web/prerender.py):
a first view after a build switch is a finished response, byte for byte what rendering it on
request gives, for any host; nothing is queried or rendered to answer it."""

from __future__ import annotations

import time

import pyoxigraph
import pytest
from fastapi.testclient import TestClient

from graph_service.testing import build_store
from graph_service.web.app import create_app
from graph_service.web.prerender import Prerendered
from tests.pages_support import HTML, CountingBackend

SOME = ["/id/funder/giz", "/id/project/biznes-platforma", "/id/department/departament-osvity-miskoi-rady"]
PATHS = ["/", "/funders", *SOME]


@pytest.fixture
def store(built, tmp_path):
    """A store directory of our own (the test publishes a second build into it)."""
    nquads = tmp_path / "graph.nq"
    built.store.dump(str(nquads), format=pyoxigraph.RdfFormat.N_QUADS)
    build_store(tmp_path / "store", nquads=nquads, build_id="first")
    return tmp_path / "store", nquads


def wait(app, version: str, timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        p = app.prerendered.progress
        if p.version == version and p.done:
            return
        time.sleep(0.1)
    raise AssertionError(f"pre-rendering {version} did not finish: {app.prerendered.progress}")


def serve(store_dir, monkeypatch, prerender: bool, backend=None):
    monkeypatch.setenv("ZKG_PAGES_PRERENDER", "1" if prerender else "0")
    monkeypatch.setattr(Prerendered, "paths", lambda self: PATHS)  # a few pages: the test stays short
    return create_app(backend or CountingBackend(store_dir))


def test_a_first_view_after_a_build_switch_is_ready_and_identical(store, monkeypatch):
    store_dir, nquads = store
    backend = CountingBackend(store_dir)
    app = serve(store_dir, monkeypatch, True, backend)
    plain = serve(store_dir, monkeypatch, False)  # renders every request: the reference
    with TestClient(app) as client, TestClient(plain) as reference:
        app.prerendered.recheck = 0.05
        wait(app, "first")
        assert len(app.prerendered.pages) == len(PATHS) * 4  # uk, en; by Accept-Language and by ?lang=
        requests = [
            ("", {}),
            ("", {"Accept-Language": "en-GB,en;q=0.9"}),
            ("?lang=en", {}),
            ("?lang=uk", {"Accept-Language": "en"}),
            ("", {"Host": "staging.example"}),  # links follow the host of the request
        ]
        for path in PATHS:
            for query, headers in requests:
                backend.calls.clear()
                got = client.get(path + query, headers={**HTML, **headers})
                assert not backend.calls, (path, query, headers)  # neither queried nor rendered
                want = reference.get(path + query, headers={**HTML, **headers})
                assert got.status_code == want.status_code == 200
                assert got.content == want.content, (path, query, headers)
                assert got.headers == want.headers, (path, query, headers)
        assert (
            'href="http://staging.example/id/'
            in client.get("/id/funder/giz", headers={**HTML, "Host": "staging.example"}).text
        )

        # what is not pre-rendered is rendered on request, as before
        site = app.state.site
        rendered: list[str] = []
        render = site.render
        monkeypatch.setattr(site, "render", lambda ctx, page: rendered.append(ctx.path) or render(ctx, page))
        for path, headers in (
            ("/id/funder/giz?format=html", HTML),
            ("/id/funder/giz", {**HTML, "Origin": "https://example.org"}),  # CORS: rendered
            ("/id/funder/eu", HTML),  # not among the pre-rendered paths of this test
        ):
            rendered.clear()
            assert client.get(path, headers=headers).status_code == 200
            assert rendered == [path.split("?")[0]], path
        rendered.clear()
        client.get("/funders?lang=en", headers={**HTML, "Host": "other.example"})
        assert not rendered
        turtle = client.get("/id/funder/giz", headers={"Accept": "text/turtle"})
        assert turtle.headers["content-type"].startswith("text/turtle")

        # a new build: its pages are rendered in turn; the old ones are never served for it
        build_store(store_dir, nquads=nquads, build_id="second")
        wait(app, "second")
        assert {key[0] for key in app.prerendered.pages} == {"second"}
        backend.calls.clear()
        assert (
            client.get("/id/funder/giz", headers=HTML).content
            == reference.get("/id/funder/giz", headers=HTML).content
        )
        assert not backend.calls


def test_off_means_off(store, monkeypatch):
    store_dir, _ = store
    app = serve(store_dir, monkeypatch, False)
    with TestClient(app) as client:
        assert app.prerendered is None
        assert client.get("/id/funder/giz", headers=HTML).status_code == 200
