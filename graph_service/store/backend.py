"""The one seam between the service (pages, endpoint, CLI) and a triplestore.

Two query shapes plus a raw passthrough, as in Prez's repository layer:

* :meth:`Backend.select_rows` — "give me a table" (SELECT → list of dicts), for pages and CLI;
* :meth:`Backend.construct` — "give me a graph" (CONSTRUCT/DESCRIBE → bytes in an RDF format);
* :meth:`Backend.query` — any query, serialised by the store in a negotiated media type.

:class:`OxigraphBackend` reads the embedded store (the live build of a store directory,
re-opened when the ETL publishes a new build); :class:`RemoteBackend` talks the SPARQL 1.1
Protocol to any endpoint (Oxigraph server, Fuseki, Virtuoso, QLever, GraphDB …).

The default graph is the union of all named graphs (see docs/CONTRACT.md), unless the request
gives its own dataset (``default-graph-uri``/``named-graph-uri``) or the query has ``FROM``.
"""

from __future__ import annotations

import abc
import hashlib
import io
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from graph_service.store import named_queries
from graph_service.store.sparql_text import QueryInfo, analyse, with_row_cap
from graph_service.web import conneg as formats
from zhytomyr_kg.settings import ENVIRONMENT, env
from zhytomyr_kg.store_layout import BUILDS, OXIGRAPH, LiveBuild, NoStore, live_build


class QueryError(Exception):
    """A query the service refuses or the store rejects; carries the HTTP status to answer."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class ResultTooLarge(QueryError):
    def __init__(self, limit: int):
        super().__init__(413, f"result larger than the limit of {limit} bytes (ZKG_SPARQL_MAX_RESULT_BYTES)")


@dataclass
class QueryResult:
    """A serialised query result: the media type and the bytes, as an iterator of chunks."""

    media_type: str
    form: str
    chunks: Iterator[bytes]
    capped_rows: int | None = None  # the LIMIT the service imposed, if it did

    @property
    def content_type(self) -> str:
        return formats.Choice(self.media_type).content_type

    def read(self) -> bytes:
        return b"".join(self.chunks)


@dataclass(frozen=True)
class Health:
    ok: bool
    backend: str
    data_version: str | None
    triples: int | None
    detail: str = ""
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "status": "ok" if self.ok else "unavailable",
            "backend": self.backend,
            "data_version": self.data_version,
            "triples": self.triples,
            **({"detail": self.detail} if self.detail else {}),
            **self.extra,
        }


class Backend(abc.ABC):
    """What the service needs from a triplestore."""

    name = "backend"

    @abc.abstractmethod
    def query(
        self,
        sparql: str,
        *,
        accept: str | None = None,
        format: str | None = None,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
    ) -> QueryResult:
        """Run ``sparql``; the result serialised in the negotiated format.

        ``accept`` is an HTTP ``Accept`` value, ``format`` a short name ("json", "csv",
        "turtle", …) or a media type; both empty → SPARQL JSON for SELECT/ASK, Turtle for graphs.
        Raises :class:`QueryError` (status 400/406/…) or :class:`formats.NotAcceptable`.
        """

    def select_rows(self, sparql: str) -> list[dict[str, str | None]]:
        """A SELECT query's solutions as dicts of variable → lexical value (None if unbound)."""
        import json

        body = self.query(sparql, format="json").read()
        data = json.loads(body)
        names = data.get("head", {}).get("vars", [])
        return [
            {name: (row[name]["value"] if name in row else None) for name in names}
            for row in data.get("results", {}).get("bindings", [])
        ]

    def construct(self, sparql: str, format: str = "text/turtle") -> bytes:
        """A CONSTRUCT/DESCRIBE query's graph as bytes in ``format`` (media type or short name)."""
        if "/" in format:
            return self.query(sparql, accept=format).read()
        return self.query(sparql, format=format).read()

    @abc.abstractmethod
    def data_version(self) -> str:
        """An opaque string that changes whenever the data changes (ETags derive from it)."""

    @abc.abstractmethod
    def triple_count(self) -> int: ...

    @abc.abstractmethod
    def health(self) -> Health: ...

    def close(self) -> None:  # noqa: B027 - optional hook, a no-op by default
        """Release the store (the embedded one's handles); a remote endpoint holds nothing."""


# --------------------------------------------------------------------------- embedded store


class _ChunkWriter:
    """A binary sink for pyoxigraph's serialisers: forwards fixed-size chunks, counts bytes."""

    def __init__(self, emit, chunk_size: int = 65536, max_bytes: int | None = None):
        self._emit = emit
        self._buf = bytearray()
        self._chunk = chunk_size
        self._max = max_bytes
        self.total = 0

    def write(self, data) -> int:
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
class Prepared:
    """A query after the service's checks: text to run, how, and in which format."""

    sparql: str
    info: QueryInfo
    capped: str | None  # the row-capped text, tried first
    max_rows: int | None


def check_query(
    sparql: str,
    *,
    max_query_bytes: int | None = None,
    service_allow: Iterable[str] = (),
    max_depth: int = ENVIRONMENT["ZKG_SPARQL_MAX_DEPTH"].default,
) -> QueryInfo:
    """The read-only and safety checks every query passes before any store sees it."""
    if max_query_bytes is not None and len(sparql.encode("utf-8")) > max_query_bytes:
        raise QueryError(
            413, f"query longer than the limit of {max_query_bytes} bytes (ZKG_SPARQL_MAX_QUERY_BYTES)"
        )
    info = analyse(sparql)
    if info.stray_escape:
        raise QueryError(
            400,
            "malformed query: a backslash outside a string, an IRI or a prefixed name "
            "(codepoint escapes such as \\u0049 are accepted only there)",
        )
    if info.depth > max_depth:
        raise QueryError(
            400,
            f"query nested {info.depth} deep, deeper than the limit of {max_depth} (ZKG_SPARQL_MAX_DEPTH)",
        )
    if info.is_update:
        raise QueryError(
            403,
            f"this endpoint is read-only: SPARQL Update ({info.first_keyword or 'update'}) and LOAD are refused",
        )
    allow = set(service_allow)
    for target in info.services:
        if target is None or target not in allow:
            shown = target or "a variable or unresolvable IRI"
            raise QueryError(
                403,
                f"SERVICE {shown} is not allowed (allow-list ZKG_SPARQL_SERVICE_ALLOW: "
                + (", ".join(sorted(allow)) or "empty")
                + ")",
            )
    return info


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
        self.recheck = recheck
        self.max_rows = max_rows
        self.max_result_bytes = max_result_bytes
        self.max_query_bytes = max_query_bytes
        self.service_allow = tuple(service_allow)
        self._lock = threading.Lock()
        self._store = None
        self._build_id: str | None = None  # the build the open handle belongs to
        self._live_id: str | None = None
        self._checked = 0.0
        self._counts: dict[str, int] = {}
        self._versions: dict[str, str] = {}
        self._prepared: dict[str, tuple[QueryInfo, str | None]] = {}  # checked queries (they repeat)

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

    def store(self, build_id: str | None = None):
        """The pyoxigraph Store of ``build_id`` (default: the live build): read-only on disk,
        or its in-memory copy (see ``memory_quads``)."""
        wanted = build_id or self.current_build_id()
        with self._lock:
            if self._store is None or wanted != self._build_id:
                path = self.store_dir / BUILDS / wanted / OXIGRAPH
                if not path.exists():
                    raise NoStore(f"build {wanted} not found in {self.store_dir}")
                self.in_memory = False
                self._store = self._open(path, wanted)
                self._build_id = wanted
            return self._store

    def _open(self, path: Path, build_id: str):
        import pyoxigraph

        disk = pyoxigraph.Store.read_only(str(path))
        if self.memory_quads <= 0:
            return disk
        quads = LiveBuild(build_id, path.parent).info().get("quads")
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
        try:
            version = self.data_version()
            count = self.triple_count()
            info = live_build(self.store_dir).info()
            return Health(True, self.name, version, count, extra={"build": info} if info else {})
        except Exception as exc:
            return Health(False, self.name, None, None, detail=str(exc))

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
        emit,
        *,
        accept: str | None = None,
        format: str | None = None,
        media_type: str | None = None,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        build_id: str | None = None,
        base_iri: str | None = None,
        on_start=None,
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
            if len(self._prepared) >= 2048:
                self._prepared.clear()
            prepared = self._prepared[sparql] = (info, capped_text)
        info, capped_text = prepared
        store = self.store(build_id)
        kwargs: dict = {"base_iri": base_iri} if base_iri else {}
        try:
            if default_graph_uris or named_graph_uris:
                kwargs["default_graph"] = [pyoxigraph.NamedNode(u) for u in default_graph_uris]
                kwargs["named_graphs"] = [pyoxigraph.NamedNode(u) for u in named_graph_uris]
            elif not info.has_dataset_clause:
                kwargs["use_default_graph_as_union"] = True
        except ValueError as exc:
            raise QueryError(400, f"invalid graph IRI in default-graph-uri/named-graph-uri: {exc}") from exc

        capped: int | None = None
        try:
            if capped_text is not None:
                try:
                    results = store.query(capped_text, **kwargs)
                    capped = self.max_rows
                except SyntaxError:
                    results = store.query(sparql, **kwargs)
            else:
                results = store.query(sparql, **kwargs)
        except SyntaxError as exc:
            raise QueryError(400, f"malformed query: {exc}") from exc
        except (ValueError, RuntimeError) as exc:
            raise QueryError(400, f"query failed: {exc}") from exc
        except OSError as exc:
            raise QueryError(500, f"store error: {exc}") from exc

        if isinstance(results, pyoxigraph.QuerySolutions):
            form = "SELECT"
        elif isinstance(results, pyoxigraph.QueryBoolean):
            form = "ASK"
        else:
            form = info.form if info.form in ("CONSTRUCT", "DESCRIBE") else "CONSTRUCT"
        if media_type and media_type in formats.offered_for(form):
            choice = formats.Choice(media_type)
        else:
            choice = formats.negotiate(form, accept, format)
        result = QueryResult(choice.media_type, form, iter(()), capped)
        if on_start is not None:
            on_start(result)
        writer = _ChunkWriter(emit, chunk_size, self.max_result_bytes if max_bytes is None else max_bytes)
        try:
            if form in ("SELECT", "ASK"):
                fmt = pyoxigraph.QueryResultsFormat.from_media_type(choice.media_type)
            else:
                fmt = pyoxigraph.RdfFormat.from_media_type(choice.media_type)
            results.serialize(writer, fmt)
            writer.flush()
        except QueryError:
            raise
        except (ValueError, RuntimeError, OSError) as exc:
            raise QueryError(500, f"query evaluation failed: {exc}") from exc
        return result


# --------------------------------------------------------------------------- remote store


class RemoteBackend(Backend):
    """Any SPARQL 1.1 Protocol endpoint, over httpx.

    ``data_version`` is the ``data_version`` argument if given (a deployment sets it to the
    build id it pushed, env ``ZKG_DATA_VERSION``); otherwise a fingerprint of the remote's
    triple count and named graphs, refreshed at most every ``version_ttl`` seconds.
    """

    name = "remote"

    def __init__(
        self,
        endpoint_url: str,
        *,
        timeout: float = 10.0,
        data_version: str | None = None,
        version_ttl: float = 30.0,
        max_query_bytes: int | None = None,
        service_allow: Iterable[str] = (),
        client: httpx.Client | None = None,
    ):
        self.endpoint_url = endpoint_url
        self.timeout = timeout
        self._fixed_version = data_version
        self.version_ttl = version_ttl
        self.max_query_bytes = max_query_bytes
        self.service_allow = tuple(service_allow)
        self._client = client or httpx.Client(timeout=timeout)
        self._version: tuple[float, str, int] | None = None

    def _post(self, sparql: str, accept: str, default_graph_uris=(), named_graph_uris=()) -> httpx.Response:
        params = [("default-graph-uri", u) for u in default_graph_uris]
        params += [("named-graph-uri", u) for u in named_graph_uris]
        try:
            response = self._client.post(
                self.endpoint_url,
                params=params,
                content=sparql.encode("utf-8"),
                headers={"Content-Type": "application/sparql-query; charset=utf-8", "Accept": accept},
            )
        except httpx.TimeoutException as exc:
            raise QueryError(503, f"remote endpoint timed out after {self.timeout} s") from exc
        except httpx.HTTPError as exc:
            raise QueryError(502, f"remote endpoint unreachable: {exc}") from exc
        if response.status_code >= 400:
            status = response.status_code if response.status_code < 500 else 502
            raise QueryError(
                status, f"remote endpoint answered {response.status_code}: {response.text[:2000]}"
            )
        return response

    def query(
        self,
        sparql: str,
        *,
        accept: str | None = None,
        format: str | None = None,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
    ) -> QueryResult:
        info = check_query(sparql, max_query_bytes=self.max_query_bytes, service_allow=self.service_allow)
        form = info.form or "SELECT"
        choice = formats.negotiate(form, accept, format)
        response = self._post(sparql, choice.media_type, default_graph_uris, named_graph_uris)
        got = response.headers.get("content-type", choice.media_type).split(";")[0].strip().lower()
        media = formats.ALIASES.get(got, got)
        return QueryResult(media, form, iter([response.content]))

    def _probe(self) -> tuple[str, int]:
        now = time.monotonic()
        if self._version is None or now - self._version[0] >= self.version_ttl:
            rows = self.select_rows(named_queries.get("remote-fingerprint").text)
            count = int(rows[0]["n"] or 0) if rows else 0
            graphs = " ".join(sorted((rows[0]["gs"] or "").split())) if rows else ""
            digest = hashlib.sha256(f"{count} {graphs}".encode()).hexdigest()[:16]
            self._version = (now, f"remote-{digest}", count)
        return self._version[1], self._version[2]

    def data_version(self) -> str:
        if self._fixed_version:
            return self._fixed_version
        return self._probe()[0]

    def triple_count(self) -> int:
        return self._probe()[1]

    def health(self) -> Health:
        try:
            count = self.triple_count()
            return Health(True, self.name, self.data_version(), count, extra={"endpoint": self.endpoint_url})
        except Exception as exc:
            return Health(
                False, self.name, None, None, detail=str(exc), extra={"endpoint": self.endpoint_url}
            )

    def close(self) -> None:
        self._client.close()


def backend_from_settings(settings, endpoint: str | None = None, **kwargs) -> Backend:
    """The backend a configuration names: a remote endpoint if given, else the embedded store."""

    endpoint = endpoint or env("ZKG_SPARQL_ENDPOINT")
    if endpoint:
        return RemoteBackend(endpoint, data_version=env("ZKG_DATA_VERSION") or None, **kwargs)
    return OxigraphBackend(settings.store, **kwargs)
