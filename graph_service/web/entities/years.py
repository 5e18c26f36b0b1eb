"""What a work's progress reports say, year by year: state and cause with the phrases that decided
them, the outputs with their quantities and sums written for people, and who backed the work —
funds, partner or other support, never one column that mixes them (#10).

Shared by the project and task pages (a task may have reports of its own). Two named queries
(``page-work-outputs``, ``page-work-support``) besides the reports the page already has.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from graph_service.web import amounts
from graph_service.web.context import Ctx, Ref, Row, Table, local_name, table_of, unique
from graph_service.web.entities.model import Report, line_refs

#: the relation of a support row → the column it goes in (the query gives each organisation one)
RELATIONS = ("fundedBy", "partner", "supportedBy")


@dataclass
class State:
    """One report's state and cause."""

    report: Report
    status: Ref | None
    code: str | None
    cause: Ref | None
    cause_code: str | None
    evidence: str | None
    cause_evidence: str | None  # only when it differs from the state's phrase


@dataclass
class Output:
    iri: str
    text: str
    year: str
    line: Ref | None
    measures: list[amounts.Measure] = field(default_factory=list)


@dataclass
class Year:
    year: str
    states: list[State] = field(default_factory=list)
    outputs: list[Output] = field(default_factory=list)
    support: dict[str, list[Ref]] = field(default_factory=lambda: {r: [] for r in RELATIONS})

    @property
    def has_support(self) -> bool:
        return any(self.support.values())


def _value(row: Row, name: str) -> str | None:
    term = row.get(name)
    return term.value if term is not None else None


def work_years(
    ctx: Ctx, work: str, reports: list[Report], report_rows: list[Row]
) -> tuple[list[Year], list[Table]]:
    """The report years of ``work`` (oldest first) and the page's ``outputs`` and ``support`` tables."""
    output_rows = ctx.rows("page-work-outputs", work=work)
    support_rows = ctx.rows("page-work-support", work=work)
    years: OrderedDict[str, Year] = OrderedDict()

    def year(value: str | None) -> Year:
        key = value or ""
        if key not in years:
            years[key] = Year(key)
        return years[key]

    by_iri = {r.iri: r for r in reports}
    documents: dict[str, str] = {}
    for row in report_rows:  # one row per department: each report once
        iri = _value(row, "report") or ""
        if iri in documents or iri not in by_iri:
            continue
        documents[iri] = _value(row, "document") or ""
        evidence, cause_evidence = _value(row, "evidence"), _value(row, "causeEvidence")
        year(_value(row, "year")).states.append(
            State(
                by_iri[iri],
                ctx.ref(row, "status"),
                _value(row, "code"),
                ctx.ref(row, "cause"),
                _value(row, "causeCode"),
                evidence,
                cause_evidence if cause_evidence != evidence else None,
            )
        )
    outputs: dict[str, Output] = {}
    for row in output_rows:
        iri = _value(row, "output") or ""
        out = outputs.get(iri)
        if out is None:
            line, document = _value(row, "line"), documents.get(_value(row, "report") or "")
            ref = line_refs(ctx, [(document, line)])[0] if line and document else None
            out = outputs[iri] = Output(iri, _value(row, "text") or "", _value(row, "outputYear") or "", ref)
            year(_value(row, "year")).outputs.append(out)
        kind = _value(row, "kind")
        if kind:
            m = amounts.measure(
                kind,
                _value(row, "value"),
                _value(row, "unit"),
                _value(row, "currency"),
                _value(row, "printedUk"),
                ctx.lang,
                _value(row, "printedEn"),
                _value(row, "part") is not None,
            )
            if m is not None:
                out.measures.append(m)
    for row in support_rows:
        relation = local_name(_value(row, "relation") or "")
        ref = ctx.ref(row, "supporter")
        if relation in RELATIONS and ref is not None:
            year(_value(row, "year")).support[relation].append(ref)
    for y in years.values():
        y.support = {r: sorted(unique(refs), key=lambda ref: ref.label.text) for r, refs in y.support.items()}
    ordered = [years[k] for k in sorted(years)]
    return ordered, [table_of("outputs", output_rows), table_of("support", support_rows)]
