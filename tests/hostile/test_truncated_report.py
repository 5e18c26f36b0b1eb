"""A truncated report fails the build with ``file:line`` and leaves the store untouched (#14 D3).

The report is compared with the Concept's goals and tasks (``etl/data/concept_tasks.csv``) and
the six priorities of ``etl/data/priorities.csv``; a row cut at the end of the file fails too.
"""

from __future__ import annotations

import copy
import dataclasses
import io
import subprocess
import sys
from pathlib import Path

import pytest

from etl.completeness import Concept, check_complete, check_last_row, derive, write_csv
from etl.errors import ReportError
from tests.conftest import copy_store
from zhytomyr_kg import store_layout
from zhytomyr_kg.resources import BUNDLED_REPORT, ETL_DATA_DIR

pytestmark = [pytest.mark.hostile]

LINES = BUNDLED_REPORT.read_text(encoding="utf-8").split("\n")


def head(n: int) -> bytes:
    """What ``head -n N report-2022.txt`` writes."""
    return ("\n".join(LINES[:n]) + "\n").encode("utf-8")


def line_of(prefix: str) -> int:
    return next(i for i, line in enumerate(LINES, start=1) if line.startswith(prefix))


P4 = line_of('**Інформація про виконання завдань та реалізацію проєктів пріоритету "Активне')
P5 = line_of('**Інформація про виконання завдань та реалізацію проєктів пріоритету "Зелене')
P6 = line_of('**Інформація про виконання завдань та реалізацію проєктів пріоритету "Інклюзивне')
LAST_TASK = len(LINES) - 1  # "4\tСтворити медико-соціальні центри …" (its text continues on the last line)
without_p4 = LINES[: P4 - 2] + LINES[P5 - 2 :]  # the blank line before each title goes with it

CASES = {
    # name: (bytes, line named, words the message must contain)
    "before-priority-6": (head(P6 - 2), P6 - 2, "the report ends here without priority 6 (Інклюзивне місто)"),
    "the-issue-head-400": (
        head(400),
        400,
        'priority 6 (Інклюзивне місто) ends here without strategic goal 6.2 "',
    ),
    "inside-the-last-goal": (head(LAST_TASK - 1), LAST_TASK - 1, "ends here without task 6.4.4"),
    "inside-the-last-task-row": (
        "\n".join([*LINES[: LAST_TASK - 1], LINES[LAST_TASK - 1][:80]]).encode("utf-8"),
        LAST_TASK,
        "cut mid-row",
    ),
    "last-row-without-its-text-column": (
        "\n".join([*LINES[: LAST_TASK - 1], "\t".join(LINES[LAST_TASK - 1].split("\t")[:4])]).encode("utf-8"),
        LAST_TASK,
        "is the report truncated?",
    ),
    "a-table-missing-in-the-middle": (
        "\n".join(without_p4).encode("utf-8"),
        P4,  # the title of priority 5's table, moved up to where priority 4's was
        "the table of priority 4 (Активне місто) of the Concept is missing",
    ),
}


def run_cli(*args: str, store: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "zhytomyr_kg.cli", *args, "--store", str(store), "--quiet"],
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.fixture(scope="module")
def good_store(cli_built, tmp_path_factory) -> Path:
    """A copy of the session's store built by ``zhytomyr-kg build`` (tests/conftest.py)."""
    return copy_store(cli_built.store, tmp_path_factory.mktemp("good") / "store")


@pytest.mark.parametrize("case", list(CASES))
def test_a_cut_report_fails_the_build_naming_where_it_ends_and_the_store_stays(tmp_path, good_store, case):
    data, line, words = CASES[case]
    path = tmp_path / "cut.txt"
    path.write_bytes(data)
    before = store_layout.live_build(good_store)
    files_before = sorted(p.name for p in (good_store / store_layout.BUILDS).iterdir())
    result = run_cli("build", str(path), store=good_store)
    assert result.returncode == 1, result.stderr
    assert f"{path}:{line}: " in result.stderr, result.stderr
    assert words in result.stderr, result.stderr
    assert "truncated" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.rstrip().endswith("The store was not changed.")
    assert store_layout.live_build(good_store) == before
    assert sorted(p.name for p in (good_store / store_layout.BUILDS).iterdir()) == files_before
    query = run_cli("query", "ASK { ?s ?p ?o }", "--format", "json", store=good_store)
    assert query.returncode == 0 and "true" in query.stdout


# --- the curated Concept ---------------------------------------------------------------------------


def test_the_concept_table_is_what_the_2022_report_shows(real_tree):
    out = io.StringIO()
    write_csv(derive(real_tree), out)
    assert (ETL_DATA_DIR / "concept_tasks.csv").read_text(encoding="utf-8") == out.getvalue()


def test_the_concept_covers_every_priority_with_the_counts_read_off_the_report(priorities):
    concept = Concept.load()
    assert {i.priority for i in concept.items} == {p.notation for p in priorities.values()}
    assert sum(i.task is None for i in concept.items) == 25  # goals
    assert sum(i.task is not None for i in concept.items) == 86  # tasks
    for item in concept.items:  # every task belongs to a goal of the Concept
        assert item.task is None or (item.priority, item.goal, None) in {
            (g.priority, g.goal, g.task) for g in concept.items
        }


def test_the_whole_report_is_complete(real_tree, priorities):
    check_complete(real_tree, Concept.load(), priorities)


def test_a_table_without_its_last_task_names_the_task_and_where_the_table_ends(real_tree, priorities):
    tree = copy.deepcopy(real_tree)
    green = next(t for t in tree.priorities if t.notation == "5")
    green.goals[-1].tasks.pop()
    with pytest.raises(ReportError) as info:
        check_complete(tree, Concept.load(), priorities)
    assert info.value.line == green.end_line == P6 - 2
    assert "priority 5 (Зелене місто) ends here without task 5.4.3" in info.value.message


def test_a_last_row_with_fewer_columns_than_the_header_fails(real_tree):
    tree = copy.deepcopy(real_tree)
    last = len(tree.source.lines)
    assert tree.roles[last] == "continuation"
    check_last_row(tree)
    tree.source = dataclasses.replace(tree.source, lines=(*tree.source.lines[:-1], "\tlost\tcolumns"))
    with pytest.raises(ReportError) as info:
        check_last_row(tree)
    assert info.value.line == last and "3 of the header's 5 columns" in info.value.message
