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

import hashlib
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from graph_service import conneg as formats
from graph_service.store import named_queries
from graph_service.store.base import Backend, Health, QueryError, QueryResult, check_query

if TYPE_CHECKING:  # pragma: no cover
    from pyoxigraph import RdfFormat, Triple


class RemoteBackend(Backend):
    """Any SPARQL 1.1 Protocol endpoint, over httpx.

    ``data_version`` is the ``data_version`` argument if given (a deployment sets it to the
    build id it pushed, env ``ZKG_DATA_VERSION``); otherwise a fingerprint of the remote's
    triple count and named graphs, refreshed at most every ``version_ttl`` seconds.
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
        self._version: tuple[float, str, int] | None = None

    def _post(
        self,
        sparql: str,
        accept: str,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
    ) -> httpx.Response:
        params = tuple(
            [("default-graph-uri", u) for u in default_graph_uris]
            + [("named-graph-uri", u) for u in named_graph_uris]
        )
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
    from pyoxigraph import RdfFormat

    suffix = path.suffix.lower().lstrip(".")
    fmt = RdfFormat.from_extension(suffix)
    if fmt is None or not fmt.supports_datasets:
        raise ValueError(f"{path}: expected an N-Quads (.nq) or TriG (.trig) file")
    return fmt


def read_graphs(path: Path) -> dict[str | None, list[Triple]]:
    """The file's triples grouped by graph name (None for the default graph)."""
    from pyoxigraph import DefaultGraph, parse

    graphs: dict[str | None, list[Triple]] = defaultdict(list)
    for quad in parse(path=str(path), format=_format_for(path)):
        name = None if isinstance(quad.graph_name, DefaultGraph) else quad.graph_name.value
        graphs[name].append(quad.triple)
    return graphs


def load_remote(
    path: Path | str,
    store_url: str,
    *,
    client: httpx.Client | None = None,
    timeout: float = 120.0,
    auth: tuple[str, str] | None = None,
) -> list[PushedGraph]:
    """PUT every graph of ``path`` to the Graph Store endpoint ``store_url``; raise on any failure."""
    from pyoxigraph import RdfFormat, serialize

    path = Path(path)
    own = client is None
    client = client or httpx.Client(timeout=timeout, auth=auth)
    pushed: list[PushedGraph] = []
    try:
        for graph, triples in sorted(read_graphs(path).items(), key=lambda kv: kv[0] or ""):
            body = serialize(triples, format=RdfFormat.N_TRIPLES)
            params = {"graph": graph} if graph is not None else {"default": ""}
            response = client.put(
                store_url,
                params=params,
                content=body,
                headers={"Content-Type": "application/n-triples"},
            )
            if response.status_code >= 300:
                raise RuntimeError(
                    f"PUT {graph or 'default graph'} → {response.status_code}: {response.text[:500]}"
                )
            pushed.append(PushedGraph(graph, len(triples), response.status_code))
    finally:
        if own:
            client.close()
    return pushed
