"""The live build as open data: its dumps, its DCAT-AP/VoID description and its sitemap URLs,
cached per data version (the views are ``graph_service.web.views.dataset``).

With the embedded store the dumps live in ``<live build>/dumps`` and are exported on first request
when missing (or left from another build). With a remote backend there are no dumps and the
description lists the SPARQL endpoint only.
"""

from __future__ import annotations

import threading

from graph_service.lru import LRU
from graph_service.publish import sitemap
from graph_service.publish.dataset import describe
from graph_service.publish.export import dumps_dir, export, read_manifest
from graph_service.urls import Links
from zhytomyr_kg.settings import Settings


class Publisher:
    """Dumps and descriptions of the live build, cached per data version."""

    def __init__(self, backend, settings: Settings, links: Links | None = None):
        self.backend = backend
        self.settings = settings
        self.links = links or Links.from_env(settings.base_iri)
        self._lock = threading.Lock()
        self._graphs: LRU[object] = LRU(16)
        self.sitemap_limit = sitemap.SITEMAP_LIMIT

    def manifest(self) -> tuple[dict | None, object | None]:
        """(manifest, dumps directory) of the live build, exporting first if needed."""
        build_id = self.backend.current_build_id()
        build = self.backend.live_build()
        if build_id is None or build is None:
            return None, None
        directory = dumps_dir(build.directory)
        with self._lock:
            manifest = read_manifest(directory)
            if manifest is None or manifest.get("version") != build_id:
                manifest = export(
                    self.backend.local_store(build_id), directory, self.settings, version=build_id
                )
        return manifest, directory

    def entities(self) -> list[str]:
        """Every entity IRI with a page, cached per data version."""
        key = ("entities", self.backend.data_version())
        cached = self._graphs.get(key)
        if cached is None:
            cached = sitemap.entity_iris(self.backend, self.settings)
            self._graphs.put(key, cached)
        return cached  # type: ignore[return-value]

    def sitemap_urls(self, service_url: str) -> list[str]:
        """The dataset page, then every entity, as URLs of this service."""
        base = service_url.rstrip("/") + "/"
        return [base + "dataset"] + [self.links.href(iri, base) for iri in self.entities()]

    def lastmod(self) -> str | None:
        return sitemap.lastmod(self.backend)

    def description(self, service_url: str):
        key = (self.backend.data_version(), service_url)
        graph = self._graphs.get(key)
        if graph is None:
            manifest, _ = self.manifest()
            built = None
            if (build := self.backend.live_build()) is not None:
                built = build.info().get("built")
            graph = describe(self.backend.select_rows, manifest, self.settings, service_url, built=built)
            self._graphs.put(key, graph)
        return graph
