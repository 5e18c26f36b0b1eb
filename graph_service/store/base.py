"""The one seam between the service (pages, endpoint, CLI) and a triplestore: the interface.

Two query shapes plus a raw passthrough, as in Prez's repository layer:

* :meth:`Backend.select_rows` / :meth:`Backend.select_terms` — "give me a table" (SELECT →
  rows of lexical values or of typed :class:`Term`), for pages and CLI;
* :meth:`Backend.construct` — "give me a graph" (CONSTRUCT/DESCRIBE → bytes in an RDF format);
* :meth:`Backend.query` — any query, serialised by the store in a negotiated media type.

:func:`parse_results` is the one reader of SPARQL JSON results in the project.
:mod:`graph_service.store.oxigraph` implements the interface over the embedded store,
:mod:`graph_service.store.remote` over any SPARQL 1.1 Protocol endpoint, and
:func:`graph_service.store.factory.backend_from_settings` picks one.

The default graph is the union of all named graphs (see docs/CONTRACT.md), unless the request
gives its own dataset (``default-graph-uri``/``named-graph-uri``) or the query has ``FROM``.
"""

from __future__ import annotations

import abc
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graph_service import conneg as formats
from graph_service.store.sparql_text import QueryInfo, analyse
from zhytomyr_kg.settings import ENVIRONMENT

if TYPE_CHECKING:  # pragma: no cover
    from zhytomyr_kg.store_layout import LiveBuild


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
    """The backend's side of ``/health``. ``detail`` and ``extra`` are public; ``private``
    (paths, endpoint URLs, error texts) is shown only with ``ZKG_HEALTH_DETAILS`` and logged."""

    ok: bool
    backend: str
    data_version: str | None
    triples: int | None
    detail: str = ""
    extra: dict = field(default_factory=dict)
    private: dict = field(default_factory=dict)

    def as_dict(self, details: bool = False) -> dict:
        return {
            "status": "ok" if self.ok else "unavailable",
            "backend": self.backend,
            "data_version": self.data_version,
            "triples": self.triples,
            **({"detail": self.detail} if self.detail else {}),
            **self.extra,
            **(self.private if details else {}),
        }


# --------------------------------------------------------------------------- SPARQL JSON results


@dataclass(frozen=True, slots=True)
class Term:
    """One value of a SPARQL JSON result: lexical value, ``uri``/``literal``/``bnode``, language
    or datatype (``typed-literal`` of older stores reads as ``literal``)."""

    value: str
    type: str = "literal"
    lang: str | None = None
    datatype: str | None = None

    @property
    def is_iri(self) -> bool:
        return self.type == "uri"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Results:
    """A SELECT or ASK result read from SPARQL JSON: the variables and the solutions (a row maps
    only its bound variables), or the ASK answer in ``boolean``."""

    vars: list[str]
    rows: list[dict[str, Term]]
    boolean: bool | None = None

    def values(self) -> list[dict[str, str | None]]:
        """The rows as dicts of variable → lexical value (None if unbound)."""
        return [
            {name: (t.value if (t := row.get(name)) is not None else None) for name in self.vars}
            for row in self.rows
        ]

    def terms(self) -> list[dict[str, Term | None]]:
        """The rows as dicts of variable → :class:`Term` (None if unbound)."""
        return [{name: row.get(name) for name in self.vars} for row in self.rows]


def _term(cell: dict[str, Any]) -> Term:
    kind = cell.get("type", "literal")
    return Term(
        cell["value"],
        "literal" if kind == "typed-literal" else kind,
        cell.get("xml:lang"),
        cell.get("datatype"),
    )


def parse_results(body: bytes | str) -> Results:
    """A SPARQL 1.1 Query Results JSON document (``application/sparql-results+json``)."""
    data = json.loads(body)
    if "boolean" in data:
        return Results([], [], bool(data["boolean"]))
    names = list(data.get("head", {}).get("vars", []))
    rows = [
        {name: _term(cell) for name, cell in binding.items()}
        for binding in data.get("results", {}).get("bindings", [])
    ]
    return Results(names, rows)


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


# --------------------------------------------------------------------------- the interface


class Backend(abc.ABC):
    """What the service needs from a triplestore.

    Callers ask the backend what it offers instead of testing its class: an embedded store
    answers :meth:`live_build`, :meth:`current_build_id` and :meth:`local_store`; a remote
    endpoint answers None to each.
    """

    name = "backend"
    #: which executor runs the endpoint's queries (graph_service.sparql.executors.executor_for):
    #: "process-pool" (embedded store), "remote" (a SPARQL endpoint) or "thread" (anything else)
    executor_kind = "thread"
    #: whether :meth:`data_version` is cheap enough to call on the event loop (no network)
    cheap_data_version = False

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

    def select(self, sparql: str) -> Results:
        """The result of a SELECT or ASK query, read from SPARQL JSON."""
        return parse_results(self.query(sparql, format="json").read())

    def select_rows(self, sparql: str) -> list[dict[str, str | None]]:
        """A SELECT query's solutions as dicts of variable → lexical value (None if unbound)."""
        return self.select(sparql).values()

    def select_terms(self, sparql: str) -> list[dict[str, Term | None]]:
        """A SELECT query's solutions as dicts of variable → :class:`Term` (None if unbound)."""
        return self.select(sparql).terms()

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

    # -- what only an embedded store has (None elsewhere) ----------------------------------
    def live_build(self) -> LiveBuild | None:
        """The live build of the embedded store (raises NoStore when there is none yet)."""
        return None

    def current_build_id(self) -> str | None:
        """The live build's id (raises NoStore when there is none yet)."""
        return None

    def local_store(self, build_id: str | None = None) -> Any:
        """The pyoxigraph Store of ``build_id`` (default: the live build)."""
        return None

    def open(self) -> None:  # noqa: B027 - optional hook, a no-op by default
        """Open the store before the first query needs it (may raise NoStore)."""

    def close(self) -> None:  # noqa: B027 - optional hook, a no-op by default
        """Release the store (the embedded one's handles); a remote endpoint holds nothing."""
