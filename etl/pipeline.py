"""The ETL from end to end: read → structure → to RDF (with extraction) → validate → load.

Each stage is a function of the previous stage's output; this module only chains them, times
them (for ``bench/etl.py``) and reports progress.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from etl.authority import authority_quads
from etl.completeness import Concept, check_complete
from etl.departments import DepartmentIndex
from etl.errors import ReportError
from etl.extract.mentions_rdf import authority_quads as mention_authority_quads
from etl.extract.run import extract_quads
from etl.links import link_quads, links_file
from etl.load import Loaded, data_version, load_in_memory, load_to_disk
from etl.ontology import ontology_files, ontology_quads, shape_files
from etl.reader import SourceDocument, read_report
from etl.report_rdf import ReportRdf
from etl.search_index import INDEX_NAME, build_index
from etl.skolem import skolemise
from etl.slug import slugify
from etl.sources import graph_sources
from etl.status import StatusRules
from etl.strategy_graph import merge_strategy
from etl.structure import PriorityInfo, load_priorities, parse_report
from etl.to_rdf import report_quads
from etl.translations import Translations
from etl.validation_process import ValidationProcess
from zhytomyr_kg import __version__, store_layout
from zhytomyr_kg.resources import BUNDLED_REPORT, ETL_DATA_DIR
from zhytomyr_kg.settings import Settings, env

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
    concept: Concept  # the Concept's goals and tasks: a report must hold them all

    @classmethod
    def load(cls, data_dir: Path = ETL_DATA_DIR) -> Curated:
        return cls(
            DepartmentIndex.load(data_dir),
            StatusRules.load(data_dir),
            Translations.load(data_dir),
            load_priorities(data_dir),
            Concept.load(data_dir),
        )


@dataclass
class Transformed:
    """The reports as RDF before extraction, plus the curated graphs."""

    core: list[ox.Quad]  # report graphs without extraction, authority and ontology graphs
    reports: list[ReportRdf]
    graphs: list[tuple[Path, str]]  # (file, named graph IRI)


def transform(
    settings: Settings, paths: Sequence[Path], curated: Curated, timings: dict[str, float], progress: Progress
) -> Transformed:
    """Stages read → structure (and completeness) → normalise and to RDF (``report_quads`` normalises each project
    cell as it writes it) for every report, and the curated graphs."""
    core: list[ox.Quad] = []
    reports: list[ReportRdf] = []
    graphs: list[tuple[Path, str]] = []
    for path in paths:
        t0 = time.perf_counter()
        doc = read_report(path)
        t1 = time.perf_counter()
        tree = parse_report(doc, curated.departments, curated.priorities, check_city)
        check_complete(tree, curated.concept, curated.priorities)  # a truncated report stops here
        t2 = time.perf_counter()
        report = report_quads(settings, tree, curated.statuses, curated.translations)
        t3 = time.perf_counter()
        if any(report.graph.value == g for _, g in graphs):
            raise ReportError(
                path, None, f"a second report for the same city and year ({report.graph.value})"
            )
        graphs.append((path, report.graph.value))
        reports.append(report)
        core += report.quads
        _add(timings, "read", t1 - t0)
        _add(timings, "structure", t2 - t1)
        _add(timings, "rdf", t3 - t2)
        progress(
            f"read {path.name}: {len(tree.priorities)} priorities, {len(report.quads)} quads → {report.graph.value}"
        )
    t0 = time.perf_counter()
    core += merge_strategy(reports)  # the strategy once, however many reports state it
    core = list(dict.fromkeys(core))  # English labels restated by every report
    core += authority_quads(settings, curated.departments)
    core += mention_authority_quads(settings)
    core += ontology_quads(settings)
    _add(timings, "rdf", time.perf_counter() - t0)
    return Transformed(core, reports, graphs)


#: the city whose strategy the curated tables describe (priorities, departments, translations):
#: a report of another city is refused rather than merged into its IRIs (docs/DESIGN.md)
CITY = "zhytomyr"


def check_city(doc: SourceDocument, line: int, name: str) -> None:
    """Refuse, at the title line that names it, a report of another city than :data:`CITY`."""
    city = slugify(name)
    if city != CITY:
        raise ReportError(
            doc.path,
            line,
            f"the report is about the city «{name}» ({city}); this graph holds the "
            f"strategy of {CITY} only, and its IRIs are not city-qualified: another city's report "
            "would merge with it",
        )


def _add(timings: dict[str, float], stage: str, seconds: float) -> None:
    timings[stage] = timings.get(stage, 0.0) + seconds


def extract_and_validate(
    settings: Settings,
    data: Transformed,
    timings: dict[str, float],
    progress: Progress,
    validation: bool = True,
    beside: Callable[[list[ox.Quad]], None] | None = None,
    checker: ValidationProcess | None = None,
) -> list[ox.Quad]:
    """Stage extract, with stage validate run beside it: every quad of the build, validated.

    The core data (report rows, curated graphs) is validated against ``ontology/shapes.ttl`` by
    the validation process (``checker``, forked when the build started) while this one extracts
    mentions; the extracted quads are then validated against the other shape files, with the
    authority graph they refer to. The shape files are split that way: the core shapes never
    look at what extraction adds, and the extraction shapes need only the curated graphs.
    ``beside(all quads)``, if given, runs in another forked process during that last check (the
    search index is built there). Every process has ended when this returns or raises.
    """
    ontology = settings.graph("ontology")
    core_shapes = [p for p in shape_files() if p.name == "shapes.ttl"]
    extraction_shapes = [p for p in shape_files() if p.name != "shapes.ttl"]
    if validation and checker is None:
        checker = ValidationProcess(ontology)
    t0 = time.perf_counter()
    try:
        if validation:
            assert checker is not None
            checker.submit(data.core, core_shapes)
        extracted: list[ox.Quad] = []
        for report in data.reports:
            extracted += extract_quads(settings, report)
        everything = data.core + extracted
        extracted = list(dict.fromkeys(extracted))  # a work's support or an address named every year
        everything = data.core + extracted
        extracted += link_quads(settings, everything)  # etl/data/links.csv, checked against the whole graph
        # each quad once (a term declared in two ontology files, an address named twice): the
        # count the build reports is then the store's, the dumps' and VoID's
        everything = list(dict.fromkeys(data.core + extracted))
    except BaseException:
        if checker is not None:  # the validation process must not outlive a failed build
            try:
                checker.finish()
            except BaseException:
                pass
        raise
    _add(timings, "extract", time.perf_counter() - t0)
    side_job = _start(beside, everything) if beside is not None else None
    t1 = time.perf_counter()
    failure: BaseException | None = None
    if validation:
        assert checker is not None
        progress(f"validating {len(everything)} quads against the SHACL shapes")
        authority = ox.NamedNode(settings.graph("authority"))
        checker.submit([q for q in data.core if q.graph_name == authority] + extracted, extraction_shapes)
        try:
            checker.finish()
        except BaseException as exc:
            failure = exc
    if side_job is not None:  # every forked process ends before the build goes on
        try:
            side_job()
        except BaseException as exc:
            failure = failure or exc
    if failure is not None:
        raise failure
    if validation:
        _add(timings, "shacl", time.perf_counter() - t1)
    return everything


def _start(function: Callable[..., object], *args: object) -> Callable[[], None]:
    """Run ``function(*args)`` in a forked process; the returned callable waits and re-raises.

    Falls back to running it inline where ``fork`` is not available.
    """
    try:
        context = multiprocessing.get_context("fork")
    except ValueError:
        function(*args)
        return lambda: None
    receive, send = context.Pipe(duplex=False)

    def child() -> None:
        try:
            function(*args)
            send.send(None)
        except BaseException as exc:
            send.send(exc)

    process = context.Process(target=child, daemon=True)
    process.start()
    send.close()

    def wait() -> None:
        try:
            outcome = receive.recv()
        except EOFError:
            outcome = RuntimeError(f"a forked stage died (exit code {process.exitcode})")
        process.join()
        if outcome is not None:
            raise outcome

    return wait


def build(
    settings: Settings,
    reports: Sequence[Path] = (),
    *,
    in_memory: bool = False,
    skip_validation: bool = False,
    progress: Progress = _quiet,
    lock_timeout: float | None = None,
    keep: Callable[[Path], None] | None = None,
) -> BuildResult:
    """Build the graph from ``reports`` (the bundled report when empty) and load it.

    ``keep(build_dir)`` writes what the service derives from a build into it before it goes
    live (the CLI passes ``graph_service.web.keep.keep``: the first views' whole-graph answers).

    Raises :class:`ReportError` or :class:`ValidationFailed` before the store is touched. A
    build into the store holds the store's build lock throughout: while another build holds it,
    this one waits up to ``lock_timeout`` seconds (``ZKG_BUILD_LOCK_TIMEOUT``), then raises
    :class:`~zhytomyr_kg.store_layout.BuildLocked`.
    """
    if in_memory:
        return _build(settings, reports, in_memory=True, skip_validation=skip_validation, progress=progress)
    timeout = env("ZKG_BUILD_LOCK_TIMEOUT") if lock_timeout is None else lock_timeout
    with store_layout.build_lock(settings.store, timeout, waiting=progress):
        return _build(
            settings, reports, in_memory=False, skip_validation=skip_validation, progress=progress, keep=keep
        )


def _build(
    settings: Settings,
    reports: Sequence[Path],
    *,
    in_memory: bool,
    skip_validation: bool,
    progress: Progress,
    keep: Callable[[Path], None] | None = None,
) -> BuildResult:
    paths = [Path(p) for p in reports] or [BUNDLED_REPORT]
    timings: dict[str, float] = {}
    # forked first: it imports pyshacl while this process reads the reports
    checker = None if skip_validation else ValidationProcess(settings.graph("ontology"))
    try:
        data = transform(settings, paths, Curated.load(), timings, progress)
    except BaseException:
        if checker is not None:
            checker.finish()
        raise
    index = None if in_memory else settings.store / f".{INDEX_NAME}.{os.getpid()}"  # moved into the build
    if index is not None:
        index.parent.mkdir(parents=True, exist_ok=True)

    def search_stage(quads: list[ox.Quad]) -> None:
        assert index is not None
        build_index(quads, index, settings.id_base)

    try:
        quads = extract_and_validate(
            settings,
            data,
            timings,
            progress,
            validation=not skip_validation,
            beside=search_stage if index is not None else None,
            checker=checker,
        )
    except BaseException:
        if index is not None:
            index.unlink(missing_ok=True)
        raise
    graphs = data.graphs
    t0 = time.perf_counter()
    # no blank node reaches the store: their labels would change from build to build (the
    # ontology's are skolemised where they are parsed; this catches any other)
    quads = skolemise(quads, settings.base_iri)
    curated_files = sorted({*ETL_DATA_DIR.glob("*.csv"), *filter(Path.exists, [links_file()])})
    inputs = paths + curated_files + ontology_files()
    version = data_version(inputs, salt=f"{settings.base_iri} {__version__}")
    if in_memory:
        loaded = load_in_memory(quads, version)
    else:
        info = {
            "built": datetime.now(UTC).isoformat(timespec="seconds"),
            "base_iri": settings.base_iri,
            "reports": [{"path": str(p), "graph": g} for p, g in graphs],
            "graphs": graph_sources(settings, graphs, curated_files, ontology_files()),
        }
        assert index is not None
        try:
            loaded = load_to_disk(
                settings.store,
                quads,
                version,
                info,
                extras=lambda build_dir: _extras(build_dir, index, keep),
            )
        finally:
            index.unlink(missing_ok=True)
    timings["load"] = time.perf_counter() - t0
    progress(f"loaded {len(quads)} quads" + ("" if in_memory else f" into {settings.store}"))
    return BuildResult(loaded, graphs, len(quads), timings)


def _extras(build_dir: Path, index: Path, keep: Callable[[Path], None] | None) -> None:
    """The files of a build beside its store: the search index, and what ``keep`` derives."""
    os.replace(index, build_dir / INDEX_NAME)
    if keep is not None:
        keep(build_dir)


def build_default(
    settings: Settings, progress: Progress = _quiet, keep: Callable[[Path], None] | None = None
) -> BuildResult:
    """Build the bundled report into the configured store (used by ``serve`` on a fresh machine)."""
    return build(settings, progress=progress, keep=keep)
