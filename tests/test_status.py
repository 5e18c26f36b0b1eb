"""Tests of the curated status rules (etl/data/status_rules.csv) and their engine.

Every excerpt below is copied from etl/data/report-2022.txt, so the rules are
checked against the report's real phrasing, not invented sentences.
"""

from __future__ import annotations

import csv
import dataclasses
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from etl.status import (
    CONTRACT_CODES,
    FALLBACK_RULE_ID,
    StatusDecision,
    StatusRuleError,
    StatusRules,
    normalise_text,
)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "etl" / "data"
REPORT = DATA / "report-2022.txt"


@pytest.fixture(scope="module")
def rules() -> StatusRules:
    return StatusRules.load(DATA)


# rule_id -> (real excerpt, expected status, expected evidence)
RULE_EXAMPLES: dict[str, tuple[str, str, str]] = {
    "postponed_moved": (
        "За результатами засідання робочої групи 22.01.2020 розгляд питання перенесено на 2023 рік.",
        "postponed",
        "За результатами засідання робочої групи 22.01.2020 розгляд питання перенесено на 2023 рік.",
    ),
    "postponed_future": (
        'Питання розглянуто на засіданні робочої групи з впровадження Концепції інтегрованого розвитку міста "Комфортне місто". Вирішено реалізацію проекту планувати на майбутнє.',
        "postponed",
        "Вирішено реалізацію проекту планувати на майбутнє.",
    ),
    "suspended_martial_law": (
        "Реалізацію проєкту призупинено у зв'язку із запровадженням воєнного стану в Україні.",
        "suspended_martial_law",
        "Реалізацію проєкту призупинено у зв'язку із запровадженням воєнного стану в Україні.",
    ),
    "suspended_works_not_done": (
        "Капітальні ремонти багатоповерхових житлових будинків не здійснювались у зв'язку із запровадженням воєнного стану. Тривала реалізація Програми підтримки енергомодернізації багатоквартирних будинків «ЕНЕРГОДІМ».",
        "suspended_martial_law",
        "Капітальні ремонти багатоповерхових житлових будинків не здійснювались у зв'язку із запровадженням воєнного стану.",
    ),
    "not_started_explicit": (
        "Роботи не розпочато у зв'язку із запровадженням воєнного стану.",
        "not_started",
        "Роботи не розпочато у зв'язку із запровадженням воєнного стану.",
    ),
    "not_started_not_drafted": (
        "У зв'язку із введенням воєнного стану в Україні міська програма інноваційної, інвестиційної діяльності та іміджевих проєктів не розроблялась.",
        "not_started",
        "У зв'язку із введенням воєнного стану в Україні міська програма інноваційної, інвестиційної діяльності та іміджевих проєктів не розроблялась.",
    ),
    "not_started_not_carried_out": (
        "Через обмеженість фінансових ресурсів у місцевому бюджеті реконструкція приміщень під хоспіс по пров. Енергетичний, 3 не здійснювалася.",
        "not_started",
        "Через обмеженість фінансових ресурсів у місцевому бюджеті реконструкція приміщень під хоспіс по пров. Енергетичний, 3 не здійснювалася.",
    ),
    "not_held_event": (
        'У зв\'язку із введенням воєнного стану в Україні захід "Битва Start-up-ів" не проводився.',
        "not_held",
        'У зв\'язку із введенням воєнного стану в Україні захід "Битва Start-up-ів" не проводився.',
    ),
    "under_consideration_planned": (
        'Розгляд питання планується на засіданні робочої групи "Інноваційне місто".',
        "under_consideration",
        'Розгляд питання планується на засіданні робочої групи "Інноваційне місто".',
    ),
    "under_consideration_return": (
        'Заплановано повернутися до розгляду питання на засіданні робочої групи з впровадження Концепції інтегрованого розвитку міста "Комфортне місто".',
        "under_consideration",
        'Заплановано повернутися до розгляду питання на засіданні робочої групи з впровадження Концепції інтегрованого розвитку міста "Комфортне місто".',
    ),
    "under_consideration_wg_meeting": (
        'Питання обговорювалося на засіданні робочої групи "Комфортне місто".',
        "under_consideration",
        'Питання обговорювалося на засіданні робочої групи "Комфортне місто".',
    ),
    "under_consideration_referred": (
        "Питання створення культурно-мистецького центру «Дім Ріхтера» заплановано винести на розгляд науково-консультаційної ради.",
        "under_consideration",
        "Питання створення культурно-мистецького центру «Дім Ріхтера» заплановано винести на розгляд науково-консультаційної ради.",
    ),
    "under_consideration_studied": (
        "Питання розвитку економіки громади шляхом підтримки кластерних ініціатив активно вивчалось департаментом економічного розвитку міської ради.",
        "under_consideration",
        "Питання розвитку економіки громади шляхом підтримки кластерних ініціатив активно вивчалось департаментом економічного розвитку міської ради.",
    ),
    "completed_finished": (
        "Завершено роботи з очищення та поглиблення русла річки Тетерів.",
        "completed",
        "Завершено роботи з очищення та поглиблення русла річки Тетерів.",
    ),
    "completed_commissioned": (
        "Введено в експлуатацію першу чергу заводу, друга черга буде введена в експлуатацію в 2023 році.",
        "completed",
        "Введено в експлуатацію першу чергу заводу, друга черга буде введена в експлуатацію в 2023 році.",
    ),
    "completed_project_implemented": (
        "Спільно з Житомирською обласною Асоціацією футболу реалізовано проєкт «Поруч», що був ініційований ЮНІСЕФ та направлений на реабілітацію дітей пільгових категорій під час воєнного стану.",
        "completed",
        "Спільно з Житомирською обласною Асоціацією футболу реалізовано проєкт «Поруч», що був ініційований ЮНІСЕФ та направлений на реабілітацію дітей пільгових категорій під час воєнного стану.",
    ),
    "operating_continues": (
        "У місті для учнів закладів загальної середньої освіти продовжує функціонувати Житомирське міське наукове товариство МАН і 3 відокремлені філії (ЖМЛ №1, ЖГГ №1, ЖМЦНТТУМ).",
        "operating",
        "У місті для учнів закладів загальної середньої освіти продовжує функціонувати Житомирське міське наукове товариство МАН і 3 відокремлені філії (ЖМЛ №1, ЖГГ №1, ЖМЦНТТУМ).",
    ),
    "operating_ensured": (
        "Забезпечено роботу 34 світлофорних об'єктів із системою озвучення для осіб з вадами зору.",
        "operating",
        "Забезпечено роботу 34 світлофорних об'єктів із системою озвучення для осіб з вадами зору.",
    ),
    "in_progress_continues": (
        "Триває будівництво житлового будинку за адресою: провулок Червоний, 41",
        "in_progress",
        "Триває будівництво житлового будинку за адресою: провулок Червоний, 41",
    ),
    "in_progress_partial": (
        'Ревіталізація території заводу "Електровимірювач" проведено частково.',
        "in_progress",
        'Ревіталізація території заводу "Електровимірювач" проведено частково.',
    ),
    "in_progress_started": (
        "В 2019 році розпочато промислову експлуатацію системи електронного документообігу станом на 01.01.2021 до системи залучені всі виконавчі органи міської ради та більше 10 комунальних підприємств та установ.",
        "in_progress",
        "В 2019 році розпочато промислову експлуатацію системи електронного документообігу станом на 01.01.2021 до системи залучені всі виконавчі органи міської ради та більше 10 комунальних підприємств та установ.",
    ),
    "in_progress_being_implemented": (
        "Департаментом освіти міської ради ведеться робота щодо створення безбар'єрного простору у закладах освіти.",
        "in_progress",
        "Департаментом освіти міської ради ведеться робота щодо створення безбар'єрного простору у закладах освіти.",
    ),
    "postponed_next_year": (
        "Дані заходи опрацьовано в рамках програми « EU4Business: конкурентоспроможність та інтернаціоналізація МСП ». Організація та проведення конкурсів запланована у 2023 році.",
        "postponed",
        "Організація та проведення конкурсів запланована у 2023 році.",
    ),
    "postponed_after_precondition": (
        'Створення туристично-інформаційного центру планується після проведення реставрації пам\'ятки архітектури місцевого значення "Водонапірна башта".',
        "postponed",
        'Створення туристично-інформаційного центру планується після проведення реставрації пам\'ятки архітектури місцевого значення "Водонапірна башта".',
    ),
    "in_progress_working_group": (
        "Створено робочу групу з розробки комплексної мережі громадського транспорту (розпорядження міського голови від 30.06.2022 № 479).",
        "in_progress",
        "Створено робочу групу з розробки комплексної мережі громадського транспорту (розпорядження міського голови від 30.06.2022 № 479).",
    ),
    "not_started_plan_only": (
        "Заплановано встановлення вагового комплексу. У разі перевищення допустимої ваги, буде накладатись штраф.",
        "not_started",
        "Заплановано встановлення вагового комплексу.",
    ),
    "operating_functions": (
        "При Центрі функціонує група денного догляду.",
        "operating",
        "При Центрі функціонує група денного догляду.",
    ),
    "in_progress_recurring": (
        "Щороку проводяться толоки - загальноміські акції з прибирання міста та прибудинкових територій.",
        "in_progress",
        "Щороку проводяться толоки - загальноміські акції з прибирання міста та прибудинкових територій.",
    ),
    "in_progress_present_passive": (
        "В школах під час уроків природничих предметів використовується обладнання сучасних кабінетів.",
        "in_progress",
        "В школах під час уроків природничих предметів використовується обладнання сучасних кабінетів.",
    ),
    "in_progress_present_active": (
        "Безкоштовне навчання за різними галузями знань для учасників АТО/ООС пропонують в державному університеті «Житомирська політехніка».",
        "in_progress",
        "Безкоштовне навчання за різними галузями знань для учасників АТО/ООС пропонують в державному університеті «Житомирська політехніка».",
    ),
    "completed_repair_done": (
        "Здійснено ремонт тротуарів по вул. Київській (від вул. Небесної Сотні до вул. Хлібної)",
        "completed",
        "Здійснено ремонт тротуарів по вул. Київській (від вул. Небесної Сотні до вул. Хлібної)",
    ),
    "completed_deliverable": (
        "В мікрорайоні Маликова облаштовано каскадні сходи та велосипедний маршрут до річки Кам'янка.",
        "completed",
        "В мікрорайоні Маликова облаштовано каскадні сходи та велосипедний маршрут до річки Кам'янка.",
    ),
    "in_progress_imperfective_past": (
        "Водії та кондуктори громадського транспорту проходили навчання щодо особливостей надання транспортних послуг особам з інвалідністю.",
        "in_progress",
        "Водії та кондуктори громадського транспорту проходили навчання щодо особливостей надання транспортних послуг особам з інвалідністю.",
    ),
    "in_progress_activities": (
        "Проведено турнір з плавання (300 осіб), турнір з плавання на відкритій воді «Teteriv open» (300 осіб), змагання з веслування на човнах «Дракон» (350 осіб).",
        "in_progress",
        "Проведено турнір з плавання (300 осіб), турнір з плавання на відкритій воді «Teteriv open» (300 осіб), змагання з веслування на човнах «Дракон» (350 осіб).",
    ),
    "operating_service_available": (
        "Мешканці Житомирської міської територіальної громади, у т.ч. діти з інвалідністю, можуть скористатися безкоштовною послугою «Соціальне авто»",
        "operating",
        "Мешканці Житомирської міської територіальної громади, у т.ч. діти з інвалідністю, можуть скористатися безкоштовною послугою «Соціальне авто»",
    ),
}


def _csv_rule_ids() -> list[str]:
    with (DATA / "status_rules.csv").open(encoding="utf-8", newline="") as fh:
        return [row["rule_id"] for row in csv.DictReader(fh)]


def test_every_rule_has_an_example() -> None:
    """A rule without a real excerpt is an unreviewed rule; a stale example is noise."""
    assert sorted(RULE_EXAMPLES) == sorted(_csv_rule_ids())


@pytest.mark.parametrize("rule_id", list(RULE_EXAMPLES))
def test_rule_decides_its_example(rules: StatusRules, rule_id: str) -> None:
    text, code, evidence = RULE_EXAMPLES[rule_id]
    decision = rules.classify(text)
    assert decision == StatusDecision(code=code, evidence=evidence, rule_id=rule_id)
    assert decision.evidence in text


def test_every_status_has_an_example(rules: StatusRules) -> None:
    """One real excerpt per contract status (``other`` via the fallback test)."""
    covered = {code for _, code, _ in RULE_EXAMPLES.values()}
    assert covered == CONTRACT_CODES - {"other"}


def test_other_is_the_fallback(rules: StatusRules) -> None:
    text = (
        "Типи та форми малих архітектурних форм визначені рішенням виконавчого комітету "
        "міської ради від 22.12.2016 № 1164 «Про затвердження Архітектурно-художньої "
        "концепції зовнішнього вигляду вулиць і територій міста Житомира»."
    )
    assert rules.classify(text) == StatusDecision("other", "", FALLBACK_RULE_ID)
    assert rules.classify("").code == "other"


# --- precedence -------------------------------------------------------------------


def test_martial_law_suspension_beats_earlier_progress(rules: StatusRules) -> None:
    text = (
        "У 2021 році розпочато будівництво мереж водовідведення. Рівень виконання робіт "
        'становив 40,0%. У 2022 році призупинено реалізація проєкту "Будівництво '
        "індустріального парку по шосе Київському в м. Житомирі\" у зв'язку із "
        "запровадженням воєнного стану."
    )
    decision = rules.classify(text)
    assert decision.code == "suspended_martial_law"
    assert decision.evidence.startswith("У 2022 році призупинено реалізація проєкту")
    assert decision.evidence.endswith("у зв'язку із запровадженням воєнного стану.")


def test_martial_law_suspension_beats_being_implemented(rules: StatusRules) -> None:
    text = (
        "Спільно з німецькою урядовою компанією GIZ реалізовується проєкт з реставрації "
        "пам'ятки архітектури місцевого значення – Водонапірної башти за адресою: "
        "вул. Пушкінська, 24. У зв'язку із введенням воєнного стану в Україні реалізація "
        "проєкту була призупинена."
    )
    decision = rules.classify(text)
    assert decision.code == "suspended_martial_law"
    assert decision.evidence == (
        "У зв'язку із введенням воєнного стану в Україні реалізація проєкту була призупинена."
    )


def test_not_started_beats_suspended_when_text_says_never_begun(rules: StatusRules) -> None:
    text = (
        "Роботи з будівництва багатофункціонального спортивного комплексу за адресою "
        "Бульвар Старий, 14-А не розпочаті у зв'язку із введенням воєнного стану в Україні."
    )
    assert rules.classify(text).code == "not_started"


def test_working_group_plan_is_under_consideration(rules: StatusRules) -> None:
    # "знаходиться" (present tense) and "планується" must not win over the meeting.
    text = (
        "Стадіон, який знаходиться біля ЗОШ №1, перебуває на балансі Державної служби з "
        "надзвичайних ситуацій. Розгляд питання планується на засіданні робочої групи з "
        'впровадження Концепції інтегрованого розвитку міста "Активне місто".'
    )
    decision = rules.classify(text)
    assert decision.code == "under_consideration"
    assert decision.evidence.startswith("Розгляд питання планується на засіданні")


def test_deferral_at_working_group_is_postponed(rules: StatusRules) -> None:
    text = (
        'Питання будівництва мосту обговорювалося на засіданні робочої групи "Комфортне '
        'місто" вирішено відкласти його розгляд до 2023 року.'
    )
    assert rules.classify(text).code == "postponed"


def test_completed_items_plus_ongoing_work_is_in_progress(rules: StatusRules) -> None:
    text = (
        "Створено сучасний громадський простір в сквері по проспекту Миру, 9. Облаштовано "
        "пішохідні доріжки, встановлено дитячий та спортивний майданчики, лавки, ліхтарі та "
        "урни. Тривають роботи з облаштування громадських просторів на майдані Мистецькі "
        "ворота та бульварі Польському."
    )
    decision = rules.classify(text)
    assert decision.code == "in_progress"
    assert decision.evidence.startswith("Тривають роботи з облаштування")


def test_ongoing_work_with_next_stage_in_2023_stays_in_progress(rules: StatusRules) -> None:
    text = (
        "В рамках проекту всього реконструйовано 9,5 км мереж водопостачання. Продовжено "
        "роботи з реконструкції головної каналізаційної насосної станції. На початку 2023 "
        "року заплановано реконструкцію правої частини головної каналізаційної насосної станції."
    )
    assert rules.classify(text).code == "in_progress"


def test_event_not_held_beats_other_events_held(rules: StatusRules) -> None:
    text = (
        "У зв'язку із введенням воєнного стану в Україні загальноміський захід \"Космічний "
        'напівмарафон" не проводився. З метою широкого залучення мешканців громади до занять '
        "фізичною активністю та збору коштів на підтримку Збройних сил України проведено "
        "благодійні забіги."
    )
    assert rules.classify(text).code == "not_held"


def test_operating_facility_beats_activities_held_there(rules: StatusRules) -> None:
    text = (
        "В Житомирському міському центрі зайнятості функціонує Центр підтримки "
        "підприємництва, в якому проводяться навчальні заходи для підприємців територіальної "
        "громади. Проведено 9 семінарів з орієнтації безробітних на підприємницьку діяльність."
    )
    assert rules.classify(text).code == "operating"


def test_final_stage_is_not_completed(rules: StatusRules) -> None:
    text = 'Знаходиться на завершальному етапі створення відкритої культурної платформи "ОМІ".'
    assert rules.classify(text).code == "in_progress"


def test_relative_clause_does_not_make_work_ongoing(rules: StatusRules) -> None:
    text = (
        'В рамках проєкту облаштовано коворкінг-зону в комунальній установі "Агенція '
        'розвитку міста" міської ради, якою безкоштовно можуть скористатись підприємці, '
        "внутрішньо переміщені особи, які потребують тимчасового офісного простору."
    )
    assert rules.classify(text).code == "completed"


def test_future_commissioning_is_not_completion(rules: StatusRules) -> None:
    text = "Після влаштування укриття, садочок буде введено в експлуатацію."
    assert rules.classify(text).code == "postponed"


# --- engine behaviour ----------------------------------------------------------------


def test_html_is_ignored_and_evidence_is_a_substring(rules: StatusRules) -> None:
    text = (
        "<p>Організовано та проведено такі комунікаційні заходи:</p><p>Січень – опитування "
        "підприємців громади.</p>"
    )
    decision = rules.classify(text)
    assert decision.code == "in_progress"
    assert decision.evidence == "Організовано та проведено такі комунікаційні заходи:"
    assert decision.evidence in text
    assert normalise_text(text) == (
        "Організовано та проведено такі комунікаційні заходи: Січень – опитування підприємців громади."
    )


def test_matching_ignores_case_and_whitespace(rules: StatusRules) -> None:
    text = "РЕАЛІЗАЦІЮ  проєкту\nпризупинено у зв'язку із запровадженням воєнного стану."
    decision = rules.classify(text)
    assert decision.code == "suspended_martial_law"
    assert decision.evidence in text


def test_long_sentence_evidence_is_cut_to_the_clause(rules: StatusRules) -> None:
    text = (
        "Забезпечено наповнення та актуалізацію інвестиційних пропозицій (економічний "
        "потенціал громади, вільні земельні ділянки, оренда/продаж нерухомого майна "
        "комунальної власності, інвестиційні проєкти) на Інвестиційному порталі Житомира. "
        "В рамках проєкту «EU4Business: конкурентоспроможність та інтернаціоналізація малих "
        "і середніх підприємств» розроблено та розміщено на сайті «Інвестиційний портал "
        "Житомира» модуль «Робота», що сприятиме працевлаштуванню безробітних осіб."
    )
    decision = rules.classify(text)
    assert decision.code == "completed"
    assert decision.rule_id == "completed_deliverable"
    assert "розроблено та розміщено" in decision.evidence
    assert decision.evidence.endswith("модуль «Робота»")
    assert "сприятиме" not in decision.evidence


def test_decision_is_frozen(rules: StatusRules) -> None:
    decision = rules.classify("При Центрі функціонує група денного догляду.")
    with pytest.raises(dataclasses.FrozenInstanceError):
        decision.code = "other"  # type: ignore[misc]


def test_statuses_have_bilingual_labels(rules: StatusRules) -> None:
    assert set(rules.statuses) == CONTRACT_CODES
    status = rules.statuses["suspended_martial_law"]
    assert status.label_uk == "Призупинено через воєнний стан"
    assert status.label_en == "Suspended due to martial law"
    for s in rules.statuses.values():
        assert re.search("[а-яіїєґ]", s.label_uk, re.I) and s.label_en and s.definition_en


def _copy_data(tmp_path: Path) -> Path:
    for name in ("statuses.csv", "status_rules.csv"):
        shutil.copy(DATA / name, tmp_path / name)
    return tmp_path


def _append_rule(path: Path, row: list[str]) -> None:
    with (path / "status_rules.csv").open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerow(row)


def test_invalid_regex_names_the_row(tmp_path: Path) -> None:
    data = _copy_data(tmp_path)
    _append_rule(data, ["broken_rule", "completed", "завершено(", "bad"])
    row = len(_csv_rule_ids()) + 2
    with pytest.raises(
        StatusRuleError, match=rf"row {row} \(rule_id 'broken_rule'\).*invalid regular expression"
    ):
        StatusRules.load(data)


def test_unknown_status_names_the_row(tmp_path: Path) -> None:
    data = _copy_data(tmp_path)
    _append_rule(data, ["typo_rule", "complete", "завершено", "typo in status"])
    with pytest.raises(StatusRuleError, match=r"rule_id 'typo_rule'.*unknown status code 'complete'"):
        StatusRules.load(data)


def test_duplicate_rule_id_is_rejected(tmp_path: Path) -> None:
    data = _copy_data(tmp_path)
    _append_rule(data, ["completed_finished", "completed", "завершено", "dup"])
    with pytest.raises(StatusRuleError, match="unique"):
        StatusRules.load(data)


def test_missing_contract_status_is_rejected(tmp_path: Path) -> None:
    data = _copy_data(tmp_path)
    lines = (data / "statuses.csv").read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if not line.startswith("not_held,")]
    (data / "statuses.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    with pytest.raises(StatusRuleError, match="not_held"):
        StatusRules.load(data)


# --- the whole report ---------------------------------------------------------------


def _report_texts() -> list[tuple[int, str]]:
    """Rough per-line extraction: the last cell of each tab-separated line that is
    not a section heading (a heading fills only the first cell)."""
    texts = []
    for number, line in enumerate(REPORT.read_text(encoding="utf-8").splitlines(), 1):
        if "\t" not in line:
            continue
        cells = line.split("\t")
        last = cells[-1].strip()
        filled = [c for c in cells if c.strip()]
        if not last or (len(filled) == 1 and cells[0].strip()):
            continue
        if not re.search(r"[^\W\d_]", last) or last.startswith("Інформація про виконання"):
            continue  # separator lines of dashes, table header
        texts.append((number, last))
    return texts


def test_whole_report_distribution(rules: StatusRules) -> None:
    texts = _report_texts()
    assert len(texts) > 250
    decisions = [(n, t, rules.classify(t)) for n, t in texts]
    for _, text, decision in decisions:
        assert decision.evidence in text
        assert decision.code in CONTRACT_CODES
        assert (decision.code == "other") == (decision.evidence == "")

    counts = Counter(d.code for _, _, d in decisions)
    total = len(decisions)
    print(f"\nstatus distribution over {total} progress texts of {REPORT.name}")
    for code, n in counts.most_common():
        print(f"  {code:<22}{n:>5}  {100 * n / total:5.1f}%")
    print("texts that fell to 'other':")
    for number, text, decision in decisions:
        if decision.code == "other":
            print(f"  L{number}: {normalise_text(text)[:120]}")

    assert counts["other"] / total < 0.15
    # Plausibility: every status the report's phrasing supports is found, and no
    # single status swallows the report.
    assert set(counts) >= CONTRACT_CODES - {"other"}
    assert max(counts.values()) / total < 0.5
    assert counts["suspended_martial_law"] >= 10
    assert counts["under_consideration"] >= 25
