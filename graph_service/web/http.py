"""The HTTP connection, guarded: limits on what a client controls before the application sees it.

uvicorn's httptools protocol reads headers without a size, count or time limit, so one client can
send a 150 MB header (quadratic work in the HTTP process) or hold connections open by sending a
byte now and then (slowloris). :class:`GuardedHttpToolsProtocol` adds, per request:

* ``ZKG_HTTP_MAX_HEADER_BYTES`` — the request line and headers together (beyond: ``431``);
* ``ZKG_HTTP_MAX_HEADERS`` — the number of header fields (beyond: ``431``);
* ``ZKG_HTTP_HEADER_TIMEOUT`` — seconds from the first byte of a request (or the connection) to
  the end of its headers (beyond: the connection is closed);
* ``ZKG_HTTP_BODY_TIMEOUT`` — seconds from the end of the headers to the end of the body.

``zhytomyr-kg serve`` runs uvicorn with this protocol (``http=GuardedHttpToolsProtocol``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from zhytomyr_kg.settings import env

log = logging.getLogger("zkg.http")


class HeadersTooLarge(Exception):
    """Raised from a parser callback: httptools stops parsing, uvicorn answers through
    :meth:`GuardedHttpToolsProtocol.send_400_response`, which says 431 instead."""


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_header_bytes: int = env("ZKG_HTTP_MAX_HEADER_BYTES")
        self.max_headers: int = env("ZKG_HTTP_MAX_HEADERS")
        self.header_timeout: float = env("ZKG_HTTP_HEADER_TIMEOUT")
        self.body_timeout: float = env("ZKG_HTTP_BODY_TIMEOUT")
        self._received = 0  # bytes received while in the request line and headers
        self._parsed = 0  # bytes of request line and headers parsed
        self._in_head = True
        self._refusal: str | None = None
        self._deadline: asyncio.TimerHandle | None = None

    # -- timers ---------------------------------------------------------------------------
    def _arm(self, seconds: float, what: str) -> None:
        self._disarm()
        if seconds > 0:
            self._deadline = self.loop.call_later(seconds, self._too_slow, what)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self, what: str) -> None:
        log.warning("closing a connection from %s: %s too slow", self.client, what)
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.disconnected = True
            self.cycle.message_event.set()
        self.transport.close()

    # -- the connection -------------------------------------------------------------------
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.header_timeout, "headers")

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            self._received += len(data)
            if self._received > self.max_header_bytes + 65536:  # a body may share the packet
                self._refuse(f"request headers larger than {self.max_header_bytes} bytes")
                return
        super().data_received(data)

    def send_400_response(self, msg: str) -> None:
        if self._refusal is not None:
            self._refuse(self._refusal)
        else:
            super().send_400_response(msg)

    # -- parser callbacks -----------------------------------------------------------------
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head, self._received, self._parsed = True, 0, 0
        self._arm(self.header_timeout, "headers")

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)
        if len(self.headers) >= self.max_headers:
            self._refusal = f"more than {self.max_headers} header fields"
            raise HeadersTooLarge(self._refusal)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._arm(self.body_timeout, "request body")
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def _count(self, size: int) -> None:
        self._parsed += size
        if self._parsed > self.max_header_bytes:
            self._refusal = f"request headers larger than {self.max_header_bytes} bytes"
            raise HeadersTooLarge(self._refusal)

    def _refuse(self, reason: str) -> None:
        body = f"{reason} (ZKG_HTTP_MAX_HEADER_BYTES, ZKG_HTTP_MAX_HEADERS)\n".encode()
        self.transport.write(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
            b"content-type: text/plain; charset=utf-8\r\nconnection: close\r\n"
            + f"content-length: {len(body)}\r\n\r\n".encode()
            + body
        )
        self._disarm()
        self._in_head = False
        self.transport.close()
