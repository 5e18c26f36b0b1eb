"""One language at a time (#13): every page in English shows no Ukrainian interface string and
no Cyrillic outside data marked ``lang="uk"``; every page in Ukrainian shows no English interface
string; class names are the ontology's labels, one per class and language; no interface key is
missing from the table. The same check runs in a real browser in tests/test_browser_i18n.py."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
import rdflib

from graph_service.store import named_queries
from graph_service.web import i18n
from tests.i18n_check import untranslated
from tests.pages_support import HTML
from zhytomyr_kg.resources import ONTOLOGY_DIR

SPECIAL = [
    "/",
    "/projects",
    "/departments",
    "/funders",
    "/places",
    "/search?q=ЄБРР",
    "/search?q=water+tower",
    "/queries",
    "/query",
    "/dataset",
    "/no-such-page",
    "/id/project/no-such-project",
    "/queries/no-such-query",
    "/queries/department-projects?department=https://w3id.org/zhytomyr-kg/id/department/nope",
]


@pytest.fixture(scope="module")
def pages(pages_client) -> list[str]:
    """Every special page, three entity pages of each class, and every named query's page."""
    sitemap = pages_client.get("/sitemap.xml").text
    by_kind: dict[str, list[str]] = defaultdict(list)
    for url in re.findall(r"<loc>([^<]+)</loc>", sitemap):
        path = url.split("testserver", 1)[1]
        if path.startswith("/id/"):
            by_kind[path.split("/")[2]].append(path)
    entities = [p for paths in by_kind.values() for p in paths[:3]]
    assert len(by_kind) >= 10, sorted(by_kind)
    return SPECIAL + entities + [f"/queries/{name}" for name in named_queries.load_all()]


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_every_page_is_in_one_language(pages_client, pages, lang):
    i18n.MISSING.clear()
    problems = []
    for path in pages:
        r = pages_client.get(path + ("&" if "?" in path else "?") + f"lang={lang}", headers=HTML)
        assert r.headers["content-type"].startswith("text/html"), path
        assert f'<html lang="{lang}">' in r.text and r.headers["content-language"] == lang, path
        problems += [f"{path}: {p}" for p in untranslated(r.text, lang)]
    assert not problems, "\n".join(problems[:30])
    assert not i18n.MISSING, i18n.MISSING  # every key a template asked for is in the table


def test_the_checker_catches_an_untranslated_string():
    page = '<html lang="en"><body><main><h1>Проєкти</h1><p lang="uk">Житомир</p><a class="fallback name" translate="no">Concept</a></main></body></html>'
    assert untranslated(page, "en") == ["body/main/h1: 'Проєкти'"]
    uk = '<html lang="uk"><body><main><h2>Progress reports</h2><p lang="en">Progress reports</p></main></body></html>'
    assert untranslated(uk, "uk") == ["body/main/h2: 'Progress reports' (an English interface string)"]


def test_one_label_per_class_and_language_in_the_ontology():
    g = rdflib.Graph()
    for path in sorted(ONTOLOGY_DIR.glob("zkg*.ttl")):
        g.parse(path)
    labels: dict[tuple[str, str], set[str]] = defaultdict(set)
    for s, o in g.subject_objects(rdflib.RDFS.label):
        labels[(str(s), o.language or "")].add(str(o))
    twice = {k: v for k, v in labels.items() if len(v) > 1}
    assert not twice, twice
    zkg = "https://w3id.org/zhytomyr-kg/ontology#"
    assert labels[(zkg + "Funder", "uk")] == {"Донор"} and labels[(zkg + "Funder", "en")] == {"Funder"}


def test_interface_class_names_are_the_ontology_labels():
    labels = i18n.class_labels()
    for key, cls in i18n.CLASS_KEYS.items():
        assert i18n.MESSAGES[key] == (labels[cls]["uk"][0], labels[cls]["en"][0]), key


def test_the_funder_is_named_alike_on_lists_entity_pages_and_home(pages_client):
    for lang, word in (("uk", "Донор"), ("en", "Funder")):
        home = pages_client.get(f"/?lang={lang}", headers=HTML).text
        funders = pages_client.get(f"/funders?lang={lang}", headers=HTML).text
        giz = pages_client.get(f"/id/funder/giz?lang={lang}", headers=HTML).text
        assert f"<th>{word}</th>" in home and f"<th>{word}</th>" in funders
        kind = re.search(r'<p class="kind">(.*?)</p>', giz, re.S).group(1)
        assert f">{word}</a>" in kind
        assert ("Фундатор" not in giz + funders + home) and ("Funded by" not in home)
    english = pages_client.get("/?lang=en", headers=HTML).text
    assert "<th>Funds</th>" in english.split('<section class="funders">', 1)[1]


def test_a_browser_asking_sparql_for_html_gets_the_editor(pages_client):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    r = pages_client.get("/sparql", headers={"Accept": browser}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/query"
    r = pages_client.get("/sparql?lang=en", headers={"Accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/query?lang=en"
    # clients that do not ask for HTML first still get the service description
    assert (
        pages_client.get("/sparql", headers={"Accept": "text/turtle"})
        .headers["content-type"]
        .startswith("text/turtle")
    )
    assert pages_client.get("/sparql", headers={"Accept": "*/*"}).status_code == 200
    # and every page's footer opens the editor
    assert (
        '<a class="editor" href="http://testserver/query">SPARQL</a>'
        in pages_client.get("/", headers=HTML).text
    )


def test_an_unavailable_graph_is_an_error_page_in_the_language(tmp_path):
    from fastapi.testclient import TestClient

    from graph_service.store.oxigraph import OxigraphBackend
    from tests.pages_support import pages_app
    from zhytomyr_kg.settings import Settings

    app = pages_app(OxigraphBackend(tmp_path / "no-store"), Settings(store=tmp_path / "no-store"))
    with TestClient(app) as client:
        for lang, words in (("uk", "Граф зараз недоступний"), ("en", "The graph is not available now")):
            r = client.get(f"/id/funder/giz?lang={lang}", headers=HTML)
            assert (
                r.status_code == 503 and f'<html lang="{lang}">' in r.text and f"<h1>{words}</h1>" in r.text
            )
            assert not untranslated(r.text, lang)
        data = client.get("/id/funder/giz.json")
        assert data.status_code == 503 and data.headers["content-type"].startswith("text/plain")


def test_a_key_twice_in_the_strings_table_is_an_error_naming_its_line(tmp_path, monkeypatch):
    table = tmp_path / "messages.csv"
    table.write_text(
        "key,uk,en,where\nhome,Головна,Home,\nsearch,Пошук,Search,\nhome,Дім,Home,\n", encoding="utf-8"
    )
    monkeypatch.setattr(i18n, "MESSAGES_CSV", table)
    with pytest.raises(ValueError, match=r"messages.csv:4: the key 'home' is there twice"):
        i18n._read_messages()
