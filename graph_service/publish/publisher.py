"""The live build as open data: its dumps, its DCAT-AP/VoID description and its sitemap URLs,
recomputed whenever the live build changes (the views are ``graph_service.web.views.dataset``).

Everything is cached per *build* — not per data version: two builds of the same input share a
data version (and, the ETL being reproducible, their dumps' bytes), but not their id, date or
dumps directory, and a description must name the files that are served now. Each serve process
notices a build switch on its own (``Backend.current_build_id``, re-read every second) and
recomputes on its next request; the description, the dumps and the counts then all come from the
build the backend answers from.

With the embedded store the dumps live in ``<build>/dumps`` and are exported on first request
when missing (one process exports, the others wait on a file lock and read its manifest). With a
remote backend there are no dumps and the description lists the SPARQL endpoint only.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

from graph_service.lru import LRU
from graph_service.publish import sitemap
from graph_service.publish.dataset import describe
from graph_service.publish.export import dumps_dir, export, read_manifest
from graph_service.urls import Links
from zhytomyr_kg.settings import Settings
from zhytomyr_kg.store_layout import LiveBuild


class Publisher:
    """Dumps and descriptions of the build the backend answers from, cached per build."""

    def __init__(self, backend, settings: Settings, links: Links | None = None):
        self.backend = backend
        self.settings = settings
        self.links = links or Links.from_env(settings.base_iri)
        self._lock = threading.Lock()
        self._graphs: LRU[object] = LRU(16)
        self.sitemap_limit = sitemap.SITEMAP_LIMIT

    # -- which build ---------------------------------------------------------------------------
    def build(self) -> tuple[str, LiveBuild | None]:
        """(cache key, build) of what the backend answers from now: the build id and its
        directory for the embedded store, the data version (and no build) for a remote one."""
        build_id = self.backend.current_build_id()
        if build_id is None:
            return "version:" + self.backend.data_version(), None
        live = self.backend.live_build()
        if live is not None and live.build_id != build_id:  # switched within the backend's recheck
            live = LiveBuild(build_id, live.directory.parent / build_id)
        return "build:" + build_id, live

    def key(self) -> str:
        return self.build()[0]

    # -- dumps -----------------------------------------------------------------------------------
    def manifest(self) -> tuple[dict | None, Path | None]:
        """(manifest, dumps directory) of the build, exporting first if needed."""
        _, build = self.build()
        if build is None:
            return None, None
        directory = dumps_dir(build.directory)
        manifest = read_manifest(directory)
        if manifest is not None and manifest.get("version") == build.build_id:
            return manifest, directory
        with self._lock, _file_lock(build.directory / ".dumps.lock"):
            manifest = read_manifest(directory)  # another process may have exported meanwhile
            if manifest is None or manifest.get("version") != build.build_id:
                manifest = export(
                    self.backend.local_store(build.build_id), directory, self.settings, version=build.build_id
                )
        return manifest, directory

    # -- sitemap ---------------------------------------------------------------------------------
    def entities(self) -> list[str]:
        """Every entity IRI with a page, cached per build."""
        key = ("entities", self.key())
        cached = self._graphs.get(key)
        if cached is None:
            cached = sitemap.entity_iris(self.backend, self.settings)
            self._graphs.put(key, cached)
        return cached  # type: ignore[return-value]

    def graphs(self) -> list[str]:
        """Every named graph IRI, cached per build."""
        key = ("graphs", self.key())
        cached = self._graphs.get(key)
        if cached is None:
            cached = sitemap.graph_iris(self.backend, self.settings)
            self._graphs.put(key, cached)
        return cached  # type: ignore[return-value]

    def sitemap_urls(self, service_url: str) -> list[str]:
        """The dataset page, the vocabulary, every named graph, then every entity, as URLs of
        this service."""
        base = service_url.rstrip("/") + "/"
        return (
            [base + "dataset", base + "ontology", base + "shapes"]
            + [self.links.href(iri, base) for iri in self.graphs()]
            + [self.links.href(iri, base) for iri in self.entities()]
        )

    def lastmod(self) -> str | None:
        _, build = self.build()
        if build is None:
            return None
        built = build.info().get("built")
        return built[:10] if built else None

    # -- the description -----------------------------------------------------------------------
    def description(self, service_url: str):
        key, build = self.build()
        graph = self._graphs.get((key, service_url))
        if graph is None:
            manifest, _ = self.manifest()
            built = build.info().get("built") if build is not None else None
            graph = describe(self.backend.select_rows, manifest, self.settings, service_url, built=built)
            self._graphs.put((key, service_url), graph)
        return graph


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock between the serve processes (a no-op where ``fcntl`` is missing)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
