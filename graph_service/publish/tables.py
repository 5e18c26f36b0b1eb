"""The CSV tables of the dumps and their CSV on the Web metadata.

One table per named query tagged ``export`` (``queries/export-<table>.rq``); a table with no rows
is left out. ``csv-metadata.json`` describes them: titles in Ukrainian and English, datatypes,
primary and foreign keys, and ``aboutUrl``/``propertyUrl``/``valueUrl`` onto the contract's terms,
so a CSVW processor turns the tables back into the graph's triples. Written by ``export.py``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import cast

import pyoxigraph as ox

from graph_service.store import named_queries
from zhytomyr_kg.settings import ZKG, Settings

RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"


@dataclass(frozen=True)
class Col:
    """How one query variable becomes a CSVW column."""

    uk: str
    en: str
    datatype: str = "string"
    property: str | None = None  # propertyUrl (a full IRI)
    lang: str | None = None
    value_url: str | None = None  # valueUrl template (object IRI)
    about_url: str | None = None  # column-level aboutUrl when the subject is not the row's entity


def _iri(var: str) -> str:
    return "{+" + var + "}"


def columns(settings: Settings) -> dict[str, Col]:
    """Column definitions by query variable name (the same name means the same thing everywhere)."""
    return {
        "project": Col("Проєкт (IRI)", "Project (IRI)", "anyURI"),
        "task": Col("Завдання (IRI)", "Task (IRI)", "anyURI"),
        "department": Col("Виконавчий орган (IRI)", "Department (IRI)", "anyURI"),
        "report": Col("Звіт про виконання (IRI)", "Progress report (IRI)", "anyURI"),
        "funder": Col("Донор (IRI)", "Funder (IRI)", "anyURI"),
        "place": Col("Місце (IRI)", "Place (IRI)", "anyURI"),
        "label_uk": Col("Назва українською", "Name in Ukrainian", property=RDFS + "label", lang="uk"),
        "label_en": Col("Назва англійською", "Name in English", property=RDFS + "label", lang="en"),
        "period": Col(
            "Період (як надруковано)", "Period (as printed)", property=ZKG + "periodText", lang="uk"
        ),
        "start_year": Col("Рік початку", "Start year", "integer", ZKG + "startYear"),
        "end_year": Col("Рік завершення", "End year", "integer", ZKG + "endYear"),
        "source_line": Col("Рядок джерела", "Source line", "integer", ZKG + "sourceLine"),
        "notation": Col("Номер (як надруковано)", "Number (as printed)", property=SKOS + "notation"),
        "goal": Col(
            "Стратегічна ціль (IRI)", "Strategic goal (IRI)", "anyURI", ZKG + "inGoal", value_url=_iri("goal")
        ),
        "priority": Col(
            "Пріоритет (IRI)",
            "Priority (IRI)",
            "anyURI",
            ZKG + "inPriority",
            value_url=_iri("priority"),
            about_url=_iri("goal"),
        ),
        "kind": Col("Вид органу", "Kind of body", property=ZKG + "departmentKind"),
        "reports_on": Col(
            "Стосується (проєкт або завдання, IRI)",
            "Reports on (project or task, IRI)",
            "anyURI",
            ZKG + "reportsOn",
            value_url=_iri("reports_on"),
        ),
        "year": Col("Рік звіту", "Report year", "integer", ZKG + "year"),
        "status": Col(
            "Статус (код)",
            "Status (code)",
            property=ZKG + "status",
            value_url=settings.id_base + "status/{status}",
        ),
        "text": Col("Інформація про виконання", "Progress text", property=ZKG + "text", lang="uk"),
        "programme": Col("Програма донора (IRI)", "Programme (IRI)", "anyURI"),
        "mention": Col("Згадка у звіті (IRI)", "Mention in a report (IRI)", "anyURI"),
        "relation": Col(
            "Зв'язок (fundedBy — фінансував, partner — партнер, supportedBy — підтримав)",
            "Relation (fundedBy, partner or supportedBy)",
            property=ZKG + "relation",
            value_url=ZKG + "{relation}",
        ),
        "evidence": Col(
            "Фраза звіту, що це засвідчує",
            "Phrase of the report that decides it",
            property=ZKG + "evidence",
            lang="uk",
        ),
        "surface": Col("Як написано у звіті", "As written in the report", property=ZKG + "surfaceForm"),
    }


def table_columns(settings: Settings) -> dict[tuple[str, str], Col]:
    """Columns whose meaning depends on the table (``(table, variable)`` → column); the rest as in
    :func:`columns`. In the mention tables the row is a ``zkg:Mention``."""
    in_report = Col(
        "Звіт про виконання (IRI)",
        "Progress report (IRI)",
        "anyURI",
        ZKG + "inReport",
        value_url=_iri("report"),
    )
    return {
        ("project-funders", "project"): Col(
            "Проєкт (IRI)",
            "Project (IRI)",
            "anyURI",
            ZKG + "reportsOn",
            value_url=_iri("project"),
            about_url=_iri("report"),
        ),
        ("project-funders", "funder"): Col(
            "Донор (IRI)", "Funder (IRI)", "anyURI", ZKG + "target", value_url=_iri("funder")
        ),
        ("project-funders", "report"): in_report,
        ("report-places", "report"): in_report,
        ("report-places", "place"): Col(
            "Місце (IRI)", "Place (IRI)", "anyURI", ZKG + "target", value_url=_iri("place")
        ),
    }


#: triples a row states beyond its cells (CSVW virtual columns), by table
VIRTUAL_COLUMNS = {
    "project-funders": [
        {
            "name": "project_funder",
            "virtual": True,
            "aboutUrl": _iri("project"),
            "propertyUrl": ZKG + "{relation}",
            "valueUrl": _iri("funder"),
        }
    ],
    "report-places": [
        {
            "name": "report_mentions_place",
            "virtual": True,
            "aboutUrl": _iri("report"),
            "propertyUrl": ZKG + "mentions",
            "valueUrl": _iri("place"),
        }
    ],
}


#: link tables: the property their second column stands for (the first column is the subject)
LINK_PROPERTIES = {
    "project-departments": ZKG + "responsibleBody",
    "project-tasks": ZKG + "inTask",
    "programme-funders": ZKG + "programmeOf",
}
#: foreign keys: (table, column) → (table, column) of the referenced key
FOREIGN_KEYS = {
    ("project-departments", "project"): ("projects", "project"),
    ("project-departments", "department"): ("departments", "department"),
    ("project-tasks", "project"): ("projects", "project"),
    ("project-tasks", "task"): ("tasks", "task"),
    ("programme-funders", "programme"): ("programmes", "programme"),
    ("programme-funders", "funder"): ("funders", "funder"),
    ("project-funders", "project"): ("projects", "project"),
    ("project-funders", "funder"): ("funders", "funder"),
    ("project-funders", "report"): ("progress-reports", "report"),
    ("report-places", "report"): ("progress-reports", "report"),
    ("report-places", "place"): ("places", "place"),
}


@dataclass
class Table:
    name: str  # file stem, e.g. "projects"
    title: str
    description: str
    variables: list[str]
    rows: list[list[str]]

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    @property
    def is_link(self) -> bool:
        return self.name in LINK_PROPERTIES


def _lexical(term) -> str:
    if term is None:
        return ""
    return term.value


def export_tables(store: ox.Store) -> list[Table]:
    """Every query tagged ``export`` run against ``store``; tables without rows are dropped."""
    tables = []
    for query in named_queries.load_all().values():
        if "export" not in query.tags or not query.name.startswith("export-"):
            continue
        # export queries are SELECT queries
        solutions = cast(ox.QuerySolutions, store.query(query.text, use_default_graph_as_union=True))
        try:
            variables = [v.value for v in solutions.variables]
            rows = [[_lexical(row[v]) for v in variables] for row in solutions]
        finally:  # dropped in this thread even on an error (pyoxigraph's results are unsendable)
            del solutions
        if rows:
            tables.append(
                Table(query.name[len("export-") :], query.title, query.description, variables, rows)
            )
    return tables


def csv_bytes(table: Table) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180, the CSVW default dialect
    writer.writerow(table.variables)
    writer.writerows(table.rows)
    return buffer.getvalue().encode("utf-8")


def csvw_metadata(tables: list[Table], settings: Settings) -> dict:
    """The CSV on the Web table group describing ``tables``."""
    defs = columns(settings)
    per_table = table_columns(settings)
    present = {t.name for t in tables}
    out = []
    for table in tables:
        key = table.variables[0]
        cols = []
        for i, var in enumerate(table.variables):
            spec = per_table.get((table.name, var)) or defs.get(var)
            if spec is None:
                raise KeyError(
                    f"export-{table.name}.rq: no column definition for ?{var} in graph_service/publish/tables.py"
                )
            col: dict = {
                "name": var,
                "titles": {"uk": spec.uk, "en": spec.en},
                "datatype": spec.datatype,
            }
            if i == 0:
                col["required"] = True
                col["suppressOutput"] = True  # it is the row's aboutUrl
            elif table.is_link:
                col["required"] = True
                col["propertyUrl"] = LINK_PROPERTIES[table.name]
                col["valueUrl"] = _iri(var)
            elif spec.property:
                col["propertyUrl"] = spec.property
                if spec.lang:
                    col["lang"] = spec.lang
                if spec.value_url:
                    col["valueUrl"] = spec.value_url
                if spec.about_url:
                    col["aboutUrl"] = spec.about_url
            cols.append(col)
        cols += [dict(v) for v in VIRTUAL_COLUMNS.get(table.name, [])]
        schema: dict = {
            "columns": cols,
            "primaryKey": table.variables[:2] if table.is_link else key,
            "aboutUrl": _iri(key),
        }
        fks = [
            {
                "columnReference": var,
                "reference": {"resource": f"{target}.csv", "columnReference": target_col},
            }
            for var in table.variables
            for (src, src_col), (target, target_col) in FOREIGN_KEYS.items()
            if src == table.name and src_col == var and target in present
        ]
        if fks:
            schema["foreignKeys"] = fks
        out.append(
            {
                "url": table.file,
                "dc:title": table.title,
                "dc:description": table.description,
                "tableSchema": schema,
            }
        )
    return {
        "@context": ["http://www.w3.org/ns/csvw", {"@language": "en"}],
        "dc:title": "Zhytomyr strategy knowledge graph — tables",
        "tables": out,
    }
