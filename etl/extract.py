"""Stage 4 — extract: funders, programmes, organisations and places named in the texts.

A thin adapter between the report walk (``etl.to_rdf``) and the mention finder, relation
classifier and their RDF (``etl.mentions``, ``etl.relations``, ``etl.mentions_rdf``).
"""
from __future__ import annotations

from typing import Iterable

from pyoxigraph import NamedNode, Quad

from etl.mentions_rdf import location_quads, mention_quads
from etl.to_rdf import ReportText
from zhytomyr_kg.config import Settings


class MentionExtractor:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def report(self, report: ReportText) -> Iterable[Quad]:
        return mention_quads(
            self.settings, report.graph.value, report.report.value, report.subject.value,
            report.text, report.line_for_offset,
        )

    def project(self, graph: NamedNode, project: NamedNode, title: str, description: str | None) -> Iterable[Quad]:
        return location_quads(self.settings, graph.value, project.value, title, description or "")
