"""Page queries are under /sparql's limits (#15): a page whose query would run for minutes, or
need more memory than a query worker may use, answers 503 with ``Retry-After`` and a message in
the reader's language, and the HTTP process stays up and answers the next requests.

The store is the sample graph plus two hostile entities whose page queries explode by their
data alone (the named queries are the project's own):

* ``…/id/thing/slow`` (the generic entity page): 30 values, each with 500 Ukrainian and 500
  English labels, so ``page-entity`` (every value's labels, grouped per value) walks 7.5 million
  rows — seconds at least, against a page deadline of half a second;
* ``…/id/goal/greedy/1`` (a strategic goal's page): two tasks with 300 + 300 labels, each with
  a project of 30 + 30 labels, so ``page-goal`` sorts 2 × 81 million rows — far more than the
  300 MiB a query worker gets here (the deadline is 60 s: it is the memory cap that stops it).
"""

from __future__ import annotations

import httpx
import pytest
from pyoxigraph import Literal, NamedNode, Quad

from graph_service.sample_graphs import RDF, RDFS, sample_quads
from graph_service.testing import build_store, running, service_cmd
from graph_service.web import i18n
from zhytomyr_kg.settings import ZKG, Settings

pytestmark = [pytest.mark.hostile, pytest.mark.processes, pytest.mark.slow]

CAP = 300 * 1024 * 1024
HTML = {"Accept": "text/html"}
NORMAL = "/id/project/enerhoefektyvnist-shkil"


def labelled(node: NamedNode, n: int, graph: NamedNode) -> list[Quad]:
    return [
        Quad(
            node,
            NamedNode(RDFS + "label"),
            Literal(f"{node.value.rsplit('/', 1)[-1]} {i}", language=lang),
            graph,
        )
        for i in range(n)
        for lang in ("uk", "en")
    ]


def hostile_quads(settings: Settings) -> list[Quad]:
    B, g = settings.id_base, NamedNode(settings.graph("report/hostile"))
    quads = list(sample_quads(settings))
    slow = NamedNode(B + "thing/slow")
    for i in range(30):
        value = NamedNode(f"{B}thing/value-{i}")
        quads.append(Quad(slow, NamedNode(ZKG + "relatedTo"), value, g))
        quads += labelled(value, 500, g)
    goal = NamedNode(B + "goal/greedy/1")
    quads += [
        Quad(goal, NamedNode(RDF + "type"), NamedNode(ZKG + "StrategicGoal"), g),
        Quad(goal, NamedNode(ZKG + "inPriority"), NamedNode(B + "priority/efektyvne-misto"), g),
    ]
    for t in range(2):
        task, project = NamedNode(f"{B}task/greedy/1/{t}"), NamedNode(f"{B}project/greedy-{t}")
        quads += [
            Quad(task, NamedNode(ZKG + "inGoal"), goal, g),
            Quad(project, NamedNode(ZKG + "inTask"), task, g),
        ]
        quads += labelled(task, 300, g) + labelled(project, 30, g)
    return quads


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory):
    store = tmp_path_factory.mktemp("page-limits")
    build_store(store, hostile_quads(Settings(store=store)))
    return store


def serve(store, **env: str):
    return running(
        service_cmd(),
        "/health",
        env={
            "ZKG_STORE": str(store),
            "ZKG_ACCESS_LOG": "0",
            "ZKG_SPARQL_POOL_SIZE": "1",
            "ZKG_PAGES_PRERENDER": "0",  # render only what the test asks for
            "ZKG_HEALTH_DETAILS": "1",
            **env,
        },
    )


def still_serving(server) -> None:
    """The HTTP process that answered the 503 is the one answering now, and it answers."""
    assert server.proc.poll() is None
    health = httpx.get(server.base + "/health", timeout=30)
    assert health.status_code == 200, health.text
    normal = httpx.get(server.base + NORMAL, headers=HTML, timeout=30)
    assert normal.status_code == 200 and "Енергоефективність" in normal.text
    assert server.proc.poll() is None


def test_a_page_past_the_deadline_answers_503_and_the_process_goes_on(hostile_store):
    with serve(hostile_store, ZKG_PAGES_TIMEOUT="0.5", ZKG_SPARQL_TIMEOUT="30") as server:
        before = httpx.get(server.base + "/health", timeout=30).json()["executor"]
        # the budget, not a fixed quad count, decided the in-memory copy, and /health says so
        assert before["memory"]["source"] == "ZKG_MEMORY_BUDGET" and before["memory"]["in_memory"]
        assert before["memory"]["why"].startswith("held in memory: ")
        page = httpx.get(server.base + "/id/thing/slow", headers=HTML, timeout=120)
        assert page.status_code == 503, page.text[:500]
        assert page.headers["retry-after"] == "1"
        assert i18n.t("page_stopped_timeout", "uk") in page.text
        assert "ZKG_PAGES_TIMEOUT" in page.text
        english = httpx.get(server.base + "/id/thing/slow?lang=en", headers=HTML, timeout=120)
        assert english.status_code == 503 and i18n.t("page_stopped_timeout", "en") in english.text
        table = httpx.get(server.base + "/id/thing/slow.json", timeout=120)  # not a page: plain text
        assert table.status_code == 503 and table.headers["retry-after"] == "1"
        assert i18n.t("page_stopped_timeout", "uk") in table.text
        still_serving(server)
        after = httpx.get(server.base + "/health", timeout=30).json()["executor"]
        # the worker running the query was killed and replaced (a request that timed out waiting for
        # the replacement killed none)
        assert after["restarts"] >= 1 and after["pids"] != before["pids"]


def test_a_page_past_the_memory_cap_answers_503_and_the_process_goes_on(hostile_store):
    env = {
        "ZKG_SPARQL_WORKER_MEMORY": str(CAP),
        "ZKG_SPARQL_MEMORY_QUADS": "0",  # the store on disk: a worker starts in ~200 MiB
        "ZKG_PAGES_TIMEOUT": "60",
    }
    with serve(hostile_store, **env) as server:
        page = httpx.get(server.base + "/id/goal/greedy/1?lang=en", headers=HTML, timeout=120)
        assert page.status_code == 503, page.text[:500]
        assert page.headers["retry-after"] == "1"
        assert i18n.t("page_stopped_memory", "en") in page.text
        assert "ZKG_SPARQL_WORKER_MEMORY" in page.text
        still_serving(server)
        executor = httpx.get(server.base + "/health", timeout=30).json()["executor"]
        assert executor["out_of_memory"] >= 1 and executor["memory_limit"] == CAP
        assert (
            executor["memory"]["source"] == "ZKG_SPARQL_MEMORY_QUADS" and not executor["memory"]["in_memory"]
        )
