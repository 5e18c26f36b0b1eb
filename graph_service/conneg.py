"""Content negotiation, all of it: one ``Accept`` parser (:func:`parse_accept`), one
:class:`NotAcceptable` (HTTP 406), and the choices made with them:

* :func:`negotiate` — ``/sparql`` results by query form (and :func:`negotiate_rdf`, the service
  description);
* :func:`choose` — the pages and ``/id/…``: an explicit suffix (``.ttl`` ``.nt`` ``.jsonld`` ``.rdf``
  for RDF, ``.json`` ``.csv`` for the page's tables, ``.html``; :func:`split_suffix`), else
  ``?format=``, else ``Accept`` (HTML for browsers and for ``*/*``);
* :func:`negotiate_document` — ``/dataset`` and ``/.well-known/void``: ``?format=``, else the best
  ``Accept`` match, else the route's default.

The serialisation itself is the store's (pyoxigraph's Rust serialisers) or rdflib's; this module
only picks which one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# Media types we answer with, first = default. Kept as plain strings so the HTTP process
# never needs pyoxigraph to negotiate.
SOLUTION_TYPES = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
)
BOOLEAN_TYPES = ("application/sparql-results+json", "application/sparql-results+xml")
GRAPH_TYPES = (
    "text/turtle",
    "application/n-triples",
    "application/ld+json",
    "application/rdf+xml",
)

#: Aliases clients send (older or generic media types) → the type we serve.
ALIASES = {
    "application/json": "application/sparql-results+json",
    "application/sparql-results+json": "application/sparql-results+json",
    "application/xml": "application/sparql-results+xml",
    "text/xml": "application/sparql-results+xml",
    "application/sparql-results+xml": "application/sparql-results+xml",
    "text/csv": "text/csv",
    "text/tab-separated-values": "text/tab-separated-values",
    "text/turtle": "text/turtle",
    "application/x-turtle": "text/turtle",
    "application/turtle": "text/turtle",
    "application/n-triples": "application/n-triples",
    "text/plain": "application/n-triples",
    "application/ld+json": "application/ld+json",
    "application/rdf+xml": "application/rdf+xml",
}
#: For graphs, a generic XML/JSON request means RDF/XML / JSON-LD.
GRAPH_ALIASES = {
    "application/json": "application/ld+json",
    "application/xml": "application/rdf+xml",
    "text/xml": "application/rdf+xml",
}

#: Short names for the ``format`` (or ``output``) parameter, for links.
FORMAT_NAMES = {
    "json": ("application/sparql-results+json", "application/ld+json"),
    "srj": ("application/sparql-results+json", None),
    "xml": ("application/sparql-results+xml", "application/rdf+xml"),
    "srx": ("application/sparql-results+xml", None),
    "csv": ("text/csv", None),
    "tsv": ("text/tab-separated-values", None),
    "turtle": (None, "text/turtle"),
    "ttl": (None, "text/turtle"),
    "ntriples": (None, "application/n-triples"),
    "nt": (None, "application/n-triples"),
    "n-triples": (None, "application/n-triples"),
    "jsonld": (None, "application/ld+json"),
    "json-ld": (None, "application/ld+json"),
    "rdfxml": (None, "application/rdf+xml"),
    "rdf": (None, "application/rdf+xml"),
    "rdf/xml": (None, "application/rdf+xml"),
}

TEXT_TYPES = {"text/csv", "text/tab-separated-values", "text/turtle", "application/n-triples"}


class NotAcceptable(Exception):
    """No representation matches ``Accept`` or ``format`` (HTTP 406)."""

    def __init__(self, offered: Sequence[str]):
        super().__init__("not acceptable; available: " + ", ".join(offered))
        self.offered = tuple(offered)


@dataclass(frozen=True)
class Choice:
    media_type: str

    @property
    def content_type(self) -> str:
        """The ``Content-Type`` header value (text types carry a charset)."""
        if self.media_type in TEXT_TYPES or self.media_type.startswith("application/sparql-results"):
            return self.media_type + "; charset=utf-8"
        return self.media_type


def offered_for(form: str) -> tuple[str, ...]:
    if form == "SELECT":
        return SOLUTION_TYPES
    if form == "ASK":
        return BOOLEAN_TYPES
    return GRAPH_TYPES


def parse_accept(accept: str) -> list[tuple[str, float]]:
    """``Accept`` (or ``Accept-Language``) as (range, q) pairs, highest q first, then the more
    specific range, then header order."""
    ranges: list[tuple[str, float, int]] = []
    for index, part in enumerate(accept.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if not media:
            continue
        q = 1.0
        for param in pieces[1:]:
            if param.lower().startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        ranges.append((media, q, index))
    # more specific ranges first among equal q, then header order
    ranges.sort(key=lambda r: (-r[1], r[0].count("*"), r[2]))
    return [(m, q) for m, q, _ in ranges]


def negotiate(form: str, accept: str | None, fmt: str | None = None) -> Choice:
    """Pick the media type for a query of ``form`` ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")."""
    offered = offered_for(form)
    graph = form in ("CONSTRUCT", "DESCRIBE")
    if fmt:
        key = fmt.strip().lower()
        if key in FORMAT_NAMES:
            sol, gra = FORMAT_NAMES[key]
            target = gra if graph else sol
            if target and target in offered:
                return Choice(target)
            raise NotAcceptable(offered)
        accept = fmt  # a full media type in ?format=
    if not accept or not accept.strip():
        return Choice(offered[0])
    for media, q in parse_accept(accept):
        if q <= 0:
            continue
        if media == "*/*":
            return Choice(offered[0])
        if media.endswith("/*"):
            major = media[:-1]
            for o in offered:
                if o.startswith(major):
                    return Choice(o)
            continue
        target = (GRAPH_ALIASES.get(media) if graph else None) or ALIASES.get(media)
        if target in offered:
            return Choice(target)
    raise NotAcceptable(offered)


def negotiate_rdf(accept: str | None, fmt: str | None = None) -> Choice:
    """Negotiation for RDF documents (the service description)."""
    return negotiate("CONSTRUCT", accept, fmt)


# --------------------------------------------------------------------------- pages and /id/…

#: RDF representations of an entity: suffix → media type
RDF_MEDIA = {
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdf": "application/rdf+xml",
}
#: What the pages offer besides RDF: HTML and the page's tables
PAGE_FORMATS = ("html", "json", "csv")
#: ``?format=`` names of the pages' representations
PAGE_FORMAT_NAMES = {
    "ttl": "ttl",
    "turtle": "ttl",
    "nt": "nt",
    "ntriples": "nt",
    "n-triples": "nt",
    "jsonld": "jsonld",
    "json-ld": "jsonld",
    "rdf": "rdf",
    "rdfxml": "rdf",
    "xml": "rdf",
    "json": "json",
    "csv": "csv",
    "html": "html",
}
#: ``Accept`` media types of the entity pages → representation
PAGE_ACCEPTED = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/turtle": "ttl",
    "application/x-turtle": "ttl",
    "application/turtle": "ttl",
    "application/n-triples": "nt",
    "text/plain": "nt",
    "application/ld+json": "jsonld",
    "application/json": "jsonld",
    "application/rdf+xml": "rdf",
    "application/xml": "rdf",
    "text/xml": "rdf",
}
_SUFFIX = re.compile(r"^(?P<path>.+)\.(?P<ext>ttl|nt|jsonld|rdf|json|csv|html)$")


def split_suffix(path: str) -> tuple[str, str | None]:
    """``project/x.ttl`` → (``project/x``, ``ttl``). IRIs of the data never contain a dot."""
    match = _SUFFIX.match(path)
    if match:
        return match.group("path"), match.group("ext")
    return path, None


def choose(suffix: str | None, format_param: str | None, accept: str | None) -> str:
    """The representation: ``html``, ``json``, ``csv`` or an RDF key of :data:`RDF_MEDIA`."""
    offered = ("text/html", *RDF_MEDIA.values())
    if suffix:
        return suffix
    if format_param:
        key = PAGE_FORMAT_NAMES.get(format_param.strip().lower())
        if key is None:
            raise NotAcceptable(offered)
        return key
    if not accept or not accept.strip():
        return "html"
    for media, q in parse_accept(accept):
        if q <= 0:
            continue
        if media in ("*/*", "text/*"):
            return "html"
        if media in PAGE_ACCEPTED:
            return PAGE_ACCEPTED[media]
        if media == "application/*":
            return "jsonld"
    raise NotAcceptable(offered)


def rdf_content_type(key: str) -> str:
    """The ``Content-Type`` of an RDF representation (text types carry a charset)."""
    media = RDF_MEDIA[key]
    return media + "; charset=utf-8" if media in ("text/turtle", "application/n-triples") else media


# --------------------------------------------------------------------------- /dataset, /.well-known/void

#: Media types of the dataset description, the first for browsers
DOCUMENT_TYPES = (
    "text/html",
    "text/turtle",
    "application/ld+json",
    "application/n-triples",
    "application/rdf+xml",
)
DOCUMENT_FORMAT_NAMES = {
    "turtle": "text/turtle",
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "json-ld": "application/ld+json",
    "json": "application/ld+json",
    "nt": "application/n-triples",
    "xml": "application/rdf+xml",
    "rdf": "application/rdf+xml",
    "html": "text/html",
}


def negotiate_document(accept: str | None, fmt: str | None, default: str) -> str:
    """The description's media type: ``?format=`` (a name or a media type) wins, else the best
    ``Accept`` match (``*/*`` = ``default``), else ``default`` when there is no ``Accept``."""
    if fmt:
        key = fmt.lower()
        media = DOCUMENT_FORMAT_NAMES.get(key, key if key in DOCUMENT_TYPES else None)
        if media is None:
            raise NotAcceptable(DOCUMENT_TYPES)
        return media
    if not accept or not accept.strip():
        return default
    for media, q in parse_accept(accept):
        if q <= 0:
            continue
        if media == "*/*":
            return default
        if media.endswith("/*"):
            match = next((o for o in DOCUMENT_TYPES if o.startswith(media[:-1])), None)
            if match:
                return match
        elif media in DOCUMENT_TYPES:
            return media
    raise NotAcceptable(DOCUMENT_TYPES)
