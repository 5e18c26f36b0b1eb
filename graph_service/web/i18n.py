"""Interface strings in Ukrainian and English, and the choice of language for a request.

The language is ``?lang=uk|en`` when given (links then carry it, so the choice persists), else
the best of ``Accept-Language``, else Ukrainian (the language of the source report). Labels come
from the data in both languages; :func:`pick` returns the one in the page's language or, where the
data has no translation, the other one marked with its language.

The names of classes (project, funder, department …) are not written here: they are the
``rdfs:label`` of the class in the ontology (``ontology/*.ttl``, :data:`CLASS_KEYS`), so a list,
an entity page and the data say the same word. A key missing from the table is shown as itself
and remembered in :data:`MISSING` (the tests fail on it).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from graph_service.conneg import parse_accept
from zhytomyr_kg.resources import ONTOLOGY_DIR
from zhytomyr_kg.vocab import PREFIXES

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
    "search_placeholder": ("Пошук: башта, ЄБРР, EBRD…", "Search: tower, EBRD, Teteriv…"),
    "breadcrumb": ("Де це", "Where this is"),
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
    "funds": ("Фінансує", "Funds"),
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
    "no_page": ("Такої сторінки немає.", "There is no such page."),
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
    "unknown_iri": ("У графі немає нічого з IRI", "The graph has nothing with the IRI"),
    "no_query": ("Немає запиту з назвою", "There is no query named"),
    "error": ("Помилка", "Error"),
    "bad_request": ("Неправильний запит", "Bad request"),
    "unavailable": ("Граф зараз недоступний", "The graph is not available now"),
    # a page query stopped by a limit (503 with Retry-After)
    "page_stopped": ("Сторінка зараз не готова", "This page is not ready now"),
    "page_stopped_timeout": (
        "Запит цієї сторінки до графа тривав довше, ніж дозволено, і його зупинено.",
        "A query this page makes ran longer than allowed and was stopped.",
    ),
    "page_stopped_memory": (
        "Запит цієї сторінки до графа потребував більше пам’яті, ніж дозволено, і його зупинено.",
        "A query this page makes needed more memory than allowed and was stopped.",
    ),
    "retry_later": ("Спробуйте ще раз за кілька секунд.", "Try again in a few seconds."),
    "more": ("ще", "more"),
    "supported": ("За підтримки", "Supported"),
    "partner_column": ("Партнер", "Partner"),
    "pages": ("Сторінки", "Pages"),
    "prev_page": ("Попередня", "Previous"),
    "next_page": ("Наступна", "Next"),
    "all_n_rows": ("усі (%d) →", "all %d →"),
    "table_facets": ("фільтри", "facets"),
    "show_all": ("показати всі", "show all"),
    # the tables a page offers as .csv / .json (footer), by their names
    "table_rows": ("рядки запиту", "query rows"),
    "table_mentions": ("згадки", "mentions"),
    "table_breadcrumb": ("навігація", "breadcrumb"),
    "table_reports": ("звіти", "reports"),
    "table_goals": ("цілі", "goals"),
    "table_tasks": ("завдання", "tasks"),
    "table_projects": ("проєкти", "projects"),
    "table_incoming": ("посилання сюди", "incoming links"),
    "table_partners": ("партнери", "partners"),
    "table_works": ("роботи", "works"),
    "table_priorities": ("пріоритети", "priorities"),
    "table_statuses": ("статуси", "statuses"),
    "table_place": ("місце", "place"),
    "table_lines": ("рядки", "lines"),
    "table_properties": ("властивості", "properties"),
    "table_results": ("результати", "results"),
    "table_departments": ("виконавчі органи", "departments"),
    "table_funders": ("донори", "funders"),
    "table_places": ("місця", "places"),
    "table_programmes-places": ("програми й місця", "programmes and places"),
    "table_timeline": ("історія за роками", "timeline"),
    # search
    "search_groups": ("За класами", "By class"),
    "search_mentions": ("Згадують", "Mentioned in"),
    "mentions_of": ("згадує", "mentions"),
    "kind_report": ("Звіт 2022 року", "2022 report"),
    "kind_status": ("Стан виконання", "Status"),
    "kind_source": ("Джерело", "Source"),
    "kind_concept": ("Концепція", "Concept"),
    # the query editor (/query)
    "editor_title": ("Редактор запитів SPARQL", "SPARQL query editor"),
    "editor_intro": (
        "Запити виконує точка доступу цього сервісу, лише для читання:",
        "Queries run against this service's read-only endpoint",
    ),
    "editor_address": (
        "Адреса цієї сторінки зберігає поточний запит: скопіюйте її, щоб поділитися запитом.",
        "The address of this page keeps the current query: copy it to share the query.",
    ),
    "editor_examples": ("Приклади запитів", "Example queries"),
    "editor_choose": ("виберіть приклад", "choose an example"),
    "editor_link": ("Посилання на цей запит", "Link to this query"),
    "editor_noscript": (
        "Редакторові потрібен JavaScript. Без нього надішліть запит просто до точки доступу:",
        "The editor needs JavaScript. Without it, send a query straight to the endpoint:",
    ),
    "yasgui_query": ("Запит", "Query"),
    "yasgui_table": ("Таблиця", "Table"),
    "yasgui_response": ("Відповідь", "Response"),
    "yasgui_simple_view": ("Простий вигляд", "Simple view"),
    "yasgui_ellipse": ("Скорочувати", "Ellipse"),
    "yasgui_filter": ("Фільтрувати результати", "Filter query results"),
    "yasgui_download": ("Завантажити результат", "Download result"),
    "yasgui_show_all": ("Показати все", "Show all"),
    "yasgui_run": ("Виконати запит", "Run query"),
    "yasgui_share": ("Поділитися запитом", "Share query"),
    "yasgui_add_tab": ("Нова вкладка", "Add tab"),
    "yasgui_page_size": ("Рядків на сторінці:", "Page size:"),
    "yasgui_results_in": ("Рядків: {n}, за {s} с", "{n} results in {s} seconds"),
    "table_info": ("Рядки _START_–_END_ з _TOTAL_", "Rows _START_–_END_ of _TOTAL_"),
    "table_info_empty": ("Рядків немає", "No rows"),
    "table_info_filtered": ("(відібрано з _MAX_)", "(filtered from _MAX_)"),
    "table_empty": ("Запит не дав рядків.", "The query gave no rows."),
    "table_length_menu": ("_MENU_ рядків на сторінці", "_MENU_ rows per page"),
    "table_search": ("Пошук:", "Search:"),
    # /dataset
    "dataset_title": ("Набір даних", "The dataset"),
    "publisher": ("Видавець джерела", "Publisher of the source"),
    "licence": ("Ліцензія", "Licence"),
    "issued": ("Опубліковано", "Issued"),
    "modified": ("Змінено", "Modified"),
    "version": ("Версія", "Version"),
    "sparql_service": ("Служба SPARQL", "SPARQL service"),
    "sparql_service_text": (
        "Точка доступу SPARQL 1.1 (лише читання) за адресою",
        "A read-only SPARQL 1.1 endpoint at",
    ),
    "sparql_service_editor": (
        "У браузері вона відкриває редактор запитів; готові запити з постійними адресами результатів —",
        "In a browser it opens the query editor; ready-made queries with stable result URLs are at",
    ),
    "sources": ("Джерела", "Source documents"),
    "how_to_cite": ("Як цитувати", "How to cite"),
    "downloads": ("Завантаження", "Downloads"),
    "file": ("Файл", "File"),
    "media_type": ("Тип даних", "Media type"),
    "bytes": ("Байтів", "Bytes"),
    "counts": ("Кількості", "Counts"),
    "count_triples": ("трійок", "triples"),
    "count_entities": ("сутностей", "entities"),
    "count_classes": ("класів", "classes"),
    "count_properties": ("властивостей", "properties"),
    "linksets": ("Зв'язки з іншими наборами даних", "Links to other datasets"),
    "description_as": ("Опис набору даних як", "The description as"),
    # a work's report years: state, cause, outputs with amounts, support by relation (#10)
    "in_year": ("{year} рік", "Year {year}"),
    "state": ("Стан", "State"),
    "cause_evidence": ("Причину названо", "Cause named in"),
    "no_outputs": ("Звіт не називає конкретних результатів.", "The report names no concrete outputs."),
    "output": ("Результат", "Output"),
    "output_year": ("Рік", "Year"),
    "amounts": ("Кількості й суми", "Quantities and sums"),
    "support_by_relation": ("Хто підтримав", "Who backed the work"),
    "support_funds": ("Фінансує", "Funds"),
    "support_partner": ("Партнер", "Partner"),
    "support_supported": ("Підтримує", "Supported"),
    "support_note": (
        "«Фінансує» — кошти, грант, обладнання чи оплачені роботи; «Партнер» — спільне виконання, меморандум, рамки програми; «Підтримує» — підтримка, вид якої звіт не уточнює.",
        "Funds: money, a grant, equipment or works paid for; Partner: joint implementation, a memorandum, a programme framework; Supported: backing of a kind the report does not specify.",
    ),
    "no_support": (
        "Звіт не називає організацій, що підтримали роботу.",
        "The report names no organisation backing the work.",
    ),
    "money_format": ("{number} {scale} {currency}", "{currency} {number} {scale}"),
    "scale_3": ("тис.", "thousand"),
    "scale_6": ("млн", "million"),
    "scale_9": ("млрд", "billion"),
    "currency_UAH": ("грн", "UAH"),
    "currency_EUR": ("євро", "EUR"),
    "currency_USD": ("дол. США", "USD"),
    # the charts of the home and priority pages
    "chart_states": ("Стан робіт за пріоритетами, {year} рік", "State of the works by priority, {year}"),
    "chart_martial_law": (
        "Роботи, які воєнний стан зупинив або яким завадив, за пріоритетами, {year} рік",
        "Works martial law stopped or prevented, by priority, {year}",
    ),
    "chart_goal_states": (
        "Стан робіт за стратегічними цілями, {year} рік",
        "State of the works by strategic goal, {year}",
    ),
    "chart_goal_martial_law": (
        "Роботи, які воєнний стан зупинив або яким завадив, за стратегічними цілями, {year} рік",
        "Works martial law stopped or prevented, by strategic goal, {year}",
    ),
    "chart_counted": (
        "Кількість звітів про виконання (рядків звіту) за {year} рік; робота з кількома рядками рахується за кожним.",
        "Counted in progress reports (rows of the report) of {year}; a work with several rows counts once per row.",
    ),
    "chart_martial_law_note": (
        "Звіти з причиною «воєнний стан», за будь-якого стану: призупинено, не проведено, не розпочато або частково зупинено.",
        "Reports whose cause is martial law, whatever their state: suspended, not held, not started or partly halted.",
    ),
    "chart_legend": ("Легенда", "Legend"),
    "chart_total": ("Разом", "Total"),
    "chart_numbers": ("Числа діаграми", "The chart's numbers"),
    "chart_empty": ("Немає звітів для цієї діаграми.", "No reports for this chart."),
    "states_in": ("Стан у {year} році", "State in {year}"),
    "table_chart": ("стани й причини", "states and causes"),
    "table_outputs": ("результати", "outputs"),
    "table_support": ("підтримка", "support"),
}


#: interface key → the ontology class whose ``rdfs:label`` is its text
CLASS_KEYS: dict[str, str] = {
    "priority": "Priority",
    "goal": "StrategicGoal",
    "task": "Task",
    "project": "Project",
    "report": "ProgressReport",
    "department": "Department",
    "funder": "Funder",
    "programme": "Programme",
    "organization": "Organization",
    "place": "Place",
    "status": "Status",
}
#: keys asked for but missing from the table (shown as the key itself)
MISSING: set[str] = set()


@cache
def class_labels() -> dict[str, dict[str, list[str]]]:
    """``rdfs:label`` of every class of the ontology files: local name → language → labels."""
    import pyoxigraph

    zkg, label = PREFIXES["zkg"], PREFIXES["rdfs"] + "label"
    out: dict[str, dict[str, list[str]]] = {}
    for path in sorted(ONTOLOGY_DIR.glob("zkg*.ttl")):
        for triple in pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TURTLE):
            s, p, o = triple.subject, triple.predicate, triple.object
            if p.value == label and isinstance(s, pyoxigraph.NamedNode) and s.value.startswith(zkg):
                lang = getattr(o, "language", None) or ""
                labels = out.setdefault(s.value[len(zkg) :], {}).setdefault(lang, [])
                if o.value not in labels:
                    labels.append(o.value)
    return out


def _from_ontology() -> None:
    labels = class_labels()
    for key, cls in CLASS_KEYS.items():
        by_lang = labels.get(cls, {})
        uk, en = by_lang.get("uk"), by_lang.get("en")
        if uk and en:
            MESSAGES[key] = (uk[0], en[0])


_from_ontology()


def t(key: str, lang: str) -> str:
    pair = MESSAGES.get(key)
    if pair is None:
        MISSING.add(key)
        return key
    return pair[1] if lang == "en" else pair[0]


def has(key: str) -> bool:
    return key in MESSAGES


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
