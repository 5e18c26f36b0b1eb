"""A work's page by report year (#10): state and cause with their labels and phrases, the outputs
with their quantities and sums written for people in the page's language, and support in three
columns — Funds, Partner, Supported — never one column that mixes partners with funders. Checked
against the graph (found by SPARQL, not by IRI) and, where a value is written here, the report's
line it was read from."""

from __future__ import annotations

import csv
import html as htmllib
import io
import re
from collections import defaultdict
from decimal import Decimal

import pytest

from graph_service.web import amounts
from tests.conftest import select
from tests.i18n_check import untranslated
from tests.pages_support import HTML, B

ZKG = "https://w3id.org/zhytomyr-kg/ontology#"
SCHEMA = "https://schema.org/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PREFIXES = f"PREFIX zkg: <{ZKG}>\nPREFIX schema: <{SCHEMA}>\nPREFIX skos: <{SKOS}>\n"


def page(client, iri: str, lang: str) -> str:
    r = client.get(iri.replace(B, "/id/") + f"?lang={lang}", headers=HTML)
    assert r.status_code == 200, iri
    return r.text


def work_at(store, line: int) -> str:
    """The project or task whose progress report is at (or continues on) ``line`` of the bundled report."""
    rows = select(
        store,
        PREFIXES
        + f"SELECT DISTINCT ?w WHERE {{ ?r zkg:sourceLine|zkg:continuationLine {line} ; zkg:reportsOn ?w }}",
    )
    assert len(rows) == 1, line
    return rows[0]["w"]


def year_section(html: str, year: str) -> str:
    found = re.search(rf'<section class="report-year" id="year-{year}".*?</section>', html, re.S)
    assert found, year
    return found.group(0)


def cell_hrefs(section: str, relation: str) -> set[str]:
    cell = re.search(rf'<td class="support-{relation}">(.*?)</td>', section, re.S)
    assert cell, relation
    return {B + h.split("?")[0] for h in re.findall(r'href="http://testserver/id/([^"]+)"', cell.group(1))}


# --------------------------------------------------------------------------- amounts written for people


@pytest.mark.parametrize(
    "value, currency, uk, en",
    [
        ("18100000", "UAH", "18,1 млн грн", "UAH 18.1 million"),  # line 139: "на загальну суму 18,1 млн грн"
        ("1900000", "UAH", "1,9 млн грн", "UAH 1.9 million"),  # line 139: "на загальну суму 1,9 млн грн"
        (
            "120000",
            "EUR",
            "120 тис. євро",
            "EUR 120 thousand",
        ),  # line 424: "Загальна вартість проекту 120 тис. євро"
        ("10000000", "EUR", "10 млн євро", "EUR 10 million"),  # line 145: "інвестувала 10 млн євро"
        ("541800000", "UAH", "541,8 млн грн", "UAH 541.8 million"),
        ("2500000000", "USD", "2,5 млрд дол. США", "USD 2.5 billion"),
        ("950", "UAH", "950 грн", "UAH 950"),
    ],
)
def test_sums_are_written_as_a_reader_writes_them(value, currency, uk, en):
    assert amounts.money(Decimal(value), currency, "uk") == uk
    assert amounts.money(Decimal(value), currency, "en") == en


def test_nothing_is_rounded_away():
    # 1 234 567 would be "1,23 млн": written in full instead
    assert amounts.money(Decimal("1234567"), "UAH", "uk") == "1\u00a0234\u00a0567 грн"
    assert amounts.money(Decimal("1234567"), "UAH", "en") == "UAH 1,234,567"
    assert amounts.money(Decimal("5700.5"), "XYZ", "en") == "XYZ 5,700.5"  # an unknown currency: its code
    assert amounts.number(Decimal("16440"), "uk") == "16\u00a0440"
    assert amounts.number(Decimal("16440"), "en") == "16,440"
    assert amounts.number(Decimal("4684"), "uk") == "4684"  # four digits stay together in Ukrainian
    assert amounts.number(Decimal("167.0"), "uk") == "167"
    assert amounts.number(Decimal("9.5"), "uk") == "9,5"
    assert amounts.parse("n/a") is None
    assert amounts.measure("quantity", "x", "місць", None, None, "en") is None
    # an English label written otherwise than the page writes the number is shown whole
    odd = amounts.measure("quantity", "1500", "місць", None, "1500 місць", "en", "1 500 places")
    assert odd is not None and (odd.text, odd.unit, odd.unit_lang) == ("1 500 places", None, None)
    # none: the printed unit, marked Ukrainian, on the English page too
    bare = amounts.measure("quantity", "1500", "місць", None, "1500 місць", "en")
    assert bare is not None and (bare.text, bare.unit, bare.unit_lang) == ("1,500", "місць", "uk")


# --------------------------------------------------------------------------- the pages


def test_a_project_with_money_shows_the_amount_and_its_currency(pages_client, store):
    """Line 139 ("Ревіталізація багатоповерхівок"): "ОСББ підписано 7 кредитних угод … на загальну
    суму 18,1 млн грн" and "відшкодовано відсотки … на загальну суму 1,9 млн грн"."""
    work = work_at(store, 139)
    assert work.startswith(B + "project/")
    uk, en = (year_section(page(pages_client, work, lang), "2022") for lang in ("uk", "en"))
    assert '<span class="amount" title="18\u00a0100\u00a0000 UAH">18,1 млн грн</span>' in uk
    assert '<span class="amount" title="18,100,000 UAH">UAH 18.1 million</span>' in en
    assert "UAH 1.9 million" in en and "1,9 млн грн" in uk
    # the quantity of the same sentence: the report's own unit, marked as Ukrainian, on the
    # Ukrainian page; its English (etl/data/unit_translations.csv) on the English one
    assert '<span class="quantity">7 <span lang="uk">кредитних угод</span></span>' in uk
    assert '<span class="quantity">7 loan agreements</span>' in en


def test_a_figure_given_as_part_of_another_says_so(pages_client, store):
    """Line 443: "Стерилізовано 274 собаки, … в тому числі безкоштовно стерилізовано 19 собак …": the
    19 dogs are among the 274 (zkg:PartQuantity), and the page says so in its language."""
    work = work_at(store, 443)
    uk, en = (year_section(page(pages_client, work, lang), "2022") for lang in ("uk", "en"))
    assert '<span class="quantity">у т. ч. 19 <span lang="uk">собак</span></span>' in uk
    assert '<span class="quantity">274 <span lang="uk">собаки</span></span>' in uk
    assert re.search(r'<span class="quantity">of which 19 dogs</span>', en)
    assert '<span class="quantity">274 dogs</span>' in en


def test_every_sum_of_money_is_on_its_work_page(pages_client, store):
    rows = select(
        store,
        PREFIXES
        + """SELECT ?work ?output ?value ?currency WHERE {
          ?r zkg:reportsOn ?work ; zkg:output ?output .
          ?output zkg:amount [ schema:value ?value ; schema:currency ?currency ] }""",
    )
    assert len(rows) >= 9  # lines 137, 139, 145, 335, 424, 442 (outputs-per-year counts them)
    for row in rows:
        html = page(pages_client, row["work"], "en")
        tr = re.search(rf'<tr class="output" data-output="{re.escape(row["output"])}">(.*?)</tr>', html, re.S)
        assert tr, row
        titles = re.findall(r'<span class="amount" title="([\d,.]+) ([A-Z]{3})">', tr.group(1))
        # the exact value and currency, read back from the page
        assert (Decimal(row["value"]), row["currency"]) in {
            (Decimal(n.replace(",", "")), c) for n, c in titles
        }


def test_outputs_with_their_sentences_and_years(pages_client, store):
    work = work_at(store, 139)
    outputs = select(
        store,
        PREFIXES + f"SELECT ?o ?text ?year WHERE {{ ?r zkg:reportsOn <{work}> ; zkg:output ?o . "
        "?o zkg:text ?text ; zkg:year ?year }",
    )
    assert len(outputs) == 3  # the loans, the interest repaid, the 14 lifts of line 139
    section = year_section(page(pages_client, work, "uk"), "2022")
    rows = re.findall(
        r'<tr class="output" data-output="([^"]+)">\s*<td lang="uk">(.*?)</td>\s*<td class="num">(\d+)</td>',
        section,
        re.S,
    )
    assert sorted((o, htmllib.unescape(t), y) for o, t, y in rows) == sorted(
        (r["o"], r["text"], r["year"]) for r in outputs
    )


def test_state_and_cause_with_labels_and_phrases(pages_client, store):
    """Line 257 (the water tower): "У зв'язку із введенням воєнного стану в Україні реалізація
    проєкту призупинена" — suspended, cause martial law. Line 139: in progress, cause martial law,
    the cause named by another sentence than the state."""
    tower, houses = work_at(store, 257), work_at(store, 139)
    for lang, suspended, martial, progress in (
        ("uk", "Призупинено", "Воєнний стан", "Триває виконання"),
        ("en", "Suspended", "Martial law", "In progress"),
    ):
        section = year_section(page(pages_client, tower, lang), "2022")
        assert (
            f'<span class="status status-suspended"><a href="http://testserver/id/status/suspended?lang={lang}">{suspended}</a>'
            in section
        )
        assert (
            f'data-cause="martial_law"><a href="http://testserver/id/cause/martial_law?lang={lang}">{martial}</a>'
            in section
        )
        assert '«<span lang="uk">У зв&#39;язку із введенням воєнного стану в Україні' in section
        section = year_section(page(pages_client, houses, lang), "2022")
        assert f">{progress}</a>" in section and 'data-cause="martial_law"' in section
        assert 'class="evidence cause-evidence"' in section
        assert "Капітальні ремонти багатоповерхових житлових будинків не здійснювались" in section


def support_by_work(store) -> dict[tuple[str, str], dict[str, set[str]]]:
    """(work, year) → relation → organisations, from the reports' own edges."""
    rows = select(
        store,
        PREFIXES
        + """SELECT ?work ?year ?relation ?org WHERE {
          ?r zkg:reportsOn ?work ; zkg:year ?year ; ?relation ?org .
          VALUES ?relation { zkg:fundedBy zkg:partner zkg:supportedBy } }""",
    )
    out: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for r in rows:
        out[(r["work"], r["year"])][r["relation"].rsplit("#", 1)[1]].add(r["org"])
    return out


def test_support_columns_separate_partners_from_funders(pages_client, store):
    support = support_by_work(store)
    every_three = [
        k
        for k, v in support.items()
        if v["fundedBy"] and v["partner"] and v["supportedBy"] - v["fundedBy"] - v["partner"]
    ]
    assert every_three, "a work funded by one, partnered by another and supported by a third"
    assert len(support) >= 20
    for (work, year), rel in support.items():
        section = year_section(page(pages_client, work, "en"), year)
        assert cell_hrefs(section, "fundedBy") == rel["fundedBy"], work
        assert cell_hrefs(section, "partner") == rel["partner"], work
        assert cell_hrefs(section, "supportedBy") == rel["supportedBy"] - rel["fundedBy"] - rel["partner"], (
            work
        )
    # line 257: "Спільно з німецькою урядовою компанією GIZ реалізовується проєкт": GIZ a partner
    tower = year_section(page(pages_client, work_at(store, 257), "uk"), "2022")
    assert cell_hrefs(tower, "partner") == {B + "funder/giz"} and cell_hrefs(tower, "fundedBy") == set()
    assert "<th>Фінансує</th><th>Партнер</th><th>Підтримує</th>" in tower
    # line 424: "за фінансової підтримки … (GIZ) GmbH GIZ переобладнано …": GIZ funds the task
    task = year_section(page(pages_client, work_at(store, 424), "en"), "2022")
    assert B + "funder/giz" in cell_hrefs(task, "fundedBy")
    assert B + "funder/giz" not in cell_hrefs(task, "partner") | cell_hrefs(task, "supportedBy")
    assert "<th>Funds</th><th>Partner</th><th>Supported</th>" in task
    assert "EUR 120 thousand" in task


def test_the_pages_are_in_one_language(pages_client, store):
    works = {work_at(store, line) for line in (139, 257, 388, 424)}
    for work in works:
        for lang in ("uk", "en"):
            assert untranslated(page(pages_client, work, lang), lang) == [], (work, lang)


def test_the_twins_hold_outputs_support_and_causes(pages_client, store):
    work = work_at(store, 388)  # UNFPA partner, Sweden funds, UNICEF and the foundation support
    path = work.replace(B, "/id/")
    tables = pages_client.get(path + ".json").json()["tables"]
    assert {"timeline", "reports", "outputs", "support", "mentions"} <= set(tables)
    rel = support_by_work(store)[(work, "2022")]
    twin = {(r["relation"].rsplit("#", 1)[1], r["supporter"]) for r in tables["support"]["rows"]}
    assert twin == {("fundedBy", o) for o in rel["fundedBy"]} | {("partner", o) for o in rel["partner"]} | {
        ("supportedBy", o) for o in rel["supportedBy"] - rel["fundedBy"] - rel["partner"]
    }
    assert {"causeCode", "causeEvidence", "year"} <= set(tables["reports"]["columns"])
    outputs = {r["output"] for r in tables["outputs"]["rows"]}
    n = select(
        store, PREFIXES + f"SELECT (COUNT(?o) AS ?n) WHERE {{ ?r zkg:reportsOn <{work}> ; zkg:output ?o }}"
    )
    assert len(outputs) == int(n[0]["n"]) > 0
    csv_rows = list(csv.DictReader(io.StringIO(pages_client.get(path + ".csv?table=support").text)))
    assert {(r["relation"].rsplit("#", 1)[1], r["supporter"]) for r in csv_rows} == twin
