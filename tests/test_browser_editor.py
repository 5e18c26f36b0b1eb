"""The query editor in a real browser: examples, results, the query kept in the URL, offline."""

from __future__ import annotations

from urllib.parse import parse_qs, quote, urlsplit

import pytest

from graph_service.store import named_queries

pytestmark = [pytest.mark.browser, pytest.mark.processes]

ROWS = ".yasr table.dataTable tbody tr"


def wait_editor(bp):
    bp.page.wait_for_selector(".yasqe .CodeMirror", state="visible")
    bp.page.wait_for_function(
        "window.zkgEditor && window.zkgEditor.getTab() && window.zkgEditor.getTab().getYasqe()"
    )


def editor_query(bp) -> str:
    return bp.page.evaluate("window.zkgEditor.getTab().getQuery()")


def wait_rows(bp, at_least: int) -> list[str]:
    bp.page.wait_for_function(f"document.querySelectorAll('.tabPanel.active {ROWS}').length >= {at_least}")
    return bp.page.locator(f".tabPanel.active {ROWS}").all_inner_texts()


def run_and_wait_rows(bp, at_least: int) -> list[str]:
    with bp.page.expect_response(lambda r: urlsplit(r.url).path == "/sparql") as answer:
        bp.page.locator(".tabPanel.active .yasqe_queryButton").click()
    assert answer.value.status == 200, answer.value.text()
    return wait_rows(bp, at_least)


def open_link(bp, url: str) -> list[str]:
    """Open a link to the editor: YASGUI runs a query that comes in the address by itself."""
    with bp.page.expect_response(lambda r: urlsplit(r.url).path == "/sparql") as answer:
        bp.page.goto(url if url.startswith("http") else bp.base_url + url)
    assert answer.value.status == 200, answer.value.text()
    wait_editor(bp)
    return wait_rows(bp, 1)


def test_example_query_runs_and_its_link_reproduces_it(browser_page):
    bp = browser_page
    bp.goto("/query")
    wait_editor(bp)

    example = named_queries.get("projects-per-priority")
    bp.page.select_option("#examples", example.name)
    assert bp.page.locator("#example-description").inner_text() == example.description_in("uk")  # uk-UA
    assert editor_query(bp) == example.text

    rows = run_and_wait_rows(bp, 6)
    assert len(rows) == 6, rows  # the six priorities
    assert any("Ефективне місто" in row for row in rows), rows

    # the raw response is one click away
    bp.page.locator(".tabPanel.active .select_response").click()
    raw = bp.page.locator(".tabPanel.active .yasr_results").inner_text()
    assert '"bindings"' in raw and "priority" in raw

    # the address now carries the query; opening it reproduces the query and its results
    params = parse_qs(urlsplit(bp.page.url).query)
    assert params["query"] == [example.text]
    link = bp.page.locator("#permalink").get_attribute("href")
    assert parse_qs(urlsplit(link).query)["query"] == [example.text]

    rows_again = open_link(bp, link)  # runs by itself
    assert editor_query(bp) == example.text
    assert rows_again == rows

    assert any(urlsplit(u).path == "/sparql" for u in bp.requests)
    assert any(u.endswith("/static/yasgui/yasgui.min.js") for u in bp.requests)
    bp.assert_clean()
    assert all(urlsplit(u).hostname == "127.0.0.1" for u in bp.requests if u.startswith("http")), bp.requests


def test_a_link_with_a_query_opens_it_and_editing_updates_the_address(browser_page):
    bp = browser_page
    query = "PREFIX zkg: <https://w3id.org/zhytomyr-kg/ontology#>\nSELECT ?f WHERE { ?f a zkg:Funder } ORDER BY ?f"
    rows = open_link(bp, "/query?query=" + quote(query))
    assert editor_query(bp) == query
    assert any("/id/funder/giz" in row for row in rows), rows

    edited = query + " LIMIT 1"
    bp.page.evaluate("q => { window.zkgEditor.getTab().setQuery(q); }", edited)
    bp.page.wait_for_function("q => new URLSearchParams(location.search).get('query') === q", arg=edited)
    bp.assert_clean()


def test_a_link_naming_another_endpoint_still_queries_this_service(browser_page):
    bp = browser_page
    open_link(
        bp,
        "/query?query="
        + quote("SELECT (1 AS ?one) WHERE {}")
        + "&endpoint="
        + quote("https://dbpedia.org/sparql"),
    )
    assert "endpoint" not in bp.page.url
    assert bp.page.evaluate("window.zkgEditor.getTab().getEndpoint()") == bp.base_url + "/sparql"
    assert not bp.external_requests
    bp.assert_clean()


@pytest.mark.slow
def test_typing_with_autocompletion_stays_offline(browser_page):
    bp = browser_page
    bp.goto("/query")
    wait_editor(bp)
    bp.page.locator(".tabPanel.active .CodeMirror").click()
    bp.page.keyboard.press("Control+A")
    bp.page.keyboard.type(
        "PREFIX zkg: <https://w3id.org/zhytomyr-kg/ontology#>\nSELECT * WHERE { ?s a zkg:Pro", delay=20
    )
    bp.page.keyboard.press("Control+Space")
    bp.page.keyboard.type(" ; zkg:resp", delay=30)
    bp.page.keyboard.press("Control+Space")
    bp.page.keyboard.type(" ?d . ?d a skos:", delay=30)  # an unknown prefix: the prefixes completer
    bp.page.wait_for_timeout(1500)
    assert "zkg:Pro" in editor_query(bp)
    bp.assert_clean()
