"""Issue 13 in a real browser, in Ukrainian and in English: one language at a time on every page
(checked against the interface table, tests/i18n_check.py), /dataset and the editor in the site's
layout, search that finds the work, compact lists, result tables that stay in their box at 1400 px,
wrapped picture labels. With ``pytest --screenshots``, a screenshot of every page goes to
test-artifacts/pages-<lang>-<name>.png (each test's last page is always shot, tests/browser.py).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from tests.browser import ARTIFACTS
from tests.i18n_check import untranslated
from tests.test_browser_editor import wait_editor, wait_rows

LANGS = ["uk", "en"]
GIZ_EN = "Deutsche Gesellschaft für Internationale Zusammenarbeit (GIZ) GmbH"
#: every kind of page; the name is the screenshot's
PAGES = {
    "home": "/",
    "projects": "/projects",
    "departments": "/departments",
    "funders": "/funders",
    "places": "/places",
    "search": "/search?q=" + quote("ЄБРР"),
    "priority": "/id/priority/efektyvne-misto",
    "goal": "/id/goal/efektyvne-misto/1",
    "task": "/id/task/komfortne-misto/3/3",
    "project": "/id/project/biznes-platforma",
    "report": "/id/report/2022/inkliuzyvne-misto/2/4",
    "department": "/id/department/departament-ekonomichnoho-rozvytku-miskoi-rady",
    "funder": "/id/funder/giz",
    "place": "/id/place/vulytsia-pushkinska",
    "status": "/id/status/completed",
    "queries": "/queries",
    "query-funder-stats": "/queries/funder-stats",
    "editor": "/query",
    "dataset": "/dataset",
    "not-found": "/id/project/no-such-project",
    "unknown-iri": "/queries/department-projects?department="
    + quote("https://w3id.org/zhytomyr-kg/id/department/nope", safe=""),
}
#: pages answered with an error status on purpose
ERRORS = {"not-found", "unknown-iri"}


def shot(bp, name: str) -> None:
    """A full-page screenshot of the page as ``pages-<name>.png``, with ``--screenshots`` (each
    test's last page is always written, tests/browser.py)."""
    if not bp.every_screenshot:
        return
    ARTIFACTS.mkdir(exist_ok=True)
    bp.page.screenshot(path=str(ARTIFACTS / f"pages-{name}.png"), full_page=True)


def with_lang(path: str, lang: str) -> str:
    return path + ("&" if "?" in path else "?") + f"lang={lang}"


def clean(bp, allowed_404: bool = False) -> None:
    if allowed_404:  # the page itself answers 404: only that response is allowed to fail
        url = bp.page.url
        bp.failed_requests[:] = [f for f in bp.failed_requests if not (url in f and "HTTP 404" in f)]
        bp.console_errors[:] = [e for e in bp.console_errors if not (url in e and "404" in e)]
    bp.assert_clean()


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_every_page_is_in_one_language(browser_page, lang):
    bp = browser_page
    page = bp.page
    problems = []
    for name, path in PAGES.items():
        response = bp.goto(with_lang(path, lang))
        assert response.status == (404 if name in ERRORS else 200), (name, response.status)
        if name == "editor":
            wait_editor(bp)
        assert page.locator("html").get_attribute("lang") == lang, name
        # the site's layout: navigation, the switch to the other language, the stylesheet applied
        assert page.locator("header.site nav.site-nav a").count() >= 6, name
        other = "en" if lang == "uk" else "uk"
        switch = page.locator(f'header nav.lang a[hreflang="{other}"]')
        assert parse_qs(urlsplit(switch.get_attribute("href")).query)["lang"] == [other], name
        assert page.evaluate("getComputedStyle(document.querySelector('header.site')).display") == "flex", (
            name
        )
        # the chosen language stays in every link to a page of this service
        for href in page.locator("a[href]:not([hreflang])").evaluate_all(  # not the switch itself
            "els => els.map(a => new URL(a.getAttribute('href'), location.href).href)"
        ):
            parts = urlsplit(href)
            if parts.hostname != "127.0.0.1" or (parts.fragment and not parts.path):
                continue
            if re.search(
                r"\.(ttl|nt|jsonld|rdf|csv|json|tsv|xml|gz)$|^/(static|dumps|sparql)|/\.well-known/",
                parts.path,
            ):
                continue
            if parts.path == "/dataset" and "format=" in parts.query:
                continue
            if parse_qs(parts.query).get("lang") != [lang]:
                problems.append(f"{name}: a link loses the language: {href[:160]}")
        # no interface string in the other language, checked against the i18n table
        problems += [f"{name}: {p}" for p in untranslated(page.content(), lang)]
        shot(bp, f"{lang}-{name}")
        clean(bp, allowed_404=name in ERRORS)
    assert not problems, "\n".join(problems[:40])


@pytest.mark.parametrize("lang", LANGS)
def test_the_editor_speaks_the_language_and_shows_literals_plainly(browser_page, lang):
    bp = browser_page
    page = bp.page
    query = "PREFIX zkg: <https://w3id.org/zhytomyr-kg/ontology#>\nSELECT (COUNT(?p) AS ?projects) WHERE { ?p a zkg:Project }"
    with page.expect_response(lambda r: urlsplit(r.url).path == "/sparql") as answer:
        bp.goto(f"/query?lang={lang}&query=" + quote(query))
    assert answer.value.status == 200
    wait_editor(bp)
    rows = wait_rows(bp, 1)
    assert re.search(r"\b175\b", rows[0]) and "^^" not in rows[0] and "XMLSchema" not in rows[0], rows
    cell = page.locator(".tabPanel.active .yasr table.dataTable tbody td .nonIri").first
    assert cell.inner_text().strip() == "175"
    assert cell.locator("span").get_attribute("title") == "xsd:integer"  # the datatype, on hover
    labels = page.locator(".tabPanel.active .yasr_header").inner_text()
    if lang == "uk":
        assert "Таблиця" in labels and "Відповідь" in labels and "Table" not in labels
        assert re.search(r"Рядків: 1, за [\d.]+ с", labels) and "seconds" not in labels, labels
        assert "Рядків на сторінці" in labels and "Page size" not in labels
        assert page.locator("h1").inner_text() == "Редактор запитів SPARQL"
    else:
        assert "Table" in labels and "Response" in labels
        assert page.locator("h1").inner_text() == "SPARQL query editor"
    # the address keeps the language and the query; the switch opens the same query
    params = parse_qs(urlsplit(page.url).query)
    assert params["lang"] == [lang] and params["query"] == [query]
    other = "en" if lang == "uk" else "uk"
    switch = parse_qs(
        urlsplit(page.locator(f'header nav.lang a[hreflang="{other}"]').get_attribute("href")).query
    )
    assert switch["lang"] == [other] and switch["query"] == [query]
    shot(bp, f"{lang}-editor-result")
    bp.assert_clean()


@pytest.mark.parametrize("lang", LANGS)
def test_sparql_in_a_browser_opens_the_editor_and_dataset_is_a_site_page(browser_page, lang):
    bp = browser_page
    page = bp.page
    bp.goto(f"/sparql?lang={lang}")
    assert urlsplit(page.url).path == "/query" and parse_qs(urlsplit(page.url).query)["lang"] == [lang]
    wait_editor(bp)
    bp.goto(f"/dataset?lang={lang}")
    assert page.locator("html").get_attribute("lang") == lang
    heading = {"uk": "Як цитувати", "en": "How to cite"}[lang]
    assert page.locator("section.citation h2").inner_text() == heading
    assert (
        page.locator("section.citation cite")
        .inner_text()
        .startswith({"uk": "Житомирська міська рада", "en": "Zhytomyr City Council"}[lang])
    )
    assert page.locator("a.licence").get_attribute("href").startswith("https://creativecommons.org/")
    assert page.locator("table.downloads tbody tr").count() >= 3
    assert page.locator('table.downloads a[href$="/dumps/dataset.nq.gz"]').count() == 1
    assert "/sparql" in page.locator("section.sparql-service code").inner_text()
    assert page.evaluate("getComputedStyle(document.body).margin") == "0px"  # site.css is applied
    shot(bp, f"{lang}-dataset-layout")
    # the footer's SPARQL link opens the editor
    with page.expect_navigation():
        page.locator("footer a.editor").click()
    assert urlsplit(page.url).path == "/query"
    wait_editor(bp)
    bp.assert_clean()


@pytest.mark.parametrize("lang", LANGS)
def test_search_finds_the_work_grouped_by_class(browser_page, lang):
    bp = browser_page
    page = bp.page
    for q in ("ЄБРР", "EBRD", "European Bank"):
        bp.goto(f"/search?lang={lang}&q=" + quote(q))
        groups = page.locator("section.result-group")
        assert groups.first.get_attribute("id") == "group-funder", q
        assert (
            groups.first.locator("li.result > a")
            .first.get_attribute("href")
            .split("?")[0]
            .endswith("/id/funder/ebrd")
        )
        report = page.locator("#group-report li.result").filter(has_text="160")
        assert report.count() == 1, q
        assert "Європейського банку реконструкції та розвитку" in report.locator("mark").all_inner_texts()
        count = int(re.search(r"\d+", page.locator("#group-report h3 .count").inner_text()).group(0))
        assert count == page.locator("#group-report li.result").count()
        assert "FTS5" not in page.locator("main").inner_text()
        shot(bp, f"{lang}-search-{q.replace(' ', '-')}")
    bp.goto(f"/search?lang={lang}&q=trolleybus")
    hrefs = page.locator("main li.result > a").evaluate_all("els => els.map(a => a.pathname)")
    assert "/id/project/vydilennia-smuh-rukhu-dlia-troleibusiv-ta-avtobusiv" in hrefs
    assert "/id/task/komfortne-misto/3/3" in hrefs
    shot(bp, f"{lang}-search-trolleybus")
    bp.assert_clean()


@pytest.mark.parametrize("lang", LANGS)
def test_lists_show_three_departments_then_more_on_request(browser_page, lang):
    bp = browser_page
    page = bp.page
    bp.goto(f"/projects?lang={lang}")  # a project row may name up to nine responsible bodies
    visible = page.locator("td.facet-department").evaluate_all(
        "cells => cells.map(c => [...c.querySelectorAll('a')].filter(a => a.checkVisibility()).length)"
    )
    assert visible and max(visible) == 3, visible
    cell = page.locator("td.facet-department").filter(has=page.locator("details.more")).first
    total = cell.locator("a").count()
    summary = cell.locator("summary")
    assert summary.inner_text() == f"+{total - 3} " + {"uk": "ще", "en": "more"}[lang]
    shot(bp, f"{lang}-projects-compact")
    summary.click()
    assert cell.evaluate("c => [...c.querySelectorAll('a')].filter(a => a.checkVisibility()).length") == total
    shot(bp, f"{lang}-projects-expanded")
    bp.assert_clean()


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_result_tables_stay_in_their_box_at_1400px(browser_page, lang):
    bp = browser_page
    page = bp.page
    page.set_viewport_size({"width": 1400, "height": 900})
    for path in (
        "/queries/funder-stats",
        "/queries/funders-per-department",
        "/queries/export-projects",
        "/funders",
        "/projects",
        "/dataset",
    ):
        bp.goto(with_lang(path, lang))
        widths = page.evaluate(
            """() => ({
                page: document.documentElement.scrollWidth, viewport: window.innerWidth,
                main: document.querySelector('main').getBoundingClientRect().right,
                boxes: [...document.querySelectorAll('main table')].map(t => {
                    const box = t.closest('.table-box') || t;
                    return box.getBoundingClientRect().right;
                }),
            })"""
        )
        assert widths["page"] <= widths["viewport"], (path, widths)  # nothing overflows the page
        assert all(right <= widths["main"] + 1 for right in widths["boxes"]), (path, widths)
        if path.startswith("/queries/"):
            table = page.locator("table.query-results")
            assert not re.search(r"https?://", table.locator("tbody").inner_text())  # labels, not IRIs
            assert table.locator("tbody a").count() > 0
        shot(bp, f"{lang}-1400-{path.strip('/').replace('/', '-')}")
    bp.assert_clean()


def test_picture_labels_wrap_inside_their_boxes(browser_page):
    bp = browser_page
    page = bp.page
    for lang in LANGS:
        bp.goto(f"/id/funder/giz?lang={lang}")
        nodes = page.locator("figure.relationship a.node").evaluate_all(
            """nodes => nodes.map(n => {
                const rect = n.querySelector('rect').getBBox(), text = n.querySelector('text').getBBox();
                return {title: n.querySelector('title').textContent,
                        shown: [...n.querySelectorAll('tspan')].map(t => t.textContent).join(' '),
                        inside: text.x >= rect.x && text.x + text.width <= rect.x + rect.width + 1
                             && text.y >= rect.y - 1 && text.y + text.height <= rect.y + rect.height + 1};
            })"""
        )
        assert nodes
        for node in nodes:
            assert node["shown"] == node["title"], node  # every word, nothing cut
            assert node["inside"], node
        if lang == "en":
            assert any(n["title"] == GIZ_EN for n in nodes)
        page.locator("figure.relationship").screenshot(
            path=str(ARTIFACTS / f"pages-{lang}-funder-picture.png")
        )
    bp.assert_clean()
