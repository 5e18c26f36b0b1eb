"""The contract matches the data (#12): every class and predicate that the built graph uses, and
every one that a named query (``queries/*.rq``) uses, is declared in the ontology graph with a
Ukrainian and an English label — so ``/ontology`` documents it. Generic: a new term in the ETL or
in a query fails here until the ontology declares it.

The language the ontology itself is written in (OWL, SHACL, VANN and RDFS's own structure:
``rdfs:subClassOf``, ``rdfs:domain`` …) is exempt where only the ontology graph uses it.
"""

from __future__ import annotations

from collections import defaultdict

import pytest
from rdflib import RDF, URIRef
from rdflib.paths import Path as RdfPath
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue

from graph_service.store import named_queries
from zhytomyr_kg.settings import ZKG, Settings
from zhytomyr_kg.vocab import curie

ONTOLOGY_GRAPH = Settings().graph("ontology")
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
#: the vocabulary's own language: exempt where only the ontology graph (or a query about the
#: ontology) uses it
META_NAMESPACES = (
    "http://www.w3.org/2002/07/owl#",
    "http://www.w3.org/ns/shacl#",
    "http://purl.org/vocab/vann/",
)
META_TERMS = {
    RDFS + t
    for t in ("subClassOf", "subPropertyOf", "domain", "range", "comment", "isDefinedBy", "Class", "Resource")
} | {str(RDF.first), str(RDF.rest), str(RDF.Property), str(RDF.List)}


def is_meta(iri: str) -> bool:
    return iri.startswith(META_NAMESPACES) or iri in META_TERMS


def query_terms(text: str) -> tuple[set[str], set[str]]:
    """(predicates and classes, every zkg: IRI) of a SPARQL query, read from its algebra."""
    used: set[str] = set()
    zkg: set[str] = set()

    def path_iris(p) -> list[str]:
        if isinstance(p, URIRef):
            return [str(p)]
        out = []
        for attr in ("args", "arg", "path", "paths"):
            value = getattr(p, attr, None)
            for part in value if isinstance(value, list | tuple) else ([value] if value is not None else []):
                out += path_iris(part)
        return out

    def walk(node) -> None:
        if isinstance(node, URIRef):
            if str(node).startswith(ZKG) and str(node) != ZKG:  # not the namespace itself (STRSTARTS)
                zkg.add(str(node))
            return
        if isinstance(node, CompValue):
            if node.name == "BGP":
                for _s, p, o in node.triples:
                    if isinstance(p, URIRef | RdfPath):
                        used.update(path_iris(p))
                    if p == RDF.type and isinstance(o, URIRef):
                        used.add(str(o))
            for value in node.values():
                walk(value)
        elif isinstance(node, dict):
            for key, value in node.items():
                walk(key)
                walk(value)
        elif isinstance(node, list | tuple | set):
            for value in node:
                walk(value)
        elif isinstance(node, RdfPath):
            for iri in path_iris(node):
                if iri.startswith(ZKG):
                    zkg.add(iri)

    walk(prepareQuery(text).algebra)
    return used, zkg


@pytest.fixture(scope="module")
def declared(store) -> dict[str, set[str]]:
    """term → the languages of its labels in the ontology graph."""
    rows = store.query(
        "SELECT ?t ?l WHERE { GRAPH <"
        + ONTOLOGY_GRAPH
        + "> { ?t <http://www.w3.org/2000/01/rdf-schema#label>|<http://www.w3.org/2004/02/skos/core#prefLabel> ?l } }"
    )
    out: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if row["l"].language:
            out[row["t"].value].add(row["l"].language)
    return out


def missing(terms: dict[str, set[str]], declared: dict[str, set[str]]) -> list[str]:
    """``term (where) [languages]`` for each term without both labels."""
    return sorted(
        f"{curie(t)} ({', '.join(sorted(where))}) has labels {sorted(declared.get(t, set()))}"
        for t, where in terms.items()
        if not {"uk", "en"} <= declared.get(t, set())
    )


def test_every_class_and_predicate_of_the_built_graph_is_declared_with_uk_and_en_labels(store, declared):
    used: dict[str, set[str]] = defaultdict(set)
    for q in store:
        graph = q.graph_name.value
        where = graph.rsplit("/graph/", 1)[-1]
        terms = [q.predicate.value] + ([q.object.value] if q.predicate.value == str(RDF.type) else [])
        for term in terms:
            if graph == ONTOLOGY_GRAPH and is_meta(term):
                continue
            used[term].add(where)
    gaps = missing(used, declared)
    assert not gaps, "declare in ontology/*.ttl with @uk and @en labels:\n" + "\n".join(gaps)


def test_every_term_a_named_query_uses_is_declared_with_uk_and_en_labels(store, declared):
    in_data = {q.predicate.value for q in store if q.graph_name.value != ONTOLOGY_GRAPH} | {
        q.object.value
        for q in store
        if q.predicate.value == str(RDF.type) and q.graph_name.value != ONTOLOGY_GRAPH
    }
    used: dict[str, set[str]] = defaultdict(set)
    for query in named_queries.load_all().values():
        terms, zkg = query_terms(query.text)
        for term in terms | zkg:
            if is_meta(term) and term not in in_data:
                continue
            used[term].add(query.name)
    assert len(used) > 20
    gaps = missing(used, declared)
    assert not gaps, "declare in ontology/*.ttl with @uk and @en labels:\n" + "\n".join(gaps)


def test_the_reader_of_queries_sees_paths_values_and_types():
    """The check itself: a predicate inside a property path, a class, a zkg: IRI in VALUES."""
    terms, zkg = query_terms(
        "PREFIX zkg: <" + ZKG + "> PREFIX s: <https://schema.org/> "
        "SELECT * WHERE { VALUES ?c { zkg:Thing } ?x a zkg:Project ; s:a/s:b ?y ; ^zkg:q|zkg:r ?z }"
    )
    assert terms == {
        str(RDF.type),
        ZKG + "Project",
        "https://schema.org/a",
        "https://schema.org/b",
        ZKG + "q",
        ZKG + "r",
    }
    assert ZKG + "Thing" in zkg


def test_an_undeclared_term_is_reported(declared):
    assert missing({ZKG + "noSuchTerm": {"report/x"}}, declared) == [
        "zkg:noSuchTerm (report/x) has labels []"
    ]
