"""The RDF files of the dumps: every quad as gzipped N-Quads, each named graph as Turtle and as
JSON-LD compacted with the published context. Equal data gives equal bytes (sorted output, gzip
mtime 0), whatever order the store keeps. Written by ``export.py``; ``rdf.py`` uses the same
JSON-LD compaction for the RDF pages.
"""

from __future__ import annotations

import gzip
import json
from typing import cast

import pyoxigraph as ox

from zhytomyr_kg.settings import Settings
from zhytomyr_kg.vocab import PREFIXES


def graph_file_stem(graph: str, settings: Settings) -> str:
    name = graph[len(settings.graph_base) :] if graph.startswith(settings.graph_base) else graph
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in name.replace("/", "-"))
    return "graph-" + safe.strip("-")


def jsonld_context() -> dict:
    return {"@context": dict(PREFIXES)}


def rdflib_term(term):
    import rdflib

    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)  # the store's own ids: stable across exports
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


def graph_jsonld(store: ox.Store, graph: str) -> bytes:
    """One named graph as JSON-LD compacted with the published context (inlined)."""
    import rdflib

    g = rdflib.Graph()
    for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph)):
        g.add((rdflib_term(q.subject), rdflib_term(q.predicate), rdflib_term(q.object)))
    return compact_jsonld(g)


def compact_jsonld(g) -> bytes:
    """An rdflib graph as JSON-LD compacted with the published context (:func:`jsonld_context`,
    inlined), nodes and values sorted: equal data gives equal bytes."""
    doc = json.loads(g.serialize(format="json-ld", context=jsonld_context()["@context"]))
    # rdflib's order follows Python's hashing; sort nodes and values so equal data → equal bytes
    nodes = doc.get("@graph", [doc] if "@id" in doc else [])
    for node in nodes:
        for key, value in node.items():
            if isinstance(value, list):
                node[key] = sorted(value, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    nodes.sort(key=lambda n: n.get("@id", ""))
    out = {"@context": doc["@context"], "@graph": nodes}
    return json.dumps(out, sort_keys=True, indent=1, ensure_ascii=False).encode("utf-8")


def graph_turtle(store: ox.Store, graph: str) -> bytes:
    """One named graph as Turtle with the project's prefixes, triples sorted: the bytes depend on
    the data only, not on the store's order (an on-disk build and its in-memory copy differ)."""
    triples = sorted(
        (
            ox.Triple(q.subject, q.predicate, q.object)
            for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
        ),
        key=lambda t: (str(t.subject), str(t.predicate), str(t.object)),
    )
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES) or b""


def named_graphs(store: ox.Store) -> list[str]:
    return sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))


def nquads_gz(store: ox.Store) -> bytes:
    # without an output to write to, dump returns the bytes
    lines = cast(bytes, store.dump(format=ox.RdfFormat.N_QUADS)).decode("utf-8").splitlines()
    lines.sort()  # stable bytes for the same data, whatever the store's internal order
    data = ("\n".join(lines) + "\n").encode("utf-8")
    return gzip.compress(data, compresslevel=9, mtime=0)
