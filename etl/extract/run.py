"""Stage 5 — extract: funders, programmes, organisations and places named in the texts.

Reads what ``etl.to_rdf`` collected (each report's text, each project's title) and returns the
quads of the mention finder, relation classifier and their RDF (``etl.extract.mentions``,
``etl.extract.relations``, ``etl.extract.mentions_rdf``).
"""

from __future__ import annotations

from pyoxigraph import Quad

from etl.extract.mentions_rdf import location_quads, mention_quads
from etl.report_rdf import ReportRdf
from zhytomyr_kg.settings import Settings


def extract_quads(settings: Settings, report: ReportRdf) -> list[Quad]:
    quads: list[Quad] = []
    for text in report.texts:
        quads += mention_quads(
            settings,
            text.graph.value,
            text.report.value,
            text.subject.value,
            text.text,
            text.line_for_offset,
            bodies=text.bodies,
            strategy_graph=text.strategy.value if text.strategy else None,
        )
    for project in report.projects:
        quads += location_quads(
            settings, project.graph.value, project.project.value, project.title, project.description or ""
        )
    return quads
