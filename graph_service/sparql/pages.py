"""Page queries under the endpoint's limits: a deadline and the query workers' memory cap.

The page builders run in threads (``asyncio.to_thread``) and ask for a query's answer
synchronously. pyoxigraph cannot interrupt a query running in a thread, and an allocation that
fails there aborts the whole HTTP process, so :class:`PageQueries` hands each page query to the
service's executor on the event loop — the same query workers as ``/sparql``, which are killed at
the deadline and capped by ``ZKG_SPARQL_WORKER_MEMORY`` — and waits for the answer in the
builder's thread. A query stopped by either limit raises :class:`PageQueryStopped` (a
:class:`QueryError` with status 503 and ``Retry-After``), which the page turns into a 503.

Before the service's event loop has started (an application used without its lifespan), and on
the event loop's own thread (which must not wait for itself), queries run in-process as before.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from typing import TYPE_CHECKING

from graph_service.sparql.pool import Timeout, WorkerError, WorkerFailed, WorkerOutOfMemory
from graph_service.store.base import QueryError, QueryResult

if TYPE_CHECKING:  # pragma: no cover
    from graph_service.sparql.service import Service

log = logging.getLogger("zkg.pages")


class PageQueryStopped(QueryError):
    """A page query stopped by a limit (time or memory): 503 with ``Retry-After``.

    ``reason`` is ``"timeout"`` or ``"memory"``; the page shows a message in its language."""

    def __init__(self, reason: str, message: str, retry_after: int):
        super().__init__(503, message, {"Retry-After": str(retry_after)})
        self.reason = reason


class PageQueries:
    """Runs a page's query through ``service``'s executor before ``ZKG_PAGES_TIMEOUT``
    (else ``ZKG_SPARQL_TIMEOUT``), from any thread but the event loop's."""

    def __init__(self, service: Service):
        self.service = service
        self.loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self.stopped = {"timeout": 0, "memory": 0}  # page queries stopped by each limit

    def bind(self) -> None:
        """Called on the running event loop when the application starts."""
        self.loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()

    def __call__(self, sparql: str, media_type: str) -> QueryResult:
        """The answer to ``sparql`` serialised as ``media_type`` (a SELECT's SPARQL JSON, a
        graph's N-Triples …). Raises :class:`PageQueryStopped`, :class:`QueryError` or NoStore."""
        loop = self.loop
        if loop is None or loop.is_closed() or threading.get_ident() == self._loop_thread:
            return self.service.backend.query(sparql, accept=media_type)
        build_id = self.service.backend.current_build_id()  # raises NoStore: no data yet
        future = asyncio.run_coroutine_threadsafe(self._run(sparql, media_type, build_id), loop)
        try:  # the coroutine keeps the deadline; this bound only guards against a loop that stopped
            return future.result(self.service.config.page_timeout + 30)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise QueryError(503, "the service is shutting down", {"Retry-After": "1"}) from None

    async def _run(self, sparql: str, media_type: str, build_id: str | None) -> QueryResult:
        service = self.service
        config = service.config
        seconds = config.page_timeout
        deadline = asyncio.get_running_loop().time() + seconds
        try:
            outcome = await service.executor.run(
                sparql,
                media_type=media_type,
                accept=media_type,
                format=None,
                default_graph_uris=(),
                named_graph_uris=(),
                build_id=build_id,
                deadline=deadline,
            )
            body = outcome.body
            if body is None:  # larger than the stream buffer: read the rest, still before the deadline
                chunks = list(outcome.head_chunks)
                if outcome.rest is not None:
                    async with asyncio.timeout_at(deadline):
                        async for chunk in outcome.rest:
                            chunks.append(chunk)
                body = b"".join(chunks)
        except (Timeout, TimeoutError):
            service.metrics.timeouts.inc()
            self.stopped["timeout"] += 1
            raise PageQueryStopped(
                "timeout",
                f"a query of this page ran longer than the time limit of {seconds:g} s "
                f"({'ZKG_PAGES_TIMEOUT' if config.pages_timeout > 0 else 'ZKG_SPARQL_TIMEOUT'})",
                config.retry_after,
            ) from None
        except WorkerOutOfMemory as exc:
            self.stopped["memory"] += 1
            raise PageQueryStopped("memory", exc.message, config.retry_after) from None
        except WorkerError as exc:
            raise QueryError(exc.status, exc.message) from None
        except WorkerFailed as exc:  # names the worker's pid: logged, not shown
            log.warning("query worker failed on a page query: %s", exc)
            raise QueryError(503, "the query worker running this page's query failed") from None
        return QueryResult(outcome.media_type, outcome.form, iter([body]), outcome.capped_rows)

    def status(self) -> dict:
        return {"timeout": self.service.config.page_timeout, "stopped": dict(self.stopped)}
