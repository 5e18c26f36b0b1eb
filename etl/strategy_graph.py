"""The city's strategy graph stated once over every report (docs/DESIGN.md, "Graphs and years").

Each report restates the strategy (priorities, goals, tasks, projects) as it words it in its
year; :func:`merge_strategy` keeps one statement of it, worded as the latest report words it.
"""

from __future__ import annotations

from collections.abc import Sequence

from pyoxigraph import Quad

from etl.report_rdf import ReportRdf
from zhytomyr_kg.vocab import prov, rdfs, skos, zkg

#: what a report words (one value per subject: the latest report's wins); every other strategy
#: statement (types, tasks, broader concepts, responsible bodies, places) is the union of all reports
WORDED = frozenset(
    {
        rdfs.label.value,
        skos.prefLabel.value,
        skos.notation.value,
        zkg.description.value,
        zkg.periodText.value,
        zkg.startYear.value,
        zkg.endYear.value,
        zkg.sourceLine.value,
        prov.wasDerivedFrom.value,
    }
)


def merge_strategy(reports: Sequence[ReportRdf]) -> list[Quad]:
    """The strategy stated once, from every report's statement of it (docs/DESIGN.md).

    A subject's worded statements (labels, notation, description, period, source line and
    document) come from the latest report that states the subject; the rest is the union over all
    reports. A Ukrainian label an earlier report printed differently stays findable as
    ``skos:hiddenLabel``; that report's own row (its progress report's source line) keeps where.
    """
    latest: dict[str, int] = {}
    for report in reports:
        for q in report.strategy:
            latest[str(q.subject)] = max(latest.get(str(q.subject), report.year), report.year)
    out: dict[Quad, None] = {}
    earlier_labels: dict[Quad, None] = {}
    for report in sorted(reports, key=lambda r: r.year):
        for q in report.strategy:
            worded = q.predicate.value in WORDED
            if not worded or latest[str(q.subject)] == report.year:
                out[q] = None
            elif q.predicate == rdfs.label:
                earlier_labels[Quad(q.subject, skos.hiddenLabel, q.object, q.graph_name)] = None
    for q in earlier_labels:
        if Quad(q.subject, rdfs.label, q.object, q.graph_name) not in out:
            out[q] = None
    return list(out)
