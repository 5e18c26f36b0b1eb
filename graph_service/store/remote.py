"""A remote triplestore: :class:`RemoteBackend` queries any SPARQL 1.1 Protocol endpoint (Oxigraph
server, Fuseki, Virtuoso, QLever, GraphDB …) over httpx, and :func:`load_remote` pushes the
ETL's output into one with the SPARQL 1.1 Graph Store HTTP Protocol.

Each named graph of an N-Quads or TriG file is sent with one ``PUT <store>?graph=<iri>``
(which replaces that graph on the server), the default graph, if any, with ``PUT <store>?default``.
The bodies are N-Triples written by pyoxigraph. Works with Oxigraph server (``/store``), Fuseki
(``/<dataset>/data``), GraphDB (``/repositories/<id>/rdf-graphs/service``), Virtuoso
(``/sparql-graph-crud``) and any other Graph Store Protocol implementation.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import tempfile
import time
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, cast

import httpx

from graph_service import conneg as formats
from graph_service.store import named_queries
from graph_service.store.base import Backend, Health, QueryError, QueryResult, check_query, parse_results
from graph_service.store.sparql_text import analyse

if TYPE_CHECKING:  # pragma: no cover
    from pyoxigraph import RdfFormat


#: what the service sends with every query: a form-encoded POST (SPARQL 1.1 Protocol 2.1.2),
#: the one form every engine answers (Virtuoso never answers ``application/sparql-query``
#: bodies: openlink/virtuoso-opensource#842), and no compression asked for
QUERY_HEADERS = {"Content-Type": "application/x-www-form-urlencoded", "Accept-Encoding": "identity"}
#: the header an engine (Virtuoso) sets when it cut a result to its own row limit
MAX_ROWS_HEADER = "x-sparql-maxrows"
#: what the service asks a remote engine for, whatever its own client asked: SPARQL JSON results
#: and N-Triples, the formats every engine writes and pyoxigraph reads; the answer is then
#: written in the negotiated format by pyoxigraph, as the embedded store writes it, so that CSV
#: quoting, JSON-LD (Virtuoso's drops language tags) and ``typed-literal`` look the same on
#: every engine
WIRE_ACCEPT = {
    "SELECT": "application/sparql-results+json, application/sparql-results+xml;q=0.9",
    "ASK": "application/sparql-results+json, application/sparql-results+xml;q=0.9",
    "CONSTRUCT": "application/n-triples, text/plain;q=0.9, text/turtle;q=0.8",
}


#: how many times a query is sent when the connection breaks under it. An engine closes or resets
#: an idle keep-alive connection when it likes (Virtuoso after its ``KeepAliveTimeout``); a
#: request sent on it just then fails with no answer (``ReadError``, or "Server disconnected").
#: Every query the service sends is read-only, so it is sent once more, on a new connection.
ATTEMPTS = 2


def connection_broke(exc: BaseException) -> bool:
    """``exc`` is the connection failing under a request (not a timeout, not an answer): worth
    one more attempt on a new connection."""
    return isinstance(exc, (httpx.NetworkError, httpx.RemoteProtocolError))


def unreachable(exc: BaseException) -> str:
    """The message of a request that got no answer; names the error's class, since some carry no
    text (an async read on a reset connection is ``ReadError('')``)."""
    detail = str(exc)
    return f"remote endpoint unreachable: {type(exc).__name__}" + (f": {detail}" if detail else "")


def query_form(
    sparql: str, default_graph_uris: Sequence[str] = (), named_graph_uris: Sequence[str] = ()
) -> dict[str, str | list[str]]:
    """The form fields of a query request (``query``, ``default-graph-uri``, ``named-graph-uri``)."""
    form: dict[str, str | list[str]] = {"query": sparql}
    if default_graph_uris:
        form["default-graph-uri"] = list(default_graph_uris)
    if named_graph_uris:
        form["named-graph-uri"] = list(named_graph_uris)
    return form


def capped_rows(headers: httpx.Headers) -> int | None:
    """The row limit the remote engine says it cut the result to (``X-SPARQL-MaxRows``), if any."""
    raw = headers.get(MAX_ROWS_HEADER, "").strip()
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


def decoded_body(body: bytes, media_type: str) -> bytes:
    """The result body as the media type says, or :class:`QueryError` 502.

    httpx undoes the ``Content-Encoding`` it is told about; this also undoes a gzip or zlib
    body that arrives without it (a proxy that dropped the header: Virtuoso's gzip answers were
    once passed on raw), and refuses a text result that is not UTF-8, so that no cache keeps
    an answer nobody can read.
    """
    if body[:2] == b"\x1f\x8b":
        try:
            body = gzip.decompress(body)
        except (OSError, EOFError, zlib.error) as exc:
            raise QueryError(502, f"remote endpoint sent a damaged gzip body: {exc}") from exc
    elif body[:1] == b"\x78" and body[1:2] in (b"\x01", b"\x5e", b"\x9c", b"\xda"):
        try:
            body = zlib.decompress(body)
        except zlib.error:
            pass  # text that happens to start with "x": left as it is
    if formats.Choice(media_type).content_type.endswith("charset=utf-8") or media_type in formats.TEXT_TYPES:
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise QueryError(
                502, f"remote endpoint sent an undecodable {media_type} body (byte {exc.start})"
            ) from exc
    return body


def wire_accept(media_type: str) -> str:
    """The ``Accept`` sent to the remote engine for a result wanted in ``media_type``."""
    return WIRE_ACCEPT["CONSTRUCT" if media_type in formats.GRAPH_TYPES else "SELECT"]


def reserialised(body: bytes, got: str, media_type: str) -> bytes:
    """The remote's answer ``body`` (in ``got``: SPARQL JSON/XML/CSV/TSV results or an RDF
    format) written in ``media_type`` by pyoxigraph; :class:`QueryError` 502 if it cannot be read."""
    import pyoxigraph

    got = formats.ALIASES.get(got, got)
    try:
        if media_type in formats.GRAPH_TYPES:
            rdf_in = pyoxigraph.RdfFormat.from_media_type(got)
            rdf_out = pyoxigraph.RdfFormat.from_media_type(media_type)
            if rdf_in is None or rdf_in.supports_datasets or rdf_out is None:
                raise QueryError(502, f"remote endpoint answered a graph query with {got}")
            return pyoxigraph.serialize(pyoxigraph.parse(body, format=rdf_in), format=rdf_out) or b""
        results_in = pyoxigraph.QueryResultsFormat.from_media_type(got)
        results_out = pyoxigraph.QueryResultsFormat.from_media_type(media_type)
        if results_in is None or results_out is None:
            raise QueryError(502, f"remote endpoint answered a {media_type} query with {got}")
        return pyoxigraph.parse_query_results(body, format=results_in).serialize(format=results_out) or b""
    except (SyntaxError, ValueError) as exc:
        raise QueryError(502, f"remote endpoint sent an unreadable {got} body: {exc}") from exc


class RemoteBackend(Backend):
    """Any SPARQL 1.1 Protocol endpoint, over httpx.

    ``data_version`` is the ``data_version`` argument if given (a deployment sets it to the
    build id it pushed, env ``ZKG_DATA_VERSION``); otherwise a fingerprint of the remote's
    triple count and named graphs, refreshed at most every ``version_ttl`` seconds.

    A query that names no dataset of its own (no ``FROM``, no ``default-graph-uri`` or
    ``named-graph-uri``) is sent with the dataset's graphs (those under :attr:`graph_base`) as
    both its default graphs and its named graphs (:meth:`protocol_dataset`): the default graph
    is their union, as in the embedded store, and an engine's own graphs (Virtuoso's
    ``virtrdf:`` and the like) stay out of every answer without a list of them.
    """

    name = "remote"
    executor_kind = "remote"

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
        self._version: tuple[float, str, int, tuple[str, ...]] | None = None

    def _post(
        self,
        sparql: str,
        accept: str,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
    ) -> httpx.Response:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                response = self._client.post(
                    self.endpoint_url,
                    data=query_form(sparql, default_graph_uris, named_graph_uris),
                    headers={**QUERY_HEADERS, "Accept": accept},
                )
                break
            except httpx.TimeoutException as exc:
                raise QueryError(503, f"remote endpoint timed out after {self.timeout} s") from exc
            except httpx.HTTPError as exc:
                if attempt == ATTEMPTS or not connection_broke(exc):
                    raise QueryError(502, unreachable(exc)) from exc
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
        if not info.has_dataset_clause:
            default_graph_uris, named_graph_uris = self.protocol_dataset(default_graph_uris, named_graph_uris)
        response = self._post(sparql, wire_accept(choice.media_type), default_graph_uris, named_graph_uris)
        got = response.headers.get("content-type", choice.media_type).split(";")[0].strip().lower()
        media = formats.ALIASES.get(got, got)
        body = reserialised(decoded_body(response.content, media), media, choice.media_type)
        return QueryResult(choice.media_type, form, iter([body]), capped_rows(response.headers))

    def protocol_dataset(
        self, default_graph_uris: Sequence[str] = (), named_graph_uris: Sequence[str] = ()
    ) -> tuple[Sequence[str], Sequence[str]]:
        """The dataset to send with a query that names none in its text: the request's own if it
        gives one, else the dataset's graphs as default and named graphs (none if the remote
        holds none of them yet: then the engine's default applies)."""
        if default_graph_uris or named_graph_uris:
            return default_graph_uris, named_graph_uris
        graphs = self.dataset_graphs()
        return graphs, graphs

    def protocol_dataset_for(
        self, sparql: str, default_graph_uris: Sequence[str] = (), named_graph_uris: Sequence[str] = ()
    ) -> tuple[Sequence[str], Sequence[str]]:
        """:meth:`protocol_dataset`, unless ``sparql`` has ``FROM``/``FROM NAMED`` of its own."""
        if analyse(sparql).has_dataset_clause:
            return default_graph_uris, named_graph_uris
        return self.protocol_dataset(default_graph_uris, named_graph_uris)

    def dataset_graphs(self) -> tuple[str, ...]:
        """The remote's graphs under :attr:`graph_base`, as last probed."""
        return self._probe()[2]

    def _probe(self) -> tuple[str, int, tuple[str, ...]]:
        now = time.monotonic()
        if self._version is None or now - self._version[0] >= self.version_ttl:
            query = named_queries.get("remote-fingerprint").bind(graphs=self.dataset_graph_base())
            # asked of the whole store (it filters by graph name itself): this is what scopes the rest
            response = self._post(query, "application/sparql-results+json")
            body = decoded_body(response.content, "application/sparql-results+json")
            rows = parse_results(body).values()
            count = int(rows[0]["n"] or 0) if rows else 0
            graphs = tuple(sorted((rows[0]["gs"] or "").split())) if rows else ()
            digest = hashlib.sha256(f"{count} {' '.join(graphs)}".encode()).hexdigest()[:16]
            self._version = (now, f"remote-{digest}", count, graphs)
        return self._version[1], self._version[2], self._version[3]

    def data_version(self) -> str:
        if self._fixed_version:
            return self._fixed_version
        return self._probe()[0]

    def triple_count(self) -> int:
        return self._probe()[1]

    def health(self) -> Health:
        try:
            count = self.triple_count()
            return Health(
                True, self.name, self.data_version(), count, private={"endpoint": self.endpoint_url}
            )
        except Exception as exc:
            return Health(
                False,
                self.name,
                None,
                None,
                detail="the remote endpoint cannot be reached",
                private={"endpoint": self.endpoint_url, "error": f"{type(exc).__name__}: {exc}"},
            )

    def close(self) -> None:
        self._client.close()


# --------------------------------------------------------------------------- Graph Store push


@dataclass(frozen=True)
class PushedGraph:
    graph: str | None  # None = the default graph
    triples: int
    status: int


def _format_for(path: Path) -> RdfFormat:
    """The dataset format of ``path`` by its extension (a ``.gz`` is looked through)."""
    from pyoxigraph import RdfFormat

    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[: -len(".gz")]
    suffix = name.rsplit(".", 1)[-1] if "." in name else ""
    fmt = RdfFormat.from_extension(suffix)
    if fmt is None or not fmt.supports_datasets:
        raise ValueError(f"{path}: expected an N-Quads or TriG file (.nq, .nq.gz, .trig, .trig.gz)")
    return fmt


@contextlib.contextmanager
def _opened(path: Path) -> Iterator[IO[bytes]]:
    with gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb") as f:
        yield cast(IO[bytes], f)


def graph_runs(path: Path, spool_bytes: int = 8 << 20) -> Iterator[tuple[str | None, IO[bytes], int]]:
    """The file's quads, streamed, as runs of consecutive quads of one graph: (graph name or
    None, the run's triples as N-Triples in a spooled temporary file, triple count). Memory
    stays at ``spool_bytes`` whatever the file's size (the ETL's dumps hold each graph in one run)."""
    from pyoxigraph import DefaultGraph, RdfFormat, parse, serialize

    fmt = _format_for(path)
    with _opened(path) as source:
        current: object = _NONE
        spool: IO[bytes] | None = None
        count = 0
        batch: list = []

        def flush_batch() -> None:
            assert spool is not None
            spool.write(serialize(batch, format=RdfFormat.N_TRIPLES) or b"")
            batch.clear()

        for quad in parse(source, format=fmt):
            name = None if isinstance(quad.graph_name, DefaultGraph) else quad.graph_name.value
            if name != current:
                if spool is not None:
                    flush_batch()
                    spool.seek(0)
                    yield cast("str | None", current), spool, count
                    spool.close()
                current, count = name, 0
                spool = tempfile.SpooledTemporaryFile(max_size=spool_bytes)  # noqa: SIM115
            batch.append(quad.triple)
            count += 1
            if len(batch) >= 10_000:
                flush_batch()
        if spool is not None:
            flush_batch()
            spool.seek(0)
            yield cast("str | None", current), spool, count
            spool.close()


_NONE = object()


class _Body:
    """A spooled body sent in chunks; iterating again starts again, so that a request httpx
    sends twice (the answer to a Digest challenge) carries the body both times."""

    def __init__(self, file: IO[bytes], size: int = 1 << 16):
        self.file = file
        self.size = size

    def __iter__(self) -> Iterator[bytes]:
        self.file.seek(0)
        while chunk := self.file.read(self.size):
            yield chunk


def auth_for(user: str | None, scheme: str = "basic") -> httpx.Auth | None:
    """``user:password`` as HTTP Basic or Digest auth (Virtuoso's Graph Store endpoint wants Digest)."""
    if not user:
        return None
    name, _, password = user.partition(":")
    if scheme.lower() == "digest":
        return httpx.DigestAuth(name, password)
    if scheme.lower() != "basic":
        raise ValueError(f"unknown auth scheme {scheme!r} (basic or digest)")
    return httpx.BasicAuth(name, password)


def load_remote(
    path: Path | str,
    store_url: str,
    *,
    client: httpx.Client | None = None,
    timeout: float = 120.0,
    auth: tuple[str, str] | httpx.Auth | None = None,
) -> list[PushedGraph]:
    """Send every graph of ``path`` (N-Quads or TriG, optionally gzipped) to the Graph Store
    endpoint ``store_url``: the first run of a graph with ``PUT`` (which replaces it), any later
    run of the same graph with ``POST`` (which adds to it). The file is parsed as a stream and
    each body is sent from a spooled file, so memory does not grow with the file. Raises on any
    failure."""
    path = Path(path)
    _format_for(path)  # refuse a wrong file before connecting
    own = client is None
    client = client or httpx.Client(timeout=timeout, auth=auth)
    pushed: dict[str | None, PushedGraph] = {}
    try:
        for graph, body, count in graph_runs(path):
            params = {"graph": graph} if graph is not None else {"default": ""}
            method = "POST" if graph in pushed else "PUT"
            size = body.seek(0, 2)
            body.seek(0)
            response = client.request(
                method,
                store_url,
                params=params,
                content=_Body(body),
                headers={"Content-Type": "application/n-triples", "Content-Length": str(size)},
            )
            if response.status_code >= 300:
                raise RuntimeError(
                    f"{method} {graph or 'default graph'} → {response.status_code}: {response.text[:500]}"
                )
            before = pushed[graph].triples if graph in pushed else 0
            pushed[graph] = PushedGraph(graph, before + count, response.status_code)
    finally:
        if own:
            client.close()
    return sorted(pushed.values(), key=lambda g: g.graph or "")
