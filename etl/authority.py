"""Curated data → quads of the authority graph: departments, states and causes, priorities, the concept.

The tables under ``etl/data/`` are the reviewable source; this module only restates them in RDF.
"""

from __future__ import annotations

import csv
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad

from etl.departments import DepartmentIndex
from etl.slug import slugify
from etl.status_rdf import vocabulary_quads
from zhytomyr_kg.resources import ETL_DATA_DIR
from zhytomyr_kg.settings import Settings
from zhytomyr_kg.vocab import RDF_TYPE, en, org, rdfs, skos, uk, zkg

COUNCIL_UK = "Житомирська міська рада"
COUNCIL_EN = "Zhytomyr City Council"
CONCEPT_UK = "Концепція інтегрованого розвитку м. Житомира до 2030 року"
CONCEPT_EN = "Concept of integrated development of Zhytomyr to 2030"


def read_csv(name: str, data_dir: Path = ETL_DATA_DIR) -> list[dict[str, str]]:
    with open(data_dir / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def council_iri(settings: Settings) -> NamedNode:
    return NamedNode(settings.id_base + "organization/" + slugify(COUNCIL_UK))


def authority_quads(
    settings: Settings, departments: DepartmentIndex, data_dir: Path = ETL_DATA_DIR
) -> list[Quad]:
    graph = NamedNode(settings.graph("authority"))
    quads: list[Quad] = []

    def add(s: NamedNode, p: NamedNode, o: NamedNode | Literal) -> None:
        quads.append(Quad(s, p, o, graph))

    base = settings.id_base
    council = council_iri(settings)
    for cls in (org.FormalOrganization, org.Organization):
        add(council, RDF_TYPE, cls)
    add(council, rdfs.label, uk(COUNCIL_UK))
    add(council, rdfs.label, en(COUNCIL_EN))

    scheme = NamedNode(base + "concept/zhytomyr-2030")
    add(scheme, RDF_TYPE, skos.ConceptScheme)
    add(scheme, rdfs.label, uk(CONCEPT_UK))
    add(scheme, rdfs.label, en(CONCEPT_EN))
    add(scheme, skos.prefLabel, uk(CONCEPT_UK))
    add(scheme, skos.prefLabel, en(CONCEPT_EN))

    for row in read_csv("priorities.csv", data_dir):
        s = NamedNode(base + "priority/" + row["slug"])
        add(s, rdfs.label, en(row["label_en"]))
        add(s, skos.prefLabel, en(row["label_en"]))

    for dept in departments:
        s = NamedNode(base + "department/" + dept.id)
        for cls in (zkg.Department, org.OrganizationalUnit):
            add(s, RDF_TYPE, cls)
        add(s, rdfs.label, uk(dept.label_uk))
        add(s, rdfs.label, en(dept.label_en))
        add(s, zkg.departmentKind, Literal(dept.kind))
        add(s, org.unitOf, council)
        seen = {dept.label_uk.casefold()}
        for alias in dept.aliases:
            if alias.casefold() not in seen:
                seen.add(alias.casefold())
                add(s, skos.altLabel, uk(alias))

    quads += vocabulary_quads(settings, graph, data_dir)  # states and causes (etl/status_rdf.py)
    return quads
