"""Labels for named-query results: the IRIs of a result as their labels in the page's language
(``queries/page-labels.rq``), a label column put into that language (``?lang=`` on result
files), the HTML result table, and IRI arguments that name nothing in the graph
(``queries/page-exists.rq``: a 404 naming them, never an empty answer).
"""

from __future__ import annotations

from typing import Any

from graph_service.store import named_queries
from graph_service.store.base import Term, parse_results
from graph_service.store.named_queries import is_iri
from graph_service.web import i18n
from graph_service.web.context import Ctx, Site, curie

#: IRIs per label or existence lookup (one VALUES clause each)
LOOKUP_CHUNK = 200
#: Rows an HTML page shows; the result files have them all (up to the endpoint's row limit).
PAGE_ROWS = 500


def _chunks(items: list[str]) -> list[list[str]]:
    return [items[i : i + LOOKUP_CHUNK] for i in range(0, len(items), LOOKUP_CHUNK)]


def labels_of(site: Site, iris: set[str]) -> dict[str, tuple[str | None, str | None]]:
    """IRI → (Ukrainian, English) label, for the IRIs that have one (``queries/page-labels.rq``)."""
    query = named_queries.get("page-labels")
    out: dict[str, tuple[str | None, str | None]] = {}
    for chunk in _chunks(sorted(iris)):
        for row in site.select(named_queries.bind_values(query, "entity", chunk)):
            entity, uk, en = row.get("entity"), row.get("entityUk"), row.get("entityEn")
            if entity is not None and (uk or en):
                out[entity.value] = (uk.value if uk else None, en.value if en else None)
    return out


def unknown_iris(site: Site, values: dict[str, str]) -> list[tuple[str, str]]:
    """(parameter, IRI) of the IRI arguments that occur nowhere in the graph."""
    iris = {v for v in values.values() if is_iri(v)}
    if not iris:
        return []
    query = named_queries.get("page-exists")
    known = {
        row["entity"].value
        for chunk in _chunks(sorted(iris))
        for row in site.select(named_queries.bind_values(query, "entity", chunk))
        if row.get("entity") is not None
    }
    return [(name, value) for name, value in values.items() if is_iri(value) and value not in known]


def unknown_message(unknown: list[tuple[str, str]], lang: str) -> str:
    return "; ".join(f"{i18n.t('unknown_iri', lang)} <{iri}> (?{name})" for name, iri in unknown)


def label_columns(columns: list[str]) -> dict[str, str]:
    """Label column → the column it labels: ``?fooLabel`` labels ``?foo``; ``?label`` the first."""
    out = {c: c[: -len("Label")] for c in columns if c.endswith("Label") and c[: -len("Label")] in columns}
    if "label" in columns and columns[0] != "label":
        out["label"] = columns[0]
    return out


def relabel(
    columns: list[str],
    rows: list[dict[str, Term]],
    labels: dict[str, tuple[str | None, str | None]],
    lang: str,
) -> list[dict[str, Term]]:
    """``rows`` with each label column in ``lang`` where its entity has a label in it."""
    pairs = label_columns(columns)
    if not pairs:
        return rows
    index = 1 if lang == "en" else 0
    out = []
    for row in rows:
        row = dict(row)
        for label_col, entity_col in pairs.items():
            entity = row.get(entity_col)
            text = (
                labels.get(entity.value, (None, None))[index]
                if entity is not None and entity.is_iri
                else None
            )
            if text:
                row[label_col] = Term(text, "literal", lang)
        out.append(row)
    return out


def cell(
    term: Term | None, ctx: Ctx, labels: dict[str, tuple[str | None, str | None]]
) -> dict[str, Any] | None:
    """One SPARQL JSON term for the table: its text (an IRI's label in the page's language, else
    its short name), a link for an IRI, its language or datatype."""
    if term is None:
        return None
    value = term.value
    if not term.is_iri:
        return {"value": value, "lang": term.lang, "datatype": term.datatype}
    uk, en = labels.get(value, (None, None))
    label = ctx.label(uk, en, None) if (uk or en) else None
    return {
        "value": label.text if label else curie(value),
        "iri": value,
        "href": ctx.href(value),
        "lang": label.lang if label and label.fallback else None,
        "datatype": None,
    }


def result_table(body: bytes, ctx: Ctx) -> dict[str, Any]:
    """SELECT/ASK results (SPARQL JSON) as columns and rows of cells (at most :data:`PAGE_ROWS`), IRIs as
    their labels in the page's language (an IRI without a label as its short name), linked."""
    data = parse_results(body)
    if data.boolean is not None:
        return {"boolean": data.boolean}
    columns, bindings = data.vars, data.rows[:PAGE_ROWS]
    iris = {t.value for b in bindings for t in b.values() if t.is_iri}
    labels = labels_of(ctx.site, iris) if iris else {}
    # a label column beside its entity's column says again what the linked label says: not shown
    shown = [c for c in columns if c not in label_columns(columns)]
    rows = [[cell(b.get(c), ctx, labels) for c in shown] for b in bindings]
    return {"columns": shown, "rows": rows, "total": len(data.rows)}
