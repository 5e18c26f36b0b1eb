"""The answers a build keeps, read back: the whole-graph queries of the first views.

The home page and the lists' default views summarise the whole graph: every project's facets
counted, the order of every list, the priorities' counts and charts, the report years. Those
answers depend on the data alone, and their cost grows with it (seconds at a million quads), so
``zhytomyr-kg build`` and ``zhytomyr-kg import`` run them when a build is written, before it goes
live, and keep them in ``<build>/kept.json.gz`` (``graph_service/web/keep.py``). A serving process
reads that file once per data version (:class:`Kept`): ``Site.select_capped`` answers a kept query
from it, and a page of a list's default view is a slice of the kept order
(``list_data.page_keys``). Everything else, and every view of a build without the file (a remote
endpoint, a test's store), runs against the store as before, with the same answers.
"""

from __future__ import annotations

import gzip
import json
import logging
import threading
from typing import Any

from graph_service.store.base import Backend, parse_results
from graph_service.web.rows import Row, rows_of
from zhytomyr_kg.store_layout import NoStore

log = logging.getLogger("zkg.kept")

KEPT_FILE = "kept.json.gz"


class Kept:
    """The kept answers of the live build, read once per data version (none for a backend with
    no build directory, a build without the file, or a file of another version)."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self._lock = threading.Lock()
        self._version: str | None = None
        self._rows: dict[str, list[Row]] = {}  # the answers, by query text
        self._orders: dict[str, dict[str, Any]] = {}  # a view's order: {"var": …, "keys": [IRI …]}

    def load(self, version: str | None) -> None:
        """Read and parse the live build's file now (a serving process does at start-up, so that
        its first request does not: at 5 M quads the lists' facet answers are 16 k rows)."""
        with self._lock:
            self._current(version)

    def _current(self, version: str | None) -> bool:
        if version is None:
            return False
        if version != self._version:
            answers, self._orders = self._read(version)
            self._rows = {text: rows_of(parse_results(answer)) for text, answer in answers.items()}
            self._version = version
        return True

    def rows(self, version: str | None, text: str) -> list[Row] | None:
        """The kept rows of ``text`` for data ``version`` (None: not kept)."""
        with self._lock:
            return self._rows.get(text) if self._current(version) else None

    def keys(self, version: str | None, text: str, var: str) -> list[str] | None:
        """The kept order of ``text``: the values of ``?var`` (a list's items), in order."""
        with self._lock:
            if not self._current(version):
                return None
            order = self._orders.get(text)
            return order["keys"] if order is not None and order.get("var") == var else None

    def _read(self, version: str) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
        try:
            build = self.backend.live_build()
        except NoStore:
            return {}, {}
        path = None if build is None else build.directory / KEPT_FILE
        if path is None or not path.exists():
            return {}, {}
        try:
            with gzip.open(path, "rt", encoding="utf-8") as f:
                document = json.load(f)
        except (OSError, ValueError) as exc:  # unreadable: serve from the store, say so once
            log.warning("kept answers %s not read (%s): the first views query the store", path, exc)
            return {}, {}
        if document.get("data_version") != version:  # the live build changed meanwhile
            return {}, {}
        return document.get("answers", {}), document.get("orders", {})
