"""Blank nodes → IRIs labelled by their content (RDF 1.1 §3.5, "Replacing blank nodes with IRIs").

A blank node's label is chosen by the parser, so it changes from one build to the next and two
builds of the same input would give different dumps. :func:`skolemise` replaces every blank
node with ``{base}.well-known/genid/<hash>``, where the hash is computed from the node's content
only: its own statements (blank nodes inside them by their own content, recursively) and the
statements that point at it (blank subjects by their label, recursively). The same input gives
the same IRIs, and the same IRIs give the same dumps. Two blank nodes that nothing tells apart
(same statements, pointed at from the same place) become one node.

The service answers these IRIs (``/.well-known/genid/<hash>``) with their description.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence

import pyoxigraph as ox

from zhytomyr_kg.settings import GENID

#: hex digits of SHA-256 kept in a label (128 bits)
LABEL_LENGTH = 32


def genid_base(base_iri: str) -> str:
    """Where skolem IRIs of a dataset with ``base_iri`` live."""
    return base_iri + GENID


def _digest(parts: Iterable[str]) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def skolemise(quads: Sequence[ox.Quad], base_iri: str) -> list[ox.Quad]:
    """``quads`` with every blank node replaced by its skolem IRI under ``base_iri``; order kept,
    repeats dropped. Quads without blank nodes are returned as they are."""
    out_edges: dict[ox.BlankNode, list[tuple[str, object, str]]] = defaultdict(list)
    in_edges: dict[ox.BlankNode, list[tuple[object, str, str]]] = defaultdict(list)
    for q in quads:
        graph = str(q.graph_name)
        if isinstance(q.subject, ox.BlankNode):
            out_edges[q.subject].append((str(q.predicate), q.object, graph))
        if isinstance(q.object, ox.BlankNode):
            in_edges[q.object].append((q.subject, str(q.predicate), graph))
    if not out_edges and not in_edges:
        return list(dict.fromkeys(quads))

    content: dict[ox.BlankNode, str] = {}
    labels: dict[ox.BlankNode, str] = {}

    def down(node: ox.BlankNode, seen: frozenset) -> str:
        """A digest of what the node says, blank objects by what they say."""
        if node in content:
            return content[node]
        if node in seen:  # a cycle of blank nodes: cut it here
            return "cycle"
        inner = seen | {node}
        lines = sorted(
            f"{p} {'_:' + down(o, inner) if isinstance(o, ox.BlankNode) else str(o)} {g}"
            for p, o, g in out_edges.get(node, [])
        )
        digest = _digest(lines)
        if not seen:  # only a value computed without a cut is final
            content[node] = digest
        return digest

    def label(node: ox.BlankNode, seen: frozenset) -> str:
        """The node's content and where it hangs (blank subjects by their own label)."""
        if node in labels:
            return labels[node]
        if node in seen:
            return down(node, frozenset())
        inner = seen | {node}
        lines = sorted(
            f"{'_:' + label(s, inner) if isinstance(s, ox.BlankNode) else str(s)} {p} {g}"
            for s, p, g in in_edges.get(node, [])
        )
        digest = _digest([down(node, frozenset()), *lines])[:LABEL_LENGTH]
        if not seen:
            labels[node] = digest
        return digest

    prefix = genid_base(base_iri)

    def term(t):
        return ox.NamedNode(prefix + label(t, frozenset())) if isinstance(t, ox.BlankNode) else t

    result = (
        ox.Quad(term(q.subject), q.predicate, term(q.object), q.graph_name)
        if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)
        else q
        for q in quads
    )
    return list(dict.fromkeys(result))
