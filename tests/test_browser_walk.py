"""The researcher's walk through the pages in a real browser (issue 5, item 7).

Home → search ("башти", "ЄБРР") → the GIZ funder page → one of its projects → a responsible
department → the department page's query in the editor (result rows) → switch to English, and the
choice persists in the links. On every page: no console error, no uncaught exception, no failed
request, nothing leaving 127.0.0.1 (``BrowserPage.assert_clean``). With ``pytest --screenshots`` a
screenshot of every step goes to ``test-artifacts/walk-<n>-<step>.png`` (the harness shoots the
last page at teardown then, or when the walk failed).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser import ARTIFACTS
from tests.test_browser_editor import wait_editor, wait_rows

pytestmark = [pytest.mark.browser, pytest.mark.processes, pytest.mark.slow]

CYRILLIC = re.compile(r"[А-Яа-яІіЇїЄєҐґ]")


class Walk:
    """Steps of one walk: each checks the page is clean (and saves a screenshot with
    ``pytest --screenshots``)."""

    def __init__(self, bp):
        self.bp = bp
        self.page = bp.page
        self.step = 0

    def done(self, name: str) -> None:
        self.page.wait_for_load_state("load")
        self.step += 1
        if self.bp.every_screenshot:  # pytest --screenshots (tests/browser.py)
            ARTIFACTS.mkdir(exist_ok=True)
            self.page.screenshot(path=str(ARTIFACTS / f"walk-{self.step:02d}-{name}.png"), full_page=True)
        self.bp.assert_clean()

    def path(self) -> str:
        return urlsplit(self.page.url).path

    def params(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.page.url).query)

    def h1(self) -> str:
        return self.page.locator("main h1").inner_text().strip()

    def click(self, locator) -> None:
        """Click a link and wait for the page it opens."""
        with self.page.expect_navigation():
            locator.click()


def search(walk: Walk, form: str, query: str) -> list:
    """Type ``query`` into a search box and submit it with Enter; the results' links."""
    box = walk.page.locator(f"{form} input[name=q]")
    box.fill(query)
    with walk.page.expect_navigation():
        box.press("Enter")
    assert walk.path() == "/search" and walk.params()["q"] == [query]
    return walk.page.locator("main li.result > a").all()


def test_walk_from_home_through_search_funder_project_department_editor_and_english(browser_page):
    bp = browser_page
    walk = Walk(bp)
    page = bp.page

    # home: the six priorities with counts, the funders, a search box
    bp.goto("/")
    assert page.locator("html").get_attribute("lang") == "uk"
    assert page.locator("section.priorities tr.priority").count() == 6
    assert all(int(n) > 0 for n in page.locator("section.priorities td.projects").all_inner_texts())
    assert page.locator('section.funders a[href$="/id/funder/giz"]').count() == 1
    walk.done("home")

    # search from the home page's box: an inflected form finds the nominative label, marked
    results = search(walk, "main form.search", "башти")
    assert results, page.content()[:500]
    assert results[0].get_attribute("href").endswith("/id/place/vodonapirna-bashta")
    assert "Водонапірна башта" in results[0].inner_text()
    assert "башта" in page.locator("main li.result").first.locator("mark").all_inner_texts()
    walk.done("search-bashty")

    # search again from the header's box: the Cyrillic acronym finds the bank; open it
    results = search(walk, "header form.search", "ЄБРР")
    assert results[0].get_attribute("href").endswith("/id/funder/ebrd")
    walk.click(results[0])
    assert walk.path() == "/id/funder/ebrd"
    walk.done("ebrd")

    # the GIZ funder page: its works, its picture, on to one of its projects
    bp.goto("/id/funder/giz")
    assert walk.h1() == "Німецьке товариство міжнародного співробітництва"
    assert "GIZ" in page.locator("main header.entity").inner_text()
    assert page.locator("main svg").count() >= 1
    projects = page.locator("tr.work-project td:first-child a")
    assert projects.count() >= 1
    walk.done("funder-giz")
    project_link = projects.first
    project_href, project_name = project_link.get_attribute("href"), project_link.inner_text().strip()
    walk.click(project_link)
    assert walk.path().startswith("/id/project/") and project_href.endswith(walk.path())
    assert walk.h1() == project_name
    # the project names GIZ among its funders or partners
    assert page.locator('section.facts a[href$="/id/funder/giz"]').count() >= 1
    departments = page.locator('section.facts a[href*="/id/department/"]')
    assert departments.count() >= 1
    walk.done("project")

    # on to a responsible department: its page lists the project
    department_link = departments.first
    department_name = department_link.inner_text().strip()
    walk.click(department_link)
    assert walk.path().startswith("/id/department/")
    assert walk.h1() == department_name
    assert page.locator(f'section.by-priority a[href="{project_href}"]').count() >= 1
    department_path = walk.path()
    walk.done("department")

    # the query behind the department page, opened in the editor from the page's link: result rows
    query = page.locator("section.queries details").filter(has_text="page-department.rq")
    query.locator("summary").click()
    editor = query.locator("a.editor")
    with page.expect_response(lambda r: urlsplit(r.url).path == "/sparql") as answer:
        walk.click(editor)
    assert answer.value.status == 200, answer.value.text()
    assert walk.path() == "/query"
    wait_editor(bp)
    assert "page-department" not in page.url  # the query itself is in the address, not its name
    assert department_path.rsplit("/", 1)[-1] in walk.params()["query"][0]
    rows = wait_rows(bp, 1)
    assert any(project_href.split("?")[0].rsplit("/", 1)[-1] in row for row in rows), rows[:5]
    walk.done("editor")

    # back to the project, switch to English: interface and labels in English, kept in links
    page.goto(project_href)
    uk_title = walk.h1()
    walk.click(page.locator('header nav.lang a[hreflang="en"]'))
    assert walk.params()["lang"] == ["en"]
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("header.site a.brand").inner_text() == "Zhytomyr 2030 strategy"
    assert "Projects" in page.locator("header nav").first.inner_text()
    assert page.locator("section.facts dt").first.inner_text() == "Responsible"
    en_title = walk.h1()
    assert en_title != uk_title and not CYRILLIC.search(en_title), en_title
    assert page.locator("header nav.lang strong").inner_text() == "EN"
    entity_links = page.locator('main a[href*="/id/"]').all()
    assert entity_links and all(
        parse_qs(urlsplit(a.get_attribute("href")).query).get("lang") == ["en"]
        for a in entity_links
        if not re.search(r"\.(ttl|nt|jsonld|rdf)$", a.get_attribute("href"))
    )
    walk.done("project-en")

    # the choice persists: the department in English, then a search from its header box
    walk.click(page.locator('section.facts a[href*="/id/department/"]').first)
    assert walk.params()["lang"] == ["en"] and page.locator("html").get_attribute("lang") == "en"
    assert not CYRILLIC.search(walk.h1()), walk.h1()
    assert page.locator("section.by-priority h2").inner_text() != ""
    walk.done("department-en")
    results = search(walk, "header form.search", "EBRD")
    assert walk.params()["lang"] == ["en"]
    assert results[0].inner_text() == "European Bank for Reconstruction and Development"
    assert parse_qs(urlsplit(results[0].get_attribute("href")).query)["lang"] == ["en"]
    walk.done("search-en")

    # and back to Ukrainian
    walk.click(page.locator('header nav.lang a[hreflang="uk"]'))
    assert page.locator("html").get_attribute("lang") == "uk" and walk.params()["lang"] == ["uk"]
    assert page.locator("h1").first.inner_text() == "Пошук"
    walk.done("search-uk")
    assert all(urlsplit(u).hostname == "127.0.0.1" for u in bp.requests if u.startswith("http")), bp.requests
