"""Labels and texts from the data can never become markup: a test graph with hostile labels."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import Literal, Quad
from pyoxigraph import NamedNode as N

from etl.search_index import INDEX_NAME, build_index
from graph_service.sample_graphs import RDF, RDFS, SCHEMA, sample_quads
from graph_service.testing import build_store
from graph_service.web.app import create_app
from tests.pages_support import HTML, CountingBackend, pages_app
from zhytomyr_kg.settings import ZKG, Settings

SCRIPT = "<script>alert(1)</script>"
ATTR = "\"><img src=x onerror=alert(2)> ' quote"
XSD_INT = N("http://www.w3.org/2001/XMLSchema#integer")


def hostile_quads(settings: Settings) -> list:
    """The sample graph with ``<script>`` and quotes in labels, a place label and a report text."""
    B, g = settings.id_base, N(settings.graph("report/zhytomyr-2022"))
    project, funder, place = (
        N(B + "project/enerhoefektyvnist-shkil"),
        N(B + "funder/giz"),
        N(B + "place/evil"),
    )
    report = N(B + "report/2022/efektyvne-misto/1/1/enerhoefektyvnist-shkil")
    text = f"Утеплено школу {SCRIPT} на вулиці {ATTR}."
    start = text.index(SCRIPT)
    mention = N(str(report.value) + "/mention/1")
    quads = [
        q for q in sample_quads(settings) if not (q.subject == report and q.predicate.value == ZKG + "text")
    ]
    quads += [
        Quad(project, N(RDFS + "label"), Literal(SCRIPT, language="en"), g),
        Quad(funder, N(RDFS + "label"), Literal(ATTR + SCRIPT, language="uk"), g),
        Quad(place, N(RDF + "type"), N(ZKG + "Place"), g),
        Quad(place, N(RDF + "type"), N(SCHEMA + "Place"), g),
        Quad(place, N(RDFS + "label"), Literal(ATTR, language="uk"), g),
        Quad(project, N(SCHEMA + "location"), place, g),
        Quad(report, N(ZKG + "text"), Literal(text, language="uk"), g),
        Quad(mention, N(RDF + "type"), N(ZKG + "Mention"), g),
        Quad(mention, N(ZKG + "inReport"), report, g),
        Quad(mention, N(ZKG + "target"), place, g),
        Quad(mention, N(ZKG + "surfaceForm"), Literal(SCRIPT), g),
        Quad(mention, N(ZKG + "startOffset"), Literal(str(start), datatype=XSD_INT), g),
        Quad(mention, N(ZKG + "endOffset"), Literal(str(start + len(SCRIPT)), datatype=XSD_INT), g),
        Quad(report, N(ZKG + "mentions"), place, g),
    ]
    return quads


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory):
    store = tmp_path_factory.mktemp("hostile")
    settings = Settings(store=store)
    quads = hostile_quads(settings)
    build = build_store(store, quads)
    build_index(quads, build / INDEX_NAME, settings.id_base)
    return store


@pytest.fixture(scope="module")
def hostile(hostile_store):
    app = pages_app(CountingBackend(hostile_store), Settings(store=hostile_store))
    with TestClient(app) as client:
        yield client


@pytest.fixture(scope="module")
def hostile_service(hostile_store):
    """The whole service (the named-query pages run through its /sparql handler)."""
    with TestClient(create_app(Settings(store=hostile_store))) as client:
        yield client


PATHS = [
    "/",
    "/projects",
    "/funders",
    "/places",
    "/departments",
    "/id/project/enerhoefektyvnist-shkil",
    "/id/project/enerhoefektyvnist-shkil?lang=en",
    "/id/funder/giz",
    "/id/place/evil",
    "/id/department/economy",
    "/id/report/2022/efektyvne-misto/1/1/enerhoefektyvnist-shkil",
    "/search?q=школа",
    "/search?q=alert",
]
#: The named-query pages (graph_service/web/views/queries.py): the hostile labels in result tables, a
#: hostile parameter value in the form and in the query text.
QUERY_PATHS = [
    "/queries",
    "/queries/page-funders",
    "/queries/page-places?lang=en",
    "/queries/department-projects?department=" + quote(SCRIPT),
    "/queries/department-projects?department=" + quote(ATTR),
]


class Elements(HTMLParser):
    """Every element and attribute the browser would build from the page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs

    def handle_data(self, data):
        self.texts.append(data)


def inert_page(r) -> None:
    """The response is an HTML page in which nothing the data or the request brought can run."""
    assert r.status_code == 200, r.text[:300]
    body = r.text
    assert SCRIPT not in body
    parsed = Elements()
    parsed.feed(body)
    # the only scripts are schema.org JSON-LD data blocks, which never contain a raw "<"
    assert parsed.tags.count("script") == body.count('<script type="application/ld+json">') <= 1
    assert all(
        "<" not in block
        for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', body, re.S)
    )
    assert "img" not in parsed.tags
    assert not [name for name, _ in parsed.attrs if name.startswith("on")]
    assert not [v for name, v in parsed.attrs if name == "href" and v and v.lower().startswith("javascript:")]


@pytest.mark.parametrize("path", PATHS)
def test_hostile_labels_render_inert(hostile, path):
    inert_page(hostile.get(path, headers=HTML))


@pytest.mark.parametrize("path", QUERY_PATHS)
def test_hostile_labels_and_parameters_render_inert_on_query_pages(hostile_service, path):
    inert_page(hostile_service.get(path, headers=HTML))


def test_escaped_text_is_still_shown(hostile):
    body = hostile.get("/id/project/enerhoefektyvnist-shkil?lang=en", headers=HTML).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body  # the English label, as text
    assert "<mark>&lt;script&gt;alert(1)&lt;/script&gt;</mark>" in body  # the mention, highlighted as text
    funder = hostile.get("/id/funder/giz", headers=HTML).text
    assert "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in funder
    assert "<svg" in funder and "<title>&#34;&gt;&lt;img" in funder  # the picture's labels too
