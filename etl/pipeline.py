"""The ETL from end to end: read → structure → to RDF (with extraction) → validate → load.

Each stage is a function of the previous stage's output; this module only chains them, times
them (for ``bench/etl.py``) and reports progress.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Sequence

import pyoxigraph as ox

from etl.authority import authority_quads
from etl.departments import DepartmentIndex
from etl.errors import ReportError
from etl.extract import MentionExtractor
from etl.links import link_quads, links_file
from etl.mentions_rdf import authority_quads as mention_authority_quads
from etl.load import Loaded, data_version, load_in_memory, load_to_disk
from etl.ontology import ontology_files, ontology_quads
from etl.reader import read_report
from etl.status import StatusRules
from etl.structure import PriorityInfo, load_priorities, parse_report
from etl.to_rdf import report_quads
from etl.translations import Translations
from etl.validate import validate
from zhytomyr_kg import __version__
from zhytomyr_kg.config import BUNDLED_REPORT, ETL_DATA_DIR, Settings

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


@dataclass
class BuildResult:
    loaded: Loaded
    reports: list[tuple[Path, str]]  # (file, named graph IRI)
    quads: int
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def store(self) -> ox.Store:
        return self.loaded.store


@dataclass
class Curated:
    """The curated tables every report is read with, loaded once per build."""

    departments: DepartmentIndex
    statuses: StatusRules
    translations: Translations
    priorities: dict[str, PriorityInfo]

    @classmethod
    def load(cls, data_dir: Path = ETL_DATA_DIR) -> "Curated":
        return cls(
            DepartmentIndex.load(data_dir),
            StatusRules.load(data_dir),
            Translations.load(data_dir),
            load_priorities(data_dir),
        )


def transform(
    settings: Settings, paths: Sequence[Path], curated: Curated, timings: dict[str, float], progress: Progress
) -> tuple[list[ox.Quad], list[tuple[Path, str]]]:
    """Reports → quads of the report graphs plus the authority and ontology graphs."""
    quads: list[ox.Quad] = []
    graphs: list[tuple[Path, str]] = []
    for path in paths:
        t0 = time.perf_counter()
        doc = read_report(path)
        t1 = time.perf_counter()
        tree = parse_report(doc, curated.departments, curated.priorities)
        t2 = time.perf_counter()
        graph, report = report_quads(settings, tree, curated.statuses, curated.translations, MentionExtractor(settings))
        t3 = time.perf_counter()
        if any(graph.value == g for _, g in graphs):
            raise ReportError(path, None, f"a second report for the same city and year ({graph.value})")
        graphs.append((path, graph.value))
        quads += report
        timings["read"] = timings.get("read", 0.0) + t1 - t0
        timings["normalise"] = timings.get("normalise", 0.0) + t2 - t1
        timings["rdf"] = timings.get("rdf", 0.0) + t3 - t2
        progress(f"read {path.name}: {len(tree.priorities)} priorities, {len(report)} quads → {graph.value}")
    t0 = time.perf_counter()
    quads += authority_quads(settings, curated.departments)
    quads += mention_authority_quads(settings)
    quads += ontology_quads(settings)
    quads += link_quads(settings, quads)  # etl/data/links.csv, checked against everything above
    timings["rdf"] = timings.get("rdf", 0.0) + time.perf_counter() - t0
    return quads, graphs


def build(
    settings: Settings,
    reports: Sequence[Path] = (),
    *,
    in_memory: bool = False,
    skip_validation: bool = False,
    progress: Progress = _quiet,
) -> BuildResult:
    """Build the graph from ``reports`` (the bundled report when empty) and load it.

    Raises :class:`ReportError` or :class:`ValidationFailed` before the store is touched.
    """
    paths = [Path(p) for p in reports] or [BUNDLED_REPORT]
    timings: dict[str, float] = {}
    curated = Curated.load()
    quads, graphs = transform(settings, paths, curated, timings, progress)
    if not skip_validation:
        t0 = time.perf_counter()
        progress(f"validating {len(quads)} quads against the SHACL shapes")
        validate(quads, ontology_graph=settings.graph("ontology"))
        timings["shacl"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    inputs = paths + sorted({*ETL_DATA_DIR.glob("*.csv"), *filter(Path.exists, [links_file()])}) + ontology_files()
    version = data_version(inputs, salt=f"{settings.base_iri} {__version__}")
    if in_memory:
        loaded = load_in_memory(quads, version)
    else:
        info = {
            "built": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "base_iri": settings.base_iri,
            "reports": [{"path": str(p), "graph": g} for p, g in graphs],
        }
        loaded = load_to_disk(settings.store, quads, version, info)
    timings["load"] = time.perf_counter() - t0
    progress(f"loaded {len(quads)} quads" + ("" if in_memory else f" into {settings.store}"))
    return BuildResult(loaded, graphs, len(quads), timings)


def build_default(settings: Settings, progress: Progress = _quiet) -> BuildResult:
    """Build the bundled report into the configured store (used by ``serve`` on a fresh machine)."""
    return build(settings, progress=progress)
