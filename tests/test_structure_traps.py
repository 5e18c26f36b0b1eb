"""One small excerpt per trap of the export, and the structure it must give."""

from __future__ import annotations

import pytest

from etl.errors import ReportError

DEPT = "Департамент економічного розвитку міської ради"
ECON = "departament-ekonomichnoho-rozvytku-miskoi-rady"
GOAL = ["Стратегічна ціль 1\t\t\t\t", "Формування сприятливого інвестиційного клімату\t\t\t\t"]


def only_goal(tree):
    assert len(tree.priorities) == 1
    return tree.priorities[0].goals


def test_continuation_line_with_empty_leading_cells(parse_excerpt):
    tree = parse_excerpt(
        GOAL
        + [
            f"2\tЗабезпечувати супровід інвесторів\t\t{DEPT}\tПерший абзац.",
            "",
            "\t\t\t\tДругий абзац.",
        ]
    )
    (task,) = only_goal(tree)[0].tasks
    (entry,) = task.entries
    assert entry.kind == "task"
    assert [p.text for p in entry.paragraphs] == ["Перший абзац.", "Другий абзац."]
    assert entry.continuation_lines == [10]  # rows start at line 8 (title, header, goal above)


def test_project_row_with_empty_task_cell_belongs_to_previous_task(parse_excerpt):
    tree = parse_excerpt(
        GOAL
        + [
            f"3\tСприяти використанню промислових зон\tЛогістичний хаб 2021-2023\t{DEPT}\tТриває.",
            f"\t\tІндустріальний парк 2021-2023\t{DEPT}\tПризупинено.",
        ]
    )
    (task,) = only_goal(tree)[0].tasks
    assert [e.kind for e in task.entries] == ["project", "project"]
    assert task.entries[1].project_cell.startswith("Індустріальний парк")


def test_task_level_row_without_project(parse_excerpt):
    tree = parse_excerpt(GOAL + [f"2\tЗабезпечувати супровід\t\t{DEPT}\tТекст."])
    (entry,) = only_goal(tree)[0].tasks[0].entries
    assert entry.kind == "task" and entry.department_ids == [ECON]


def test_row_naming_only_a_department_is_its_part_of_the_task(parse_excerpt):
    tree = parse_excerpt(
        GOAL
        + [
            f"1\tЗабезпечити доступність\t\t{DEPT}, департамент освіти міської ради\tЗагальний текст.",
            "\t\t\tУправління комунального господарства міської ради\tТекст управління.",
            "\t\t\tУправління транспорту та зв'язку міської ради\tТекст транспорту.",
            "\t\t\t\tПродовження транспорту.",
        ]
    )
    (task,) = only_goal(tree)[0].tasks
    kinds = [(e.kind, e.department_ids) for e in task.entries]
    assert kinds == [
        ("task", [ECON, "departament-osvity-miskoi-rady"]),
        ("department", ["upravlinnia-komunalnoho-hospodarstva-miskoi-rady"]),
        ("department", ["upravlinnia-transportu-ta-zviazku-miskoi-rady"]),
    ]
    assert [p.text for p in task.entries[2].paragraphs] == ["Текст транспорту.", "Продовження транспорту."]


def test_line_with_one_leading_tab_fewer_is_realigned(parse_excerpt):
    tree = parse_excerpt(
        GOAL
        + [
            f"4\tАдаптувати освіту\t\t{DEPT}\tТекст завдання.",
            f"\tЦентр розвитку кар'єри 2019-2020 роки\t{DEPT}\tТекст проєкту.",
        ]
    )
    (task,) = only_goal(tree)[0].tasks
    assert task.description == "Адаптувати освіту"
    project = task.entries[1]
    assert project.kind == "project"
    assert project.project_cell == "Центр розвитку кар'єри 2019-2020 роки"
    assert project.department_ids == [ECON]
    assert [p.text for p in project.paragraphs] == ["Текст проєкту."]


def test_task_moved_into_the_number_column_is_realigned(parse_excerpt):
    tree = parse_excerpt(
        GOAL
        + [
            "1.4. Модернізація каналізаційних мереж\tМодернізація мереж\t"
            "Управління комунального господарства міської ради\t<p>Роботи тривають.</p>\t",
        ]
    )
    (task,) = only_goal(tree)[0].tasks
    assert (task.notation, task.description) == ("1.4.", "Модернізація каналізаційних мереж")
    assert task.entries[0].project_cell == "Модернізація мереж"
    assert [p.text for p in task.entries[0].paragraphs] == ["Роботи тривають."]


def test_department_and_text_merged_without_a_tab(parse_excerpt):
    tree = parse_excerpt(
        GOAL
        + [
            "1\tСтворити раду агломерації\t\tВиконавчі органи міської ради Питання планується розглянути.",
            "3.\t3.1. Стимулювати відновлювальну енергетику\t\t"
            f"<p>{DEPT}, управління комунального господарства міської ради</p> <p>Збудовано котельню.</p>",
        ]
    )
    first, second = only_goal(tree)[0].tasks
    assert first.entries[0].department_ids == ["vykonavchi-orhany-miskoi-rady"]
    assert [p.text for p in first.entries[0].paragraphs] == ["Питання планується розглянути."]
    assert second.notation == "3.1." and second.description == "Стимулювати відновлювальну енергетику"
    assert second.entries[0].department_ids == [ECON, "upravlinnia-komunalnoho-hospodarstva-miskoi-rady"]
    assert [p.text for p in second.entries[0].paragraphs] == ["Збудовано котельню."]


def test_html_fragments_are_removed_and_paragraphs_kept(parse_excerpt):
    tree = parse_excerpt(
        GOAL
        + [
            "2\t<p>Розвивати інфраструктуру</p>\t<p>Розширення мережі закладів 2019-2020 роки</p>\t"
            f"<p>{DEPT}</p>\t<p>Перше.</p> <p>Друге &amp; третє.</p>",
        ]
    )
    (task,) = only_goal(tree)[0].tasks
    assert task.description == "Розвивати інфраструктуру"
    assert [p.text for p in task.entries[0].paragraphs] == ["Перше.", "Друге & третє."]


def test_markdown_separator_lines_carry_nothing(parse_excerpt):
    tree = parse_excerpt(
        GOAL
        + [
            f"1\tЗабезпечувати інфраструктуру\tСтворення середовища 2021-2023 роки\t{DEPT}\tПерше.",
            "---\t-----------\t-----\t----\t--------",
            "\t\t\t\tДруге.",
        ]
    )
    (task,) = only_goal(tree)[0].tasks
    assert [p.text for p in task.entries[0].paragraphs] == ["Перше.", "Друге."]
    assert tree.roles[9] == "separator"


def test_goal_header_without_tabs_and_blank_lines(parse_excerpt):
    tree = parse_excerpt(
        [
            "Стратегічна ціль 2",
            "",
            "Підтримка інноваційної діяльності",
            "",
            f"1\tЗабезпечувати місто інфраструктурою\t\t{DEPT}\tТекст.",
        ]
    )
    (goal,) = only_goal(tree)
    assert (goal.notation, goal.title, goal.ordinal) == ("2", "Підтримка інноваційної діяльності", 1)


def test_goal_whose_header_is_only_an_italic_title(parse_excerpt):
    tree = parse_excerpt(
        GOAL
        + [
            f"1\tЗавдання першої цілі\t\t{DEPT}\tТекст.",
            "<i>Досягнення європейських стандартів енергоефективності</i>\t\t\t",
            f"3.\t3.1. Стимулювати відновлювальну енергетику\t\t{DEPT}\tТекст.",
        ]
    )
    _first, second = only_goal(tree)
    assert second.title == "Досягнення європейських стандартів енергоефективності"
    assert second.notation is None and second.ordinal == 2
    assert second.tasks[0].notation == "3.1."


def test_two_goals_printed_with_the_same_number_stay_two_goals(parse_excerpt):
    tree = parse_excerpt(
        [
            "Стратегічна ціль 3\t\t\t\t",
            "Безпека\t\t\t\t",
            f"1\tЗавдання А\t\t{DEPT}\tТекст.",
            "Стратегічна ціль 3\t\t\t\t",
            "Здоров'я\t\t\t\t",
            f"1\tЗавдання Б\t\t{DEPT}\tТекст.",
        ]
    )
    goals = only_goal(tree)
    assert [(g.ordinal, g.notation, g.title) for g in goals] == [(1, "3", "Безпека"), (2, "3", "Здоров'я")]


@pytest.mark.parametrize(
    "number_cell, task_cell, notation, description",
    [
        ("1", "Створити платформу", "1", "Створити платформу"),
        ("1", "1.1. Запровадження екомоніторингу", "1.1.", "Запровадження екомоніторингу"),
        ("2.", "2.1. Організація виховання", "2.1.", "Організація виховання"),
        ("", "Сприяти безпечному співіснуванню", None, "Сприяти безпечному співіснуванню"),
    ],
)
def test_task_numbers(parse_excerpt, number_cell, task_cell, notation, description):
    tree = parse_excerpt(GOAL + [f"{number_cell}\t{task_cell}\t\t{DEPT}\tТекст."])
    (task,) = only_goal(tree)[0].tasks
    assert (task.notation, task.description) == (notation, description)


def test_department_cell_whose_single_name_contains_a_comma(parse_excerpt):
    tree = parse_excerpt(
        GOAL
        + [
            "1\tСтворити мережу\tПортал 2019-2020 роки\tУправління культури міської ради, "
            "управління сім'ї, молоді та спорту міської ради\tТекст.",
        ]
    )
    entry = only_goal(tree)[0].tasks[0].entries[0]
    assert entry.department_ids == [
        "upravlinnia-kultury-miskoi-rady",
        "upravlinnia-u-spravakh-simi-molodi-ta-sportu-miskoi",
    ]


def test_task_without_responsible_body(parse_excerpt):
    tree = parse_excerpt(GOAL + ["2\tСприяти діяльності екстрених служб\t\t\tЗ метою сприяння."])
    entry = only_goal(tree)[0].tasks[0].entries[0]
    assert entry.kind == "task" and entry.department_ids == []


def test_unknown_department_spelling_names_the_line(parse_excerpt):
    with pytest.raises(ReportError) as info:
        parse_excerpt(GOAL + ["1\tЗавдання\tПроєкт 2019-2020 роки\tМіністерство чогось\tТекст."])
    assert info.value.line == 8
    assert "Міністерство чогось" in str(info.value)
