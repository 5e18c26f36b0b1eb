"""Hostile labels and texts render inert in a real browser.

The service runs (uvicorn, like ``live_server``) on the test graph of ``tests/test_pages_escaping.py``:
``<script>alert(1)</script>`` as a project's English label, as a mention's text and in a report;
``"><img src=x onerror=alert(2)> ' quote`` in the funder's and a place's labels. On every page
chromium opens, no dialog fires (``alert`` would open one), no script but the JSON-LD data block
and no ``img`` exist in the document, and the hostile strings are shown literally, as text.
"""

from __future__ import annotations

import pytest

from etl.search_index import INDEX_NAME, build_index
from graph_service.testing import build_store
from tests.browser import serve_store
from tests.test_pages_escaping import ATTR, PATHS, QUERY_PATHS, SCRIPT, hostile_quads
from zhytomyr_kg.settings import Settings

pytestmark = [pytest.mark.browser, pytest.mark.processes]


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    work = tmp_path_factory.mktemp("hostile-live")
    store = work / "store"
    settings = Settings(store=store)
    quads = hostile_quads(settings)
    build = build_store(store, quads, build_id="hostile")
    build_index(quads, build / INDEX_NAME, settings.id_base)
    yield from serve_store(store, work / "server.log", pool_size=1)


@pytest.fixture
def hostile_page(browser_page, hostile_server):
    bp = browser_page
    bp.base_url = hostile_server
    bp.dialogs = []

    def dialog(d):
        bp.dialogs.append(f"{d.type}: {d.message}")
        d.dismiss()

    bp.page.on("dialog", dialog)
    return bp


def inert(bp) -> None:
    """Nothing in the document that could run: only JSON-LD scripts, no img, no on* attributes."""
    page = bp.page
    page.wait_for_load_state("load")
    page.wait_for_timeout(100)  # an onerror handler of a broken image would fire by now
    assert bp.dialogs == []
    scripts = page.evaluate("() => [...document.scripts].map(s => s.type)")
    assert all(t == "application/ld+json" for t in scripts), scripts
    assert page.locator("img").count() == 0
    handlers = page.evaluate("""() => [...document.querySelectorAll('*')].flatMap(
        el => [...el.attributes].filter(a => a.name.startsWith('on')).map(a => el.tagName + ' ' + a.name))""")
    assert handlers == []
    bp.assert_clean()


@pytest.mark.parametrize("path", PATHS + QUERY_PATHS)
def test_hostile_labels_render_inert_in_chromium(hostile_page, path):
    bp = hostile_page
    response = bp.goto(path)
    assert response.status == 200
    inert(bp)


def test_hostile_strings_are_shown_literally(hostile_page):
    bp = hostile_page
    page = bp.page

    bp.goto("/id/project/enerhoefektyvnist-shkil?lang=en")
    assert page.locator("main h1").inner_text() == SCRIPT  # the English label, as text
    assert SCRIPT in page.locator("section.reports mark").all_inner_texts()  # the mention, highlighted
    inert(bp)

    bp.goto("/id/funder/giz")
    h1 = page.locator("main h1").inner_text()
    assert h1 == (ATTR + SCRIPT).strip(), h1
    titles = page.locator("main svg title").all_text_contents()
    assert any(t.startswith(ATTR.strip()) for t in titles), titles
    inert(bp)

    bp.goto("/id/place/evil")
    assert page.locator("main h1").inner_text() == ATTR.strip()
    inert(bp)

    # a search for the words of the script finds the report and shows the passage as text
    bp.goto("/search?q=alert")
    snippets = page.locator("main li.result .snippet").all_inner_texts()
    assert any(SCRIPT in s for s in snippets), snippets
    inert(bp)


def test_the_checks_catch_a_dialog(hostile_page):
    """The listener is live: a script that does run is caught (so the tests above can fail)."""
    bp = hostile_page
    bp.goto("/")
    bp.page.evaluate("() => setTimeout(() => alert('caught'), 0)")
    bp.page.wait_for_timeout(200)
    assert bp.dialogs == ["alert: caught"]
