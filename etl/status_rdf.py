"""The state and cause vocabularies (``statuses.csv``, ``causes.csv``) as SKOS concept schemes
in the authority graph (called by ``etl/authority.py``)."""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad

from etl.status import DEFAULT_DATA_DIR, StatusRules
from zhytomyr_kg.settings import Settings
from zhytomyr_kg.vocab import RDF_TYPE, dct, en, owl, rdfs, skos, uk, xsd, zkg


def vocabulary_quads(settings: Settings, graph: NamedNode, data_dir: Path = DEFAULT_DATA_DIR) -> list[Quad]:
    """The state and cause concept schemes: ``B status/{code}`` and ``B cause/{code}``.

    Every concept carries its notation, uk/en labels and definitions. A deprecated state
    (``suspended_martial_law``) keeps its IRI: ``owl:deprecated true``, ``dcterms:isReplacedBy``
    the live state, and ``zkg:replacedByCause`` the cause that now carries the rest of its meaning.
    """
    rules = StatusRules.load(data_dir)
    base = settings.id_base
    quads: list[Quad] = []

    def add(s: NamedNode, p: NamedNode, o: NamedNode | Literal) -> None:
        quads.append(Quad(s, p, o, graph))

    schemes = (
        ("status/", zkg.Status, rules.statuses, ("Стани виконання", "Progress states")),
        ("cause/", zkg.Cause, rules.causes, ("Причини стану виконання", "Causes of progress states")),
    )
    for path, cls, concepts, (label_uk, label_en) in schemes:
        scheme = NamedNode(base + path)
        add(scheme, RDF_TYPE, skos.ConceptScheme)
        add(scheme, rdfs.label, uk(label_uk))
        add(scheme, rdfs.label, en(label_en))
        for concept in concepts.values():
            s = NamedNode(base + path + concept.code)
            for c in (cls, skos.Concept):
                add(s, RDF_TYPE, c)
            add(s, skos.notation, Literal(concept.code))
            add(s, rdfs.label, uk(concept.label_uk))
            add(s, rdfs.label, en(concept.label_en))
            add(s, skos.prefLabel, uk(concept.label_uk))
            add(s, skos.prefLabel, en(concept.label_en))
            add(s, skos.definition, uk(concept.definition_uk))
            add(s, skos.definition, en(concept.definition_en))
            add(s, skos.inScheme, scheme)
            if concept.deprecated:
                add(s, owl.deprecated, Literal("true", datatype=xsd.boolean))
                add(s, dct.isReplacedBy, NamedNode(base + path + concept.replaced_by))
                if concept.replaced_by_cause:
                    add(s, zkg.replacedByCause, NamedNode(base + "cause/" + concept.replaced_by_cause))
            else:
                add(s, skos.topConceptOf, scheme)
    return quads
