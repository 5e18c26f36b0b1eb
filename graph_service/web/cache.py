"""One bounded LRU (:class:`LRU`), and finished page responses replayed ahead of the framework.

:class:`LRU` is every cache of the service: the pages' query results (``context.Site``), the
dataset description and sitemap entities (``publish.publisher``), the response cache below; it
is bounded by entries and, optionally, by the bytes of its values, and is thread-safe.

:class:`ResponseCache`: the data changes only when the ETL publishes a new build, so a page's
response is a function of the data version and the request: path, query string and the headers a
page varies on (``Host`` for link rewriting, ``Accept``, ``Accept-Language``, and ``Origin`` for
CORS). A repeated request is answered from here without routing, middleware, querying or
rendering — the same trick the ``/sparql`` handler uses to stay off the framework's hot path.
Which paths are cacheable is declared in the route table (``graph_service.web.routes``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Generic, TypeVar

ASGIApp = Callable[..., Awaitable[None]]
_KEY_HEADERS = (b"host", b"accept", b"accept-language", b"origin")

V = TypeVar("V")


class LRU(Generic[V]):
    """A thread-safe LRU of at most ``entries`` values (0 = off) and, when ``weigh`` is given,
    at most ``max_bytes`` in all and ``item_bytes`` per value (heavier values are not kept)."""

    def __init__(
        self,
        entries: int,
        *,
        max_bytes: int | None = None,
        item_bytes: int | None = None,
        weigh: Callable[[V], int] | None = None,
    ) -> None:
        self.entries = entries
        self.max_bytes = max_bytes
        self.item_bytes = item_bytes
        self.weigh = weigh or (lambda value: 0)
        self.size = 0
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable, default: Any = None) -> V | Any:
        with self._lock:
            value = self._items.get(key, _MISSING)
            if value is _MISSING:
                return default
            self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: V) -> bool:
        """Keep ``value`` (evicting the least recently used); False if it is not kept."""
        weight = self.weigh(value)
        if self.entries <= 0 or (self.item_bytes is not None and weight > self.item_bytes):
            return False
        with self._lock:
            if key in self._items:
                self.size -= self.weigh(self._items.pop(key))
            self._items[key] = value
            self.size += weight
            while self._items and (
                len(self._items) > self.entries or (self.max_bytes is not None and self.size > self.max_bytes)
            ):
                _, dropped = self._items.popitem(last=False)
                self.size -= self.weigh(dropped)
        return True

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.size = 0


_MISSING: Any = object()


class ResponseCache:
    def __init__(
        self,
        version: Callable[[], str | None],
        cacheable_path: Callable[[str], bool],
        entries: int = 256,
        max_bytes: int = 32 << 20,
    ) -> None:
        self.version = version
        self.cacheable_path = cacheable_path
        self.entries = entries
        self.max_bytes = max_bytes
        # a response no larger than an eighth of the budget is kept
        self._items: LRU[tuple[int, list, bytes]] = LRU(
            entries, max_bytes=max_bytes, item_bytes=max_bytes // 8, weigh=lambda item: len(item[2])
        )

    def __len__(self) -> int:
        return len(self._items)

    def _key(self, scope: dict) -> tuple | None:
        if (
            self.entries <= 0
            or scope["method"] not in ("GET", "HEAD")
            or not self.cacheable_path(scope["path"])
        ):
            return None
        try:
            version = self.version()
        except Exception:
            return None
        if version is None:
            return None
        headers = dict(scope["headers"])
        return (
            version,
            scope["method"],
            scope["path"],
            scope["query_string"],
            *(headers.get(h) for h in _KEY_HEADERS),
        )

    async def __call__(self, scope: dict, receive, send, downstream: ASGIApp) -> None:
        key = self._key(scope)
        if key is None:
            await downstream(scope, receive, send)
            return
        hit = self._items.get(key)
        if hit is not None:
            status, headers, body = hit
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        start: dict = {}
        parts: list[bytes] = []

        async def capture(message: dict) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))
            await send(message)

        await downstream(scope, receive, capture)
        self._keep(key, start, b"".join(parts))

    def _keep(self, key: tuple, start: dict, body: bytes) -> None:
        """Keep a finished 200 response without cookies."""
        headers = list(start.get("headers", []))
        if start.get("status") != 200:
            return
        if any(name.lower() == b"set-cookie" for name, _ in headers):
            return
        self._items.put(key, (200, headers, body))
