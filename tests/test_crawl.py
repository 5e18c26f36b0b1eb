"""Every IRI resolves (#12): a crawler starts from the home page and the sitemap of a live
``zhytomyr-kg serve``, and collects every IRI in the dataset's namespace (``…/id/``, ``…/graph/``,
``…/.well-known/genid/``, ``…/dataset``) or the ontology's (``…/ontology``, each ``#term``, and
the shapes' ``…/shapes#…``) that the built graph contains (subjects, predicates, objects, graph
names) or that a page contains (links and IRIs written in the text). Each must answer 200 in HTML
and in Turtle, and each ``#fragment`` must land on an element with that id."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import httpx
import pyoxigraph as ox
import pytest

from graph_service import conneg
from graph_service.urls import Links
from tests.conftest import copy_store
from tests.test_rebuild_while_serving import serve
from zhytomyr_kg.settings import ONTOLOGY_IRI, SHAPES, Settings
from zhytomyr_kg.store_layout import live_build

pytestmark = [pytest.mark.processes, pytest.mark.slow]

SETTINGS = Settings(store=Path("."))
BASE = SETTINGS.base_iri
#: IRIs written into a page's text (a <code> IRI, a JSON-LD block …)
WRITTEN = re.compile(r"https?://w3id\.org/zhytomyr-kg/[^\s\"'<>`\\&]*")
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


class _Page(HTMLParser):
    """The hrefs and the ids of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            if name == "href" and value:
                self.links.append(value)


@pytest.fixture(scope="module")
def server(cli_built, tmp_path_factory):
    """A copy of the session's CLI build, served by ``zhytomyr-kg serve`` with one HTTP process
    (what several processes share is test_rebuild_while_serving's and test_serve_processes')."""
    work = tmp_path_factory.mktemp("crawl")
    store = copy_store(cli_built.store, work / "store")
    with serve(store, work / "serve.log", workers=1) as base:
        yield base, store


def in_namespace(iri: str) -> bool:
    return iri.startswith((BASE, ONTOLOGY_IRI, SHAPES.rstrip("#")))


def graph_iris(store_dir: Path) -> set[str]:
    store = ox.Store.read_only(str(live_build(store_dir).oxigraph_path))
    out = set()
    for q in store:
        for t in (q.subject, q.predicate, q.object, q.graph_name):
            if isinstance(t, ox.NamedNode) and in_namespace(t.value):
                out.add(t.value)
    return out


def sitemap_urls(client: httpx.Client, base: str) -> list[str]:
    root = ET.fromstring(client.get(base + "/sitemap.xml").text)
    if root.tag == SITEMAP + "sitemapindex":
        return [u for part in root.iter(SITEMAP + "loc") for u in sitemap_urls(client, part.text or "")]
    return [loc.text or "" for loc in root.iter(SITEMAP + "loc")]


@pytest.fixture
def client():
    """One client (thread-safe, keeping its connections) for the whole crawl: httpx reads the
    whole CA bundle for every client it makes, ~10 ms of CPU, more than a page costs here."""
    with httpx.Client(timeout=60) as client:
        yield client


def test_every_iri_of_the_graph_and_of_the_pages_answers_in_html_and_turtle(server, client):
    base, store_dir = server
    links = Links(BASE)
    root = base + "/"

    def url_of(iri: str) -> str:
        return links.href(iri, root)

    failures: list[str] = []
    pages: dict[str, _Page] = {}  # URL without fragment → its HTML's links and ids
    wanted_fragments: dict[str, set[str]] = {}
    seen: set[str] = set()

    def local(url: str) -> bool:
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != base:
            return False
        if conneg.split_suffix(parts.path)[1]:  # /id/x.ttl, /ontology.jsonld: a representation of an IRI
            return False
        return parts.path in ("/dataset", "/ontology", "/shapes") or parts.path.startswith(
            ("/id/", "/graph/", "/.well-known/genid/")
        )

    def fetch(url: str) -> tuple[str, _Page | None]:
        html = client.get(url, headers={"Accept": "text/html"})
        turtle = client.get(url, headers={"Accept": "text/turtle"})
        problems = []
        if html.status_code != 200 or not html.headers["content-type"].startswith("text/html"):
            problems.append(f"HTML {html.status_code}")
        if turtle.status_code != 200 or not turtle.headers["content-type"].startswith("text/turtle"):
            problems.append(f"Turtle {turtle.status_code}")
        else:
            try:  # oxigraph's parser (strict, in Rust): rdflib's cost more CPU than the page
                if not list(ox.parse(turtle.content, format=ox.RdfFormat.TURTLE, base_iri=url)):
                    problems.append("Turtle without a triple")
            except Exception as exc:  # a parse error is a failure to report, with the URL
                problems.append(f"Turtle does not parse: {exc}")
        if problems:
            failures.append(f"{url}: {', '.join(problems)}")
            return url, None
        page = _Page()
        page.feed(html.text)
        page.links += WRITTEN.findall(html.text)
        return url, page

    def discovered(candidates: Iterable[str]) -> set[str]:
        new = set()
        for candidate in candidates:
            target = url_of(candidate) if in_namespace(candidate) else candidate
            if not target.startswith(base):
                continue
            target = target.replace("&amp;", "&")
            address, fragment = urldefrag(target)
            address = address.split("?", 1)[0]  # ?lang= and ?format= give the same resource
            if not local(address):
                continue
            if fragment:
                wanted_fragments.setdefault(address, set()).add(fragment)
            if address not in seen:
                seen.add(address)
                new.add(address)
        return new

    seeds = [base + "/"] + sitemap_urls(client, base)
    home = client.get(base + "/", headers={"Accept": "text/html"})
    assert home.status_code == 200
    first = _Page()
    first.feed(home.text)
    frontier = discovered(seeds + first.links + WRITTEN.findall(home.text) + sorted(graph_iris(store_dir)))
    assert len(frontier) > 1000
    with ThreadPoolExecutor(max_workers=4) as pool:
        while frontier:
            batch = sorted(frontier)
            frontier = set()
            for url, page in pool.map(fetch, batch):
                if page is None:
                    continue
                pages[url] = page
                frontier |= discovered(urljoin_all(url, page.links))
    for address, fragments in sorted(wanted_fragments.items()):
        page = pages.get(address)
        if page is None:
            continue  # already reported
        lost = sorted(f for f in fragments if f not in page.ids)
        if lost:
            failures.append(f"{address}: no element for #{', #'.join(lost[:10])}")
    assert failures == [], f"{len(failures)} of {len(seen)} IRIs fail:\n" + "\n".join(failures[:50])
    # the crawl reached every kind of IRI
    for path in ("/ontology", "/shapes", "/dataset", "/graph/ontology", "/graph/authority", "/id/project/"):
        assert any(u.startswith(base + path) for u in pages), path
    assert any("/.well-known/genid/" in u for u in pages)


def urljoin_all(page_url: str, hrefs: list[str]) -> list[str]:
    from urllib.parse import urljoin

    return [urljoin(page_url, h) if not h.startswith(("http://", "https://")) else h for h in hrefs]
