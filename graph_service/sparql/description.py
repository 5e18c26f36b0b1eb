"""The SPARQL 1.1 Service Description of the endpoint (what ``GET /sparql`` without a query
answers): its features, result formats and dataset, with VoID triple counts."""

from __future__ import annotations

from collections.abc import Sequence

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RESULT_FORMATS = {
    "application/sparql-results+json": "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
    "application/sparql-results+xml": "http://www.w3.org/ns/formats/SPARQL_Results_XML",
    "text/csv": "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
    "text/tab-separated-values": "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
    "text/turtle": "http://www.w3.org/ns/formats/Turtle",
    "application/n-triples": "http://www.w3.org/ns/formats/N-Triples",
    "application/ld+json": "http://www.w3.org/ns/formats/JSON-LD",
    "application/rdf+xml": "http://www.w3.org/ns/formats/RDF_XML",
}


def service_description(
    endpoint: str, graphs: Sequence[str], triples: int | None, media_type: str, federated: bool = False
) -> bytes:
    from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, serialize

    n = NamedNode
    svc = n(endpoint)
    t = [
        Triple(svc, n(RDF_TYPE), n(SD + "Service")),
        Triple(svc, n(SD + "endpoint"), svc),
        Triple(svc, n(SD + "supportedLanguage"), n(SD + "SPARQL11Query")),
        Triple(svc, n(SD + "feature"), n(SD + "UnionDefaultGraph")),
    ]
    if federated:  # SERVICE works, but only for the allow-listed endpoints
        t.append(Triple(svc, n(SD + "feature"), n(SD + "BasicFederatedQuery")))
    for iri in RESULT_FORMATS.values():
        t.append(Triple(svc, n(SD + "resultFormat"), n(iri)))
    dataset = BlankNode()
    default = BlankNode()
    t += [
        Triple(svc, n(SD + "defaultDataset"), dataset),
        Triple(dataset, n(RDF_TYPE), n(SD + "Dataset")),
        Triple(dataset, n(SD + "defaultGraph"), default),
        Triple(default, n(RDF_TYPE), n(SD + "Graph")),
    ]
    if triples is not None:
        t.append(
            Triple(
                default,
                n(VOID + "triples"),
                Literal(str(triples), datatype=n("http://www.w3.org/2001/XMLSchema#integer")),
            )
        )
    for g in graphs:
        named = BlankNode()
        t += [
            Triple(dataset, n(SD + "namedGraph"), named),
            Triple(named, n(RDF_TYPE), n(SD + "NamedGraph")),
            Triple(named, n(SD + "name"), n(g)),
        ]
    fmt = RdfFormat.from_media_type(media_type)
    prefixes = {"sd": SD, "void": VOID} if fmt == RdfFormat.TURTLE else None
    body = serialize(t, format=fmt, prefixes=prefixes) if prefixes else serialize(t, format=fmt)
    assert body is not None  # without an output to write to, serialize returns the bytes
    return body
