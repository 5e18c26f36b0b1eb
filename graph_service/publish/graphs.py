"""One named graph described for people and machines (``/graph/…``): what it holds, where it
comes from (its source documents or files, with their SHA-256), its counts, and its own dumps.

:func:`graph_summary` gathers the facts from the named queries ``graph-*.rq`` (so the counts are
the store's own, embedded or remote), the build's record of the files each graph was made from
(``build.json`` → ``graphs``, written by the ETL) and the export manifest; :func:`describe_graph`
states them in VoID / DCAT / PROV (an rdflib graph, as ``/dataset`` is).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, RDFS, XSD

from graph_service.publish.dataset import IANA, SPDX, VOID, dataset_iri
from zhytomyr_kg.settings import Settings

#: runs a named query with ``?graph`` bound: (query name, graph IRI) → rows of lexical values
Select = Callable[[str, str], list]
SD = "http://www.w3.org/ns/sparql-service-description#"
#: prefixes of a graph's description beyond the project's own
PREFIXES = {"void": str(VOID), "dcat": str(DCAT), "spdx": str(SPDX), "sd": SD}

#: what a named graph holds, by the first segment of its name (``…/graph/<segment>/…``)
WHAT = {
    "ontology": (
        "Онтологія (класи, властивості, схеми понять) і форми SHACL, за якими перевіряється кожна збірка.",
        "The ontology (classes, properties, concept schemes) and the SHACL shapes every build is validated against.",
    ),
    "authority": (
        "Довідкові дані, що їх ведуть вручну: виконавчі органи, стани виконання, пріоритети, донори, програми, "
        "організації, місця, переклади і зв'язки з іншими наборами даних.",
        "Curated authority data: departments, progress states, priorities, funders, programmes, organisations, "
        "places, translations and links to other datasets.",
    ),
    "report": (
        "Факти одного звіту про виконання: стратегія, як її надруковано, звіти про виконання, їхні стани, згадки "
        "донорів, програм, організацій і місць — кожен факт із рядком джерела.",
        "The facts of one implementation report: the strategy as printed, progress reports, their states, and the "
        "mentions of funders, programmes, organisations and places — each fact with its source line.",
    ),
    "strategy": (
        "Стратегія міста: пріоритети, стратегічні цілі, завдання і проєкти з їхніми назвами і періодами.",
        "A city's strategy: priorities, strategic goals, tasks and projects with their names and periods.",
    ),
}
OTHER = ("Іменований граф набору даних.", "A named graph of the dataset.")


@dataclass
class GraphSummary:
    iri: str
    name: str  # the path after …/graph/
    what: tuple[str, str]
    totals: dict[str, int]
    classes: list[dict]
    properties: list[dict]
    sources: list[dict]  # source documents in the store: source, title, name, sha256, year
    files: list[dict] = field(default_factory=list)  # files the build made it from: name, sha256, bytes
    dumps: list[dict] = field(default_factory=list)  # manifest entries of this graph's dumps

    @property
    def exists(self) -> bool:
        return self.totals.get("triples", 0) > 0


def _int(value) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def graph_summary(
    select: Select, iri: str, settings: Settings, manifest: dict | None, build_info: dict | None
) -> GraphSummary:
    """The facts about the named graph ``iri``."""
    name = iri[len(settings.graph_base) :] if iri.startswith(settings.graph_base) else iri
    totals_rows = select("graph-totals", iri)
    totals = {k: _int(v) for k, v in (totals_rows[0] if totals_rows else {}).items()}
    found = totals.get("triples", 0) > 0
    return GraphSummary(
        iri,
        name,
        WHAT.get(name.split("/", 1)[0], OTHER),
        totals,
        select("graph-classes", iri) if found else [],
        select("graph-properties", iri) if found else [],
        select("graph-sources", iri) if found else [],
        list(((build_info or {}).get("graphs") or {}).get(iri, {}).get("sources", [])),
        [f for f in (manifest or {}).get("files", []) if f.get("graph") == iri],
    )


def _checksum(g: Graph, subject, sha256: str) -> None:
    node = BNode()
    g.add((subject, SPDX.checksum, node))
    g.add((node, RDF.type, SPDX.Checksum))
    g.add((node, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    g.add((node, SPDX.checksumValue, Literal(sha256, datatype=XSD.hexBinary)))


def describe_graph(summary: GraphSummary, settings: Settings, service_url: str) -> Graph:
    """The named graph as a ``void:Dataset`` (a subset of the dataset) and ``sd:NamedGraph``."""
    service_url = service_url.rstrip("/")
    g = Graph()
    for prefix, ns in (("dcat", DCAT), ("dct", DCTERMS), ("void", VOID), ("spdx", SPDX), ("xsd", XSD)):
        g.bind(prefix, ns)
    me = URIRef(summary.iri)
    page = URIRef(f"{service_url}/graph/{summary.name}")
    g.add((me, RDF.type, VOID.Dataset))
    g.add((me, RDF.type, URIRef(SD + "NamedGraph")))
    g.add((me, URIRef(SD + "name"), me))
    g.add((me, DCTERMS.isPartOf, URIRef(dataset_iri(settings))))
    g.add((URIRef(dataset_iri(settings)), VOID.subset, me))
    g.add((me, DCTERMS.title, Literal(f"graph/{summary.name}")))
    for lang, text in zip(("uk", "en"), summary.what, strict=True):
        g.add((me, DCTERMS.description, Literal(text, lang=lang)))
    g.add((me, DCAT.landingPage, page))
    for key, prop in (
        ("triples", VOID.triples),
        ("subjects", VOID.distinctSubjects),
        ("objects", VOID.distinctObjects),
        ("properties", VOID.properties),
        ("classes", VOID.classes),
        ("entities", VOID.entities),
    ):
        g.add((me, prop, Literal(summary.totals.get(key, 0), datatype=XSD.integer)))
    for row in summary.classes:
        part = BNode()
        g.add((me, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(row["class"])))
        g.add((part, VOID.entities, Literal(_int(row["entities"]), datatype=XSD.integer)))
    for row in summary.properties:
        part = BNode()
        g.add((me, VOID.propertyPartition, part))
        g.add((part, VOID.property, URIRef(row["property"])))
        g.add((part, VOID.triples, Literal(_int(row["triples"]), datatype=XSD.integer)))
    for src in summary.sources:
        source = URIRef(src["source"])
        g.add((me, DCTERMS.source, source))
        if src.get("title"):
            g.add((source, DCTERMS.title, Literal(src["title"], lang="uk")))
        if src.get("sha256"):
            _checksum(g, source, src["sha256"])
    for f in summary.files:
        node = BNode()
        g.add((me, DCTERMS.source, node))
        g.add((node, RDF.type, DCTERMS.BibliographicResource))
        g.add((node, DCTERMS.title, Literal(f["name"])))
        if f.get("bytes") is not None:
            g.add((node, DCAT.byteSize, Literal(f["bytes"], datatype=XSD.nonNegativeInteger)))
        _checksum(g, node, f["sha256"])
    for f in summary.dumps:
        url = URIRef(f"{service_url}/dumps/{f['name']}")
        dist = URIRef(f"{service_url}/dumps/{f['name']}#distribution")
        g.add((me, VOID.dataDump, url))
        g.add((me, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCAT.downloadURL, url))
        g.add((dist, DCAT.accessURL, url))
        g.add((dist, DCAT.mediaType, URIRef(IANA + f["mediaType"])))
        g.add((dist, DCAT.byteSize, Literal(f["bytes"], datatype=XSD.nonNegativeInteger)))
        _checksum(g, dist, f["sha256"])
    g.add((me, RDFS.seeAlso, URIRef(service_url + "/dataset")))
    return g
