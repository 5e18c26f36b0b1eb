"""SELECT results in the four SPARQL 1.1 result formats, from rows of :class:`Term`.

The ``/sparql`` handler has the store serialise its answers; a named query's result file asked for
in a language (``/queries/<name>.csv?lang=en``) is the endpoint's answer with its label columns
put into that language (:func:`graph_service.web.result_labels.relabel`), written again here:
SPARQL 1.1 Query Results CSV and TSV, JSON, and XML.
"""

from __future__ import annotations

import csv
import io
import json
from xml.sax.saxutils import escape, quoteattr

from graph_service.store.base import Term

XSD = "http://www.w3.org/2001/XMLSchema#"
MEDIA = {
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
}

Row = dict[str, Term]


def serialize(variables: list[str], rows: list[Row], fmt: str) -> bytes:
    """``rows`` (variable → term; unbound ones absent) as ``fmt`` (a key of :data:`MEDIA`)."""
    return {"csv": _csv, "tsv": _tsv, "json": _json, "xml": _xml}[fmt](variables, rows)


def content_type(fmt: str) -> str:
    return MEDIA[fmt] + "; charset=utf-8"


def _csv(variables: list[str], rows: list[Row]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(variables)
    for row in rows:
        writer.writerow(
            [
                ""
                if (term := row.get(v)) is None
                else ("_:" + term.value if term.type == "bnode" else term.value)
                for v in variables
            ]
        )
    return out.getvalue().encode("utf-8")


def _nt_string(value: str) -> str:
    return (
        '"'
        + value.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
        + '"'
    )


def _tsv_term(term: Term) -> str:
    if term.type == "uri":
        return f"<{term.value}>"
    if term.type == "bnode":
        return "_:" + term.value
    if term.lang:
        return _nt_string(term.value) + "@" + term.lang
    if term.datatype == XSD + "integer" and term.value.lstrip("+-").isdigit():
        return term.value
    if term.datatype and term.datatype != XSD + "string":
        return _nt_string(term.value) + f"^^<{term.datatype}>"
    return _nt_string(term.value)


def _tsv(variables: list[str], rows: list[Row]) -> bytes:
    lines = ["\t".join("?" + v for v in variables)]
    for row in rows:
        lines.append("\t".join("" if (t := row.get(v)) is None else _tsv_term(t) for v in variables))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _json_term(term: Term) -> dict[str, str]:
    cell = {"type": term.type, "value": term.value}
    if term.lang:
        cell["xml:lang"] = term.lang
    elif term.datatype:
        cell["datatype"] = term.datatype
    return cell


def _json(variables: list[str], rows: list[Row]) -> bytes:
    bindings = [{v: _json_term(t) for v in variables if (t := row.get(v)) is not None} for row in rows]
    document = {"head": {"vars": variables}, "results": {"bindings": bindings}}
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def _xml_term(term: Term) -> str:
    if term.type == "uri":
        return f"<uri>{escape(term.value)}</uri>"
    if term.type == "bnode":
        return f"<bnode>{escape(term.value)}</bnode>"
    if term.lang:
        return f"<literal xml:lang={quoteattr(term.lang)}>{escape(term.value)}</literal>"
    if term.datatype:
        return f"<literal datatype={quoteattr(term.datatype)}>{escape(term.value)}</literal>"
    return f"<literal>{escape(term.value)}</literal>"


def _xml(variables: list[str], rows: list[Row]) -> bytes:
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">',
        "<head>" + "".join(f"<variable name={quoteattr(v)}/>" for v in variables) + "</head>",
        "<results>",
    ]
    for row in rows:
        cells = "".join(
            f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
            for v in variables
            if (t := row.get(v)) is not None
        )
        parts.append(f"<result>{cells}</result>")
    parts.append("</results>\n</sparql>\n")
    return "".join(parts).encode("utf-8")
