"""English units of quantities (#10): the curated table ``etl/data/unit_translations.csv`` covers
every unit the bundled report prints, the graph gives each quantity an English label beside the
printed one (``schema:unitText`` untouched), and a work's English page shows the English unit while
the Ukrainian page keeps the report's own word. Works and quantities are found by SPARQL."""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from etl.outputs import OutputRuleError
from etl.translations import normalise
from etl.unit_translations import FILE, UnitTranslations, english_number
from graph_service.web import amounts
from tests.conftest import select
from tests.pages_support import HTML, B

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "etl" / "data"
TABLE = DATA / FILE
REPORT_LINES = (DATA / "report-2022.txt").read_text(encoding="utf-8").split("\n")
PREFIXES = """PREFIX zkg: <https://w3id.org/zhytomyr-kg/ontology#>
PREFIX schema: <https://schema.org/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def rows() -> list[dict[str, str]]:
    with TABLE.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def units() -> UnitTranslations:
    return UnitTranslations.load(DATA)


@pytest.fixture(scope="module")
def quantities(store) -> list[dict[str, str]]:
    """Every quantity of the bundled build with its work, value, unit and labels."""
    found = select(
        store,
        PREFIXES
        + """SELECT ?work ?output ?q ?value ?unit ?uk ?en ?part WHERE {
          ?r zkg:reportsOn ?work ; zkg:output ?output . ?output zkg:quantity ?q .
          ?q schema:value ?value ; schema:unitText ?unit .
          OPTIONAL { ?q a zkg:PartQuantity BIND ("part" AS ?part) }
          OPTIONAL { ?q rdfs:label ?uk FILTER (lang(?uk) = "uk") }
          OPTIONAL { ?q rdfs:label ?en FILTER (lang(?en) = "en") } }""",
    )
    assert len(found) > 100  # 133 in the 2022 report
    return found


# --------------------------------------------------------------------------- the table


def test_every_unit_of_the_bundled_report_has_a_row(store, units):
    """Fails naming each printed unit the table lacks: next year's report shows what to add."""
    printed = {
        r["u"]
        for r in select(
            store,
            PREFIXES + "SELECT DISTINCT ?u WHERE { ?q a schema:QuantitativeValue ; schema:unitText ?u }",
        )
    }
    assert len(printed) > 80
    missing = sorted(u for u in printed if u not in units)
    assert missing == [], f"add these units to etl/data/{FILE}: {missing}"


def test_the_table_is_clean():
    table = rows()
    assert [u for u, n in Counter(r["uk"] for r in table).items() if n > 1] == []
    for r in table:
        assert r["uk"] == normalise(r["uk"]), r  # looked up as the normaliser writes it
        assert r["en_one"].strip() and r["en_other"].strip(), r
        assert not CYRILLIC.search(r["en_one"] + r["en_other"]), r  # English, not a copy


def test_each_row_cites_lines_that_print_its_unit():
    """The note names the report line(s) the unit was read on; each of them prints it."""
    for r in rows():
        cited = re.match(r"lines? (\d+(?:, \d+)*)(?:;|$)", r["note"])
        assert cited, r
        for n in map(int, cited.group(1).split(", ")):
            line = normalise(REPORT_LINES[n - 1])
            number = r"\d(?:\s*(?:тис|млн)\.?)?\s*"  # "70 куб. м", "510,0 тис. куб. м"
            assert re.search(rf"{number}{re.escape(r['uk'])}(?![^\W\d_])", line), (r["uk"], n)


@pytest.mark.parametrize(
    "uk, value, english",
    [
        ("кредитних угод", "7", "7 loan agreements"),  # line 137
        ("учня", "21", "21 pupils"),  # line 98: "21 учня-переможця"
        ("учня", "1", "1 pupil"),
        ("пог. м", "238100", "238,100 linear metres"),  # line 329: "238,1 тис. пог. м"
        ("км", "9.5", "9.5 km"),  # line 304
        ("м2", "1789", "1,789 m²"),  # line 331
        ("ОСББ", "7", "7 condominium associations (OSBB)"),  # line 139
        ("запитом", "81", "81 requests"),  # line 439: "81 запитом фізичних осіб"
        ("занять", "314", "314 classes"),  # line 65
        ("м\u00a0²", "114", "114 m²"),  # a no-break space is the table's space
        ("невідомих одиниць", "3", None),
    ],
)
def test_labels_in_english(units, uk, value, english):
    assert units.label(Decimal(value), uk) == english


def test_english_numbers_are_written_as_the_pages_write_them():
    for value in ("7", "16440", "238100", "27956.5", "0.7", "1234567.25"):
        assert english_number(Decimal(value)) == amounts.number(Decimal(value), "en")


@pytest.mark.parametrize(
    "body, message",
    [
        ("uk,en_one,en_other,note\nкм,km,km,a\nкм,km,km,b\n", "row 3: the unit 'км' is listed twice"),
        ("uk,en_one,en_other,note\nкм,,km,a\n", "row 2: uk, en_one and en_other are required"),
        ("uk,en_one,note\nкм,km,a\n", "missing column(s) en_other"),
    ],
)
def test_a_bad_row_names_its_file_and_row(tmp_path, body, message):
    (tmp_path / FILE).write_text(body, encoding="utf-8")
    with pytest.raises(OutputRuleError, match=re.escape(message)) as err:
        UnitTranslations.load(tmp_path)
    assert FILE in str(err.value)


# --------------------------------------------------------------------------- the graph


def test_every_quantity_has_its_english_label_and_keeps_its_printed_unit(quantities, units):
    per_node = Counter(q["q"] for q in quantities)
    assert [q for q, n in per_node.items() if n > 1] == []  # one label per language, one unit
    for q in quantities:
        value = Decimal(q["value"])
        assert q["uk"] and q["uk"].endswith(q["unit"]), q  # the label and the unit as printed
        expected = f"{english_number(value)} {units.unit(q['unit'], value)}"
        assert q["en"] == expected, q


# --------------------------------------------------------------------------- the pages


def shown_quantities(html: str) -> dict[str, list[str]]:
    """Output IRI → the quantities its row shows, as HTML."""
    out: dict[str, list[str]] = {}
    for iri, row in re.findall(r'<tr class="output" data-output="([^"]+)">(.*?)</tr>', html, re.S):
        cell = re.search(r'<td class="amounts">(.*?)</td>', row, re.S)
        assert cell, iri
        parts = cell.group(1).split("<br>")
        out[iri] = [p for p in parts if p.startswith('<span class="quantity">')]
    return out


def test_work_pages_show_units_in_the_page_language(pages_client, quantities, units):
    by_work: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: {"uk": Counter(), "en": Counter()})
    for q in quantities:
        value = Decimal(q["value"])
        english = units.unit(q["unit"], value)
        part = {"uk": "у т. ч. ", "en": "of which "} if q["part"] else {"uk": "", "en": ""}
        by_work[q["work"]]["en"][
            f'{q["output"]} <span class="quantity">{part["en"]}{amounts.number(value, "en")} {english}</span>'
        ] += 1
        by_work[q["work"]]["uk"][
            f'{q["output"]} <span class="quantity">{part["uk"]}{amounts.number(value, "uk")} '
            f'<span lang="uk">{q["unit"]}</span></span>'
        ] += 1
    assert len(by_work) > 40
    for work, expected in by_work.items():
        for lang in ("uk", "en"):
            r = pages_client.get(work.replace(B, "/id/") + f"?lang={lang}", headers=HTML)
            assert r.status_code == 200, work
            shown = Counter(
                f"{iri} {span}"
                for iri, spans in shown_quantities(r.text.replace("&#39;", "'")).items()
                for span in spans
            )
            assert shown == expected[lang], (work, lang)
            if lang == "en":
                assert not any('lang="uk"' in s for s in shown), work


def test_the_twins_carry_both_labels_once_per_quantity(pages_client, quantities):
    work = Counter(q["work"] for q in quantities).most_common(1)[0][0]
    expected = {(q["q"], q["uk"], q["en"]) for q in quantities if q["work"] == work}
    table = pages_client.get(work.replace(B, "/id/") + ".json").json()["tables"]["outputs"]
    assert {"printedUk", "printedEn"} <= set(table["columns"])
    shown = [
        (r["measure"], r["printedUk"], r["printedEn"]) for r in table["rows"] if r.get("kind") == "quantity"
    ]
    assert sorted(shown) == sorted(expected)  # both labels, and each quantity on one row
