"""Querying the embedded store from the command line: results in the store's own formats.

The union of all named graphs is the default graph (see the contract), so queries without
``GRAPH`` see everything.
"""
from __future__ import annotations

import pyoxigraph as ox

from zhytomyr_kg import store_layout
from zhytomyr_kg.config import Settings

RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "xml": ox.QueryResultsFormat.XML,
}
GRAPH_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES}


class QueryFailed(ValueError):
    """A query the store refused (syntax error, evaluation error), with the store's message."""


def open_local(settings: Settings) -> ox.Store:
    try:
        build = store_layout.live_build(settings.store)
    except store_layout.NoStore as exc:
        raise FileNotFoundError(str(exc)) from exc
    return ox.Store.read_only(str(build.oxigraph_path))


def _term(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.Literal):
        return term.value
    if isinstance(term, ox.NamedNode):
        return term.value
    return str(term)


def table(solutions: ox.QuerySolutions) -> str:
    """A plain-text table for people at a terminal."""
    names = [v.value for v in solutions.variables]
    rows = [[_term(row[name]) for name in names] for row in solutions]
    widths = [min(max([len(n)] + [len(r[i]) for r in rows]), 80) for i, n in enumerate(names)]

    def fmt(cells: list[str]) -> str:
        return " | ".join((c if len(c) <= 80 else c[:79] + "…").ljust(w) for c, w in zip(cells, widths)).rstrip()

    lines = [fmt(names), "-+-".join("-" * w for w in widths)] + [fmt(r) for r in rows]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


def run_query(store: ox.Store, query: str, fmt: str = "table") -> str:
    try:
        result = store.query(query, use_default_graph_as_union=True)
    except (SyntaxError, OSError, ValueError) as exc:
        raise QueryFailed(str(exc)) from exc
    if isinstance(result, ox.QuerySolutions):
        if fmt == "table":
            return table(result)
        if fmt not in RESULT_FORMATS:
            raise QueryFailed(f"--format {fmt} is for CONSTRUCT/DESCRIBE; use table, json, csv, tsv or xml")
        return result.serialize(format=RESULT_FORMATS[fmt]).decode("utf-8")
    if isinstance(result, ox.QueryBoolean):
        if fmt in RESULT_FORMATS:
            return result.serialize(format=RESULT_FORMATS[fmt]).decode("utf-8")
        return ("true" if bool(result) else "false") + "\n"
    rdf_format = GRAPH_FORMATS.get(fmt, ox.RdfFormat.TURTLE)
    return result.serialize(format=rdf_format).decode("utf-8")
