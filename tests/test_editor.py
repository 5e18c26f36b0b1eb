"""/query (the YASGUI editor page) and the vendored assets, without a browser."""

from __future__ import annotations

import hashlib
import json
import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from graph_service.sample_graphs import sample_quads
from graph_service.store import named_queries
from graph_service.testing import ROOT, build_store
from graph_service.web.app import create_app
from zhytomyr_kg.settings import Settings
from zhytomyr_kg.vocab import PREFIXES

VENDORED = ROOT / "graph_service" / "web" / "static" / "yasgui"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    store = tmp_path_factory.mktemp("store")
    build_store(store, sample_quads())
    with TestClient(create_app(Settings(store=store))) as c:
        yield c


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.config: str | None = None
        self._in_config = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for name in ("src", "href", "action", "data", "poster"):
            if a.get(name) is not None:
                self.urls.append(a[name])
        self._in_config = tag == "script" and a.get("id") == "editor-config"

    def handle_data(self, data):
        if self._in_config:
            self.config = (self.config or "") + data

    def handle_endtag(self, tag):
        self._in_config = False


def parse(html: str) -> Links:
    p = Links()
    p.feed(html)
    return p


@pytest.mark.parametrize("lang", ["uk", "en"])
def test_editor_page_carries_endpoint_prefixes_and_examples(client, lang):
    r = client.get("/query", params={"lang": lang})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["content-language"] == lang and f'<html lang="{lang}">' in r.text
    page = parse(r.text)
    config = json.loads(page.config)
    assert config["endpoint"] == "/sparql"
    assert config["prefixes"] == PREFIXES
    assert config["lang"] == lang
    examples = {q.name: q for q in named_queries.load_all().values() if "examples" in q.tags}
    assert len(examples) >= 3
    assert [e["name"] for e in config["examples"]] == sorted(examples)
    for e in config["examples"]:
        q = examples[e["name"]]
        # titles and descriptions in the page's language (# title@uk: lines; the plain ones are English)
        title, description = (
            (q.titles["uk"], q.descriptions["uk"]) if lang == "uk" else (q.title, q.description)
        )
        assert (e["title"], e["description"], e["query"]) == (title, description, q.text)
        assert f'<option value="{q.name}" title="{escape(description)}">{escape(title)}</option>' in r.text
    for prefix, iri in PREFIXES.items():
        assert f"PREFIX {prefix}: <{iri}>" in config["defaultQuery"]


def test_editor_page_is_in_the_site_layout_in_one_language(client):
    uk = client.get("/query", headers={"Accept-Language": "uk"}).text
    en = client.get("/query", headers={"Accept-Language": "en"}).text
    assert "<h1>Редактор запитів SPARQL</h1>" in uk and "<h1>SPARQL query editor</h1>" in en
    assert 'href="http://testserver/static/site.css"' in uk  # the site's stylesheet, navigation, switch
    assert 'class="site-nav"' in en and 'hreflang="uk"' in en and 'hreflang="en"' in uk
    assert "Приклади запитів" in uk and "Example queries" not in uk and "Приклади запитів" not in en
    # a chosen language stays in the page's links
    chosen = client.get("/query", params={"lang": "en", "query": "ASK {}"}).text
    assert 'href="http://testserver/projects?lang=en"' in chosen
    assert 'id="permalink" href="http://testserver/query?lang=en&amp;query=ASK+%7B%7D"' in chosen
    assert 'href="http://testserver/query?query=ASK+%7B%7D&amp;lang=uk" hreflang="uk"' in chosen


def test_editor_page_loads_nothing_from_elsewhere(client):
    html = client.get("/query").text
    urls = parse(html).urls
    assert "/static/yasgui/yasgui.min.js" in urls and "/static/yasgui/yasgui.min.css" in urls
    external = [u for u in urls if re.match(r"^(https?:)?//", u) and not u.startswith("http://testserver/")]
    assert not external, external
    for word in ("unpkg", "jsdelivr", "cdnjs", "googleapis", "gstatic"):
        assert word not in html


def test_a_query_in_the_address_is_escaped(client):
    evil = '</textarea><script>alert("x")</script>'
    r = client.get("/query", params={"query": evil})
    assert r.status_code == 200
    assert "<script>alert" not in r.text
    assert "&lt;script&gt;alert" in r.text


@pytest.mark.parametrize(
    "name, media", [("yasgui.min.js", "javascript"), ("yasgui.min.css", "text/css"), ("LICENSE", "")]
)
def test_vendored_assets_are_served(client, name, media):
    r = client.get(f"/static/yasgui/{name}")
    assert r.status_code == 200
    assert media in r.headers["content-type"]
    assert r.content == (VENDORED / name).read_bytes()
    assert r.headers.get("etag")
    assert (
        client.get(f"/static/yasgui/{name}", headers={"If-None-Match": r.headers["etag"]}).status_code == 304
    )


def test_editor_script_is_served(client):
    r = client.get("/static/editor.js")
    assert r.status_code == 200 and "javascript" in r.headers["content-type"]
    assert client.get("/static/../app.py").status_code == 404


def test_vendored_files_match_the_lock_file_and_their_checksums():
    lock = json.loads((ROOT / "package-lock.json").read_text())
    locked = lock["packages"]["node_modules/@zazuko/yasgui"]["version"]
    pinned = json.loads((ROOT / "package.json").read_text())["dependencies"]["@zazuko/yasgui"]
    assert pinned == locked, "package.json must pin the exact version"
    assert (VENDORED / "VERSION").read_text().strip() == locked
    sums = {}
    for line in (VENDORED / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split()
        sums[name] = digest
    assert set(sums) == {"yasgui.min.js", "yasgui.min.css", "LICENSE", "VERSION"}
    assert {p.name for p in VENDORED.iterdir()} == set(sums) | {"SHA256SUMS"}
    for name, digest in sums.items():
        assert hashlib.sha256((VENDORED / name).read_bytes()).hexdigest() == digest, name
    assert f"@zazuko/yasgui {locked}" in (VENDORED / "LICENSE").read_text()


def test_vendored_css_fetches_nothing():
    css = (VENDORED / "yasgui.min.css").read_text()
    assert "@import" not in css
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", css)


def test_editor_script_turns_off_the_online_autocompleters():
    js = (ROOT / "graph_service" / "web" / "static" / "editor.js").read_text()
    assert 'name !== "class" && name !== "property"' in js  # they query lov.linkeddata.es
    assert "prefixCcApi = null" in js
