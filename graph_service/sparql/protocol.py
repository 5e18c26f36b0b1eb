"""The SPARQL 1.1 Protocol's request side and the response type of ``/sparql``.

Split from ``endpoint.py`` so that the handler there only orders the steps (guard, negotiate,
cache, cap, run): this module knows the wire — which methods and body types the protocol
allows, how a request's parameters become a query and its dataset, how big a body may be — and
the :class:`Answer` every step returns.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from graph_service.lru import LRU, MEMO_BYTES, key_bytes

FORM_TYPE = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
TEXT = b"text/plain; charset=utf-8"

Parameters = tuple[str | None, tuple[str, ...], tuple[str, ...], dict]
"""(query, default graphs, named graphs, format options) of one request."""


class ProtocolError(Exception):
    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class Answer:
    """A response to send: status, headers, and a body (bytes) or a stream."""

    __slots__ = ("body", "headers", "on_close", "status", "stream")

    def __init__(
        self, status: int, headers: list[tuple[bytes, bytes]], body: bytes = b"", stream=None, on_close=None
    ):
        self.status = status
        self.headers = headers
        self.body = body
        self.stream = stream
        self.on_close = on_close


def text_answer(status: int, message: str, headers: dict | None = None) -> Answer:
    h = [(b"content-type", TEXT)]
    for k, v in (headers or {}).items():
        h.append((k.lower().encode("latin-1"), str(v).encode("latin-1")))
    return Answer(status, h, (message + "\n").encode("utf-8"))


def media_and_charset(content_type: str | None) -> tuple[str, str | None]:
    """``Content-Type`` → (media type, charset), both lower case."""
    if not content_type:
        return "", None
    parts = [p.strip() for p in content_type.split(";")]
    charset = None
    for p in parts[1:]:
        if p.lower().startswith("charset="):
            charset = p[8:].strip().strip('"').lower()
    return parts[0].lower(), charset


def etag_matches(header: str, etag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``etag`` (weak or strong, or ``*``)."""
    if header.strip() == "*":
        return True
    for candidate in header.split(","):
        c = candidate.strip()
        if c.startswith("W/"):
            c = c[2:]
        if c == etag:
            return True
    return False


def memo(entries: int) -> LRU[Any]:
    """A memo table bounded by entries and by the bytes of the keys clients choose."""
    return LRU(
        entries, max_bytes=MEMO_BYTES, item_bytes=MEMO_BYTES // 64, weigh=lambda key, value: key_bytes(key)
    )


class ProtocolReader:
    """Reads the protocol's parameters from a request (GET, POST form, POST direct)."""

    def __init__(self, max_query_bytes: int):
        self.max_query_bytes = max_query_bytes
        # GET query string → its parameters (parsing a long percent-encoded query was half the
        # cost of a cached answer); a ProtocolError is raised again on every request, not kept
        self._get_requests: LRU[Any] = memo(4096)

    async def read(self, scope, receive, headers) -> Parameters:
        method = scope["method"]
        if method not in ("GET", "POST"):
            raise ProtocolError(
                405,
                "method not allowed: the endpoint answers GET and POST queries only",
                {"Allow": "GET, POST, OPTIONS"},
            )
        qs = scope.get("query_string", b"")
        if method == "GET":
            parsed = self._get_requests.get(qs)
            if parsed is None:
                parsed = parameters(query_string(qs), None)
                self._get_requests.put(qs, parsed)
            return parsed
        params = query_string(qs)
        direct_query: str | None = None
        if method == "POST":
            media, charset = media_and_charset(headers.get("content-type"))
            if charset not in (None, "utf-8", "utf8"):
                raise ProtocolError(415, f"unsupported charset {charset}: the SPARQL protocol requires UTF-8")
            if media not in (FORM_TYPE, QUERY_TYPE, UPDATE_TYPE):
                raise ProtocolError(
                    415, f"unsupported request body type {media or '(none)'}: use {QUERY_TYPE} or {FORM_TYPE}"
                )
            limit = self.max_query_bytes * 3 + 4096  # form-encoding may triple the size
            length = headers.get("content-length")
            if length and length.isdigit() and int(length) > limit:
                raise ProtocolError(
                    413, f"request body larger than {limit} bytes (ZKG_SPARQL_MAX_QUERY_BYTES)"
                )
            chunks = []
            size = 0
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    raise ProtocolError(400, "client disconnected")
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > limit:
                    raise ProtocolError(
                        413, f"request body larger than {limit} bytes (ZKG_SPARQL_MAX_QUERY_BYTES)"
                    )
                chunks.append(chunk)
                if not message.get("more_body"):
                    break
            if media == UPDATE_TYPE:
                raise ProtocolError(403, "this endpoint is read-only: SPARQL Update is refused")
            try:
                text = b"".join(chunks).decode("utf-8")
            except UnicodeDecodeError:
                raise ProtocolError(400, "request body is not UTF-8") from None
            if media == FORM_TYPE:
                params = params + parse_qsl(text, keep_blank_values=True)
            else:
                direct_query = text
        return parameters(params, direct_query)


def query_string(qs: bytes) -> list[tuple[str, str]]:
    return parse_qsl(qs.decode("utf-8", "replace"), keep_blank_values=True) if qs else []


def parameters(params: list[tuple[str, str]], direct_query: str | None) -> Parameters:
    """The protocol's parameters → (query, default graphs, named graphs, format options);
    raises :class:`ProtocolError` for an update or an ambiguous request."""
    queries = [v for k, v in params if k == "query"]
    if any(k in ("update", "using-graph-uri", "using-named-graph-uri") for k, _ in params):
        raise ProtocolError(403, "this endpoint is read-only: SPARQL Update is refused")
    if direct_query is not None:
        if queries:
            raise ProtocolError(400, "a query in the body and a query parameter: send one")
        queries = [direct_query]
    if len(queries) > 1:
        raise ProtocolError(400, "more than one query parameter")
    default_graphs = tuple(v for k, v in params if k == "default-graph-uri")
    named_graphs = tuple(v for k, v in params if k == "named-graph-uri")
    other = {k: v for k, v in params if k in ("format", "output")}
    return (queries[0] if queries else None), default_graphs, named_graphs, other
