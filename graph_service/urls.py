"""IRIs of the data ↔ URLs of this service: the one place where links are rewritten.

``/id/...`` is the IRI ``{base_iri}id/...``: the dataset's base IRI maps to the service root.
:class:`Links` rewrites IRIs under the base to the serving host, configured once: the public URL
``ZKG_PUBLIC_URL`` (behind a proxy), or the host each request came to. Pages, the sitemap and
``/dataset`` all take their URLs from here, so they agree. Links keep ``?lang=`` when the reader
chose a language. The data itself keeps its IRIs: RDF is served unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from zhytomyr_kg.settings import env


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
