"""The embedded store: :class:`OxigraphBackend` reads the live build of a store directory with
pyoxigraph, re-opening it when the ETL publishes a new build."""

from __future__ import annotations

import io
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

from graph_service import conneg as formats
from graph_service.lru import LRU, MEMO_BYTES, key_bytes
from graph_service.store.base import Backend, Health, QueryError, QueryResult, ResultTooLarge, check_query
from graph_service.store.sparql_text import QueryInfo, with_row_cap
from zhytomyr_kg.store_layout import (
    BUILDS,
    NO_GRAPH,
    OXIGRAPH,
    BuildHold,
    LiveBuild,
    NoStore,
    hold,
    live_build,
)

log = logging.getLogger("zkg.store")

if TYPE_CHECKING:  # pragma: no cover - imported where it is used: the CLI starts faster without
    import pyoxigraph


class _ChunkWriter:
    """A binary sink for pyoxigraph's serialisers: forwards fixed-size chunks, counts bytes."""

    def __init__(
        self, emit: Callable[[bytes], object], chunk_size: int = 65536, max_bytes: int | None = None
    ):
        self._emit = emit
        self._buf = bytearray()
        self._chunk = chunk_size
        self._max = max_bytes
        self.total = 0

    def write(self, data: bytes) -> int:
        n = len(data)
        self.total += n
        if self._max is not None and self.total > self._max:
            raise ResultTooLarge(self._max)
        self._buf += data
        if len(self._buf) >= self._chunk:
            self._emit(bytes(self._buf))
            self._buf.clear()
        return n

    def flush(self) -> None:
        if self._buf:
            self._emit(bytes(self._buf))
            self._buf.clear()


@dataclass(frozen=True)
class _Request:
    """One query as :meth:`OxigraphBackend.execute` hands it to ``_run``: the checked text (and
    its row-capped form), the engine's keyword arguments and how the answer is serialised."""

    sparql: str
    capped_text: str | None  # the text with the row cap's LIMIT, None when there is no cap
    info: QueryInfo
    kwargs: dict[str, Any]  # pyoxigraph's: base_iri, the dataset or the union default graph
    accept: str | None
    format: str | None
    media_type: str | None
    chunk_size: int
    max_bytes: int | None


class OxigraphBackend(Backend):
    """The embedded pyoxigraph store: the live build of ``store_dir``, opened read-only.

    The live build is looked up again at most every ``recheck`` seconds; when the ETL has
    published a new build, the next query opens it (the build id is the data version).

    With ``memory_quads`` > 0, a build of at most that many quads (as its ``build.json``
    records) is copied into an in-memory store when it is opened: the data is read-only and
    small, and the same engine answers from memory 2.5–4.5× faster than through RocksDB
    (measured in docs/SERVICE.md). The on-disk build stays the source of truth.
    """

    name = "oxigraph"
    executor_kind = "process-pool"
    cheap_data_version = True  # a readlink

    def __init__(
        self,
        store_dir: Path | str,
        *,
        recheck: float = 1.0,
        max_rows: int | None = None,
        max_result_bytes: int | None = None,
        max_query_bytes: int | None = None,
        service_allow: Iterable[str] = (),
        memory_quads: int = 0,
    ):
        self.store_dir = Path(store_dir)
        self.memory_quads = memory_quads
        self.in_memory = False  # whether the open build is answered from an in-memory copy
        self.open_quads: int | None = None  # the open build's quads, as its build.json records
        self.recheck = recheck
        self.max_rows = max_rows
        self.max_result_bytes = max_result_bytes
        self.max_query_bytes = max_query_bytes
        self.service_allow = tuple(service_allow)
        self._lock = threading.Lock()
        self._store: pyoxigraph.Store | None = None
        self._build_id: str | None = None  # the build the open handle belongs to
        # shared locks on the open build and the one before (a query may still run on it):
        # pruning never removes a build this process has open (zhytomyr_kg.store_layout)
        self._holds: list[BuildHold] = []
        self._live_id: str | None = None
        self._checked = 0.0
        self._counts: dict[str, int] = {}
        self._versions: dict[str, str] = {}
        # checked queries (they repeat), bounded by their text's bytes too
        self._prepared: LRU[tuple[QueryInfo, str | None]] = LRU(
            2048, max_bytes=MEMO_BYTES, weigh=lambda key, value: 2 * key_bytes(key)
        )

    # -- store handle -----------------------------------------------------------------
    def current_build_id(self) -> str:
        """The live build id (looked up at most every ``recheck`` seconds). Raises NoStore."""
        now = time.monotonic()
        if self._live_id is None or now - self._checked >= self.recheck:
            self._live_id = live_build(self.store_dir).build_id
            self._checked = now
        return self._live_id

    @property
    def open_build_id(self) -> str | None:
        """The build whose store is open (None before the first query)."""
        return self._build_id

    def live_build(self) -> LiveBuild:
        return live_build(self.store_dir)

    def local_store(self, build_id: str | None = None) -> pyoxigraph.Store:
        return self.store(build_id)

    def open(self) -> None:
        self.store()

    def store(self, build_id: str | None = None) -> pyoxigraph.Store:
        """The pyoxigraph Store of ``build_id`` (default: the live build): read-only on disk,
        or its in-memory copy (see ``memory_quads``)."""
        wanted = build_id or self.current_build_id()
        with self._lock:
            if self._store is None or wanted != self._build_id:
                path = self.store_dir / BUILDS / wanted / OXIGRAPH
                held = hold(path.parent)  # raises NoStore when the build is not there
                try:
                    self.in_memory = False
                    self._store = self._open(path, wanted)
                except BaseException:
                    held.release()
                    raise
                self._build_id = wanted
                self._holds.append(held)
                for old in self._holds[:-2]:
                    old.release()
                del self._holds[:-2]
            return self._store

    def _open(self, path: Path, build_id: str) -> pyoxigraph.Store:
        import pyoxigraph

        disk = pyoxigraph.Store.read_only(str(path))
        quads = LiveBuild(build_id, path.parent).info().get("quads")
        self.open_quads = quads if isinstance(quads, int) else None
        if self.memory_quads <= 0:
            return disk
        if not isinstance(quads, int) or quads > self.memory_quads:
            return disk
        memory = pyoxigraph.Store()
        memory.bulk_extend(disk)
        self.in_memory = True
        return memory

    # -- the seam ---------------------------------------------------------------------
    def data_version(self) -> str:
        """The content digest the ETL recorded (same inputs → same version, so an identical
        rebuild keeps clients' ETags valid); the build id for builds without one."""
        build_id = self.current_build_id()
        version = self._versions.get(build_id)
        if version is None:
            info = live_build(self.store_dir).info()
            version = self._versions[build_id] = str(info.get("data_version") or build_id)
        return version

    def triple_count(self) -> int:
        version = self.current_build_id()
        if version not in self._counts:
            self._counts[version] = len(self.store(version))
        return self._counts[version]

    def health(self) -> Health:
        private: dict[str, Any] = {"store": str(self.store_dir)}
        try:
            version = self.data_version()
            count = self.triple_count()
            info = live_build(self.store_dir).info()
        except NoStore as exc:
            private["error"] = str(exc)
            return Health(False, self.name, None, None, detail=NO_GRAPH, private=private)
        except Exception as exc:
            private["error"] = f"{type(exc).__name__}: {exc}"
            return Health(False, self.name, None, None, detail="the store cannot be read", private=private)
        public = {k: info[k] for k in ("build_id", "built", "data_version", "quads") if k in info}
        if info:
            private["build"] = info  # with the reports' file paths
        return Health(
            True, self.name, version, count, extra={"build": public} if public else {}, private=private
        )

    def query(
        self,
        sparql: str,
        *,
        accept: str | None = None,
        format: str | None = None,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
    ) -> QueryResult:
        out = io.BytesIO()
        result = self.execute(
            sparql,
            out.write,
            accept=accept,
            format=format,
            default_graph_uris=default_graph_uris,
            named_graph_uris=named_graph_uris,
        )
        result.chunks = iter([out.getvalue()])
        return result

    def execute(
        self,
        sparql: str,
        emit: Callable[[bytes], object],
        *,
        accept: str | None = None,
        format: str | None = None,
        media_type: str | None = None,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        build_id: str | None = None,
        base_iri: str | None = None,
        on_start: Callable[[QueryResult], object] | None = None,
        chunk_size: int = 65536,
        max_bytes: int | None = None,
    ) -> QueryResult:
        """Run ``sparql`` and stream the serialised result to ``emit(bytes)``.

        ``on_start(QueryResult)`` is called once the media type is known, before the first
        chunk. Returns the result's description (its ``chunks`` are empty: they went to emit).
        ``max_bytes`` lowers the result size limit (:class:`ResultTooLarge` beyond it).
        """
        import pyoxigraph

        prepared = self._prepared.get(sparql)
        if prepared is None:
            info = check_query(sparql, max_query_bytes=self.max_query_bytes, service_allow=self.service_allow)
            capped_text = with_row_cap(sparql, info, self.max_rows) if self.max_rows else None
            prepared = (info, capped_text)
            self._prepared.put(sparql, prepared)
        info, capped_text = prepared
        store = self.store(build_id)
        kwargs: dict[str, Any] = {"base_iri": base_iri} if base_iri else {}
        try:
            if default_graph_uris or named_graph_uris:
                kwargs["default_graph"] = [pyoxigraph.NamedNode(u) for u in default_graph_uris]
                kwargs["named_graphs"] = [pyoxigraph.NamedNode(u) for u in named_graph_uris]
            elif not info.has_dataset_clause:
                kwargs["use_default_graph_as_union"] = True
        except ValueError as exc:
            raise QueryError(400, f"invalid graph IRI in default-graph-uri/named-graph-uri: {exc}") from exc

        # pyoxigraph's results are "unsendable": they must be dropped in the thread that made them.
        # An exception leaving a frame that still holds them carries them in its traceback to
        # whichever thread catches it (asyncio.to_thread hands it to the event loop), where they
        # were dropped with "PyQuerySolutions is unsendable, but is being dropped on another
        # thread". So they live only in ``box``, which is emptied here, on every path.
        box: list[Any] = []
        request = _Request(
            sparql=sparql,
            capped_text=capped_text,
            info=info,
            kwargs=kwargs,
            accept=accept,
            format=format,
            media_type=media_type,
            chunk_size=chunk_size,
            max_bytes=max_bytes,
        )
        try:
            return self._run(store, box, request, emit, on_start)
        finally:
            box.clear()

    def _run(
        self,
        store: pyoxigraph.Store,
        box: list[Any],
        request: _Request,
        emit: Callable[[bytes], object],
        on_start: Callable[[QueryResult], object] | None,
    ) -> QueryResult:
        import pyoxigraph

        capped: int | None = None
        try:
            if request.capped_text is not None:
                try:
                    box.append(store.query(request.capped_text, **request.kwargs))
                    capped = self.max_rows
                except SyntaxError:
                    box.append(store.query(request.sparql, **request.kwargs))
            else:
                box.append(store.query(request.sparql, **request.kwargs))
        except SyntaxError as exc:
            raise QueryError(400, f"malformed query: {exc}") from exc
        except (ValueError, RuntimeError) as exc:
            raise QueryError(400, f"query failed: {exc}") from exc
        except OSError as exc:  # RocksDB's text names the store's files: logged, not answered
            log.warning("store error: %s", exc)
            raise QueryError(500, "store error: the store could not be read") from exc

        results = box[-1]
        if isinstance(results, pyoxigraph.QuerySolutions):
            form = "SELECT"
        elif isinstance(results, pyoxigraph.QueryBoolean):
            form = "ASK"
        else:
            form = request.info.form if request.info.form in ("CONSTRUCT", "DESCRIBE") else "CONSTRUCT"
        del results  # the only reference left is the caller's box, which it clears
        if request.media_type and request.media_type in formats.offered_for(form):
            choice = formats.Choice(request.media_type)
        else:
            choice = formats.negotiate(form, request.accept, request.format)
        result = QueryResult(choice.media_type, form, iter(()), capped)
        if on_start is not None:
            on_start(result)
        limit = self.max_result_bytes if request.max_bytes is None else request.max_bytes
        writer = _ChunkWriter(emit, request.chunk_size, limit)
        try:
            # pyoxigraph only calls write() on its output: the chunk writer is enough of a file
            output = cast(IO[bytes], writer)
            if form in ("CONSTRUCT", "DESCRIBE"):
                box[-1].serialize(output, pyoxigraph.RdfFormat.from_media_type(choice.media_type))
            else:  # SELECT/ASK
                box[-1].serialize(output, pyoxigraph.QueryResultsFormat.from_media_type(choice.media_type))
            writer.flush()
        except QueryError:
            raise
        except (ValueError, RuntimeError, OSError) as exc:
            raise QueryError(500, f"query evaluation failed: {exc}") from exc
        finally:
            box.clear()  # dropped here, in this thread, before any exception leaves
        return result
