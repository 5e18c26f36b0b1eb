"""Fixtures shared by tests/test_pages*.py, test_deref*.py and test_search*.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from graph_service.store.oxigraph import OxigraphBackend
from graph_service.web.app import create_app
from graph_service.web.routes import add_pages
from zhytomyr_kg.settings import ZKG, Settings

B = "https://w3id.org/zhytomyr-kg/id/"
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def store_dir(built) -> Path:
    """The store directory the session's build went into (``<store>/builds/<id>``)."""
    return built.loaded.build_dir.parents[1]


@pytest.fixture(scope="session")
def pages_client(built):
    app = create_app(Settings(store=store_dir(built)))
    with TestClient(app) as client:
        yield client


class CountingBackend(OxigraphBackend):
    """The embedded store, counting every query the pages send through the seam.

    In the service app (``create_app``) page queries run through the executor: the thread
    executor here, so that they still reach :meth:`query` in this process to be counted."""

    executor_kind = "thread"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls: list[str] = []

    def query(self, sparql, **kwargs):
        self.calls.append(sparql)
        return super().query(sparql, **kwargs)


def pages_app(backend, settings: Settings, **kwargs) -> FastAPI:
    """Just the pages over ``backend`` (the query-result cache off unless asked for; no response
    cache: that lives in the service app, ``graph_service.web.app``)."""
    app = FastAPI()
    kwargs.setdefault("cache_entries", 0)
    add_pages(app, backend, settings, **kwargs)
    return app


def hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', html)


def one(store, sparql: str) -> str:
    rows = list(store.query("PREFIX zkg: <" + ZKG + ">\n" + sparql, use_default_graph_as_union=True))
    assert rows, sparql
    return rows[0][0].value
