"""Finished page responses replayed ahead of the framework (:class:`ResponseCache`).

The data changes only when the ETL publishes a new build, so a page's
response is a function of the data version and the request: path, query string and the headers a
page varies on (``Host`` for link rewriting, ``Accept``, ``Accept-Language``, and ``Origin`` for
CORS). A repeated request is answered from here without routing, middleware, querying or
rendering — the same trick the ``/sparql`` handler uses to stay off the framework's hot path.
Which paths are cacheable is declared in the route table (``graph_service.web.routes``). On a
miss, ``fallback`` may have the finished response already (the pages rendered in the background
when a build is published, ``graph_service/web/prerender.py``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from graph_service.lru import LRU

ASGIApp = Callable[..., Awaitable[None]]
_KEY_HEADERS = (b"host", b"accept", b"accept-language", b"origin")


class ResponseCache:
    def __init__(
        self,
        version: Callable[[], str | None],
        cacheable_path: Callable[[str], bool],
        entries: int = 256,
        max_bytes: int = 32 << 20,
        fallback: Callable[[dict, str], tuple[int, list, bytes] | None] | None = None,
    ) -> None:
        self.version = version
        self.cacheable_path = cacheable_path
        #: asked on a miss before rendering: a finished response from elsewhere (pre-rendered pages)
        self.fallback = fallback
        self.entries = entries
        self.max_bytes = max_bytes
        # a response no larger than an eighth of the budget is kept
        self._items: LRU[tuple[int, list, bytes]] = LRU(
            entries, max_bytes=max_bytes, item_bytes=max_bytes // 8, weigh=lambda key, item: len(item[2])
        )

    def __len__(self) -> int:
        return len(self._items)

    def _key(self, scope: dict) -> tuple | None:
        if (
            (self.entries <= 0 and self.fallback is None)
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
            scope.get("scheme"),  # links follow it (X-Forwarded-Proto from a trusted proxy)
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
        if hit is None and self.fallback is not None:
            hit = self.fallback(scope, key[0])
            if hit is not None and self.entries > 0:
                self._items.put(key, hit)
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
        if self.entries <= 0:
            return
        headers = list(start.get("headers", []))
        if start.get("status") != 200:
            return
        if any(name.lower() == b"set-cookie" for name, _ in headers):
            return
        self._items.put(key, (200, headers, body))
