"""Stage 4 — to RDF: the recovered tree → quads in the city's strategy graph and the report's graph.

This is the one place where a row of the report becomes triples. Every entity carries
``zkg:sourceLine`` and ``prov:wasDerivedFrom`` the source document, so any fact can be traced to
the line it came from. Curated data (departments, statuses, translations) is emitted separately by
``etl.authority`` into the authority graph.

Each fact is stated once (docs/DESIGN.md, "Graphs and years"): the strategy — priorities, goals,
tasks, projects, their labels, periods and responsible bodies — goes to the city's strategy graph
(``G strategy/{city}``), the year's facts — the source document, progress reports, states, causes,
outputs — to the report's graph (``G report/{city}-{year}``). Several reports restate the
strategy; ``etl/strategy_graph.py`` keeps one statement of it, worded as the latest report words
it. What this stage returns is described in ``etl/report_rdf.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from pyoxigraph import Literal, NamedNode, Quad

from etl.authority import council_iri
from etl.iris import Iris, project_slugs
from etl.normalize import ProjectTitle, parse_project_cell
from etl.outputs import OutputRules
from etl.report_rdf import ProjectText, ReportRdf, ReportText
from etl.sentences import normalise_text
from etl.status_types import StatusDecision
from etl.structure import Entry, Goal, Paragraph, PriorityTable, ReportTree, Task
from etl.unit_translations import UnitTranslations
from zhytomyr_kg.settings import Settings
from zhytomyr_kg.vocab import RDF_TYPE, dct, en, integer, prov, rdfs, schema, skos, uk, xsd, zkg


class StatusClassifier(Protocol):
    def classify(self, text: str, *, title: str | None = None, year: int | None = None) -> StatusDecision: ...

    def sentence_year(self, clean: str, year: int) -> int | None: ...


class Translator(Protocol):
    def en(self, kind: str, uk: str) -> str | None: ...


@dataclass
class ProjectRecord:
    """A project as it will be published: one per distinct title (and period)."""

    iri: NamedNode
    parsed: ProjectTitle
    lines: list[int] = field(default_factory=list)
    tasks: list[NamedNode] = field(default_factory=list)
    bodies: list[str] = field(default_factory=list)


class _Emitter:
    def __init__(
        self,
        settings: Settings,
        tree: ReportTree,
        statuses: StatusClassifier,
        translations: Translator,
        outputs: OutputRules | None = None,
        units: UnitTranslations | None = None,
    ) -> None:
        self.tree = tree
        self.outputs = outputs or OutputRules.load()
        self.units = units or UnitTranslations.load()
        self.iris = Iris(settings, tree)
        self.graph = NamedNode(settings.graph(f"report/{self.iris.doc_slug}"))
        self.strategy_graph = NamedNode(settings.graph(f"strategy/{self.iris.city_slug}"))
        self.strategy: list[Quad] = []
        self.authority = NamedNode(settings.graph("authority"))
        self.council = council_iri(settings)
        self.translations = translations
        self.statuses = statuses
        self.quads: list[Quad] = []
        self.texts: list[ReportText] = []
        self.project_texts: list[ProjectText] = []
        self.source = self.iris.source()
        self.projects: dict[tuple[str, int | None, int | None], ProjectRecord] = {}
        self.report_iris: set[str] = set()
        parsed = [
            parse_project_cell(e.project_cell or e.parent_project_cell)
            for p in tree.priorities
            for g in p.goals
            for t in g.tasks
            for e in t.entries
            if e.project_cell or e.parent_project_cell
        ]
        self.slugs = project_slugs(parsed)

    def add(self, s: NamedNode, p: NamedNode, o: NamedNode | Literal) -> None:
        self.quads.append(Quad(s, p, o, self.graph))

    def put(self, s: NamedNode, p: NamedNode, o: NamedNode | Literal) -> None:
        """A statement of the strategy (the city's strategy graph)."""
        self.strategy.append(Quad(s, p, o, self.strategy_graph))

    def responsible(self, work: NamedNode, dept_id: str) -> None:
        """A body responsible for a task or project, stated both ways in the strategy graph: a
        department's works are then one lookup (``zkg:responsibleFor``), not a scan of every
        year's progress reports, which also carry ``zkg:responsibleBody``."""
        dept = self.iris.department(dept_id)
        self.put(work, zkg.responsibleBody, dept)
        self.put(dept, zkg.responsibleFor, work)

    def label(self, s: NamedNode, kind: str, text: str) -> None:
        """The Ukrainian label as printed; the English one from the curated translation table
        (it lives in the authority graph with the other curated data)."""
        self.put(s, rdfs.label, uk(text))
        if kind in ("goal", "task"):
            self.put(s, skos.prefLabel, uk(text))
        translated = self.translations.en(kind, text)
        if translated:
            self.quads.append(Quad(s, rdfs.label, en(translated), self.authority))
            if kind in ("goal", "task"):
                self.quads.append(Quad(s, skos.prefLabel, en(translated), self.authority))

    def provenance(self, s: NamedNode, line: int, strategy: bool = False) -> None:
        (self.put if strategy else self.add)(s, zkg.sourceLine, integer(line))
        (self.put if strategy else self.add)(s, prov.wasDerivedFrom, self.source)

    # --- walk ---------------------------------------------------------------------------------
    def emit(self) -> list[Quad]:
        self.document()
        for p in self.tree.priorities:
            self.priority(p)
        for record in self.projects.values():
            self.project(record)
        return self.quads

    def document(self) -> None:
        doc = self.tree.source
        s = self.source
        for cls in (zkg.SourceDocument, prov.Entity, schema.DigitalDocument):
            self.add(s, RDF_TYPE, cls)
        self.add(
            s,
            rdfs.label,
            uk(
                f"Інформація про виконання Концепції інтегрованого розвитку м. {self.tree.city_nominative} "
                f"до 2030 року за {self.tree.year} рік"
            ),
        )
        self.add(s, schema.name, Literal(doc.path.name))
        self.add(
            s,
            zkg.sha256,
            Literal(doc.sha256, datatype=NamedNode("http://www.w3.org/2001/XMLSchema#hexBinary")),
        )
        self.add(s, zkg.lineCount, integer(len(doc.lines)))
        self.add(s, zkg.year, integer(self.tree.year))
        # the council whose departments report: a page finds the year's report graph of a
        # department through it (org:unitOf → dct:publisher → zkg:year), not through every report
        self.add(s, dct.publisher, self.council)

    def priority(self, p: PriorityTable) -> None:
        s = self.iris.priority(p)
        for cls in (zkg.Priority, skos.Concept):
            self.put(s, RDF_TYPE, cls)
        self.put(s, rdfs.label, uk(p.label_uk))
        self.put(s, skos.prefLabel, uk(p.label_uk))
        self.put(s, skos.notation, Literal(p.notation))
        self.put(s, skos.inScheme, self.iris.concept_scheme())
        self.put(s, skos.topConceptOf, self.iris.concept_scheme())
        self.provenance(s, p.line, strategy=True)
        for g in p.goals:
            self.goal(p, g)

    def goal(self, p: PriorityTable, g: Goal) -> None:
        s = self.iris.goal(p, g)
        for cls in (zkg.StrategicGoal, skos.Concept):
            self.put(s, RDF_TYPE, cls)
        self.label(s, "goal", g.title)
        if g.notation:
            self.put(s, skos.notation, Literal(g.notation))
        self.put(s, zkg.inPriority, self.iris.priority(p))
        self.put(s, skos.broader, self.iris.priority(p))
        self.put(s, skos.inScheme, self.iris.concept_scheme())
        self.provenance(s, g.line, strategy=True)
        for t in g.tasks:
            self.task(p, g, t)

    def task(self, p: PriorityTable, g: Goal, t: Task) -> None:
        s = self.iris.task(p, g, t)
        for cls in (zkg.Task, skos.Concept):
            self.put(s, RDF_TYPE, cls)
        self.label(s, "task", t.description)
        if t.notation:
            self.put(s, skos.notation, Literal(t.notation))
        self.put(s, zkg.inGoal, self.iris.goal(p, g))
        self.put(s, skos.broader, self.iris.goal(p, g))
        self.put(s, skos.inScheme, self.iris.concept_scheme())
        self.provenance(s, t.line, strategy=True)
        task_bodies: list[str] = []
        for entry in t.entries:
            if entry.kind != "project":
                task_bodies += entry.department_ids
            self.entry(p, g, t, s, entry)
        for dept in dict.fromkeys(task_bodies):
            self.responsible(s, dept)

    def project_record(self, cell: str, task: NamedNode) -> ProjectRecord:
        parsed = parse_project_cell(cell)
        key = (parsed.title, parsed.start_year, parsed.end_year)
        record = self.projects.get(key)
        if record is None:
            record = ProjectRecord(self.iris.node(f"project/{self.slugs[key]}"), parsed)
            self.projects[key] = record
        if task not in record.tasks:
            record.tasks.append(task)
        return record

    def entry(self, p: PriorityTable, g: Goal, t: Task, task: NamedNode, entry: Entry) -> None:
        path = f"report/{self.tree.year}/{self.iris.task_path(p, g, t)}"
        subject, title = task, t.description
        if entry.kind == "project":
            record = self.project_record(entry.project_cell, task)
            record.lines.append(entry.line)
            record.bodies += entry.department_ids
            subject, title = record.iri, record.parsed.title
            path += "/" + record.iri.value.rsplit("/", 1)[1]
        elif entry.parent_project_cell:
            record = self.project_record(entry.parent_project_cell, task)
            subject, title = record.iri, record.parsed.title
            path += "/" + record.iri.value.rsplit("/", 1)[1]
        if entry.kind == "department":
            path += "/department/" + "+".join(entry.department_ids)
        if path in self.report_iris:
            raise ValueError(f"two rows mint the same report IRI {path} (line {entry.line})")
        self.report_iris.add(path)
        self.report(self.iris.node(path), subject, entry, title)

    def report(self, s: NamedNode, subject: NamedNode, entry: Entry, title: str) -> None:
        for cls in (zkg.ProgressReport, prov.Entity):
            self.add(s, RDF_TYPE, cls)
        self.add(s, rdfs.label, uk(f"Звіт про виконання за {self.tree.year} рік, рядок {entry.line}"))
        self.add(s, zkg.reportsOn, subject)
        self.add(s, zkg.year, integer(self.tree.year))
        for dept in entry.department_ids:
            self.add(s, zkg.responsibleBody, self.iris.department(dept))
        self.provenance(s, entry.line)
        for line in entry.continuation_lines:
            self.add(s, zkg.continuationLine, integer(line))
        text, line_starts = _join(entry.paragraphs)
        if not text:
            return
        self.add(s, zkg.text, uk(text))
        decision = self.statuses.classify(text, title=title, year=self.tree.year)
        self.add(s, zkg.status, self.iris.status(decision.code))
        if decision.evidence:
            self.add(s, zkg.statusEvidence, uk(decision.evidence))
        self.add(s, zkg.statusRule, Literal(decision.rule_id))
        if decision.cause:
            self.add(s, zkg.cause, self.iris.cause(decision.cause))
            self.add(s, zkg.causeEvidence, uk(decision.cause_evidence))
            self.add(s, zkg.causeRule, Literal(decision.cause_rule))
        if decision.work_year is not None:
            self.add(s, zkg.workYear, integer(decision.work_year))
        self.output_quads(s, text, line_starts, decision.work_year or self.tree.year)
        self.texts.append(
            ReportText(
                self.graph, s, subject, text, line_starts, tuple(entry.department_ids), self.strategy_graph
            )
        )

    def output_quads(
        self, report: NamedNode, text: str, line_starts: tuple[tuple[int, int], ...], work_year: int
    ) -> None:
        """``zkg:Output`` for each thing the text says was produced or done (``etl.outputs``), with
        its sentence, offsets, year, and figures as schema.org values; a quantity whose unit the
        curated table translates (``etl.unit_translations``) also gets an English label."""
        where = ReportText(self.graph, report, report, text, line_starts)
        found = self.outputs.find(
            text,
            work_year=work_year,
            sentence_year=lambda sentence: self.statuses.sentence_year(
                normalise_text(sentence), self.tree.year
            ),
        )
        for output in found:
            o = NamedNode(f"{report.value}/output/{output.start}")
            for cls in (zkg.Output, prov.Entity):
                self.add(o, RDF_TYPE, cls)
            self.add(report, zkg.output, o)
            self.add(o, zkg.text, uk(output.text))
            self.add(o, zkg.year, integer(output.year))
            self.add(o, zkg.startOffset, integer(output.start))
            self.add(o, zkg.endOffset, integer(output.end))
            self.add(o, zkg.evidence, uk(output.cue))
            self.add(o, zkg.sourceLine, integer(where.line_for_offset(output.start)))
            self.add(o, prov.wasDerivedFrom, self.source)
            for i, q in enumerate(output.quantities, 1):
                node = NamedNode(f"{o.value}/quantity/{i}")
                self.add(o, zkg.quantity, node)
                self.add(node, RDF_TYPE, schema.QuantitativeValue)
                if q.part:
                    self.add(node, RDF_TYPE, zkg.PartQuantity)
                self.add(node, schema.value, Literal(format(q.value, "f"), datatype=xsd.decimal))
                self.add(node, schema.unitText, Literal(q.unit))
                self.add(node, rdfs.label, uk(q.text))
                english = self.units.label(q.value, q.unit)
                if english is not None:
                    self.add(node, rdfs.label, en(english))
            for i, m in enumerate(output.amounts, 1):
                node = NamedNode(f"{o.value}/amount/{i}")
                self.add(o, zkg.amount, node)
                self.add(node, RDF_TYPE, schema.MonetaryAmount)
                self.add(node, schema.value, Literal(format(m.value, "f"), datatype=xsd.decimal))
                self.add(node, schema.currency, Literal(m.currency))
                self.add(node, rdfs.label, uk(m.text))

    def project(self, record: ProjectRecord) -> None:
        s = record.iri
        for cls in (zkg.Project, schema.Project):
            self.put(s, RDF_TYPE, cls)
        self.label(s, "project", record.parsed.title)
        if record.parsed.description:
            self.put(s, zkg.description, uk(record.parsed.description))
        if record.parsed.period_text:
            self.put(s, zkg.periodText, uk(record.parsed.period_text))
        if record.parsed.start_year is not None:
            self.put(s, zkg.startYear, integer(record.parsed.start_year))
        if record.parsed.end_year is not None:
            self.put(s, zkg.endYear, integer(record.parsed.end_year))
        for task in record.tasks:
            self.put(s, zkg.inTask, task)
        for dept in dict.fromkeys(record.bodies):
            self.responsible(s, dept)
        for line in record.lines:
            self.put(s, zkg.sourceLine, integer(line))
        self.put(s, prov.wasDerivedFrom, self.source)
        self.project_texts.append(
            ProjectText(self.strategy_graph, s, record.parsed.title, record.parsed.description)
        )


def _join(paragraphs: list[Paragraph]) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Paragraphs → one text (newline-separated) and where each source line starts in it."""
    parts: list[str] = []
    starts: list[tuple[int, int]] = []
    offset = 0
    for para in paragraphs:
        starts.append((offset, para.line))
        parts.append(para.text)
        offset += len(para.text) + 1
    return "\n".join(parts), tuple(starts)


def report_quads(
    settings: Settings,
    tree: ReportTree,
    statuses: StatusClassifier,
    translations: Translator,
    outputs: OutputRules | None = None,
    units: UnitTranslations | None = None,
) -> ReportRdf:
    """The report graph's quads (plus the English labels, in the authority graph) and its texts."""
    emitter = _Emitter(settings, tree, statuses, translations, outputs, units)
    quads = emitter.emit()
    return ReportRdf(
        emitter.graph,
        quads,
        emitter.texts,
        emitter.project_texts,
        emitter.strategy,
        tree.year,
        emitter.strategy_graph,
    )
