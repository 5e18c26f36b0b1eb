"""The whole 2022 report as a graph: nothing dropped, nothing invented, counts a reader verified."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from etl.text import strip_html
from graph_service.store import named_queries
from tests.conftest import select
from zhytomyr_kg.resources import BUNDLED_REPORT

REPORT_SHA256 = "62655dc39926373571b19194d98161c9fb5d2d6902c0295804566b95c4a188d2"
ZKG = "https://w3id.org/zhytomyr-kg/ontology#"
PREFIX = f"PREFIX zkg: <{ZKG}>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"


def test_bundled_report_is_the_byte_identical_seed():
    assert hashlib.sha256(BUNDLED_REPORT.read_bytes()).hexdigest() == REPORT_SHA256
    seed = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_117783d41a51546a.txt"
    if seed.exists():
        assert seed.read_bytes() == BUNDLED_REPORT.read_bytes()


def test_class_counts(store):
    rows = {
        r["class"].removeprefix(ZKG): int(r["entities"])
        for r in select(store, named_queries.get("class-counts").text)
    }
    # read off the report: 6 tables; 25 "Стратегічна ціль"/italic goal headers; 86 task rows
    assert rows["Priority"] == 6
    assert rows["StrategicGoal"] == 25
    assert rows["Task"] == 86
    assert rows["Department"] == 24


def test_projects_per_priority_match_a_reading_of_the_report(store):
    """Counted by hand from the project column of each table (a title listed under two tasks of
    one priority — "Реновація території навколо Житнього ринку" — counts once)."""
    rows = select(store, named_queries.get("projects-per-priority").text)
    assert {r["notation"]: int(r["projects"]) for r in rows} == {
        "1": 13,
        "2": 28,
        "3": 56,
        "4": 26,
        "5": 22,
        "6": 30,
    }


def test_projects_suspended_because_of_martial_law(store):
    """The old query name now lists projects whose state is suspended or whose cause is martial law
    (tests/data/status_reference.csv, read by hand): the 12 suspended projects (призупинено), the
    projects whose events were not held (88, 103, 106, 276, 277), whose works were not begun or
    drafted (110, 283, 285, 341) and line 139 whose repairs "were not carried out because of martial
    law" while the rest went on."""
    rows = select(store, named_queries.get("suspended-martial-law").text)
    assert sorted(int(r["line"]) for r in rows) == [
        14, 20, 88, 103, 106, 110, 139, 152, 170, 172, 173, 174, 176, 177, 178, 199, 202, 257, 276, 277, 283, 285, 341,
    ]  # fmt: skip
    assert all(r["evidence"] for r in rows)
    assert {r["cause"] for r in rows} == {"martial_law"}
    assert {r["state"] for r in rows} == {"suspended", "not_held", "not_started", "in_progress"}


def test_projects_of_a_department(store):
    query = named_queries.get("department-projects").bind(
        department="https://w3id.org/zhytomyr-kg/id/department/upravlinnia-rozvytku-informatsiinykh-tekhnolohii-miskoi-rady"
    )
    rows = select(store, query)
    # lines 123, 125-128: five e-government projects of the IT directorate, all under task 3 of goal 3
    assert sorted({r["projectLabel"] for r in rows}) == sorted(
        [
            "Електронне урядування в управлінні містом",
            "Формування системи е-взаємодії",
            "Промоційна компанія можливостей електронного урядування",
            "Кабінет мешканця",
            "Створення міського білінгового центру",
        ]
    )
    assert {r["task"] for r in rows} == {"https://w3id.org/zhytomyr-kg/id/task/innovatsiine-misto/3/3"}
    assert {r["priorityLabel"] for r in rows} == {"Інноваційне місто"}


def _structural_lines() -> set[int]:
    """Lines that carry no row: table titles, column headers, markdown separators (read off
    the file by their shape, independently of the parser)."""
    lines = BUNDLED_REPORT.read_text(encoding="utf-8").split("\n")
    found = set()
    for number, line in enumerate(lines, start=1):
        cells = [c.strip() for c in line.split("\t")]
        if (
            line.startswith("**")
            or line.rstrip().endswith("**")
            or cells[0].startswith("№ з/п")
            or all(re.fullmatch(r"-*", c) for c in cells)
        ):
            found.add(number)
    return found


def test_every_line_with_content_is_represented(store):
    lines = BUNDLED_REPORT.read_text(encoding="utf-8").split("\n")
    content = {n for n, line in enumerate(lines, start=1) if line.strip()}
    rows = select(
        store,
        PREFIX
        + """
        SELECT ?line WHERE {
          { ?e zkg:sourceLine ?line } UNION { ?e zkg:continuationLine ?line }
        }""",
    )
    represented = {int(r["line"]) for r in rows}
    goals = select(
        store,
        PREFIX
        + "SELECT ?line ?label WHERE { ?g a zkg:StrategicGoal ; zkg:sourceLine ?line ; rdfs:label ?label FILTER(lang(?label)='uk') }",
    )
    for goal in goals:  # a goal's title sits on the next line with content (or on the same one)
        start = int(goal["line"])
        title_line = next(
            n for n in range(start, len(lines) + 1) if goal["label"] in strip_html(lines[n - 1])
        )
        represented.add(title_line)
    missing = sorted(content - represented - _structural_lines())
    assert missing == []


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?;])\s+", text) if len(s.strip()) > 3]


def test_no_progress_text_is_lost(store, departments):
    texts = select(store, PREFIX + "SELECT ?text WHERE { ?r a zkg:ProgressReport ; zkg:text ?text }")
    corpus = re.sub(r"\s+", " ", " ".join(r["text"] for r in texts))
    lost = []
    for number, line in enumerate(BUNDLED_REPORT.read_text(encoding="utf-8").split("\n"), start=1):
        cells = [c for c in line.split("\t")]
        if len(cells) < 4 or number in _structural_lines() or not any(c.strip() for c in cells[1:]):
            continue  # goal headers and titles have only their first cell
        progress = next((c for c in reversed(cells) if c.strip()), "")
        if len(cells) == 4 and not cells[2].strip() and cells[0].strip() + cells[1].strip():
            progress = departments.split_prefix(progress)[1]  # body and text merged in one cell
        for sentence in _sentences(strip_html(progress)):
            if sentence not in corpus:
                lost.append((number, sentence[:80]))
    assert lost == []


def test_every_label_has_an_english_translation(store):
    rows = select(
        store,
        PREFIX
        + """
        SELECT ?e ?uk WHERE {
          VALUES ?c { zkg:Priority zkg:StrategicGoal zkg:Task zkg:Project zkg:Department zkg:Status }
          ?e a ?c ; rdfs:label ?uk . FILTER(lang(?uk) = "uk")
          FILTER NOT EXISTS { ?e rdfs:label ?en . FILTER(lang(?en) = "en") }
        }""",
    )
    assert rows == []


def test_provenance_on_every_extracted_entity(store):
    rows = select(
        store,
        PREFIX
        + """
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?e WHERE {
          VALUES ?c { zkg:Priority zkg:StrategicGoal zkg:Task zkg:Project zkg:ProgressReport }
          ?e a ?c .
          FILTER NOT EXISTS { ?e zkg:sourceLine ?l ; prov:wasDerivedFrom ?doc }
        }""",
    )
    assert rows == []


def test_every_instance_has_the_standard_superclass(store):
    pairs = {
        "Priority": "http://www.w3.org/2004/02/skos/core#Concept",
        "StrategicGoal": "http://www.w3.org/2004/02/skos/core#Concept",
        "Task": "http://www.w3.org/2004/02/skos/core#Concept",
        "Project": "https://schema.org/Project",
        "ProgressReport": "http://www.w3.org/ns/prov#Entity",
        "Department": "http://www.w3.org/ns/org#OrganizationalUnit",
    }
    for cls, sup in pairs.items():
        rows = select(store, f"SELECT ?e WHERE {{ ?e a <{ZKG}{cls}> FILTER NOT EXISTS {{ ?e a <{sup}> }} }}")
        assert rows == [], cls


@pytest.mark.parametrize("graph", ["ontology", "authority", "report/zhytomyr-2022"])
def test_named_graphs(store, graph):
    iri = f"https://w3id.org/zhytomyr-kg/graph/{graph}"
    assert select(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")[0]["n"] != "0"


def test_every_zkg_term_used_is_defined_bilingually(store):
    """The ontology defines every zkg: class and property the data uses, with uk and en labels
    and comments."""
    used = select(
        store,
        PREFIX
        + f"""
        SELECT DISTINCT ?term WHERE {{
          {{ ?s ?term ?o }} UNION {{ ?s a ?term }}
          FILTER(STRSTARTS(STR(?term), "{ZKG}"))
        }}""",
    )
    missing = []
    for row in used:
        term = row["term"]
        for prop in ("rdfs:label", "rdfs:comment"):
            langs = {
                r["l"]
                for r in select(store, PREFIX + f"SELECT (LANG(?v) AS ?l) WHERE {{ <{term}> {prop} ?v }}")
            }
            if not {"uk", "en"} <= langs:
                missing.append((term, prop, sorted(langs)))
    assert len(used) > 20
    assert missing == []
