"""Namespaces and term helpers (pyoxigraph terms), so modules never spell an IRI by hand."""

from __future__ import annotations

from pyoxigraph import Literal, NamedNode

from zhytomyr_kg.settings import ZKG


class Namespace:
    def __init__(self, base: str) -> None:
        self.base = base

    def __getattr__(self, name: str) -> NamedNode:
        if name.startswith("__"):
            raise AttributeError(name)
        return NamedNode(self.base + name)

    def __getitem__(self, name: str) -> NamedNode:
        return NamedNode(self.base + name)


zkg = Namespace(ZKG)
rdf = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
rdfs = Namespace("http://www.w3.org/2000/01/rdf-schema#")
xsd = Namespace("http://www.w3.org/2001/XMLSchema#")
owl = Namespace("http://www.w3.org/2002/07/owl#")
skos = Namespace("http://www.w3.org/2004/02/skos/core#")
prov = Namespace("http://www.w3.org/ns/prov#")
org = Namespace("http://www.w3.org/ns/org#")
schema = Namespace("https://schema.org/")
dct = Namespace("http://purl.org/dc/terms/")
sh = Namespace("http://www.w3.org/ns/shacl#")

RDF_TYPE = rdf.type

PREFIXES: dict[str, str] = {
    "zkg": ZKG,
    "rdf": rdf.base,
    "rdfs": rdfs.base,
    "xsd": xsd.base,
    "owl": owl.base,
    "skos": skos.base,
    "prov": prov.base,
    "org": org.base,
    "schema": schema.base,
    "dct": dct.base,
    "sh": sh.base,
}


def curie(iri: str) -> str:
    """``iri`` as ``prefix:local`` with the first of :data:`PREFIXES` it starts with, else as it is."""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


def uk(text: str) -> Literal:
    return Literal(text, language="uk")


def en(text: str) -> Literal:
    return Literal(text, language="en")


def integer(value: int) -> Literal:
    return Literal(str(value), datatype=xsd.integer)


def string(value: str) -> Literal:
    return Literal(value)
