"""The answers a build keeps for the first views (#15: "pages that summarise the whole graph are
computed once per build and kept with the build").

Two copies of one build, one with ``kept.json.gz`` (``graph_service.web.keep``) and one without:
every default view is byte for byte the same, and with the file a first view asks the store only
for its own page's rows (bounded by ``VALUES``), never for a whole-graph answer.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from graph_service.store import named_queries
from graph_service.web.app import create_app
from graph_service.web.keep import keep, texts, views
from graph_service.web.kept import KEPT_FILE
from graph_service.web.views.list_data import order_text
from tests.conftest import copy_store, select
from tests.pages_support import HTML, store_dir
from zhytomyr_kg.settings import Settings
from zhytomyr_kg.store_layout import live_build

PAGE = 10  # items per page: the bundled report's lists have several pages
VIEWS = [
    "/",
    "/index.json",
    "/projects",
    "/projects?page=3",
    "/projects.json?page=2",
    "/departments",
    "/departments?page=2",
    "/funders",
    "/funders?page=2",
    "/places",
    "/places?page=5",
    "/places?lang=en",
    "/?lang=en",
]


@pytest.fixture(scope="module")
def stores(built, tmp_path_factory, settings_env) -> tuple[Path, Path]:
    """Copies of the session's build: the first with the kept answers (kept for this module's
    page size), the second without."""
    with_kept = copy_store(store_dir(built), tmp_path_factory.mktemp("kept") / "store")
    without = copy_store(store_dir(built), tmp_path_factory.mktemp("not-kept") / "store")
    keep(live_build(with_kept).directory)
    (live_build(without).directory / KEPT_FILE).unlink(missing_ok=True)  # the CLI's build keeps them
    return with_kept, without


@pytest.fixture(scope="module")
def settings_env() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ZKG_PAGE_SIZE", str(PAGE))
        mp.setenv("ZKG_PAGES_PRERENDER", "0")
        mp.setenv("ZKG_PAGES_RESPONSE_CACHE_ENTRIES", "0")
        yield


def client(store: Path) -> TestClient:
    return TestClient(create_app(Settings(store=store)))


def named(text: str) -> str:
    """The named query a text was bound from (by its header's first line: its title)."""
    first = text.split("\n", 1)[0]
    return next(name for name, q in named_queries.load_all().items() if q.text.split("\n", 1)[0] == first)


class Recorder:
    """The names of the page queries an app sends to its store (its ``Site.runner``), in order."""

    def __init__(self, app) -> None:
        self.names: list[str] = []
        site = app.state.site
        inner = site.runner

        def runner(text: str, media_type: str):
            self.names.append(named(text))
            return inner(text, media_type)

        site.runner = runner


def test_a_build_keeps_an_answer_for_every_kept_query(stores, built):
    with gzip.open(live_build(stores[0]).directory / KEPT_FILE, "rt", encoding="utf-8") as f:
        document = json.load(f)
    kept, orders = document["answers"], document["orders"]
    assert set(texts("2022")) == set(orders) | (set(kept) & set(texts("2022")))
    # each view's order as its items' IRIs, in the order the live query gives them
    for spec, params in views("2022"):
        order = orders[order_text(spec, params)]
        live = [r[spec.item] for r in select(built.loaded.store, order_text(spec, params))]
        assert order == {"var": spec.item, "keys": live}
    # and the rows of each default view's first page (one query each: the pages are small) and the
    # home page's chart of the priorities it shows
    assert sorted(named(text) for text in set(kept) - set(texts("2022"))) == sorted(
        [spec.rows_query for spec, _ in views("2022")] + ["page-chart-priorities"]
    )
    assert all(json.loads(answer)["results"]["bindings"] for answer in kept.values())
    assert (
        document["data_version"]
        == json.loads((live_build(stores[0]).directory / "build.json").read_text())["data_version"]
    )


def test_the_default_views_are_the_same_with_and_without_the_kept_answers(stores, settings_env):
    with client(stores[0]) as kept, client(stores[1]) as live:
        for path in VIEWS:
            a, b = kept.get(path, headers=HTML), live.get(path, headers=HTML)
            assert a.status_code == b.status_code == 200, path
            assert a.text == b.text, path


def test_with_the_kept_answers_a_first_view_asks_the_store_nothing(stores, settings_env):
    """The default views' first pages are whole from the kept answers; a later page reads only
    its own rows (bounded by ``VALUES``)."""
    with client(stores[0]) as kept:
        recorder = Recorder(kept.app)
        for path in ("/", "/projects", "/departments", "/funders", "/places", "/?lang=en"):
            assert kept.get(path, headers=HTML).status_code == 200
        first_views = list(recorder.names)
        for path in ("/projects?page=2", "/places?page=3"):
            assert kept.get(path, headers=HTML).status_code == 200
    assert first_views == []
    assert recorder.names == ["page-projects-rows", "page-places-rows"]


def test_without_the_kept_answers_the_same_views_read_the_whole_graph(stores, settings_env):
    """The check above can fail: without the file, the whole-graph queries reach the store."""
    with client(stores[1]) as live:
        recorder = Recorder(live.app)
        assert live.get("/projects", headers=HTML).status_code == 200
    assert {"report-years", "page-projects", "page-projects-facets"} <= set(recorder.names)


def test_a_kept_file_of_another_data_version_is_not_used(stores, settings_env, tmp_path):
    store = copy_store(stores[0], tmp_path / "store")
    path = live_build(store).directory / KEPT_FILE
    with gzip.open(path, "rt", encoding="utf-8") as f:
        document = json.load(f)
    document["data_version"] = "another"
    text = texts("2022")[0]
    document["answers"][text] = document["answers"][text].replace("2022", "1999")
    with gzip.open(path, "wt", encoding="utf-8") as f:
        json.dump(document, f)
    with client(store) as app:
        recorder = Recorder(app.app)
        page = app.get("/projects", headers=HTML).text
    assert "1999" not in page
    assert "report-years" in recorder.names


def test_the_home_page_shows_the_first_priorities_of_many_and_links_to_all(built, tmp_path, settings_env):
    """A graph of many strategies has hundreds of priorities: the home page shows and charts the
    first ``HOME_PRIORITIES`` (by notation) and links to all of them in its ``.csv`` twin."""
    import pyoxigraph as ox

    from graph_service.web.views.home import HOME_PRIORITIES
    from zhytomyr_kg.settings import ZKG

    store = copy_store(store_dir(built), tmp_path / "store")
    build = live_build(store).directory
    (build / KEPT_FILE).unlink(missing_ok=True)
    graph = ox.Store(str(build / "oxigraph"))
    extra = ox.NamedNode("https://w3id.org/zhytomyr-kg/graph/strategy/extra")
    for k in range(20):
        node = ox.NamedNode(f"https://w3id.org/zhytomyr-kg/id/priority/extra-{k:02d}")
        graph.add(
            ox.Quad(
                node,
                ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                ox.NamedNode(ZKG + "Priority"),
                extra,
            )
        )
        graph.add(
            ox.Quad(
                node,
                ox.NamedNode("http://www.w3.org/2004/02/skos/core#notation"),
                ox.Literal(f"9.{k:02d}"),
                extra,
            )
        )
        graph.add(
            ox.Quad(
                node,
                ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                ox.Literal(f"Додатковий {k}", language="uk"),
                extra,
            )
        )
    graph.flush()
    del graph
    with client(store) as app:
        page = app.get("/", headers=HTML).text
        twin = app.get("/index.csv?table=priorities").text
    rows = page.split('<section class="priorities">', 1)[1].split("</section>", 1)[0]
    assert rows.count('<tr class="priority">') == HOME_PRIORITIES
    assert "/index.csv?table=priorities" in rows and "26" in rows  # all 26 priorities, linked
    assert twin.count("/id/priority/") == 26
    assert "Додатковий 5" in page and "Додатковий 6" not in page  # 6 of the report's, then 6 more
