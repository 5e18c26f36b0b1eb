"""Dumps of the graph for download: N-Quads, Turtle and JSON-LD per named graph, CSV with CSVW.

``export(store, out_dir, settings)`` writes into ``out_dir``:

* ``dataset.nq.gz`` — every quad, N-Quads, gzipped (mtime 0, so equal data gives equal bytes);
* ``graph-<name>.ttl`` and ``graph-<name>.jsonld`` — one per named graph (``<name>`` is the graph
  IRI after ``{base}graph/`` with ``/`` → ``-``); the Turtle sorted by subject, the JSON-LD
  compacted with ``context.jsonld``, which is also inlined so each file stands alone;
* ``<table>.csv`` — one per named query tagged ``export`` (``queries/export-<table>.rq``); a table
  with no rows is left out (funders and places exist only once the graph has them). Entity tables
  (projects, tasks, departments, funders, programmes, places, progress reports), link tables
  (project–department, project–task, programme–funder) and mention tables, one row per
  ``zkg:Mention`` (project–funder with relation and evidence, report–place with the words as written
  and the line);
* ``csv-metadata.json`` — CSV on the Web metadata for those tables (titles uk/en, datatypes,
  primary and foreign keys, ``aboutUrl``/``propertyUrl``/``valueUrl`` to the contract's terms);
* ``manifest.json`` — name, media type, bytes and SHA-256 of every file above.

Files are written to a temporary directory and renamed into place, so readers never see half a dump.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import pyoxigraph as ox

from graph_service.store import named_queries
from zhytomyr_kg.settings import ZKG, Settings
from zhytomyr_kg.vocab import PREFIXES

MANIFEST = "manifest.json"
CSVW_METADATA = "csv-metadata.json"
CONTEXT = "context.jsonld"
NQUADS = "dataset.nq.gz"

RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
XSD = "http://www.w3.org/2001/XMLSchema#"


MEDIA_TYPES = {
    ".nq.gz": "application/n-quads",
    ".ttl": "text/turtle",
    ".jsonld": "application/ld+json",
    ".csv": "text/csv",
    ".json": "application/json",
}


def media_type(name: str) -> str:
    for suffix, media in MEDIA_TYPES.items():
        if name.endswith(suffix):
            return media
    return "application/octet-stream"


# --------------------------------------------------------------------------- CSV columns
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
                    f"export-{table.name}.rq: no column definition for ?{var} in graph_service/publish/export.py"
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


# --------------------------------------------------------------------------- RDF dumps
def graph_file_stem(graph: str, settings: Settings) -> str:
    name = graph[len(settings.graph_base) :] if graph.startswith(settings.graph_base) else graph
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in name.replace("/", "-"))
    return "graph-" + safe.strip("-")


def jsonld_context() -> dict:
    return {"@context": dict(PREFIXES)}


def rdflib_term(term):
    import rdflib

    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)  # the store's own ids: stable across exports
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


def graph_jsonld(store: ox.Store, graph: str) -> bytes:
    """One named graph as JSON-LD compacted with the published context (inlined)."""
    import rdflib

    g = rdflib.Graph()
    for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph)):
        g.add((rdflib_term(q.subject), rdflib_term(q.predicate), rdflib_term(q.object)))
    return compact_jsonld(g)


def compact_jsonld(g) -> bytes:
    """An rdflib graph as JSON-LD compacted with the published context (:func:`jsonld_context`,
    inlined), nodes and values sorted: equal data gives equal bytes."""
    doc = json.loads(g.serialize(format="json-ld", context=jsonld_context()["@context"]))
    # rdflib's order follows Python's hashing; sort nodes and values so equal data → equal bytes
    nodes = doc.get("@graph", [doc] if "@id" in doc else [])
    for node in nodes:
        for key, value in node.items():
            if isinstance(value, list):
                node[key] = sorted(value, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    nodes.sort(key=lambda n: n.get("@id", ""))
    out = {"@context": doc["@context"], "@graph": nodes}
    return json.dumps(out, sort_keys=True, indent=1, ensure_ascii=False).encode("utf-8")


def graph_turtle(store: ox.Store, graph: str) -> bytes:
    """One named graph as Turtle with the project's prefixes, triples sorted: the bytes depend on
    the data only, not on the store's order (an on-disk build and its in-memory copy differ)."""
    triples = sorted(
        (
            ox.Triple(q.subject, q.predicate, q.object)
            for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
        ),
        key=lambda t: (str(t.subject), str(t.predicate), str(t.object)),
    )
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES) or b""


def named_graphs(store: ox.Store) -> list[str]:
    return sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))


def _nquads_gz(store: ox.Store) -> bytes:
    # without an output to write to, dump returns the bytes
    lines = cast(bytes, store.dump(format=ox.RdfFormat.N_QUADS)).decode("utf-8").splitlines()
    lines.sort()  # stable bytes for the same data, whatever the store's internal order
    data = ("\n".join(lines) + "\n").encode("utf-8")
    return gzip.compress(data, compresslevel=9, mtime=0)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def export(store: ox.Store, out_dir: Path, settings: Settings, *, version: str | None = None) -> dict:
    """Write every dump of ``store`` into ``out_dir`` (replaced as a whole); returns the manifest."""
    out_dir = Path(out_dir)
    files: dict[str, tuple[bytes, dict]] = {}

    files[NQUADS] = (_nquads_gz(store), {"graph": None, "compression": "gzip"})
    for graph in named_graphs(store):
        stem = graph_file_stem(graph, settings)
        turtle = graph_turtle(store, graph)
        files[stem + ".ttl"] = (turtle, {"graph": graph})
        files[stem + ".jsonld"] = (graph_jsonld(store, graph), {"graph": graph, "context": CONTEXT})
    files[CONTEXT] = (json.dumps(jsonld_context(), indent=1, ensure_ascii=False).encode("utf-8"), {})

    tables = export_tables(store)
    for table in tables:
        files[table.file] = (csv_bytes(table), {"table": table.name, "rows": len(table.rows)})
    metadata = csvw_metadata(tables, settings)
    files[CSVW_METADATA] = (json.dumps(metadata, indent=1, ensure_ascii=False).encode("utf-8"), {})

    manifest = {
        "version": version,
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "base_iri": settings.base_iri,
        "files": [
            {"name": name, "mediaType": media_type(name), "bytes": len(data), "sha256": sha256(data), **extra}
            for name, (data, extra) in sorted(files.items())
        ],
    }
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        for name, (data, _) in files.items():
            (tmp / name).write_bytes(data)
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}.old.{os.getpid()}")
            os.replace(out_dir, old)
            os.replace(tmp, out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


def read_manifest(out_dir: Path) -> dict | None:
    path = Path(out_dir) / MANIFEST
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def dumps_dir(build_dir: Path) -> Path:
    """Where a build's dumps live: inside the build, so they change exactly when the data does."""
    return Path(build_dir) / "dumps"
