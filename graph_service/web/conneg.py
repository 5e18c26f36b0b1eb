"""Result media types and content negotiation (``Accept`` and the ``format`` parameter).

The serialisation itself is the store's (pyoxigraph's Rust serialisers); this module only
picks which one, from the query form and what the client asked for.
"""

from __future__ import annotations

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
    """No representation matches ``Accept`` (HTTP 406)."""

    def __init__(self, offered: tuple[str, ...]):
        super().__init__("not acceptable; available: " + ", ".join(offered))
        self.offered = offered


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
