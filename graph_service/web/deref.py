"""Dereferencing: which representation of an IRI a request wants, and where links point.

* ``/id/...`` is the IRI ``{base_iri}id/...``: the dataset's base IRI maps to the service root;
* the representation is an explicit suffix (``.ttl`` ``.nt`` ``.jsonld`` ``.rdf`` for RDF, ``.json``
  ``.csv`` for the page's tables, ``.html``), else ``?format=``, else ``Accept`` (HTML for
  browsers and for ``*/*``);
* :class:`Links` rewrites IRIs under the base to the serving host (configured once: the public URL
  ``ZKG_PUBLIC_URL``, or the host the request came to), keeping ``?lang=`` when the reader chose a
  language. The data itself keeps its IRIs: RDF is served unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from graph_service.web.conneg import parse_accept
from zhytomyr_kg.settings import env

RDF_MEDIA = {
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdf": "application/rdf+xml",
}
SUFFIXES = {**{k: k for k in RDF_MEDIA}, "json": "json", "csv": "csv", "html": "html"}
FORMAT_NAMES = {
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
_ACCEPTED = {
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


class NotAcceptable(Exception):
    pass


def split_suffix(path: str) -> tuple[str, str | None]:
    """``project/x.ttl`` → (``project/x``, ``ttl``). IRIs of the data never contain a dot."""
    match = _SUFFIX.match(path)
    if match:
        return match.group("path"), match.group("ext")
    return path, None


def choose(suffix: str | None, format_param: str | None, accept: str | None, html_ok: bool = True) -> str:
    """The representation: ``html``, ``json``, ``csv`` or an RDF key of :data:`RDF_MEDIA`."""
    if suffix:
        return suffix
    if format_param:
        key = FORMAT_NAMES.get(format_param.strip().lower())
        if key is None:
            raise NotAcceptable(format_param)
        return key
    if not accept or not accept.strip():
        return "html"
    for media, q in parse_accept(accept):
        if q <= 0:
            continue
        if media in ("*/*", "text/*"):
            return "html"
        if media in _ACCEPTED:
            return _ACCEPTED[media]
        if media == "application/*":
            return "jsonld"
    raise NotAcceptable(accept)


def media_type(key: str) -> str:
    media = RDF_MEDIA[key]
    return media + "; charset=utf-8" if media in ("text/turtle", "application/n-triples") else media


@dataclass(frozen=True)
class Links:
    """IRIs of the data ↔ URLs of this service."""

    base_iri: str
    public_url: str | None = None  # ZKG_PUBLIC_URL; None = the host of each request

    @classmethod
    def from_env(cls, base_iri: str) -> Links:
        public = env("ZKG_PUBLIC_URL") or None
        if public and not public.endswith("/"):
            public += "/"
        return cls(base_iri, public)

    def serving_base(self, request_base: str) -> str:
        base = self.public_url or request_base
        return base if base.endswith("/") else base + "/"

    def iri_for_path(self, path: str) -> str:
        """The data IRI a service path (without the leading slash) stands for."""
        return self.base_iri + path

    def href(self, iri: str, serving_base: str, params: dict[str, str] | None = None) -> str:
        """Where a link to ``iri`` goes: the serving host for entity IRIs (``{base}id/…``), else the IRI."""
        iri, _, fragment = iri.partition("#")
        if iri.startswith(self.base_iri + "id/"):  # what this service serves (/id/…)
            url = serving_base + iri[len(self.base_iri) :]
            if params:
                url += ("&" if "?" in url else "?") + urlencode(params)
        else:
            url = iri
        return url + ("#" + fragment if fragment else "")
