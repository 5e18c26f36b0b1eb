"""Outputs (etl/outputs.py, etl/data/output_cues.csv, output_units.csv): what each progress text says
was produced or done, with its year and figures, checked on real lines of the 2022 report."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest

from etl.errors import ValidationFailed
from etl.outputs import Output, OutputRuleError, OutputRules
from etl.sentences import normalise_text
from etl.status import StatusRules
from etl.validate import validate
from tests.conftest import select

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "etl" / "data"
ZKG = "https://w3id.org/zhytomyr-kg/ontology#"
SCHEMA = "https://schema.org/"
PREFIX = f"PREFIX zkg: <{ZKG}>\nPREFIX schema: <{SCHEMA}>\n"


@pytest.fixture(scope="module")
def rules() -> OutputRules:
    return OutputRules.load(DATA)


@pytest.fixture(scope="module")
def statuses() -> StatusRules:
    return StatusRules.load(DATA)


@pytest.fixture(scope="module")
def texts(real_tree) -> dict[int, str]:
    """Progress text of every report by its source line, as the ETL joins it."""
    return {
        e.line: "\n".join(p.text for p in e.paragraphs)
        for pr in real_tree.priorities
        for g in pr.goals
        for t in g.tasks
        for e in t.entries
    }


def outputs_of(rules: OutputRules, statuses: StatusRules, text: str) -> list[Output]:
    work_year = statuses.work_year(normalise_text(text), 2022)
    return rules.find(
        text, work_year=work_year, sentence_year=lambda s: statuses.sentence_year(normalise_text(s), 2022)
    )


def test_line_63_kindergarten_places(rules, statuses, texts) -> None:
    """'Роботи з реконструкції приміщень ДНЗ № 32 на 110 місць завершено': an output with 110 places,
    although the work is in progress; the commissioning 'буде введено' after a shelter is not one."""
    found = outputs_of(rules, statuses, texts[63])
    first = found[0]
    assert first.text.startswith("Роботи з реконструкції приміщень дошкільного навчального закладу № 32")
    assert (first.cue, first.year) == ("завершено", 2022)
    assert [(q.value, q.unit, q.text) for q in first.quantities] == [(Decimal(110), "місць", "110 місць")]
    assert not any("буде введено" in o.text for o in found)
    assert [o.cue for o in found] == ["завершено", "Виділено", "Замовлено"]


def test_line_137_loans_and_interest(rules, statuses, texts) -> None:
    found = {o.cue: o for o in outputs_of(rules, statuses, texts[137])}
    signed, repaid = found["підписано"], found["відшкодовано"]
    assert [(m.value, m.currency, m.text) for m in signed.amounts] == [
        (Decimal("18100000"), "UAH", "18,1 млн грн")
    ]
    assert [(q.value, q.unit) for q in signed.quantities] == [(Decimal(7), "кредитних угод")]
    assert [(m.value, m.currency) for m in repaid.amounts] == [(Decimal("1900000"), "UAH")]
    assert [(q.value, q.unit, q.text) for q in repaid.quantities] == [(Decimal(7), "ОСББ", "7 ОСББ")]
    # "Станом на 01.01.2023" is the state at the end of 2022
    assert signed.year == 2022


def test_line_145_investment_in_euro(rules, statuses, texts) -> None:
    found = {o.cue: o for o in outputs_of(rules, statuses, texts[145])}
    assert [(m.value, m.currency) for m in found["інвестувала"].amounts] == [(Decimal("10000000"), "EUR")]
    assert [(q.value, q.unit) for q in found["викупило"].quantities] == [(Decimal("17000"), "м кв")]


def test_line_424_shelter_cost_joins_its_output(rules, statuses, texts) -> None:
    """'Загальна вартість проекту 120 тис. євро.' has no cue: its figure joins the output just before it."""
    found = outputs_of(rules, statuses, texts[423])
    shelter = next(o for o in found if o.text.startswith("В новоствореному прихистку облаштовано"))
    assert [(q.value, q.unit) for q in shelter.quantities] == [
        (Decimal(7), "житлових кімнат"),
        (Decimal(21), "особи"),
    ]
    assert [(m.value, m.currency, m.text) for m in shelter.amounts] == [
        (Decimal("120000"), "EUR", "120 тис. євро")
    ]
    converted = next(o for o in found if o.cue == "переобладнано")
    assert [(q.value, q.unit) for q in converted.quantities] == [(Decimal(240), "м ²")]
    assert not any(o.text.startswith("Загальна вартість") for o in found)


def test_line_334_capacity_joins_the_boiler_over_one_sentence(rules, statuses, texts) -> None:
    """'… збудовано твердопаливну котельню. Використання тріски … дає змогу зменшити використання
    газу. Потужність котельні становить 6 МВт.': one sentence of neither cue nor figures between."""
    found = outputs_of(rules, statuses, texts[334])
    boiler = next(o for o in found if o.cue == "збудовано")
    assert [(q.value, q.unit) for q in boiler.quantities] == [(Decimal(6), "МВт")]
    # two sentences between: nothing joins (a text's later figures are not the output's)
    text = "Збудовано котельню. Тріска дешевша. Газ дорожчий. Потужність котельні становить 6 МВт."
    assert [o.quantities for o in outputs_of(rules, statuses, text)] == [()]


def test_work_done_in_the_past_participle_is_an_output(rules, statuses, texts) -> None:
    found = outputs_of(rules, statuses, texts[292])
    assert [o.text for o in found] == [
        "Виконані роботи з капітального ремонту території благоустрою центральної алеї бульвару Польського."
    ]


def test_figures_given_as_parts_of_an_earlier_figure_are_parts(rules, statuses, texts) -> None:
    """'у тому числі', 'з них', 'зокрема': what follows is part of a figure already given, so that
    a sum of the output's quantities counts each thing once."""
    animals = next(o for o in outputs_of(rules, statuses, texts[443]) if o.cue == "Стерилізовано")
    assert [(q.text, q.part) for q in animals.quantities] == [
        ("274 собаки", False),
        ("595 кішок", False),
        ("61 собаку", False),
        ("43 коти", False),
        ("19 собак", True),
        ("91 кішку", True),
        ("11 котів", True),
    ]
    helped = "В період роботи хабу надано допомогу 4377 особам, зокрема 2292 внутрішньо переміщеним особам."
    (output,) = outputs_of(rules, statuses, helped)
    assert [(q.value, q.part) for q in output.quantities] == [(Decimal(4377), False), (Decimal(2292), True)]
    plain = "Проведено 9 семінарів для 74 безробітних осіб."
    assert not any(q.part for o in outputs_of(rules, statuses, plain) for q in o.quantities)


def test_parts_in_the_graph(store) -> None:
    rows = select(
        store,
        PREFIX
        + """SELECT ?label WHERE { ?o a zkg:Output ; zkg:quantity ?q . ?q a zkg:PartQuantity , schema:QuantitativeValue ;
                 <http://www.w3.org/2000/01/rdf-schema#label> ?label FILTER (lang(?label) = "uk") }""",
    )
    assert {"29 державних свят", "2292 внутрішньо переміщеним особам", "20282,1 кв. м"} <= {
        r["label"] for r in rows
    }
    assert "27956,5 кв. м" not in {r["label"] for r in rows}  # the total itself


def test_awards_won_and_a_campaign_held_are_outputs(rules, statuses, texts) -> None:
    awards = [o.text for o in outputs_of(rules, statuses, texts[94])]
    for start in (
        "Учень ліцею № 25 отримав",
        "Учениця ліцею № 21 перемогла",
        "Переможцями XII",
        "Проект учениці",
    ):
        assert any(text.startswith(start) for text in awards), start
    assert any(o.cue == "Забезпечено проведення" for o in outputs_of(rules, statuses, texts[371]))
    # «Перемоги» in a name is no victory
    experts = "Експертами виступили експертка ініціативи «Сади Перемоги» та національні координатори."
    assert outputs_of(rules, statuses, experts) == []


def test_a_participle_that_only_describes_a_noun_is_no_output(rules, statuses, texts) -> None:
    """'використовуються відеоматеріали, створені педагогами': what the materials are, not an act."""
    found = outputs_of(rules, statuses, texts[45])
    assert found and not any("створені педагогами" in o.text for o in found)
    assert [o.cue for o in outputs_of(rules, statuses, "Обладнання закуплене для лабораторії.")] == [
        "закуплене"
    ]


@pytest.mark.parametrize(("line", "cue"), [(224, "здійснено"), (267, "реалізовано")])
def test_work_of_2021_is_an_output_of_2021(rules, statuses, texts, line, cue) -> None:
    (output,) = outputs_of(rules, statuses, texts[line])
    assert (output.cue, output.year) == (cue, 2021)


def test_each_sentence_dates_its_own_output(rules, statuses, texts) -> None:
    years = {o.cue: o.year for o in outputs_of(rules, statuses, texts[125])}
    assert years == {"підключено": 2018, "інтегровано": 2021}
    # December 2021 contract of a project suspended in 2022
    (contract,) = outputs_of(rules, statuses, texts[257])
    assert (contract.cue, contract.year) == ("укладено", 2021)
    # done in 2023, after the reporting year, and said so
    assert {o.year for o in outputs_of(rules, statuses, texts[301])} == {2023}


def test_first_stage_commissioned_now_second_later(rules, statuses, texts) -> None:
    found = outputs_of(rules, statuses, texts[311])
    built, commissioned = found
    assert built.cue == "Звершено" and built.year == 2022
    # the plant's capacity, in the next sentence, joins the finished construction
    assert [(q.value, q.unit) for q in built.quantities] == [(Decimal("510000"), "куб. м")]
    # "друга черга буде введена … в 2023 році" is the plan after the act: the act is of 2022
    assert (commissioned.cue, commissioned.year) == ("Введено в експлуатацію", 2022)


@pytest.mark.parametrize("line", [20, 88, 110, 152, 164, 208, 225, 242, 245, 265, 275, 280, 283, 285, 341])
def test_halted_planned_and_not_held_work_has_no_output(rules, statuses, texts, line) -> None:
    assert outputs_of(rules, statuses, texts[line]) == []


def test_many_figures_in_one_sentence(rules, statuses, texts) -> None:
    planted = next(o for o in outputs_of(rules, statuses, texts[331]) if o.cue == "висаджено")
    assert [(q.value, q.unit) for q in planted.quantities] == [
        (Decimal(103), "дерева"),
        (Decimal(4922), "кущі"),
        (Decimal(106653), "квітки"),
        (Decimal(1789), "м2"),
        (Decimal(3962), "дерева"),
        (Decimal(752), "дерева"),
        (Decimal(850), "пог. м"),
        (Decimal("167.0"), "га"),
        (Decimal("9300"), "м2"),
    ]


def test_numbers_that_are_no_quantity(rules) -> None:
    text = "Проведено заходи у ліцеї № 30 за адресою вул. Миру, 17 у 2022 році; рівень виконання робіт 39,0%."
    (output,) = rules.find(text, work_year=2022)
    assert output.quantities == () and output.amounts == ()


def test_offsets_cut_the_sentence_out_of_the_text(rules, statuses, texts) -> None:
    for line, text in texts.items():
        for output in outputs_of(rules, statuses, text):
            assert text[output.start : output.end] == output.text, line
            for figure in (*output.quantities, *output.amounts):
                assert text[figure.start : figure.end] == figure.text, line
                assert output.start <= figure.start < figure.end <= output.end + 200


def test_bad_rows_fail_loudly(tmp_path: Path) -> None:
    for name in ("output_cues.csv", "output_units.csv"):
        shutil.copy(DATA / name, tmp_path / name)
    with (tmp_path / "output_units.csv").open("a", encoding="utf-8") as fh:
        fh.write("currency,гривень,грн,not an ISO code\n")
    with pytest.raises(OutputRuleError, match="ISO 4217"):
        OutputRules.load(tmp_path)


# --- in the graph ----------------------------------------------------------------------


def test_outputs_in_the_graph(store) -> None:
    rows = select(
        store,
        PREFIX
        + """
        SELECT ?text ?year ?start ?end ?reportText ?value ?unit WHERE {
          ?report zkg:sourceLine 63 ; zkg:text ?reportText ; zkg:output ?o .
          ?o a zkg:Output ; zkg:text ?text ; zkg:year ?year ; zkg:startOffset ?start ; zkg:endOffset ?end ;
             zkg:quantity [ a schema:QuantitativeValue ; schema:value ?value ; schema:unitText ?unit ] .
        }""",
    )
    assert len(rows) == 1
    row = rows[0]
    assert row["reportText"][int(row["start"]) : int(row["end"])] == row["text"]
    assert (row["year"], row["value"], row["unit"]) == ("2022", "110", "місць")


def test_money_in_the_graph(store) -> None:
    rows = select(
        store,
        PREFIX
        + """
        SELECT ?line ?value ?currency WHERE {
          ?report zkg:sourceLine ?line ; zkg:output/zkg:amount [ a schema:MonetaryAmount ;
                                                                  schema:value ?value ; schema:currency ?currency ] .
        } ORDER BY ?line ?value""",
    )
    found = {(int(r["line"]), r["value"], r["currency"]) for r in rows}
    assert {
        (137, "18100000", "UAH"),
        (137, "1900000", "UAH"),
        (145, "10000000", "EUR"),
        (423, "120000", "EUR"),
    } <= found
    assert {r["currency"] for r in rows} <= {"UAH", "EUR", "USD"}


def test_outputs_per_year(store) -> None:
    rows = select(
        store,
        PREFIX + "SELECT ?year (COUNT(?o) AS ?n) WHERE { ?o a zkg:Output ; zkg:year ?year } GROUP BY ?year",
    )
    per_year = {int(r["year"]): int(r["n"]) for r in rows}
    assert per_year[2022] > 150 and per_year[2021] >= 5
    assert max(per_year) == 2023 and min(per_year) >= 2011


def test_shapes_refuse_money_without_an_iso_currency() -> None:
    g = ox.NamedNode("https://w3id.org/zhytomyr-kg/graph/report/x")
    out = ox.NamedNode("https://w3id.org/zhytomyr-kg/id/report/2022/x/1/1/output/0")
    money = ox.NamedNode(out.value + "/amount/1")
    quads = [
        ox.Quad(
            money,
            ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ox.NamedNode(SCHEMA + "MonetaryAmount"),
            g,
        ),
        ox.Quad(out, ox.NamedNode(ZKG + "amount"), money, g),
        ox.Quad(
            money,
            ox.NamedNode(SCHEMA + "value"),
            ox.Literal("18100000", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")),
            g,
        ),
        ox.Quad(money, ox.NamedNode(SCHEMA + "currency"), ox.Literal("грн"), g),
    ]
    shapes = [ROOT / "ontology" / "shapes.ttl"]
    with pytest.raises(ValidationFailed):
        validate(quads, shapes=shapes)
    quads[-1] = ox.Quad(money, ox.NamedNode(SCHEMA + "currency"), ox.Literal("UAH"), g)
    validate(quads, shapes=shapes)
