"""Interface strings in Ukrainian and English, and the choice of language for a request.

The language is ``?lang=uk|en`` when given (links then carry it, so the choice persists), else
the best of ``Accept-Language``, else Ukrainian (the language of the source report). Labels come
from the data in both languages; :func:`pick` returns the one in the page's language or, where the
data has no translation, the other one marked with its language.
"""

from __future__ import annotations

from dataclasses import dataclass

from graph_service.conneg import parse_accept

LANGS = ("uk", "en")
DEFAULT = "uk"

#: key → (Ukrainian, English). One table; templates call ``t("key")``.
MESSAGES: dict[str, tuple[str, str]] = {
    "site": ("Граф знань стратегії Житомира", "Zhytomyr strategy knowledge graph"),
    "site_short": ("Стратегія Житомира 2030", "Zhytomyr 2030 strategy"),
    "home": ("Головна", "Home"),
    "projects": ("Проєкти", "Projects"),
    "departments": ("Виконавчі органи", "Departments"),
    "funders": ("Донори та партнери", "Funders"),
    "places": ("Місця", "Places"),
    "search": ("Пошук", "Search"),
    "search_placeholder": ("Пошук: башта, ЄБРР, EBRD…", "Search: tower, ЄБРР, EBRD…"),
    "query_editor": ("Запити SPARQL", "SPARQL queries"),
    "dataset": ("Про набір даних", "About the dataset"),
    "source": ("Джерело", "Source"),
    "source_view": ("Текст звіту", "Report text"),
    "priorities": ("Пріоритети", "Priorities"),
    "priority": ("Пріоритет", "Priority"),
    "goals": ("Стратегічні цілі", "Strategic goals"),
    "goal": ("Стратегічна ціль", "Strategic goal"),
    "tasks": ("Завдання", "Tasks"),
    "task": ("Завдання", "Task"),
    "project": ("Проєкт", "Project"),
    "statuses": ("Статуси звітів 2022", "2022 report statuses"),
    "status": ("Статус", "Status"),
    "status_2022": ("Стан у 2022 році", "Status in 2022"),
    "timeline": ("За роками звітів", "By report year"),
    "year": ("Рік", "Year"),
    "cause": ("Причина", "Cause"),
    "outputs": ("Результати", "Outputs"),
    "support": ("Підтримка", "Support"),
    "evidence": ("Підстава", "Evidence"),
    "rule": ("правило", "rule"),
    "period": ("Період", "Period"),
    "department": ("Виконавчий орган", "Department"),
    "responsible": ("Відповідальні", "Responsible"),
    "funder": ("Донор", "Funder"),
    "funded_by": ("Фінансування", "Funded by"),
    "partners": ("Партнери", "Partners"),
    "funders_partners": ("Донори та партнери", "Funders and partners"),
    "programmes": ("Програми", "Programmes"),
    "programme": ("Програма", "Programme"),
    "organization": ("Організація", "Organisation"),
    "report": ("Звіт", "Report"),
    "place": ("Місце", "Place"),
    "location": ("Розташування", "Location"),
    "mentioned_places": ("Згадані місця", "Places mentioned"),
    "report_2022": ("Звіт про виконання за 2022 рік", "2022 progress report"),
    "reports": ("Звіти про виконання", "Progress reports"),
    "source_line": ("Рядок джерела", "Source line"),
    "line": ("рядок", "line"),
    "lines": ("Рядки", "Lines"),
    "mentions": ("Згадки", "Mentions"),
    "mentioned_in": ("Згадується у звітах", "Mentioned in reports"),
    "located_here": ("Проєкти тут", "Work located here"),
    "contains": ("Містить", "Contains"),
    "count": ("Кількість", "Count"),
    "reports_count": ("Звітів", "Reports"),
    "works": ("Завдання та проєкти", "Tasks and projects"),
    "works_count": ("Робіт", "Works"),
    "relation": ("Зв'язок", "Relation"),
    "fundedBy": ("фінансує", "funds"),
    "partner": ("партнер", "partner"),
    "supportedBy": ("підтримує", "supports"),
    "properties": ("Усі властивості", "All properties"),
    "incoming": ("Посилаються сюди", "Referenced by"),
    "types": ("Типи", "Types"),
    "iri": ("IRI", "IRI"),
    "external_links": ("Зовнішні посилання", "External links"),
    "formats": ("Інші формати", "Other formats"),
    "data_as": ("Дані сторінки", "Page data"),
    "queries_behind": ("Запити, з яких зроблено сторінку", "The queries behind this page"),
    "open_in_editor": ("Відкрити в редакторі", "Open in the editor"),
    "facets": ("Фільтри", "Facets"),
    "clear_filters": ("Скинути фільтри", "Clear filters"),
    "shown": ("Показано", "Shown"),
    "of": ("з", "of"),
    "no_results": ("Нічого не знайдено.", "Nothing found."),
    "results": ("Результати", "Results"),
    "search_unavailable": (
        "Пошуковий індекс недоступний для цього сховища.",
        "The search index is not available for this store.",
    ),
    "not_found": ("Не знайдено", "Not found"),
    "truncated": (
        "Увага: сховище обрізало відповідь до %d рядків; на сторінці може бракувати даних.",
        "Warning: the triplestore cut an answer to %d rows; this page may be incomplete.",
    ),
    "not_found_text": ("У графі немає сутності з таким IRI.", "The graph has no entity with this IRI."),
    "relationship": ("Донор → проєкт → виконавчий орган", "Funder → project → department"),
    "in_other_lang": ("немає перекладу", "no translation"),
    "language": ("Мова", "Language"),
    "kind": ("Вид", "Kind"),
    "all": ("усі", "all"),
    "text_2022": ("Текст звіту 2022 року", "The 2022 report text"),
    "no_text": ("Текст звіту відсутній.", "No report text."),
    "produced": ("Що з рядка створено", "What the line produced"),
    "row": ("рядок", "row"),
    "continues": ("продовження", "continues"),
    "none": ("—", "—"),
    "file_missing": (
        "Файл звіту недоступний на цьому сервері; показано лише зв'язки рядків.",
        "The report file is not available on this server; only what each line produced is shown.",
    ),
    "table": ("Таблиця", "Table"),
    "named_queries": ("Готові запити", "Named queries"),
    "queries_intro": (
        "Запити з теки queries/ проєкту. Результати кожного можна завантажити за постійною адресою (CSV, TSV, JSON, XML) — наприклад, у pandas чи R. Увесь список:",
        "The queries of the project's queries/ folder. Each one's results have a stable URL (CSV, TSV, JSON, XML), e.g. for pandas or R. The whole list as",
    ),
    "queries_research": ("Для досліджень", "For research"),
    "queries_service": ("Використовуються цим сервісом", "Used by this service"),
    "query": ("Запит", "Query"),
    "parameters": ("Параметри", "Parameters"),
    "tags": ("Мітки", "Tags"),
    "results_as": ("Результати як", "Results as"),
    "param_hint": ("IRI або текст; порожнє — без обмеження", "an IRI or text; empty means no restriction"),
    "run": ("Виконати", "Run"),
    "query_failed": ("Запит не виконано", "The query did not run"),
    "query_text": ("Текст запиту", "Query text"),
    "answer": ("Відповідь", "Answer"),
    "all_rows_in_files": ("усі рядки — у файлах результатів.", "all rows are in the result files."),
    "graph_result": (
        "Цей запит будує граф RDF: завантажте його в одному з форматів вище.",
        "This query builds an RDF graph: download it in one of the formats above.",
    ),
}


def t(key: str, lang: str) -> str:
    pair = MESSAGES.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "en" else pair[0]


def negotiate(query_lang: str | None, accept_language: str | None) -> tuple[str, bool]:
    """(language, chosen explicitly by ``?lang=``)."""
    if query_lang:
        code = query_lang.strip().lower()[:2]
        if code in LANGS:
            return code, True
    if accept_language:  # ranked like Accept: q, then header order
        for language, q in parse_accept(accept_language):
            if language[:2] in LANGS and q > 0:
                return language[:2], False
    return DEFAULT, False


@dataclass(frozen=True)
class Label:
    """A label in the page's language, or in the other one (``fallback``) where none exists."""

    text: str
    lang: str | None
    fallback: bool = False

    def __str__(self) -> str:
        return self.text


def pick(uk: str | None, en: str | None, lang: str, default: str = "") -> Label:
    first, second = (en, uk) if lang == "en" else (uk, en)
    other = "uk" if lang == "en" else "en"
    if first:
        return Label(first, lang)
    if second:
        return Label(second, other, True)
    return Label(default, None, bool(default))
