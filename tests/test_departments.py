"""Curated departments + alias table, and the splitter that applies them to report cells."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from etl.departments import KINDS, DepartmentIndex, UnknownDepartment, normalise_key
from etl.slug import slugify

DATA = Path(__file__).resolve().parents[1] / "etl" / "data"
REPORT = DATA / "report-2022.txt"

ECON = "departament-ekonomichnoho-rozvytku-miskoi-rady"
EDU = "departament-osvity-miskoi-rady"
FAMILY = "upravlinnia-u-spravakh-simi-molodi-ta-sportu-miskoi"
CULTURE = "upravlinnia-kultury-miskoi-rady"
COMMUNAL = "upravlinnia-komunalnoho-hospodarstva-miskoi-rady"
TRANSPORT = "upravlinnia-transportu-ta-zviazku-miskoi-rady"
EXEC = "vykonavchi-orhany-miskoi-rady"


@pytest.fixture(scope="module")
def index() -> DepartmentIndex:
    return DepartmentIndex.load()


def _rows(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", text)).strip()


def _report_lines() -> list[str]:
    return REPORT.read_text(encoding="utf-8").split("\n")


# --- table integrity ----------------------------------------------------------------------


def test_department_table_is_well_formed() -> None:
    rows = _rows("departments.csv")
    assert rows, "departments.csv is empty"
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
    for r in rows:
        assert r["id"] == slugify(r["label_uk"]), r
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", r["id"]), r
        assert r["kind"] in KINDS, r
        assert r["label_uk"][0].isupper() and r["label_en"].strip(), r
    assert [r["id"] for r in rows if r["kind"] == "executive_bodies"] == [EXEC]


def test_alias_table_integrity() -> None:
    ids = {r["id"] for r in _rows("departments.csv")}
    aliases = _rows("department_aliases.csv")
    seen: dict[str, str] = {}
    for a in aliases:
        assert a["department_id"] in ids, a
        assert a["alias"] not in seen, f"duplicate alias {a['alias']!r}"
        key = normalise_key(a["alias"])
        other = [v for k, v in seen.items() if normalise_key(k) == key and v != a["department_id"]]
        assert not other, f"{a['alias']!r} normalises onto an alias of {other}"
        seen[a["alias"]] = a["department_id"]
    # Every body has at least one spelling in the report; no orphan rows.
    assert ids == set(seen.values())


def test_every_alias_is_a_spelling_from_the_report() -> None:
    report = _clean(REPORT.read_text(encoding="utf-8"))
    for a in _rows("department_aliases.csv"):
        assert a["alias"] in report, f"alias {a['alias']!r} is not spelled so in the report"


def test_get_and_iterate(index: DepartmentIndex) -> None:
    d = index.get(FAMILY)
    assert d.label_uk == "Управління у справах сім'ї, молоді та спорту міської ради"
    assert d.kind == "department" and d.label_en
    assert "управління сім'ї, молоді та спорту міської ради" in d.aliases
    assert {x.id for x in index} == {r["id"] for r in _rows("departments.csv")}
    with pytest.raises(KeyError):
        index.get("no-such-department")


def test_loader_rejects_alias_to_unknown_id(tmp_path: Path) -> None:
    (tmp_path / "departments.csv").write_text(
        "id,label_uk,label_en,kind\nx,Департамент Х,Department X,department\n", encoding="utf-8"
    )
    (tmp_path / "department_aliases.csv").write_text(
        "alias,department_id,note\nдепартамент Х,y,\n", encoding="utf-8"
    )
    with pytest.raises(ValueError):
        DepartmentIndex.load(tmp_path)


# --- splitting ----------------------------------------------------------------------------


def test_comma_inside_a_name_is_not_a_separator(index: DepartmentIndex) -> None:
    cell = (
        "Департамент освіти міської ради, управління у справах сім'ї, молоді та спорту міської "
        "ради, управління культури міської ради"
    )  # line 50
    assert index.split(cell, 50) == [EDU, FAMILY, CULTURE]


def test_conjunction_inside_a_name_is_not_a_separator(index: DepartmentIndex) -> None:
    cell = "Управління транспорту та зв'язку міської ради, управління капітального будівництва міської ради"
    assert index.split(cell, 174) == [TRANSPORT, "upravlinnia-kapitalnoho-budivnytstva-miskoi-rady"]


def test_same_body_two_spellings(index: DepartmentIndex) -> None:
    assert index.split("Управління у справах сім'ї, молоді та спорту міської ради", 277) == [FAMILY]
    assert index.split("управління сім'ї, молоді та спорту міської ради", 68) == [FAMILY]
    assert index.split("Управління сім'ї, молоді та спорту міської ради", 289) == [FAMILY]
    # "…міської ради" suffix optional, case and apostrophe variants tolerated.
    assert index.split("управління культури", 354) == [CULTURE]
    assert index.split("УПРАВЛІННЯ ОХОРОНИ ЗДОРОВ’Я   міської ради", 1) == [
        "upravlinnia-okhorony-zdorovia-miskoi-rady"
    ]
    assert index.split("управління транспорту міської ради", 335) == [TRANSPORT]
    # Two spellings of one body in one cell give one id.
    assert index.split(
        "управління сім'ї, молоді та спорту міської ради, "
        "Управління у справах сім'ї, молоді та спорту міської ради",
        1,
    ) == [FAMILY]


def test_keep_apart(index: DepartmentIndex) -> None:
    ids = [
        index.split("Департамент містобудування та земельних відносин міської ради", 143),
        index.split("Департамент містобудування та архітектури міської ради", 139),
        index.split("Департамент містобудування та земельних ресурсів міської ради", 227),
        index.split("служба (управління) у справах дітей міської ради", 371),
        index.split("Управління у справах сім'ї, молоді та спорту міської ради", 382),
    ]
    assert all(len(x) == 1 for x in ids)
    assert len({x[0] for x in ids}) == len(ids)


def test_html_trailing_period_and_empty_cells(index: DepartmentIndex) -> None:
    assert index.split("<p>Департамент освіти міської ради</p>", 63) == [EDU]
    assert index.split("Департамент освіти міської ради, управління комунального господарства.", 438) == [
        EDU,
        COMMUNAL,
    ]
    assert index.split("", 441) == []
    assert index.split("  <p> </p> ", 441) == []


def test_unknown_spelling_raises_with_line(index: DepartmentIndex) -> None:
    with pytest.raises(UnknownDepartment) as err:
        index.split("Департамент освіти міської ради, управління невідомих справ міської ради", 77)
    assert err.value.line == 77
    assert err.value.spelling == "управління невідомих справ міської ради"
    assert "77" in str(err.value) and "department_aliases.csv" in str(err.value)
    # A known name followed by garbage is not accepted either.
    with pytest.raises(UnknownDepartment):
        index.split("Департамент освіти міської ради Питання планується", 212)
    # A prefix of a name is not a name.
    with pytest.raises(UnknownDepartment):
        index.split("Департамент освіти", 1)


def test_merged_cells_split_prefix(index: DepartmentIndex) -> None:
    cell = (
        "Виконавчі органи міської ради Питання планується розглянути на засіданні робочої групи "
        'з впровадження Концепції інтегрованого розвитку міста "Комфортне місто".'
    )  # line 212
    ids, rest = index.split_prefix(cell)
    assert ids == [EXEC]
    assert rest.startswith("Питання планується розглянути")
    cell = (
        "<p>Департамент економічного розвитку міської ради, управління комунального господарства "
        "міської ради</p> <p>На території комунального підприємства «Житомиртеплокомуненерго» "
        "міської ради збудовано твердопаливну котельню.</p>"
    )  # line 334
    ids, rest = index.split_prefix(cell)
    assert ids == [ECON, COMMUNAL]  # the longer alias, not "…господарства" + "міської ради…"
    assert rest.startswith("<p>На території комунального підприємства")
    assert rest.endswith("котельню.</p>")
    plain = "Питання планується розглянути на засіданні робочої групи"
    assert index.split_prefix(plain) == ([], plain)
    with pytest.raises(UnknownDepartment):
        index.split_prefix("Департамент освіти міської ради, управління невідомих справ Текст", 9)


def _responsible_cells() -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(plain body cells, merged body+progress cells) of the whole report, by line number.

    Layout: 5 cells = № | task | project | body | progress; 4 cells starting empty = one
    column missing (project | body | progress). Rows shifted one column left end in an empty
    progress cell; rows whose body column is empty but whose last cell starts with a body are
    merged cells. Header and ruler rows are skipped.
    """
    plain: list[tuple[int, str]] = []
    merged: list[tuple[int, str]] = []
    for n, line in enumerate(_report_lines(), 1):
        cells = line.split("\t")
        if len(cells) < 4 or cells[0].startswith("№") or set(line) <= set("-\t "):
            continue
        if len(cells) == 5 and not _clean(cells[4]) and _clean(cells[3]):
            plain.append((n, cells[2]))  # shifted left by one column
        elif len(cells) == 5:
            plain.append((n, cells[3]))
        elif cells[0] == "" and _clean(cells[2]):
            plain.append((n, cells[2]))
        elif _clean(cells[3]) and not _clean(cells[2]):
            merged.append((n, cells[3]))
    return plain, merged


def test_whole_report_responsible_bodies_split(index: DepartmentIndex) -> None:
    plain, merged = _responsible_cells()
    found: set[str] = set()
    for n, cell in plain:
        found.update(index.split(cell, n))  # raises UnknownDepartment with the line number
    for n, cell in merged:
        ids, rest = index.split_prefix(cell, n)
        assert ids, f"line {n}: merged cell does not start with a known body"
        assert _clean(rest) and _clean(rest)[0].isupper(), f"line {n}: {rest[:60]!r}"
        found.update(ids)
    assert len(plain) > 250 and len(merged) == 4
    # Every curated body is named somewhere in the report's responsible-body column.
    assert found == {d.id for d in index}
