"""RDF of mentions, programme ties and locations, and the named queries on a small contract-shaped fixture.

The fixture states, by hand and per the contract, the structure of a few rows of the 2022
report (priority → goal → task → project, report zkg:reportsOn, zkg:responsibleBody); the
progress texts are the report's own lines, so the expected answers are what those lines say.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from etl.extract.mentions_rdf import authority_quads, location_quads, mention_quads
from zhytomyr_kg.resources import ETL_DATA_DIR as DATA_DIR
from zhytomyr_kg.resources import QUERIES_DIR
from zhytomyr_kg.settings import ZKG, Settings

S = Settings()
B = S.id_base
G = S.graph("report/zhytomyr-2022")
LINES = (DATA_DIR / "report-2022.txt").read_text(encoding="utf-8").split("\n")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")


def text_of(line: int) -> str:
    return [c for c in LINES[line - 1].split("\t") if c.strip()][-1]


# (line, report id, what it reports on, kind, responsible department, priority, goal n, task m)
ROWS = [
    (160, "komfortne-misto/3/3", "task/komfortne-misto/3/3", "Task", "transport", "komfortne-misto", 3, 3),
    (
        155,
        "komfortne-misto/3/1/reorhanizatsiia",
        "project/reorhanizatsiia",
        "Project",
        "transport",
        "komfortne-misto",
        3,
        1,
    ),
    (
        384,
        "inkliuzyvne-misto/1/4/tsentr",
        "project/tsentr",
        "Project",
        "social-policy",
        "inkliuzyvne-misto",
        1,
        4,
    ),
    (
        424,
        "inkliuzyvne-misto/2/4/department/economy",
        "task/inkliuzyvne-misto/2/4",
        "Task",
        "economy",
        "inkliuzyvne-misto",
        2,
        4,
    ),
    (
        428,
        "inkliuzyvne-misto/2/4/department/social",
        "task/inkliuzyvne-misto/2/4",
        "Task",
        "social-policy",
        "inkliuzyvne-misto",
        2,
        4,
    ),
    (
        400,
        "inkliuzyvne-misto/1/4/kontejnery",
        "project/kontejnery",
        "Project",
        "social-policy",
        "inkliuzyvne-misto",
        1,
        4,
    ),
]


def node(path: str) -> ox.NamedNode:
    return ox.NamedNode(B + path)


def z(name: str) -> ox.NamedNode:
    return ox.NamedNode(ZKG + name)


@pytest.fixture(scope="module")
def store() -> ox.Store:
    st = ox.Store()
    st.extend(authority_quads(S))
    g = ox.NamedNode(G)
    for line, rid, work, kind, dept, prio, goal, task in ROWS:
        report = node(f"report/2022/{rid}")
        task_iri = node(f"task/{prio}/{goal}/{task}")
        quads = [
            ox.Quad(report, RDF_TYPE, z("ProgressReport"), g),
            ox.Quad(report, z("reportsOn"), node(work), g),
            ox.Quad(report, z("responsibleBody"), node(f"department/{dept}"), g),
            ox.Quad(node(work), RDF_TYPE, z(kind), g),
            ox.Quad(task_iri, RDF_TYPE, z("Task"), g),
            ox.Quad(task_iri, z("inGoal"), node(f"goal/{prio}/{goal}"), g),
            ox.Quad(node(f"goal/{prio}/{goal}"), z("inPriority"), node(f"priority/{prio}"), g),
            ox.Quad(node(f"department/{dept}"), LABEL, ox.Literal(dept, language="uk"), g),
        ]
        if kind == "Project":
            quads.append(ox.Quad(node(work), z("inTask"), task_iri, g))
        st.extend(quads)
        st.extend(
            mention_quads(
                S, G, report.value, node(work).value, text_of(line), lambda _o, n=line: n, bodies=(dept,)
            )
        )
    st.extend(
        location_quads(
            S,
            G,
            node("project/velopark").value,
            "Навчальний велопарк для дітей 2021-2023 роки (уздовж вул. Небесної сотні, 52-54)",
            "",
        )
    )
    return st


def run(store: ox.Store, name: str, values: str = "") -> list[dict[str, str]]:
    query = (QUERIES_DIR / f"{name}.rq").read_text(encoding="utf-8") + values
    solutions = store.query(query, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]  # type: ignore[union-attr]
    return [{n: (sol[n].value if sol[n] is not None else None) for n in names} for sol in solutions]  # type: ignore[union-attr]


def test_mention_nodes_offsets_and_propagation(store: ox.Store) -> None:
    text = text_of(384)
    report = f"{B}report/2022/inkliuzyvne-misto/1/4/tsentr"
    rows = list(
        store.query(
            f"SELECT ?m ?s ?e ?surface ?rel ?ev WHERE {{ ?m <{ZKG}inReport> <{report}> ; <{ZKG}target> <{B}funder/german-federal-foreign-office> ; "
            f"<{ZKG}startOffset> ?s ; <{ZKG}endOffset> ?e ; <{ZKG}surfaceForm> ?surface ; <{ZKG}sourceLine> 384 . "
            f"OPTIONAL {{ ?m <{ZKG}relation> ?rel ; <{ZKG}evidence> ?ev }} }} ORDER BY ?s",
            use_default_graph_as_union=True,
        )
    )
    assert [r["surface"].value for r in rows] == ["Міністерства закордонних справ Німеччини", "GFFO"]
    for r in rows:
        assert text[int(r["s"].value) : int(r["e"].value)] == r["surface"].value
        assert r["rel"].value == ZKG + "fundedBy" and r["ev"].value == "за фінансової підтримки"
    assert store.query(
        f"ASK {{ <{B}project/tsentr> <{ZKG}fundedBy> <{B}funder/german-federal-foreign-office> ; <{ZKG}partner> <{B}funder/adra-ukraine> , <{B}funder/adra-germany> }}",
        use_default_graph_as_union=True,
    )
    assert store.query(
        f"ASK {{ <{report}> <{ZKG}mentions> <{B}funder/adra-ukraine> ; <{ZKG}fundedBy> <{B}funder/german-federal-foreign-office> }}",
        use_default_graph_as_union=True,
    )


def test_programme_ties_only_where_the_report_ties_them(store: ox.Store) -> None:
    ties = {(r["programme"], r["funder"], r["tieLines"]) for r in run(store, "programmes-per-funder")}
    assert ties == {
        (f"{B}programme/integrated-urban-development-in-ukraine-ii", f"{B}funder/giz", "424"),
        (f"{B}programme/we-act", f"{B}funder/unfpa", "428"),
        (f"{B}programme/we-act", f"{B}funder/eu", "428"),
    }


def test_funder_projects(store: ox.Store) -> None:
    """Everything a funder backed (zkg:supportedBy), with the relation the text states."""
    got = {
        (
            r["funder"].rsplit("/", 1)[1],
            r["relation"].rsplit("#", 1)[1],
            r["work"].removeprefix(B),
            r["department"].rsplit("/", 1)[1],
            r["priority"].rsplit("/", 1)[1],
        )
        for r in run(store, "funder-projects")
    }
    assert got == {
        ("ebrd", "fundedBy", "task/komfortne-misto/3/3", "transport", "komfortne-misto"),
        ("german-federal-foreign-office", "fundedBy", "project/tsentr", "social-policy", "inkliuzyvne-misto"),
        ("adra-ukraine", "partner", "project/tsentr", "social-policy", "inkliuzyvne-misto"),
        ("adra-germany", "partner", "project/tsentr", "social-policy", "inkliuzyvne-misto"),
        ("giz", "fundedBy", "task/inkliuzyvne-misto/2/4", "economy", "inkliuzyvne-misto"),
        ("eu", "fundedBy", "task/inkliuzyvne-misto/2/4", "social-policy", "inkliuzyvne-misto"),
        ("unfpa", "partner", "task/inkliuzyvne-misto/2/4", "social-policy", "inkliuzyvne-misto"),
    }


def test_funders_per_department(store: ox.Store) -> None:
    got = {
        (r["department"].rsplit("/", 1)[1], r["funder"].rsplit("/", 1)[1], r["relation"].rsplit("#", 1)[1])
        for r in run(store, "funders-per-department")
    }
    assert ("transport", "ebrd", "fundedBy") in got
    assert ("social-policy", "adra-ukraine", "partner") in got
    assert ("social-policy", "unfpa", "partner") in got
    assert ("economy", "giz", "fundedBy") in got


def test_funder_stats(store: ox.Store) -> None:
    stats = {r["funder"].rsplit("/", 1)[1]: r for r in run(store, "funder-stats")}
    assert stats["ebrd"]["fundedTasks"] == "1" and stats["ebrd"]["fundedProjects"] == "0"
    assert stats["german-federal-foreign-office"]["fundedProjects"] == "1"
    assert stats["adra-ukraine"]["partneredProjects"] == "1"
    assert stats["seco"]["mentioningReports"] == "0"
    assert len(stats) == 22


def test_places_per_priority_and_reports_mentioning_a_place(store: ox.Store) -> None:
    per = {
        (r["priority"].rsplit("/", 1)[1], r["place"].rsplit("/", 1)[1])
        for r in run(store, "places-per-priority")
    }
    assert ("komfortne-misto", "mikroraion-malovanka") in per
    assert ("komfortne-misto", "vulytsia-borysa-liatoshynskoho") in per
    assert ("inkliuzyvne-misto", "vulytsia-kyivska-77") in per
    reports = run(store, "reports-mentioning-place", f"\nVALUES ?place {{ <{B}place/vulytsia-kyivska> }}")
    assert {(r["report"].removeprefix(B), r["surfaceForm"], r["line"]) for r in reports} == {
        ("report/2022/inkliuzyvne-misto/1/4/kontejnery", "вул. Київська, 77", "400"),
    }
    liat = run(
        store, "reports-mentioning-place", f"\nVALUES ?place {{ <{B}place/vulytsia-borysa-liatoshynskoho> }}"
    )
    assert len(liat) == 6 and {r["line"] for r in liat} == {"155"}


def test_place_type_stats_and_location(store: ox.Store) -> None:
    stats = {r["placeType"]: r for r in run(store, "place-type-stats")}
    assert stats["river"]["places"] == "6" and stats["microdistrict"]["places"] == "9"
    assert int(stats["address"]["places"]) >= 2  # found in texts: Kyivska 77, Nebesnoi Sotni 52-54 ...
    assert store.query(
        f"ASK {{ <{B}project/velopark> <https://schema.org/location> ?a . ?a <{ZKG}onStreet> <{B}place/vulytsia-nebesnoi-sotni> ; <{ZKG}houseNumber> '52-54' }}",
        use_default_graph_as_union=True,
    )


def test_all_named_queries_have_headers() -> None:
    names = {p.stem for p in QUERIES_DIR.glob("*.rq")}
    assert {
        "funder-projects",
        "funders-per-department",
        "programmes-per-funder",
        "places-per-priority",
        "reports-mentioning-place",
        "funder-stats",
        "place-type-stats",
    } <= names
    for p in QUERIES_DIR.glob("*.rq"):
        head = p.read_text(encoding="utf-8").splitlines()
        assert head[0].startswith("# title: ") and head[1].startswith("# description: "), p
    assert "# param: place" in (QUERIES_DIR / "reports-mentioning-place.rq").read_text(encoding="utf-8")


def test_mention_quads_conform_to_the_shapes() -> None:
    import pyshacl
    import rdflib

    quads = []
    for line, rid, work, *_ in ROWS:
        quads += mention_quads(
            S, G, f"{B}report/2022/{rid}", f"{B}{work}", text_of(line), lambda _o, n=line: n
        )
    g = rdflib.Graph().parse(
        data="\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads), format="nt"
    )
    conforms, _, text = pyshacl.validate(
        g,
        shacl_graph=rdflib.Graph().parse(
            Path(__file__).resolve().parent.parent / "ontology" / "shapes-mentions.ttl"
        ),
        inference="none",
    )
    assert conforms, text
