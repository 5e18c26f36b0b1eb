"""What stage 4 (``etl/to_rdf.py``) hands on: one report as RDF, and the texts of its progress
reports and projects that stage 5 (``etl/extract/run.py``) reads again for mentions.

Kept apart from the emitter so the stages downstream (the extract stage, the strategy merge,
the pipeline) depend on these records, not on how the triples are made.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

from pyoxigraph import NamedNode, Quad


@dataclass(frozen=True)
class ProjectText:
    """A project's own title and description: the places they name become schema:location."""

    graph: NamedNode
    project: NamedNode
    title: str
    description: str | None


@dataclass
class ReportRdf:
    """One report as RDF, and the texts the extract stage (``etl.extract.run``) will read.

    ``quads`` are the report graph's (plus English labels in the authority graph); ``strategy`` the
    strategy as this report states it (merged with the other reports' by
    ``etl.strategy_graph.merge_strategy``).
    """

    graph: NamedNode
    quads: list[Quad]
    texts: list[ReportText]
    projects: list[ProjectText]
    strategy: list[Quad] = field(default_factory=list)
    year: int = 0
    strategy_graph: NamedNode | None = None


@dataclass(frozen=True)
class ReportText:
    """What the mention extractor needs to know about one progress report."""

    graph: NamedNode
    report: NamedNode
    subject: NamedNode
    text: str
    line_starts: tuple[tuple[int, int], ...]  # (offset in text, source line), ascending
    bodies: tuple[str, ...] = ()  # the row's responsible bodies (department ids), for attribution
    strategy: NamedNode | None = None  # where work-level support edges go (the strategy graph)

    def line_for_offset(self, offset: int) -> int:
        offsets = [start for start, _ in self.line_starts]
        return self.line_starts[max(bisect_right(offsets, offset) - 1, 0)][1]
