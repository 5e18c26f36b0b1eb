"""The report's three questions as named queries (issue #10), each against the reading by hand:
what did the city finish in 2022, what did martial law stop, who backed which work and how."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

from graph_service.store import named_queries
from tests.conftest import select

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "data" / "status_reference.csv"
ID = "https://w3id.org/zhytomyr-kg/id/"
ZKG = "https://w3id.org/zhytomyr-kg/ontology#"


def reference() -> list[dict[str, str]]:
    with REFERENCE.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_completed_in_the_reporting_year(store) -> None:
    rows = select(store, named_queries.get("completed-in-reporting-year").text)
    expected = {
        int(r["line"]) for r in reference() if r["status"] == "completed" and r["work_year"] == "2022"
    }
    assert {int(r["line"]) for r in rows} == expected == {72, 311}
    assert all(r["evidence"] and r["year"] == "2022" for r in rows)


def test_a_2021_work_is_no_completion_of_2022(store) -> None:
    """Lines 224 and 267 describe only 2021 works: neither is a 2022 completion."""
    rows = select(store, named_queries.get("completed-in-reporting-year").text)
    assert not {224, 267} & {int(r["line"]) for r in rows}
    years = {r["line"]: r["work_year"] for r in reference()}
    assert years["224"] == years["267"] == "2021"


def test_works_martial_law_stopped_or_prevented(store) -> None:
    rows = select(store, named_queries.get("works-stopped-by-martial-law").text)
    expected = {(int(r["line"]), r["status"]) for r in reference() if r["cause"] == "martial_law"}
    assert {(int(r["line"]), r["state"]) for r in rows} == expected
    # one question for every state the war caused: suspended, cancelled, never begun, partly halted
    assert {state for _, state in expected} == {"suspended", "not_held", "not_started", "in_progress"}
    # lines 88, 103, 106 (events not held) and 283, 285, 341 (works not begun) keep their cause
    assert {88, 103, 106, 283, 285, 341} <= {line for line, _ in expected}
    assert all(r["evidence"] for r in rows)


def test_the_old_query_name_still_answers(store) -> None:
    """``suspended-martial-law`` now means state suspended or cause martial law (projects)."""
    rows = select(store, named_queries.get("suspended-martial-law").text)
    projects = {
        int(r["line"])
        for r in reference()
        if (r["status"] == "suspended" or r["cause"] == "martial_law")
        and not r["project_or_task"].startswith("завдання")
    }
    assert {int(r["line"]) for r in rows} == projects


def backing(store, funder: str) -> set[tuple[int, str]]:
    query = named_queries.get("funder-backing").bind(funder=ID + "funder/" + funder)
    return {(int(r["line"]), r["relation"].removeprefix(ZKG)) for r in select(store, query)}


def test_what_unicef_funded_or_supported(store) -> None:
    # 388/429 "за підтримки … ЮНІСЕФ реалізовано проєкт" (no money named: support);
    # 431 "проєкт «Поруч», що був ініційований ЮНІСЕФ" (programme framework: partner)
    assert backing(store, "unicef") == {(388, "supportedBy"), (429, "supportedBy"), (431, "partner")}


def test_what_giz_seco_and_the_eu_backed(store) -> None:
    # 257 "Спільно з … GIZ реалізовується проєкт" / 424 "за фінансової підтримки … (GIZ) … переобладнано"
    assert backing(store, "giz") == {(257, "partner"), (424, "fundedBy")}
    # 87, 327 "За підтримки … (SECO) закуплено обладнання"; 334, 337 "за фінансової підтримки … (SECO)";
    # 91 the ideathon "за підтримки … (SECO)" — support, no money named
    assert backing(store, "seco") == {
        (87, "fundedBy"),
        (91, "supportedBy"),
        (327, "fundedBy"),
        (334, "fundedBy"),
        (337, "fundedBy"),
    }
    # 428 "програми «We act …», що впроваджується Фондом народонаселення ООН … за фінансової підтримки Євросоюзу"
    assert backing(store, "eu") == {(428, "fundedBy")}


def test_funder_projects_show_the_relation(store) -> None:
    rows = select(store, named_queries.get("funder-projects").text)
    by_funder: dict[str, set[str]] = {}
    for r in rows:
        by_funder.setdefault(r["funder"].rsplit("/", 1)[1], set()).add(r["relation"].removeprefix(ZKG))
    assert by_funder["unicef"] == {"supportedBy", "partner"}
    assert by_funder["giz"] == {"partner", "fundedBy"}
    works = {(r["funder"].rsplit("/", 1)[1], r["work"]) for r in rows}
    assert len({w for f, w in works if f == "giz"}) == 2
    assert len({w for f, w in works if f == "seco"}) == 5


def test_stats_print_states_by_cause_and_outputs_per_year(built, tmp_path) -> None:
    store_dir = built.loaded.build_dir.parents[1]
    result = subprocess.run(
        [sys.executable, "-m", "zhytomyr_kg.cli", "stats", "--store", str(store_dir)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "## Progress reports per state and cause" in out and "## Outputs per year" in out
    assert "martial_law" in out and "suspended" in out and "2021" in out
    states = select(built.store, named_queries.get("states-by-cause").text)
    table = {(r["state"], r["cause"]): int(r["reports"]) for r in states}
    ref: dict[tuple[str, str], int] = {}
    for r in reference():
        key = (r["status"], r["cause"] or "—")
        ref[key] = ref.get(key, 0) + 1
    assert table == ref
