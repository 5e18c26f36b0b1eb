"""Named queries over HTTP: /queries, /queries.json, /queries/<name>, /queries/<name>.<ext>,
checked on the graph built from the report; the README's "Querying from your tools" recipes run
against a live server."""

from __future__ import annotations

import csv
import html as htmllib
import io
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, quote, urlparse

import pytest

from graph_service.store import named_queries
from graph_service.web.routes import cacheable
from tests.pages_support import HTML, B
from tests.test_pages_escaping import Elements

ECONOMY = B + "department/departament-ekonomichnoho-rozvytku-miskoi-rady"
README = Path(__file__).resolve().parents[1] / "README.md"
#: projects per priority, priorities 1–6, as the report lists them
PROJECTS_PER_PRIORITY = [13, 28, 56, 26, 22, 30]


def rows(text: str, delimiter: str = ",") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text), delimiter=delimiter))


# ------------------------------------------------------------------ the list


def test_list_json_names_every_query_with_its_title_and_urls(pages_client):
    r = pages_client.get("/queries.json")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    listed = {q["name"]: q for q in r.json()["queries"]}
    assert set(listed) == set(named_queries.load_all())
    q = listed["projects-per-priority"]
    assert q["title"] == "Проєкти за пріоритетами" and r.json()["lang"] == "uk"  # Ukrainian by default
    assert q["arguments"] == ["lang"] and r.json()["arguments"] == ["lang"]  # lang is listed
    english = pages_client.get("/queries.json?lang=en").json()
    titles = {q["name"]: q["title"] for q in english["queries"]}
    assert english["lang"] == "en" and titles["projects-per-priority"] == "Projects per priority"
    assert q["tags"] == ["stats", "examples"] and q["params"] == [] and q["group"] == "research"
    assert q["url"] == "http://testserver/queries/projects-per-priority"
    assert q["formats"]["csv"] == "http://testserver/queries/projects-per-priority.csv"
    assert set(q["formats"]) == {"csv", "tsv", "json", "xml"}
    assert "COUNT(DISTINCT ?project)" in q["sparql"]
    assert listed["department-projects"]["params"] == ["department"]
    assert listed["department-projects"]["arguments"] == ["department", "lang"]
    assert set(listed["page-entity-rdf"]["formats"]) == {"ttl", "nt", "jsonld", "rdf"}
    assert listed["page-entity-rdf"]["group"] == "service"
    groups = [q["group"] for q in r.json()["queries"]]
    assert groups == sorted(groups, key=["research", "service"].index)  # research first


@pytest.mark.parametrize(
    "lang, heading, title",
    [("uk", "Готові запити", "Проєкти за пріоритетами"), ("en", "Named queries", "Projects per priority")],
)
def test_list_page_links_every_query_in_both_languages(pages_client, lang, heading, title):
    r = pages_client.get(f"/queries?lang={lang}", headers=HTML)
    assert r.status_code == 200 and r.headers["content-language"] == lang
    page = r.text
    assert f"<h1>{heading}</h1>" in page
    link = '<a href="http://testserver/queries/projects-per-priority' + (f'?lang={lang}"' if lang else '"')
    assert link + f">{title}</a>" in page
    assert page.index("queries/projects-per-priority") < page.index("queries/page-home-priorities")
    assert page.count('class="named-query"') == len(named_queries.load_all())


def test_site_navigation_links_the_list(pages_client):
    assert 'href="http://testserver/queries"' in pages_client.get("/", headers=HTML).text


# ------------------------------------------------------------------ result files


def test_csv_has_the_projects_of_the_six_priorities(pages_client):
    r = pages_client.get("/queries/projects-per-priority.csv")
    assert r.status_code == 200 and r.headers["content-type"] == "text/csv; charset=utf-8"
    table = rows(r.text)
    assert [int(row["projects"]) for row in table] == PROJECTS_PER_PRIORITY
    assert [row["notation"] for row in table] == ["1", "2", "3", "4", "5", "6"]


def test_json_is_sparql_json_results(pages_client):
    r = pages_client.get("/queries/projects-per-priority.json")
    assert r.headers["content-type"] == "application/sparql-results+json; charset=utf-8"
    data = r.json()
    assert data["head"]["vars"] == ["priority", "notation", "label", "projects"]
    assert [int(b["projects"]["value"]) for b in data["results"]["bindings"]] == PROJECTS_PER_PRIORITY


@pytest.mark.parametrize(
    "ext, media", [("tsv", "text/tab-separated-values"), ("xml", "application/sparql-results+xml")]
)
def test_tsv_and_xml_have_their_media_types(pages_client, ext, media):
    r = pages_client.get(f"/queries/projects-per-priority.{ext}")
    assert r.status_code == 200 and r.headers["content-type"] == media + "; charset=utf-8"
    assert "56" in r.text


def test_a_construct_query_gives_a_graph(pages_client):
    r = pages_client.get("/queries/page-entity-rdf.ttl", params={"entity": ECONOMY})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    assert f"<{ECONOMY}>" in r.text
    assert pages_client.get("/queries/page-entity-rdf.csv").status_code == 404  # not offered for a graph


def test_a_parameter_restricts_the_rows_to_that_department(pages_client):
    everyone = rows(pages_client.get("/queries/department-projects.csv").text)
    economy = rows(pages_client.get("/queries/department-projects.csv", params={"department": ECONOMY}).text)
    assert economy and len(economy) < len(everyone)
    assert {row["department"] for row in economy} == {ECONOMY}
    assert economy == [row for row in everyone if row["department"] == ECONOMY]


def test_lang_is_not_a_parameter(pages_client):
    r = pages_client.get("/queries/projects-per-priority.csv?lang=en")
    assert r.status_code == 200 and len(rows(r.text)) == 6


# ------------------------------------------------------------------ lang, unknown IRIs, titles (#13)

CYRILLIC = re.compile(r"[А-Яа-яІіЇїЄєҐґ]")
PRIORITIES_EN = ["Efficient City", "Innovative City", "Comfortable City", "Active City", "Green City"]


def test_result_files_honour_lang_in_every_format(pages_client):
    plain = rows(pages_client.get("/queries/projects-per-priority.csv").text)
    english = rows(pages_client.get("/queries/projects-per-priority.csv?lang=en").text)
    ukrainian = rows(pages_client.get("/queries/projects-per-priority.csv?lang=uk").text)
    assert [r["label"] for r in english][:5] == PRIORITIES_EN
    assert [r["label"] for r in ukrainian] == [r["label"] for r in plain]  # the query's own labels
    assert plain[0]["label"] == "Ефективне місто"
    # only the label column changes: same rows, same order, same counts
    assert [{k: v for k, v in r.items() if k != "label"} for r in english] == [
        {k: v for k, v in r.items() if k != "label"} for r in plain
    ]
    tsv = pages_client.get("/queries/projects-per-priority.tsv?lang=en")
    assert tsv.headers["content-type"] == "text/tab-separated-values; charset=utf-8"
    assert tsv.text.startswith("?priority\t?notation\t?label\t?projects\n")
    assert (
        '<https://w3id.org/zhytomyr-kg/id/priority/efektyvne-misto>\t"1"\t"Efficient City"@en\t13\n'
        in tsv.text
    )
    data = pages_client.get("/queries/projects-per-priority.json?lang=en").json()
    assert data["head"]["vars"] == ["priority", "notation", "label", "projects"]
    first = data["results"]["bindings"][0]
    assert first["label"] == {"type": "literal", "value": "Efficient City", "xml:lang": "en"}
    assert [int(b["projects"]["value"]) for b in data["results"]["bindings"]] == PROJECTS_PER_PRIORITY
    xml = pages_client.get("/queries/projects-per-priority.xml?lang=en")
    assert xml.headers["content-type"] == "application/sparql-results+xml; charset=utf-8"
    import xml.etree.ElementTree as ET

    ns = {"r": "http://www.w3.org/2005/sparql-results#"}
    literals = ET.fromstring(xml.content).findall(".//r:binding[@name='label']/r:literal", ns)
    assert [el.text for el in literals][:5] == PRIORITIES_EN
    # a funder's label column ("funderLabel" beside "funder") follows too, and the answer has an ETag
    funders = pages_client.get("/queries/funder-stats.csv?lang=en")
    giz = next(r for r in rows(funders.text) if r["funder"].endswith("/funder/giz"))
    assert giz["funderLabel"] == "Deutsche Gesellschaft für Internationale Zusammenarbeit (GIZ) GmbH"
    etag = funders.headers["etag"]
    assert (
        pages_client.get("/queries/funder-stats.csv?lang=en", headers={"If-None-Match": etag}).status_code
        == 304
    )


def test_every_research_query_gives_english_labels_where_the_data_has_them(pages_client, store):
    """In ?lang=en a label column holds its entity's English label wherever the data has one."""
    from tests.conftest import select

    english: dict[str, set[str]] = {}
    for row in select(
        store,
        "SELECT ?s ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label>|"
        "<http://www.w3.org/2004/02/skos/core#prefLabel> ?l FILTER (lang(?l) = 'en') }",
    ):
        english.setdefault(row["s"], set()).add(row["l"])
    listed = pages_client.get("/queries.json").json()["queries"]
    checked = 0
    for q in listed:
        if q["group"] != "research" or q["params"] or "csv" not in q["formats"]:
            continue
        data = pages_client.get(f"/queries/{q['name']}.json?lang=en").json()
        columns = data["head"]["vars"]
        pairs = {
            c: c[: -len("Label")] for c in columns if c.endswith("Label") and c[: -len("Label")] in columns
        }
        for row in data["results"]["bindings"]:
            for label, entity in pairs.items():
                if entity in row and row[entity]["value"] in english:
                    assert row[label]["value"] in english[row[entity]["value"]], (q["name"], row)
                    checked += 1
    assert checked > 100


def test_an_iri_that_names_nothing_is_404_naming_it(pages_client):
    nowhere = B + "department/no-such-department"
    r = pages_client.get("/queries/department-projects.csv", params={"department": nowhere})
    assert r.status_code == 404 and nowhere in r.text
    for lang, words in (("uk", "У графі немає нічого з IRI"), ("en", "The graph has nothing with the IRI")):
        page = pages_client.get(
            "/queries/department-projects", params={"department": nowhere, "lang": lang}, headers=HTML
        )
        assert page.status_code == 404 and f'<html lang="{lang}">' in page.text
        assert words in page.text and htmllib.escape(f"<{nowhere}>") in page.text
    # a known IRI and a plain-text value are not refused
    assert (
        pages_client.get("/queries/department-projects.csv", params={"department": ECONOMY}).status_code
        == 200
    )
    assert pages_client.get("/queries/department-projects.csv", params={"department": "x"}).status_code == 200


def test_unknown_query_page_is_an_html_404_in_the_language(pages_client):
    r = pages_client.get("/queries/no-such-query?lang=en", headers=HTML)
    assert r.status_code == 404 and '<html lang="en">' in r.text and "There is no query named" in r.text


def test_titles_are_distinct_and_in_both_languages():
    queries = named_queries.load_all().values()
    for lang in ("uk", "en"):
        titles = [q.title_in(lang) for q in queries]
        assert len(set(titles)) == len(titles), sorted(t for t in titles if titles.count(t) > 1)
    for q in queries:
        assert q.titles.get("uk") and q.descriptions.get("uk"), q.name
        assert CYRILLIC.search(q.titles["uk"]) and not CYRILLIC.search(q.title), q.name


def test_service_queries_are_not_listed_for_research(pages_client):
    listed = {q["name"]: q for q in pages_client.get("/queries.json").json()["queries"]}
    for name in ("remote-fingerprint", "service-graphs", "editor-start"):
        assert listed[name]["group"] == "service", name
    research = pages_client.get("/queries?lang=en", headers=HTML).text.split("group-research", 1)[1]
    research = research.split("group-service", 1)[0]
    assert "Remote store fingerprint" not in research


def test_the_result_table_shows_labels_linked_not_raw_iris(pages_client):
    for lang, giz in (
        ("uk", "Німецьке товариство міжнародного співробітництва"),
        ("en", "Deutsche Gesellschaft für Internationale Zusammenarbeit (GIZ) GmbH"),
    ):
        page = pages_client.get(f"/queries/funder-stats?lang={lang}", headers=HTML).text
        table = page.split('<table class="query-results" translate="no">', 1)[1].split("</table>", 1)[0]
        assert f'href="http://testserver/id/funder/giz?lang={lang}"' in table
        assert f'title="{B}funder/giz">{giz}</a>' in table
        assert not re.search(r">https?://", table)  # no IRI shown as text
        assert "<th>funderLabel</th>" not in table  # the label is the link
        assert '<div class="table-box">' in page  # the table scrolls inside its box


def test_the_answer_comes_from_the_endpoint_with_etag_and_304(pages_client):
    url = f"/queries/department-projects.csv?department={ECONOMY}"
    first = pages_client.get(url)
    etag = first.headers["etag"]
    assert {"Accept", "Origin"} <= {v.strip() for v in first.headers["vary"].split(",")}
    again = pages_client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    # the same query sent to /sparql has the same ETag: one cache, one set of limits
    bound = named_queries.get("department-projects").bind(department=ECONOMY)
    direct = pages_client.get("/sparql", params={"query": bound, "format": "csv"})
    assert direct.headers["etag"] == etag and direct.content == first.content


def test_cors_applies_once(pages_client):
    r = pages_client.get("/queries/projects-per-priority.csv", headers={"Origin": "https://example.org"})
    assert r.headers.get_list("access-control-allow-origin") == ["*"]


# ------------------------------------------------------------------ errors


def test_unknown_query_is_404(pages_client):
    for path in ("/queries/no-such-query", "/queries/no-such-query.csv"):
        r = pages_client.get(path)
        assert r.status_code == 404 and "no-such-query" in r.text


def test_unknown_parameter_is_400_naming_the_accepted_ones(pages_client):
    for path in (
        "/queries/department-projects.csv?departmnet=x",
        "/queries/department-projects?departmnet=x",
    ):
        r = pages_client.get(path, headers=HTML)
        assert r.status_code == 400, path
        assert "departmnet" in r.text and "department" in r.text.replace("departmnet", "")
    r = pages_client.get("/queries/projects-per-priority.csv?department=x")
    assert r.status_code == 400 and "no parameters" not in r.text and "lang" in r.text


@pytest.mark.parametrize("value", ["https://w3id.org/x y", "http://a/<b>", 'https://a/"b'])
def test_an_invalid_iri_is_400(pages_client, value):
    assert pages_client.get(f"/queries/department-projects.csv?department={quote(value)}").status_code == 400
    page = pages_client.get(f"/queries/department-projects?department={quote(value)}", headers=HTML)
    assert page.status_code == 400 and "not a valid IRI" in page.text


@pytest.mark.parametrize(
    "path",
    [
        "/queries/department-projects.csv?department=a&department=b",
        "/queries/department-projects.csv?department=%ff%fe",
        "/queries/department-projects.csv?%ff=1",
        "/queries/department-projects?department=%00",
        "/queries/.csv",
        "/queries/projects-per-priority.exe",
        "/queries/projects-per-priority.csv.csv",
        "/queries/..%2F..%2Fetc%2Fpasswd",
        "/queries/department-projects.csv?department=" + "x" * 60_000,
        "/queries/department-projects?department=\\",
        "/queries/department-projects.json?department=" + quote('"} } DELETE { ?s ?p ?o } WHERE { #'),
    ],
)
def test_malformed_requests_never_give_500(pages_client, path):
    r = pages_client.get(path, headers=HTML)
    assert r.status_code < 500, (path, r.status_code, r.text[:300])


# ------------------------------------------------------------------ the HTML page


def test_the_page_shows_the_prefilled_form_the_bound_query_and_its_rows(pages_client):
    r = pages_client.get(
        "/queries/department-projects", params={"department": ECONOMY, "lang": "en"}, headers=HTML
    )
    assert r.status_code == 200
    page = r.text
    assert f'<input type="text" name="department" value="{ECONOMY}"' in page
    assert '<input type="hidden" name="lang" value="en">' in page
    assert "VALUES ?department { &lt;" + ECONOMY + "&gt; }" in page
    expected = len(
        rows(pages_client.get("/queries/department-projects.csv", params={"department": ECONOMY}).text)
    )
    assert f"<h2>Results: {expected}</h2>" in page
    table = page.split('<table class="query-results" translate="no">', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == expected + 1
    assert f'href="http://testserver/id/{ECONOMY[len(B) :]}?lang=en"' in table  # IRIs open their pages
    editor = re.search(r'class="editor" href="([^"]+)"', page).group(1)
    sent = parse_qs(urlparse(htmllib.unescape(editor)).query)["query"][0]
    assert sent == named_queries.get("department-projects").bind(department=ECONOMY)
    csv_link = htmllib.unescape(re.search(r'class="fmt-csv" href="([^"]+)"', page).group(1))
    assert parse_qs(urlparse(csv_link).query) == {
        "department": [ECONOMY],
        "lang": ["en"],
    }  # the language kept
    in_english = pages_client.get(csv_link).text
    assert in_english == (
        pages_client.get(
            "/queries/department-projects.csv", params={"department": ECONOMY, "lang": "en"}
        ).text
    )
    assert len(rows(in_english)) == expected


def test_a_graph_query_page_offers_the_rdf_files(pages_client):
    page = pages_client.get("/queries/page-entity-rdf?lang=en", headers=HTML).text
    assert "This query builds an RDF graph" in page
    assert 'href="http://testserver/queries/page-entity-rdf.ttl?lang=en"' in page


def test_a_parameter_value_is_shown_as_text(pages_client):
    script = "<script>alert(1)</script>"
    body = pages_client.get("/queries/department-projects", params={"department": script}, headers=HTML).text
    assert script not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    parsed = Elements()
    parsed.feed(body)
    assert "script" not in parsed.tags
    assert not [name for name, _ in parsed.attrs if name.startswith("on")]


def test_pages_are_cached_result_files_are_not():
    assert cacheable("/queries") and cacheable("/queries.json")
    assert cacheable("/queries/department-projects")
    assert not cacheable("/queries/department-projects.csv")  # the endpoint answers If-None-Match


# ------------------------------------------------------------------ README recipes


def readme_blocks(language: str) -> list[str]:
    """The code blocks of the README's "Querying from your tools" section, with local host."""
    section = (
        README.read_text(encoding="utf-8").split("## Querying from your tools", 1)[1].split("\n## ", 1)[0]
    )
    return re.findall(rf"```{language}\n(.*?)```", section, re.S)


def local(text: str, base: str) -> str:
    return text.replace("http://localhost:8000", base)


def test_readme_curl_recipes_run(live_server):
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    commands = [
        line for block in readme_blocks("sh") for line in block.splitlines() if line.startswith("curl ")
    ]
    assert len(commands) == 2
    for command in commands:
        out = subprocess.run(
            shlex.split(local(command, live_server)) + ["--fail"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        table = rows(out)
        assert table, command
    assert {row["department"] for row in table} == {ECONOMY}


@pytest.mark.parametrize("library", ["SPARQLWrapper", "rdflib", "pandas"])
def test_readme_python_recipes_run(live_server, library, capsys):
    pytest.importorskip(library)
    block = next(
        b for b in readme_blocks("python") if f"import {library.split('.')[0]}" in b or f"from {library}" in b
    )
    names: dict = {}
    exec(compile(local(block, live_server), f"README ({library})", "exec"), names)
    if library == "pandas":
        assert names["priorities"]["projects"].tolist() == PROJECTS_PER_PRIORITY
        assert set(names["economy"]["department"]) == {ECONOMY}
        return
    printed = capsys.readouterr().out
    assert "https://w3id.org/zhytomyr-kg/ontology#Project" in printed


def test_readme_r_recipe_url_gives_the_csv(live_server):
    import urllib.request

    url = re.search(r'read\.csv\("([^"]+)"\)', readme_blocks("r")[0]).group(1)
    with urllib.request.urlopen(local(url, live_server), timeout=60) as response:
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        table = rows(response.read().decode("utf-8"))
    assert [int(row["projects"]) for row in table] == PROJECTS_PER_PRIORITY
