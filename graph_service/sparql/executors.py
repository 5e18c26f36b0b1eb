"""How the HTTP process gets a query answered: a worker pool (embedded store) or a remote endpoint.

Both give back an :class:`~graph_service.sparql.pool.Outcome` or raise :class:`~graph_service.sparql.pool.Timeout`
/ :class:`~graph_service.sparql.pool.WorkerError`, so the endpoint does not care which it talks to.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, cast

from graph_service import conneg as formats
from graph_service.sparql.pool import Outcome, Timeout, WorkerError, WorkerPool
from graph_service.store.base import Backend, QueryError, ResultTooLarge
from zhytomyr_kg.settings import ServiceConfig, env

if TYPE_CHECKING:  # pragma: no cover
    import httpx

    from graph_service.store.oxigraph import OxigraphBackend
    from graph_service.store.remote import RemoteBackend


class Executor:
    kind = "executor"

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def run(
        self,
        sparql: str,
        *,
        media_type: str | None,
        accept: str | None,
        format: str | None,
        default_graph_uris: Sequence[str],
        named_graph_uris: Sequence[str],
        build_id: str | None,
        deadline: float,
        base_iri: str | None = None,
        lookup: str | None = None,
    ) -> Outcome:
        """Answer ``sparql`` before ``deadline``. ``lookup``: the query is a bounded lookup, and
        this is its text rebuilt from the parsed terms
        (:func:`graph_service.store.sparql_text.bounded_lookup`): the only text an executor may run
        outside a worker."""
        raise NotImplementedError

    def status(self) -> dict:
        return {"kind": self.kind}


class PoolExecutor(Executor):
    """Queries run in worker processes that the pool kills at the deadline.

    Except bounded lookups (one triple pattern: the work is the answer's size), which the
    HTTP process answers itself when the answer stays under ``ZKG_SPARQL_INLINE_BYTES``:
    handing them to a worker cost more than running them (docs/SERVICE.md, "Benchmark"). A
    lookup whose answer grows past that size is stopped there and sent to the pool.
    """

    kind = "process-pool"

    def __init__(self, backend: OxigraphBackend, config: ServiceConfig):
        self.backend = backend
        self.config = config
        self.inline_answers = 0
        self._warming: asyncio.Task | None = None
        env = {
            "ZKG_SPARQL_MAX_ROWS": str(config.max_rows),
            "ZKG_SPARQL_MAX_RESULT_BYTES": str(config.max_result_bytes),
            "ZKG_SPARQL_MAX_QUERY_BYTES": str(config.max_query_bytes),
            "ZKG_SPARQL_SERVICE_ALLOW": ",".join(config.service_allow),
            "ZKG_SPARQL_MEMORY_QUADS": str(config.memory_quads),
            "ZKG_SPARQL_WORKER_MEMORY": str(config.worker_memory),
        }
        self.pool = WorkerPool(
            backend.store_dir,
            config.pool_size,
            isolate_net=config.worker_netns and not config.service_allow,
            env=env,
            memory_limit=config.worker_memory,
        )

    async def start(self) -> None:
        await self.pool.start()

    async def close(self) -> None:
        await self.pool.close()

    async def run(
        self,
        sparql,
        *,
        media_type,
        accept,
        format,
        default_graph_uris,
        named_graph_uris,
        build_id,
        deadline,
        base_iri=None,
        lookup=None,
    ) -> Outcome:
        if lookup and self.config.inline_bytes > 0 and not default_graph_uris and not named_graph_uris:
            outcome = self._inline(lookup, media_type, accept, format, build_id)
            if outcome is not None:
                return outcome
        request = {
            "sparql": sparql,
            "media_type": media_type,
            "accept": accept,
            "format": format,
            "default_graph_uris": list(default_graph_uris),
            "named_graph_uris": list(named_graph_uris),
            "build_id": build_id,
            "base_iri": base_iri,
        }
        return await self.pool.run(request, deadline, self.config.stream_buffer)

    def _open_live(self) -> None:
        try:
            self.backend.store()
        except Exception:
            pass

    def _inline(self, lookup: str, media_type, accept, format, build_id) -> Outcome | None:
        """The answer to ``lookup`` (a bounded lookup as rebuilt by the query reader, never the
        request's own text) computed here, or None: the build is not open in this process yet
        (it is opened in a thread meanwhile, so the event loop never waits for it) or the answer
        is larger than the inline limit."""
        if build_id is None or self.backend.open_build_id != build_id:
            if self._warming is None or self._warming.done():  # the live build, never an older one
                self._warming = asyncio.get_running_loop().create_task(asyncio.to_thread(self._open_live))
            return None
        cfg = self.config
        limit = min(cfg.inline_bytes, cfg.stream_buffer, cfg.max_result_bytes)
        chunks: list[bytes] = []
        try:
            result = self.backend.execute(
                lookup,
                chunks.append,
                accept=accept,
                format=format,
                media_type=media_type,
                build_id=build_id,
                max_bytes=limit,
            )
        except ResultTooLarge as exc:
            if limit == cfg.max_result_bytes:
                raise WorkerError(exc.status, exc.message) from exc
            return None
        except QueryError as exc:
            raise WorkerError(exc.status, exc.message) from exc
        except formats.NotAcceptable as exc:
            raise WorkerError(406, str(exc)) from exc
        self.inline_answers += 1
        return Outcome(result.media_type, result.form, result.capped_rows, b"".join(chunks), [], None)

    def status(self) -> dict:
        return {
            "kind": self.kind,
            **self.pool.status(),
            "inline_answers": self.inline_answers,
            "memory": memory_status(self.config, self.backend),
        }


def _mib(n: int) -> str:
    return f"{n / 2**20:,.1f} MiB"


def memory_status(config: ServiceConfig, backend: Backend) -> dict:
    """Whether this process holds the open build in memory, and why (``/health``, the startup
    log); empty for a backend without an in-memory copy (a remote endpoint)."""
    if backend.executor_kind != PoolExecutor.kind:
        return {}
    plan = config.memory_plan()
    quads = getattr(backend, "open_quads", None)
    in_memory = bool(getattr(backend, "in_memory", False))
    limit = plan["quad_limit"]
    applied = getattr(backend, "memory_quads", limit)
    if applied != limit:  # a backend made by its caller (tests, tools), not from the settings
        plan = {"source": "the backend's own memory_quads", "quad_limit": applied}
        limit = applied
    where = "held in memory" if in_memory else "read from disk"
    size = "its size unknown" if quads is None else f"{quads:,} quads"
    if plan["source"] != "ZKG_MEMORY_BUDGET":
        why = f"{size}; {plan['source']} = {limit} (set explicitly) copies builds up to {limit:,} quads"
    else:
        per_quad, copies = plan["bytes_per_quad"], plan["copies"]
        need = f"{_mib(quads * per_quad * copies)}" if quads is not None else "unknown"
        why = (
            f"{size} × {per_quad} B × {copies} copies (this HTTP process and its query workers) = {need}; "
            f"ZKG_MEMORY_BUDGET = {_mib(plan['budget'])}, so builds up to {limit:,} quads are copied"
        )
        if plan.get("limited_by"):
            why += f" (at most half of ZKG_SPARQL_WORKER_MEMORY = {_mib(config.worker_memory)} per copy)"
    return {**plan, "quads": quads, "in_memory": in_memory, "why": f"{where}: {why}"}


class RemoteExecutor(Executor):
    """Queries forwarded to a SPARQL 1.1 endpoint; the deadline closes the HTTP request."""

    kind = "remote"

    def __init__(self, backend: RemoteBackend, config: ServiceConfig):
        self.backend = backend
        self.config = config
        self.client: httpx.AsyncClient | None = None

    async def start(self) -> None:
        import httpx  # here: an HTTP process on the embedded store never loads it (~80 ms per start)

        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(self.config.timeout + 1.0),
            limits=httpx.Limits(max_connections=max(8, self.config.max_concurrent)),
        )

    async def close(self) -> None:
        if self.client is not None:
            await self.client.aclose()

    async def run(
        self,
        sparql,
        *,
        media_type,
        accept,
        format,
        default_graph_uris,
        named_graph_uris,
        build_id,
        deadline,
        base_iri=None,
        lookup=None,
    ) -> Outcome:
        import httpx

        assert self.client is not None
        form = "SELECT"
        if media_type is None:
            raise WorkerError(400, "could not tell the query form (SELECT/ASK/CONSTRUCT/DESCRIBE)")
        for f in ("SELECT", "ASK", "CONSTRUCT"):
            if media_type in formats.offered_for(f):
                form = f
                break
        from graph_service.store.remote import (
            ATTEMPTS,
            QUERY_HEADERS,
            connection_broke,
            query_form,
            unreachable,
            wire_accept,
        )

        # the dataset's graphs unless the request or the query names its own (system graphs out)
        try:
            default_graph_uris, named_graph_uris = await asyncio.to_thread(
                self.backend.protocol_dataset_for, sparql, default_graph_uris, named_graph_uris
            )
        except QueryError as exc:
            raise WorkerError(exc.status, exc.message) from None
        form_fields = query_form(sparql, default_graph_uris, named_graph_uris)
        headers = {**QUERY_HEADERS, "Accept": wire_accept(media_type)}
        try:
            async with asyncio.timeout_at(deadline):
                attempt = 1
                while True:
                    request = self.client.build_request(
                        "POST", self.backend.endpoint_url, data=form_fields, headers=headers
                    )
                    try:
                        return await self._exchange(request, media_type, form)
                    except httpx.HTTPError as exc:
                        if attempt == ATTEMPTS or not connection_broke(exc):
                            raise
                        attempt += 1
        except TimeoutError:
            raise Timeout() from None
        except httpx.HTTPError as exc:
            raise WorkerError(502, unreachable(exc)) from exc

    async def _exchange(self, request: httpx.Request, media_type: str, form: str) -> Outcome:
        """Send ``request`` and read the whole answer, written in ``media_type`` as the embedded
        store writes it; a result over ``ZKG_SPARQL_MAX_RESULT_BYTES`` is refused as it arrives."""
        from graph_service.store.remote import capped_rows, decoded_body, reserialised

        assert self.client is not None
        response = await self.client.send(request, stream=True)
        try:
            if response.status_code >= 400:
                text = (await response.aread()).decode("utf-8", "replace")[:2000]
                status = response.status_code if response.status_code < 500 else 502
                raise WorkerError(status, f"remote endpoint answered {response.status_code}: {text}")
            got = response.headers.get("content-type", media_type).split(";")[0].strip().lower()
            got = formats.ALIASES.get(got, got)
            chunks: list[bytes] = []
            size = 0
            # aiter_bytes, not aiter_raw: a Content-Encoding the engine chose is undone here
            async for chunk in response.aiter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if size > self.config.max_result_bytes:
                    raise WorkerError(413, "result larger than ZKG_SPARQL_MAX_RESULT_BYTES")
            try:  # written here as the embedded store writes it (remote.WIRE_ACCEPT)
                body = await asyncio.to_thread(
                    reserialised, decoded_body(b"".join(chunks), got), got, media_type
                )
            except QueryError as exc:  # never answered, so never cached
                raise WorkerError(exc.status, exc.message) from None
            return Outcome(media_type, form, capped_rows(response.headers), body, [], None)
        finally:
            await response.aclose()


class ThreadExecutor(Executor):
    """Any other :class:`Backend`, run in a thread (the deadline cannot stop the thread)."""

    kind = "thread"

    def __init__(self, backend: Backend, config: ServiceConfig):
        self.backend = backend
        self.config = config

    async def run(
        self,
        sparql,
        *,
        media_type,
        accept,
        format,
        default_graph_uris,
        named_graph_uris,
        build_id,
        deadline,
        base_iri=None,
        lookup=None,
    ) -> Outcome:
        def call():
            result = self.backend.query(
                sparql,
                accept=media_type or accept,
                format=None if media_type else format,
                default_graph_uris=default_graph_uris,
                named_graph_uris=named_graph_uris,
            )
            return result.media_type, result.form, result.read()

        try:
            async with asyncio.timeout_at(deadline):
                media, form, body = await asyncio.to_thread(call)
        except TimeoutError:
            raise Timeout() from None
        except QueryError as exc:
            raise WorkerError(exc.status, exc.message) from exc
        except formats.NotAcceptable as exc:
            raise WorkerError(406, str(exc)) from exc
        return Outcome(media, form, None, body, [], None)


def executor_for(backend: Backend, config: ServiceConfig) -> Executor:

    if env("ZKG_SPARQL_EXECUTOR") == "thread":
        # for measuring the cost of isolation only: no time limit can stop a query here
        return ThreadExecutor(backend, config)
    kind = backend.executor_kind
    if kind == PoolExecutor.kind:
        return PoolExecutor(cast("OxigraphBackend", backend), config)
    if kind == RemoteExecutor.kind:
        return RemoteExecutor(cast("RemoteBackend", backend), config)
    return ThreadExecutor(backend, config)


async def aiter_list(items: list[bytes], rest: AsyncIterator[bytes] | None) -> AsyncIterator[bytes]:
    for item in items:
        yield item
    if rest is not None:
        async for item in rest:
            yield item
