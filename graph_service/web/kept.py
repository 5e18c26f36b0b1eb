"""The answers a build keeps, read back: the whole-graph queries of the first views.

The home page and the lists' default views summarise the whole graph: every project's facets
counted, the order of every list, the priorities' counts and charts, the report years. Those
answers depend on the data alone, and their cost grows with it (seconds at a million quads), so
``zhytomyr-kg build`` and ``zhytomyr-kg import`` run them when a build is written, before it goes
live, and keep them in ``<build>/kept.json.gz`` (``graph_service/web/keep.py``). A serving process
reads that file once per data version (:class:`Kept`): ``Site.select_capped`` answers a kept query
from it, and a page of a list's default view is a slice of the kept order
(``list_data.page_rows``). Everything else, and every view of a build without the file (a remote
endpoint, a test's store), runs against the store as before, with the same answers.
"""

from __future__ import annotations

import gzip
import json
import logging
import threading

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
        self._answers: dict[str, str] = {}  # SPARQL JSON, parsed on first use
        self._rows: dict[str, list[Row]] = {}
        self._keys: dict[tuple[str, str], list[str]] = {}

    def _answer(self, version: str | None, text: str) -> str | None:
        if version is None:
            return None
        if version != self._version:
            self._answers, self._version = self._read(version), version
            self._rows, self._keys = {}, {}
        return self._answers.get(text)

    def rows(self, version: str | None, text: str) -> list[Row] | None:
        """The kept rows of ``text`` for data ``version`` (None: not kept)."""
        with self._lock:
            answer = self._answer(version, text)
            if answer is None:
                return None
            if text not in self._rows:
                self._rows[text] = rows_of(parse_results(answer))
            return self._rows[text]

    def keys(self, version: str | None, text: str, var: str) -> list[str] | None:
        """The values of ``?var`` in the kept answer of ``text``, in its order (a list's order:
        plain strings, lighter than rows for a list of a hundred thousand items)."""
        with self._lock:
            answer = self._answer(version, text)
            if answer is None:
                return None
            if (text, var) not in self._keys:
                found = (row.get(var) for row in parse_results(answer).rows)
                self._keys[text, var] = [term.value for term in found if term is not None]
            return self._keys[text, var]

    def _read(self, version: str) -> dict[str, str]:
        try:
            build = self.backend.live_build()
        except NoStore:
            return {}
        path = None if build is None else build.directory / KEPT_FILE
        if path is None or not path.exists():
            return {}
        try:
            with gzip.open(path, "rt", encoding="utf-8") as f:
                document = json.load(f)
        except (OSError, ValueError) as exc:  # unreadable: serve from the store, say so once
            log.warning("kept answers %s not read (%s): the first views query the store", path, exc)
            return {}
        if document.get("data_version") != version:  # the live build changed meanwhile
            return {}
        found: dict[str, str] = document.get("answers", {})
        return found
