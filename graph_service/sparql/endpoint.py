"""``/sparql``: the SPARQL 1.1 Protocol query operation, as a plain ASGI handler.

This is the hot path, so it skips the framework layers (request objects, middleware stack):
measured on the benchmark machine, each of them cost a noticeable share of a cached answer.
It does its own CORS. Everything else in the application is ordinary FastAPI.

Per request: parse the protocol (GET/POST form/POST direct: ``protocol.py``), run the read-only
and SERVICE checks, negotiate the media type, derive the ETag from the data version (→ 304), look the
result up in the bounded cache, admit the query under the concurrency cap (→ 503 +
Retry-After), run it on the executor with the time limit (→ 503), answer or stream.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from graph_service import conneg as formats
from graph_service.lru import LRU
from graph_service.sparql.executors import aiter_list
from graph_service.sparql.pool import Timeout, WorkerError, WorkerFailed
from graph_service.sparql.protocol import (
    Answer,
    ProtocolError,
    ProtocolReader,
    etag_matches,
    memo,
    text_answer,
)
from graph_service.store.base import QueryError, check_query
from zhytomyr_kg.store_layout import NoStore

if TYPE_CHECKING:  # pragma: no cover
    from graph_service.sparql.service import Service

access_log = logging.getLogger("zkg.access")


class StreamCutShort(Exception):
    """A streamed answer failed after its status was sent (time or size limit): the connection is
    dropped, and the server logs one line (see ``graph_service.web.app.configure_logging``)."""


class SparqlEndpoint:
    def __init__(self, service: Service):
        self.service = service
        self.config = service.config
        self.metrics = service.metrics
        self._checks: LRU[Any] = memo(4096)  # query text → QueryInfo or QueryError
        self._negotiated: LRU[Any] = memo(1024)  # (form, accept, fmt) → media type or NotAcceptable
        self.protocol = ProtocolReader(self.config.max_query_bytes)
        cors = self.config.cors_origins
        self.cors_any = "*" in cors
        self.cors_origins = set(cors)
        m = self.metrics
        self._ok_counter: dict[int, Any] = {}  # status → its requests counter
        self._latency = m.latency.labels("sparql")

    # ------------------------------------------------------------------ ASGI
    async def __call__(self, scope, receive, send) -> None:
        started = time.perf_counter()
        headers: dict[str, str] = {}
        for k, v in scope["headers"]:
            headers[k.decode("latin-1")] = v.decode("latin-1")
        fields: dict = {}
        method = scope["method"]
        if method == "OPTIONS":
            answer = self._preflight(headers)
        else:
            try:
                answer = await self.answer(scope, receive, headers, fields)
            except Exception as exc:  # the details go to the log, not to the client
                logging.getLogger("zkg.endpoint").exception("internal error")
                answer = text_answer(
                    500, f"internal error ({type(exc).__name__}); the service log has the details"
                )
        origin = headers.get("origin")
        if origin is not None and (self.cors_any or origin in self.cors_origins):
            answer.headers.append(
                (b"access-control-allow-origin", b"*" if self.cors_any else origin.encode("latin-1"))
            )
            answer.headers.append((b"access-control-expose-headers", b"ETag, Retry-After, X-SPARQL-MaxRows"))
        status = answer.status
        try:
            if answer.stream is None:
                answer.headers.append((b"content-length", str(len(answer.body)).encode()))
                await send({"type": "http.response.start", "status": status, "headers": answer.headers})
                await send({"type": "http.response.body", "body": answer.body})
            else:
                await send({"type": "http.response.start", "status": status, "headers": answer.headers})
                try:
                    async for chunk in answer.stream:
                        await send({"type": "http.response.body", "body": chunk, "more_body": True})
                except (Timeout, WorkerError) as exc:
                    fields["error"] = f"cut short mid-stream: {exc}"
                    # the connection is dropped: a truncated body must not look complete
                    raise StreamCutShort(str(exc)) from None
                finally:
                    await answer.stream.aclose()  # a worker left mid-stream is replaced, not leaked
                await send({"type": "http.response.body", "body": b""})
        finally:
            if answer.on_close is not None:
                answer.on_close()
            counter = self._ok_counter.get(status)
            if counter is None:
                counter = self._ok_counter[status] = self.metrics.requests.labels("sparql", str(status))
            counter.inc()
            self._latency.observe(time.perf_counter() - started)
            if access_log.isEnabledFor(logging.INFO):
                client = scope.get("client")
                access_log.info(
                    json.dumps(
                        {
                            "method": method,
                            "path": scope["path"],
                            "status": status,
                            "ms": round((time.perf_counter() - started) * 1000, 3),
                            "client": client[0] if client else None,
                            **fields,
                        },
                        ensure_ascii=False,
                    )
                )

    def _preflight(self, headers: dict[str, str]) -> Answer:
        h = [
            (b"access-control-allow-methods", b"GET, POST, OPTIONS"),
            (b"access-control-max-age", b"86400"),
            (b"allow", b"GET, POST, OPTIONS"),
        ]
        requested = headers.get("access-control-request-headers")
        if requested:
            h.append((b"access-control-allow-headers", requested.encode("latin-1")))
        return Answer(200, h, b"")

    # ------------------------------------------------------------------ protocol
    def check(self, query: str):
        found = self._checks.get(query)
        if found is None:
            try:
                found = check_query(
                    query,
                    max_query_bytes=self.config.max_query_bytes,
                    service_allow=self.config.service_allow,
                    max_depth=self.config.max_depth,
                )
            except QueryError as exc:
                found = exc
            self._checks.put(query, found)
        if isinstance(found, QueryError):
            raise found
        return found

    def negotiate(self, form: str, accept: str | None, fmt: str | None) -> str:
        key = (form, accept, fmt)
        found = self._negotiated.get(key)
        if found is None:
            try:
                found = formats.negotiate(form, accept, fmt).media_type
            except formats.NotAcceptable as exc:
                found = exc
            self._negotiated.put(key, found)
        if isinstance(found, formats.NotAcceptable):
            raise found
        return found

    # ------------------------------------------------------------------ the answer
    async def answer(self, scope, receive, headers: dict[str, str], fields: dict) -> Answer:
        service = self.service
        cfg = self.config
        metrics = self.metrics
        try:
            query, default_graphs, named_graphs, other = await self.protocol.read(scope, receive, headers)
        except ProtocolError as exc:
            if exc.status == 403:
                metrics.refused.labels("update").inc()
            return text_answer(exc.status, exc.message, exc.headers)
        accept = headers.get("accept")
        fmt = other.get("format") or other.get("output")
        host = headers.get("host") or "localhost"
        endpoint = f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}{scope['path']}"
        if query is None:
            if scope["method"] != "GET":
                return text_answer(
                    400, "no query given (parameter 'query' or an application/sparql-query body)"
                )
            if (
                fmt is None
                and accept
                and next((m for m, q in formats.parse_accept(accept) if q > 0), None)
                in ("text/html", "application/xhtml+xml")
            ):  # a browser: the query editor
                lang = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"))).get("lang")
                editor = f"{scope.get('root_path', '')}/query" + (
                    f"?lang={lang}" if lang in ("uk", "en") else ""
                )
                return Answer(303, [(b"location", editor.encode()), (b"vary", b"Accept, Origin")])
            return await self.describe_service(endpoint, accept, fmt)
        try:
            info = self.check(query)
        except QueryError as exc:
            if exc.status == 403:
                metrics.refused.labels("service" if "SERVICE" in exc.message else "update").inc()
            return text_answer(exc.status, exc.message)
        media_type = None
        if info.form:
            try:
                media_type = self.negotiate(info.form, accept, fmt)
            except formats.NotAcceptable as exc:
                return text_answer(406, str(exc))
        try:
            version = await service.data_version()
        except Exception as exc:  # NoStore names the store's path: logged, not answered
            logging.getLogger("zkg.endpoint").warning("no data version: %s", exc)
            public = exc.message if isinstance(exc, NoStore) else "the graph cannot be read"
            return text_answer(503, f"no data available: {public}", {"Retry-After": cfg.retry_after})
        key = (version, media_type, query, tuple(default_graphs), tuple(named_graphs), endpoint)
        base_headers = [(b"vary", b"Accept, Origin"), (b"cache-control", cfg.cache_control.encode("latin-1"))]
        if media_type:
            digest = hashlib.blake2b(repr(key[1:]).encode("utf-8"), digest_size=10).hexdigest()
            etag = f'"{version}-{digest}"'
            base_headers.append((b"etag", etag.encode("latin-1")))
            inm = headers.get("if-none-match")
            if inm and etag_matches(inm, etag):
                metrics.not_modified.inc()
                fields["cache"] = "304"
                return Answer(304, base_headers)
            hit = service.cache.get(key)
            if hit is not None:
                metrics.cache_hits.inc()
                fields["cache"] = "hit"
                return self._body(hit[0], hit[1], hit[2], base_headers)
        metrics.cache_misses.inc()
        if access_log.isEnabledFor(logging.INFO):
            fields["q"] = hashlib.blake2b(query.encode("utf-8"), digest_size=6).hexdigest()
        if service.in_flight >= cfg.max_concurrent:
            metrics.rejected.inc()
            return text_answer(
                503,
                f"too many concurrent queries (limit {cfg.max_concurrent}); retry shortly",
                {"Retry-After": cfg.retry_after},
            )
        service.in_flight += 1
        metrics.in_flight.inc()

        def release():
            service.in_flight -= 1
            metrics.in_flight.dec()

        stream_owned = False
        try:
            deadline = asyncio.get_running_loop().time() + cfg.timeout
            try:
                outcome = await service.executor.run(
                    query,
                    media_type=media_type,
                    accept=accept,
                    format=fmt,
                    default_graph_uris=default_graphs,
                    named_graph_uris=named_graphs,
                    build_id=service.backend.current_build_id(),
                    deadline=deadline,
                    base_iri=endpoint,
                    lookup=info.lookup,
                )
            except Timeout:
                metrics.timeouts.inc()
                return text_answer(
                    503,
                    f"query stopped: it ran longer than the time limit of {cfg.timeout:g} s "
                    "(ZKG_SPARQL_TIMEOUT)",
                )
            except WorkerError as exc:
                return text_answer(exc.status, exc.message)
            except WorkerFailed as exc:  # names the worker's pid: logged, not answered
                logging.getLogger("zkg.endpoint").warning("query worker failed: %s", exc)
                return text_answer(500, "the query worker running this query failed")
            if outcome.body is not None:
                if media_type is None:  # the form was only known after running: key by the real type
                    key = (version, outcome.media_type) + key[2:]
                service.cache.put(key, (outcome.media_type, outcome.body, outcome.capped_rows))
                return self._body(outcome.media_type, outcome.body, outcome.capped_rows, base_headers)
            # a large result: streamed; the in-flight slot is released when the stream ends
            stream_owned = True
            fields["streamed"] = True
            h = list(base_headers)
            h.append((b"content-type", formats.Choice(outcome.media_type).content_type.encode()))
            if outcome.capped_rows:
                h.append((b"x-sparql-maxrows", str(outcome.capped_rows).encode()))

            async def stream():
                try:
                    async for chunk in aiter_list(outcome.head_chunks, outcome.rest):
                        yield chunk
                except Timeout:
                    metrics.timeouts.inc()
                    raise

            return Answer(200, h, stream=stream(), on_close=release)
        finally:
            if not stream_owned:
                release()

    async def describe_service(self, endpoint: str, accept: str | None, fmt: str | None) -> Answer:
        """``GET /sparql`` without a query: the service description."""
        try:
            content_type, body = await self.service.describe(endpoint, accept, fmt)
        except formats.NotAcceptable as exc:
            return text_answer(406, str(exc))
        return Answer(200, [(b"content-type", content_type.encode()), (b"vary", b"Accept, Origin")], body)

    @staticmethod
    def _body(media_type: str, body: bytes, capped: int | None, base_headers) -> Answer:
        h = list(base_headers)
        h.append((b"content-type", formats.Choice(media_type).content_type.encode()))
        if capped:
            h.append((b"x-sparql-maxrows", str(capped).encode()))
        return Answer(200, h, body)
