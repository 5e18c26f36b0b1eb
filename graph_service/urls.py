"""IRIs of the data ↔ URLs of this service: the one place where links are rewritten.

The dataset's base IRI maps to the service root: ``/id/...`` is the IRI ``{base_iri}id/...``,
``/graph/...`` a named graph ``{base_iri}graph/...``, ``/.well-known/genid/...`` a skolem IRI (a
blank node replaced by an IRI), ``/dataset`` the dataset itself. The ontology
(``https://w3id.org/zhytomyr-kg/ontology``, each term a ``#fragment`` of it) is served at
``/ontology`` and the SHACL shapes at ``/shapes``, whatever the base IRI.

:class:`Links` rewrites those IRIs to the serving host, configured once: the public URL
``ZKG_PUBLIC_URL`` (behind a proxy), or the host each request came to. Pages, the sitemap and
``/dataset`` all take their URLs from here, so they agree. Links keep ``?lang=`` when the reader
chose a language. The data itself keeps its IRIs: RDF is served unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from zhytomyr_kg.settings import GENID, ONTOLOGY_IRI, SHAPES, env

#: paths under the base IRI that this service answers (a prefix, or the whole path)
SERVED_PREFIXES = ("id/", "graph/", GENID)
SERVED_PATHS = ("dataset",)
#: IRIs outside the base that this service answers, with their path
FIXED = {ONTOLOGY_IRI: "ontology", SHAPES.rstrip("#"): "shapes"}


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
        """The service's root URL, with a trailing slash."""
        base = self.public_url or request_base
        return base if base.endswith("/") else base + "/"

    def service_url(self, request_base: str) -> str:
        """The service's root URL without the trailing slash (``service_url + "/dataset"``)."""
        return self.serving_base(request_base).rstrip("/")

    def iri_for_path(self, path: str) -> str:
        """The data IRI a service path (without the leading slash) stands for."""
        return self.base_iri + path

    def path_for(self, iri: str) -> str | None:
        """The service path (without the leading slash) that answers ``iri`` (given without its
        fragment), or None when the IRI is not this dataset's."""
        fixed = FIXED.get(iri)
        if fixed is not None:
            return fixed
        if iri.startswith(self.base_iri):
            rest = iri[len(self.base_iri) :]
            if rest.startswith(SERVED_PREFIXES) or rest in SERVED_PATHS:
                return rest
        return None

    def href(self, iri: str, serving_base: str, params: dict[str, str] | None = None) -> str:
        """Where a link to ``iri`` goes: the serving host for the IRIs this service answers
        (:meth:`path_for`), else the IRI itself."""
        iri, _, fragment = iri.partition("#")
        path = self.path_for(iri)
        if path is not None:
            url = serving_base + path
            if params:
                url += ("&" if "?" in url else "?") + urlencode(params)
        else:
            url = iri
        return url + ("#" + fragment if fragment else "")
