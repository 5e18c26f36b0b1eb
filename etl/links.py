"""Links out: the user-extendable link file ``etl/data/links.csv``, merged into the authority graph.

One row is one link from an entity of this graph to an entity elsewhere::

    local_iri,external_iri,relation,source
    place/ukraina,http://www.wikidata.org/entity/Q212,owl:sameAs,"where the identifier was verified"

* ``local_iri`` — relative to the instance base (``place/ukraina`` → ``{base}id/place/ukraina``) or
  absolute (then it must start with the instance base); it must be the subject of some triple of the
  built graph, so a typo cannot invent an entity;
* ``external_iri`` — an absolute ``http(s)`` IRI outside this dataset;
* ``relation`` — a CURIE from :data:`RELATIONS` (``owl:sameAs``, ``skos:exactMatch`` …);
* ``source`` — where the link was verified; required (no link without a source).

Blank lines and lines whose first cell starts with ``#`` are skipped (notes for reviewers).

Each row gives the link triple and, so that the source travels with it, an ``rdf:Statement``
describing that triple with ``dcterms:source`` (node ``{local}/link/{hash}``), in the authority
graph. A row that breaks a rule stops the build with a :class:`~etl.errors.ReportError` naming the
file and line; the store is not touched.

Identifiers that are literals with a scheme (IATI, ISO 3166-2, KOATUU …) are not links: they stay in
``external_links.csv`` (``etl/extract/mentions_rdf.py``), whose IRI identifiers (Wikidata, GeoNames) already
give ``owl:sameAs``; a row here repeating one of those is refused as a duplicate, so every link is
stated in one place only.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from etl.errors import ReportError
from zhytomyr_kg.resources import ETL_DATA_DIR
from zhytomyr_kg.settings import Settings, env

LINKS_FILE = ETL_DATA_DIR / "links.csv"
COLUMNS = ("local_iri", "external_iri", "relation", "source")

OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DCT_SOURCE = ox.NamedNode("http://purl.org/dc/terms/source")

#: the relations a link may use, as CURIEs
RELATIONS = {
    "owl:sameAs": OWL + "sameAs",
    "skos:exactMatch": SKOS + "exactMatch",
    "skos:closeMatch": SKOS + "closeMatch",
    "skos:broadMatch": SKOS + "broadMatch",
    "skos:narrowMatch": SKOS + "narrowMatch",
    "skos:relatedMatch": SKOS + "relatedMatch",
    "rdfs:seeAlso": RDFS + "seeAlso",
}

_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_HTTP = re.compile(r"^https?://[^/\s?#]+(?:[/?#]\S*)?$")
_BAD_CHARS = re.compile(r"[\s<>\"{}|\\^`]")


@dataclass(frozen=True)
class Link:
    line: int
    local: str  # absolute IRI
    external: str
    relation: str  # full IRI of the predicate
    source: str


def links_file() -> Path:
    """``ZKG_LINKS_FILE`` when set (a deployment's own list), else ``etl/data/links.csv``."""
    env_file = env("ZKG_LINKS_FILE").strip()
    return Path(env_file).expanduser() if env_file else LINKS_FILE


def _check_iri(value: str, path: Path, line: int, column: str) -> None:
    if not _HTTP.match(value) or _BAD_CHARS.search(value):
        raise ReportError(path, line, f"{column} {value!r} is not an absolute http(s) IRI")
    try:
        ox.NamedNode(value)
    except ValueError as exc:
        raise ReportError(path, line, f"{column} {value!r} is not a valid IRI: {exc}") from None


def read_links(settings: Settings, path: Path | None = None) -> list[Link]:
    """Parse and check the link file row by row (everything that needs no graph)."""
    path = Path(path) if path is not None else links_file()
    if not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None:
            return []
        header = [h.strip() for h in header]
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise ReportError(
                path, 1, f"the header lacks column(s) {', '.join(missing)}; expected {','.join(COLUMNS)}"
            )
        index = {c: header.index(c) for c in COLUMNS}
        links: list[Link] = []
        seen: dict[tuple[str, str, str], int] = {}
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row) or row[0].lstrip().startswith("#"):
                continue
            if len(row) != len(header):
                raise ReportError(
                    path, line, f"{len(row)} fields, expected {len(header)} ({','.join(header)})"
                )
            cell = {c: row[i].strip() for c, i in index.items()}
            if not cell["source"]:
                raise ReportError(
                    path, line, "the source is empty: every link needs the place it was verified"
                )
            relation = RELATIONS.get(cell["relation"])
            if relation is None:
                raise ReportError(
                    path, line, f"unknown relation {cell['relation']!r}; allowed: {', '.join(RELATIONS)}"
                )
            local = cell["local_iri"]
            if not local:
                raise ReportError(path, line, "local_iri is empty")
            if not _ABSOLUTE.match(local):
                local = settings.id_base + local.lstrip("/")
            elif not local.startswith(settings.id_base):
                raise ReportError(
                    path,
                    line,
                    f"local_iri {cell['local_iri']!r} is not under this dataset's base {settings.id_base}",
                )
            _check_iri(local, path, line, "local_iri")
            external = cell["external_iri"]
            _check_iri(external, path, line, "external_iri")
            if external.startswith(settings.base_iri):
                raise ReportError(path, line, f"external_iri {external!r} is inside this dataset")
            key = (local, relation, external)
            if key in seen:
                raise ReportError(path, line, f"the same link as line {seen[key]}")
            seen[key] = line
            links.append(Link(line, local, external, relation, cell["source"]))
    return links


def link_quads(settings: Settings, graph_quads: Iterable[ox.Quad], path: Path | None = None) -> list[ox.Quad]:
    """The quads of the link file, checked against the built graph ``graph_quads``."""
    path = Path(path) if path is not None else links_file()
    links = read_links(settings, path)
    if not links:
        return []
    subjects: set[str] = set()
    stated: set[tuple[str, str, str]] = set()
    for q in graph_quads:
        if isinstance(q.subject, ox.Triple):  # no RDF-star statements in this data
            continue
        subjects.add(q.subject.value)
        if isinstance(q.object, ox.NamedNode):
            stated.add((q.subject.value, q.predicate.value, q.object.value))
    g = ox.NamedNode(settings.graph("authority"))
    out: list[ox.Quad] = []
    for link in links:
        if link.local not in subjects:
            raise ReportError(path, link.line, f"unknown local IRI {link.local}: no such entity in the graph")
        if (link.local, link.relation, link.external) in stated:
            raise ReportError(
                path,
                link.line,
                f"{link.local} is already linked to {link.external} in the graph "
                "(external_links.csv gives owl:sameAs for Wikidata and GeoNames "
                "identifiers): state a link in one place only",
            )
        s, p, o = ox.NamedNode(link.local), ox.NamedNode(link.relation), ox.NamedNode(link.external)
        digest = hashlib.sha256(f"{link.relation} {link.external}".encode()).hexdigest()[:12]
        node = ox.NamedNode(f"{link.local}/link/{digest}")
        out += [
            ox.Quad(s, p, o, g),
            ox.Quad(node, ox.NamedNode(RDF + "type"), ox.NamedNode(RDF + "Statement"), g),
            ox.Quad(node, ox.NamedNode(RDF + "subject"), s, g),
            ox.Quad(node, ox.NamedNode(RDF + "predicate"), p, g),
            ox.Quad(node, ox.NamedNode(RDF + "object"), o, g),
            ox.Quad(node, DCT_SOURCE, ox.Literal(link.source), g),
        ]
    return out
