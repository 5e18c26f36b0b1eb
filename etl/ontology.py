"""The ontology and SHACL shapes under ``ontology/``: loaded into their own named graph, their
blank nodes (the shapes' property constraints and lists) skolemised by content (``etl/skolem.py``),
so every build of the same files gives the same IRIs."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from etl.skolem import skolemise
from zhytomyr_kg.resources import ONTOLOGY_DIR
from zhytomyr_kg.settings import Settings


def ontology_files(directory: Path = ONTOLOGY_DIR) -> list[Path]:
    """Every Turtle file of the ontology folder (ontology modules and shapes), sorted."""
    return sorted(directory.glob("*.ttl"))


def shape_files(directory: Path = ONTOLOGY_DIR) -> list[Path]:
    return [p for p in ontology_files(directory) if p.name.startswith("shapes")]


def ontology_quads(settings: Settings, directory: Path = ONTOLOGY_DIR) -> list[ox.Quad]:
    graph = ox.NamedNode(settings.graph("ontology"))
    quads: list[ox.Quad] = []
    for path in ontology_files(directory):
        for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            quads.append(ox.Quad(triple.subject, triple.predicate, triple.object, graph))
    return skolemise(quads, settings.base_iri)
