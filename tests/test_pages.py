"""What each page shows, checked against the report (read by hand) and the graph; data twins;
the queries behind each page; two languages; a fixed number of queries per page."""

from __future__ import annotations

import csv
import html as htmllib
import io
import re
from urllib.parse import parse_qs, urlparse

import pytest
from fastapi.testclient import TestClient

from tests.pages_support import HTML, B, CountingBackend, one, pages_app, store_dir
from zhytomyr_kg.settings import ZKG, Settings

GIZ_TASK = "task/inkliuzyvne-misto/2/4"  # "Залучати до реалізації суспільних послуг …", GIZ named at line 424
TOWER = "project/vodonapirna-vezha-z-prylehloiu-terytoriieiu-vul-pushkinska-vul-lermontovska"  # line 257
ECONOMY = "department/departament-ekonomichnoho-rozvytku-miskoi-rady"


def get(client, path, **headers):
    r = client.get(path, headers={**HTML, **headers})
    assert r.status_code == 200, (path, r.status_code, r.text[:500])
    return r.text


def main(html: str) -> str:
    return html.split("<main>", 1)[1].split("</main>", 1)[0]


def test_home_lists_six_priorities_with_counts_from_the_graph(pages_client, store):
    page = main(get(pages_client, "/"))
    rows = re.findall(r'<tr class="priority">(.*?)</tr>', page, re.S)
    assert len(rows) == 6
    for row in rows:
        iri = B + re.search(r'href="http://testserver/id/([^"?]+)"', row).group(1)
        goals = one(store, f"SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE {{ ?g zkg:inPriority <{iri}> }}")
        tasks = one(
            store, f"SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE {{ ?t zkg:inGoal/zkg:inPriority <{iri}> }}"
        )
        projects = one(
            store,
            f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p zkg:inTask/zkg:inGoal/zkg:inPriority <{iri}> }}",
        )
        assert f'<td class="num goals">{goals}</td>' in row
        assert f'<td class="num tasks">{tasks}</td>' in row
        assert f'<td class="num projects">{projects}</td>' in row
        assert "status-" in row  # statuses with counts
    # "Ефективне місто" has 4 goals (read from the report: goals at lines 7, 15, 25, 33)
    assert "Ефективне місто" in page
    assert (
        'href="http://testserver/id/funder/giz"' in page and 'href="http://testserver/id/funder/ebrd"' in page
    )
    assert 'action="http://testserver/search"' in page


def test_priority_goal_task_pages_chain(pages_client):
    priority = main(get(pages_client, "/id/priority/efektyvne-misto"))
    assert 'href="http://testserver/id/goal/efektyvne-misto/1"' in priority
    assert 'href="http://testserver/id/task/efektyvne-misto/1/1"' in priority
    goal = main(get(pages_client, "/id/goal/efektyvne-misto/1"))
    assert 'class="crumbs"' in goal and 'href="http://testserver/id/priority/efektyvne-misto"' in goal
    assert 'href="http://testserver/id/project/biznes-platforma"' in goal  # task 1.1 lists "Бізнес-платформа"
    task = main(get(pages_client, "/id/" + GIZ_TASK))
    crumbs = re.search(r'<nav class="crumbs".*?</nav>', task, re.S).group(0)
    assert "priority/inkliuzyvne-misto" in crumbs and "goal/inkliuzyvne-misto/2" in crumbs
    # the task-level report's text, with GIZ highlighted as a funder
    assert '<a class="mention rel-fundedBy" href="http://testserver/id/funder/giz"' in task


def test_project_page_shows_everything_the_issue_lists(pages_client, store):
    page = main(get(pages_client, "/id/" + TOWER))
    assert "<h1>Водонапірна вежа з прилеглою територією (вул. Пушкінська, вул. Лермонтовська)</h1>" in page
    assert 'lang="en">Water Tower with the Adjacent Area' in page
    assert "2021–2023" in page  # "2021-2023 роки" in the report
    crumbs = re.search(r'<nav class="crumbs".*?</nav>', page, re.S).group(0)
    assert (
        crumbs.index("priority/aktyvne-misto")
        < crumbs.index("goal/aktyvne-misto/2")
        < crumbs.index("task/aktyvne-misto/2/1")
    )
    assert 'href="http://testserver/id/department/ku-ahentsiia-rozvytku-mista-miskoi-rady"' in page
    assert re.search(r'<dd class="partners"><a href="http://testserver/id/funder/giz">', page)
    assert 'href="http://testserver/id/place/vodonapirna-bashta"' in page
    assert "status-suspended" in page  # state suspended + cause martial law (was suspended_martial_law)
    assert "У зв&#39;язку із введенням воєнного стану" in page  # the evidence
    assert 'href="http://testserver/id/source/zhytomyr-2022#L257"' in page
    # every mention of the report on this project is highlighted and linked at its offsets
    mentions = list(
        store.query(
            f"""PREFIX zkg: <{ZKG}>
        SELECT ?form ?target WHERE {{ ?r zkg:reportsOn <{B}{TOWER}> . ?m zkg:inReport ?r ; zkg:surfaceForm ?form ; zkg:target ?target }}""",
            use_default_graph_as_union=True,
        )
    )
    assert len(mentions) >= 4
    marked = re.findall(r'<a class="mention[^"]*" href="([^"]+)"[^>]*><mark>(.*?)</mark></a>', page)
    expected = sorted(
        (m["target"].value.replace("https://w3id.org/zhytomyr-kg", "http://testserver"), m["form"].value)
        for m in mentions
    )
    assert sorted((h, htmllib.unescape(t)) for h, t in marked) == expected


def test_department_page_groups_work_by_priority_and_status(pages_client):
    page = main(get(pages_client, "/id/" + ECONOMY))
    assert "<h1>Департамент економічного розвитку міської ради</h1>" in page
    groups = re.findall(r'<section class="priority-group">(.*?)</section>', page, re.S)
    assert len(groups) >= 2
    efficient = next(g for g in groups if "priority/efektyvne-misto" in g)
    assert 'href="http://testserver/id/project/biznes-platforma"' in efficient  # line 9
    # one module of a 2019-2023 platform is an output of a work in progress, not a completion (#10)
    assert "status-in_progress" in efficient
    partners = re.search(r'<section class="partners">(.*?)</section>', page, re.S).group(1)
    assert 'href="http://testserver/id/funder/seco"' in partners


def test_giz_funder_page(pages_client):
    page = main(get(pages_client, "/id/funder/giz"))
    rows = re.findall(r'<tr class="work[^"]*">(.*?)</tr>', page, re.S)
    task_row = next(r for r in rows if GIZ_TASK in r)
    assert 'href="http://testserver/id/source/zhytomyr-2022#L424"' in task_row  # GIZ named at line 424
    assert "фінансує" in task_row
    tower_row = next(r for r in rows if TOWER in r)
    assert "партнер" in tower_row and "#L257" in tower_row
    assert 'href="http://testserver/id/department/ku-ahentsiia-rozvytku-mista-miskoi-rady"' in tower_row
    assert 'href="http://testserver/id/priority/inkliuzyvne-misto"' in page
    assert 'href="http://testserver/id/programme/integrated-urban-development-in-ukraine-ii"' in page
    assert 'href="http://testserver/id/place/vodonapirna-bashta"' in page
    svg = re.search(r"<svg .*?</svg>", page, re.S).group(0)
    assert "<script" not in svg
    assert 'href="http://testserver/id/funder/giz"' in svg
    assert f'href="http://testserver/id/{TOWER}"' in svg and f'href="http://testserver/id/{GIZ_TASK}"' in svg
    assert 'href="http://testserver/id/department/ku-ahentsiia-rozvytku-mista-miskoi-rady"' in svg
    assert svg.count("<path") >= 3


def test_place_page(pages_client):
    page = main(get(pages_client, "/id/place/vulytsia-pushkinska"))
    mentioned = re.search(r'<section class="mentioned-in">(.*?)</section>', page, re.S).group(1)
    assert TOWER in mentioned and "#L257" in mentioned and "«вул. Пушкінська, 24»" in mentioned
    city = main(get(pages_client, "/id/place/zhytomyr"))
    assert 'href="http://testserver/id/place/vulytsia-pushkinska"' in city  # contains


def test_generic_page_for_other_entities(pages_client):
    page = main(get(pages_client, "/id/status/completed"))
    assert "<h1>Виконано</h1>" in page and 'lang="en">Completed' in page
    assert 'class="properties" open' in page
    assert 'class="incoming"' in page and "/id/report/2022/" in page
    programme = main(get(pages_client, "/id/programme/eu4business"))
    assert "EU4Business" in programme and 'href="http://testserver/id/report/2022/' in programme


def test_source_view_links_each_line_to_what_it_produced(pages_client):
    page = main(get(pages_client, "/id/source/zhytomyr-2022"))
    row = re.search(r'<tr id="L424">(.*?)</tr>', page, re.S).group(1)
    assert "Deutsche Gesellschaft für Internationale Zusammenarbeit (GIZ) GmbH" in row  # the line's text
    assert 'href="http://testserver/id/funder/giz"' in row and "/id/report/2022/inkliuzyvne-misto/2/4" in row
    row9 = re.search(r'<tr id="L9">(.*?)</tr>', page, re.S).group(1)
    assert (
        'href="http://testserver/id/project/biznes-platforma"' in row9
        and 'href="http://testserver/id/task/efektyvne-misto/1/1"' in row9
    )
    assert len(re.findall(r'<tr id="L\d+">', page)) == 458


def test_project_list_facets_counts_and_twins(pages_client, store):
    total = int(one(store, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a zkg:Project }"))
    page = main(get(pages_client, "/projects"))
    assert f" {total}</p>" in page
    completed = B + "status/completed"
    facet = re.search(r'<section class="facet facet-status">(.*?)</section>', page, re.S).group(1)
    count = int(
        re.search(
            r"status="
            + re.escape("https%3A%2F%2Fw3id.org%2Fzhytomyr-kg%2Fid%2Fstatus%2Fcompleted")
            + r'">[^<]*</a> <span class="count">(\d+)',
            facet,
        ).group(1)
    )
    n_completed = int(
        one(
            store,
            f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p a zkg:Project . ?r zkg:reportsOn ?p ; zkg:status <{completed}> }}",
        )
    )
    assert count == n_completed
    filtered = pages_client.get("/projects.csv", params={"status": completed})
    assert filtered.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(filtered.text)))
    assert len(rows) == n_completed and all(completed in r["status"].split() for r in rows)
    data = pages_client.get("/projects.json", params={"status": completed}).json()
    assert len(data["tables"]["projects"]["rows"]) == n_completed
    assert [q["name"] for q in data["queries"]] == [
        "report-years",
        "page-projects-facets",
        "page-projects",
        "page-projects-rows",
    ]
    # facets combine: completed ∩ a priority (line 311, the waste-processing plant, "Зелене місто")
    both = pages_client.get(
        "/projects.csv", params={"status": completed, "priority": B + "priority/zelene-misto"}
    ).text
    assert 0 < len(list(csv.DictReader(io.StringIO(both)))) <= n_completed


@pytest.mark.parametrize(
    "name,facets",
    [
        ("departments", ["priority", "status", "funds", "partner", "supported"]),
        ("funders", ["kind", "relation", "priority", "department", "status"]),
        ("places", ["kind", "priority", "status"]),
    ],
)
def test_other_lists_have_facets_and_twins(pages_client, name, facets):
    page = main(get(pages_client, f"/{name}"))
    for facet in facets:
        assert f'class="facet facet-{facet}"' in page
    data = pages_client.get(f"/{name}.json").json()
    assert data["tables"][name]["rows"]
    assert pages_client.get(f"/{name}?format=csv").headers["content-type"].startswith("text/csv")


def test_entity_pages_offer_their_tables(pages_client):
    data = pages_client.get("/id/funder/giz.json").json()
    works = {r["work"] for r in data["tables"]["works"]["rows"]}
    assert B + GIZ_TASK in works and B + TOWER in works
    csv_text = pages_client.get("/id/funder/giz.csv").text
    assert csv_text.splitlines()[0].startswith("relation,work,")
    mentions = pages_client.get(f"/id/{TOWER}.csv", params={"table": "mentions"}).text
    assert "GIZ" in mentions
    assert pages_client.get(f"/id/{TOWER}.csv", params={"table": "nope"}).status_code == 404


def test_each_page_shows_its_queries_and_they_reproduce_the_data(pages_client):
    page = get(pages_client, "/id/funder/giz")
    assert "queries/page-entity.rq" in page and "queries/page-funder.rq" in page
    links = re.findall(r'<a class="editor" href="([^"]+)"', page)
    assert links and all(urlparse(htmllib.unescape(u)).path == "/query" for u in links)
    funder_query = next(
        parse_qs(urlparse(htmllib.unescape(u)).query)["query"][0]
        for u in links
        if "page-funder.rq" in parse_qs(urlparse(htmllib.unescape(u)).query)["query"][0]
        or "the work a funder financed" in parse_qs(urlparse(htmllib.unescape(u)).query)["query"][0]
    )
    assert f"VALUES ?entity {{ <{B}funder/giz> }}" in funder_query
    result = pages_client.get(
        "/sparql", params={"query": funder_query}, headers={"Accept": "application/sparql-results+json"}
    ).json()
    page_rows = pages_client.get("/id/funder/giz.json").json()["tables"]["works"]["rows"]
    assert len(result["results"]["bindings"]) == len(page_rows)


def test_two_languages(pages_client):
    en = get(pages_client, "/id/" + TOWER, **{"Accept-Language": "en-GB,en;q=0.9,uk;q=0.5"})
    assert '<html lang="en">' in en and "<h1>Water Tower with the Adjacent Area" in en
    # the state is "suspended" (its cause, martial law, is zkg:cause since #10)
    assert ">Projects</a>" in en and ">Suspended<" in en
    uk = get(pages_client, "/id/" + TOWER, **{"Accept-Language": "uk"})
    assert "<h1>Водонапірна вежа" in uk and ">Проєкти</a>" in uk
    # ?lang= wins over Accept-Language and persists in the links
    chosen = get(pages_client, "/id/" + TOWER + "?lang=en", **{"Accept-Language": "uk"})
    assert "<h1>Water Tower" in chosen
    assert 'href="http://testserver/id/funder/giz?lang=en"' in chosen
    assert 'href="http://testserver/projects?lang=en"' in chosen
    assert 'href="http://testserver/id/source/zhytomyr-2022?lang=en#L257"' in chosen
    # the switch goes to the same page in the other language
    assert f'href="http://testserver/id/{TOWER}?lang=uk"' in chosen
    # where the data has no English label, the Ukrainian one is shown, marked
    source = get(pages_client, "/id/source/zhytomyr-2022?lang=en")
    assert re.search(r'<h1><span lang="uk" class="fallback"[^>]*>Інформація про виконання', source)


def test_no_n_plus_one(built):
    """Each page runs a fixed, small number of queries, however many links it shows."""
    backend = CountingBackend(store_dir(built))
    app = pages_app(backend, Settings(store=store_dir(built)))
    entity_pages = {  # + 1 for each: the schema.org JSON-LD embedded in the page (queries/schema-entity.rq)
        "/id/priority/efektyvne-misto": 3,  # entity, goals and tasks, the charts' counts by goal
        "/id/goal/efektyvne-misto/1": 2,
        "/id/" + GIZ_TASK: 7,  # entity, report years (the latest), task, reports, mentions, outputs, support
        "/id/" + TOWER: 7,  # entity, breadcrumb, reports, mentions, timeline, outputs, support
        "/id/" + ECONOMY: 4,  # entity, report years (the latest), works with their states, partners
        "/id/funder/giz": 3,
        "/id/funder/eu": 3,
        "/id/place/zhytomyr": 2,
        "/id/source/zhytomyr-2022": 2,
        "/id/status/completed": 2,
        "/id/report/2022/inkliuzyvne-misto/2/4": 3,
    }
    limits = {
        "/": 4,  # priorities, statuses, the first page of funders and their counts
        # the report years (the year facet, the latest year), the facet counts, the page's items
        # and their columns
        "/projects": 4,
        "/departments": 4,
        "/funders": 4,
        "/places": 4,
        "/id/funder/giz.ttl": 1,
        **{path: n + 1 for path, n in entity_pages.items()},
    }
    with TestClient(app) as client:
        for path, limit in limits.items():
            backend.calls.clear()
            r = client.get(path, headers=HTML)
            assert r.status_code == 200
            links = r.text.count("<a ")
            assert len(backend.calls) <= limit, (path, len(backend.calls))
            assert path.endswith(".ttl") or links > 2 * len(backend.calls)


def test_results_are_cached_per_data_version(built):
    backend = CountingBackend(store_dir(built))
    app = pages_app(backend, Settings(store=store_dir(built)), cache_entries=64)
    with TestClient(app) as client:
        client.get("/id/funder/giz", headers=HTML)
        first = len(backend.calls)
        client.get("/id/funder/giz", headers=HTML)
        assert len(backend.calls) == first


def test_responses_are_cached_per_data_version_host_language_and_format(built):
    """The service app replays finished page responses (graph_service/web/cache.py)."""
    from graph_service.web.app import create_app

    backend = CountingBackend(store_dir(built))
    app = create_app(backend)
    with TestClient(app) as client:
        first = client.get("/id/funder/giz", headers=HTML)
        calls = len(backend.calls)
        again = client.get("/id/funder/giz", headers=HTML)
        assert len(backend.calls) == calls  # neither queried nor rendered again
        assert again.content == first.content and again.headers == first.headers
        english = client.get("/id/funder/giz", headers={**HTML, "Accept-Language": "en"})
        assert english.headers["content-language"] == "en" and english.content != first.content
        other_host = client.get("/id/funder/giz", headers={**HTML, "Host": "staging.example"})
        assert (
            'href="http://staging.example/id/' in other_host.text
            and 'href="http://testserver/id/' not in other_host.text
        )
        turtle = client.get("/id/funder/giz", headers={"Accept": "text/turtle"})
        assert turtle.headers["content-type"].startswith("text/turtle")
        assert client.get("/id/funder/giz.csv").headers["content-type"].startswith("text/csv")
        explicit = client.get("/id/funder/giz?lang=en", headers=HTML).text  # the choice kept in links
        assert 'href="http://testserver/id/department/' in explicit and "?lang=en" in explicit
        assert explicit != english.text
        # a new data version: answered afresh
        backend.data_version = lambda: "another-version"
        backend.calls.clear()
        assert client.get("/id/funder/giz", headers=HTML).content == first.content
        assert backend.calls
