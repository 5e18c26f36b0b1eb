"""Pages rendered before anyone asks: every entity and list page of a build, in the background.

The data changes only when the ETL publishes a build. When an HTTP process sees a new data
version (it looks every second, or on the next request with a remote backend), a background task
renders the list pages (``/``, ``/projects``, ``/departments``, ``/funders``, ``/places``) and the
page of every entity of the sitemap (``queries/sitemap-entities.rq``), in four variants each —
Ukrainian and English as ``Accept-Language`` chooses them, and with ``?lang=uk`` / ``?lang=en`` —
one page at a time, through the application itself (so a pre-rendered page is byte for byte what
a request would have got). Requests are never kept waiting for it: a page not rendered yet is
rendered on request as before.

Pages are rendered for the host ``prerender.invalid``; a request's own origin (or
``ZKG_PUBLIC_URL``) replaces it when one is served, so links point where they would have. The
bodies are kept zlib-compressed, per HTTP process, for the current data version only (at most
:data:`MAX_BYTES`). :meth:`Prerendered.lookup` is the response cache's fallback
(``graph_service/web/cache.py``): a first view after a build switch is then a dictionary lookup,
a decompression and a substitution. ``ZKG_PAGES_PRERENDER=0`` turns it off.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import quote

from graph_service import conneg
from graph_service.store import named_queries
from graph_service.web import i18n
from graph_service.web.context import Site


def _logger() -> logging.Logger:
    """One line on stderr per build and HTTP process (``serve`` keeps uvicorn's own log at warnings)."""
    logger = logging.getLogger("zkg.prerender")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


log = _logger()

ASGIApp = Callable[..., Awaitable[None]]
HOST = b"prerender.invalid"
ORIGIN = b"http://" + HOST
LIST_PATHS = ("/", "/projects", "/departments", "/funders", "/places")
#: (language, chosen with ?lang=) in the order they are rendered
VARIANTS = (("uk", False), ("en", False), ("en", True), ("uk", True))
MAX_BYTES = 96 << 20  # compressed bodies kept per HTTP process
_QUERY = {b"": None, b"lang=uk": "uk", b"lang=en": "en"}


@dataclass
class Rendered:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes  # compressed


@dataclass
class Progress:
    version: str | None = None
    paths: int = 0
    pages: int = 0
    bytes: int = 0
    seconds: float = 0.0
    done: bool = False
    started: float = field(default_factory=time.monotonic)


class Prerendered:
    """The pre-rendered pages of the current data version, and the task that renders them."""

    def __init__(self, site: Site, version: Callable[[], str | None], *, recheck: float = 1.0):
        self.site = site
        self.version = version
        self.recheck = recheck
        self.pages: dict[tuple[str, str, str, bool], Rendered] = {}
        self.progress = Progress()
        self._accept_html: dict[bytes, bool] = {}

    # -- serving ------------------------------------------------------------------------------
    def lookup(self, scope: dict, version: str) -> tuple[int, list, bytes] | None:
        """The finished response to ``scope`` if its page is pre-rendered for ``version``."""
        if scope["method"] != "GET" or not self.pages:
            return None
        query_lang = _QUERY.get(scope["query_string"], "?")
        if query_lang == "?":
            return None
        headers = dict(scope["headers"])
        if b"origin" in headers:  # CORS answers vary with it: rendered on request
            return None
        path = scope["path"]
        if path.startswith("/id/") and not self._wants_html(headers.get(b"accept", b"")):
            return None
        accept_language = headers.get(b"accept-language")
        lang, explicit = i18n.negotiate(
            query_lang, accept_language.decode("latin-1") if accept_language else None
        )
        hit = self.pages.get((version, path, lang, explicit))
        if hit is None:
            return None
        origin = self._origin(scope, headers)
        body = zlib.decompress(hit.body).replace(ORIGIN + b"/", origin)
        out = []
        for name, value in hit.headers:
            if name == b"content-length":
                value = str(len(body)).encode()
            elif ORIGIN in value:
                value = value.replace(ORIGIN + b"/", origin)
            out.append((name, value))
        return hit.status, out, body

    def _wants_html(self, accept: bytes) -> bool:
        known = self._accept_html.get(accept)
        if known is None:
            try:
                known = conneg.choose(None, None, accept.decode("latin-1") or None) == "html"
            except conneg.NotAcceptable:
                known = False
            if len(self._accept_html) < 256:
                self._accept_html[accept] = known
        return known

    def _origin(self, scope: dict, headers: dict) -> bytes:
        host = headers.get(b"host", b"").decode("latin-1")
        base = f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}/"
        return self.site.links.serving_base(base).encode("utf-8")

    # -- rendering ----------------------------------------------------------------------------
    def paths(self) -> list[str]:
        """The list pages, then every entity page of the sitemap."""
        query = named_queries.get("sitemap-entities").bind(base=self.site.id_base)
        base = self.site.links.base_iri
        entities = sorted(
            {
                "/" + term.value[len(base) :]
                for row in self.site.select(query)
                if (term := row.get("entity")) is not None and term.value.startswith(self.site.id_base)
            }
        )
        return [*LIST_PATHS, *entities]

    async def render(self, app: ASGIApp, path: str, lang: str, explicit: bool) -> Rendered | None:
        headers = [(b"host", HOST), (b"accept", b"text/html")]
        if not explicit:
            headers.append((b"accept-language", lang.encode()))
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": quote(path).encode("ascii"),
            "root_path": "",
            "query_string": f"lang={lang}".encode() if explicit else b"",
            "headers": headers,
            "client": ("127.0.0.1", 0),
            "server": (HOST.decode(), 80),
            "state": {},
        }
        start: dict = {}
        parts: list[bytes] = []

        async def receive() -> dict:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))

        await app(scope, receive, send)
        if start.get("status") != 200:
            return None
        headers_out = [(k.lower(), v) for k, v in start.get("headers", []) if k.lower() != b"set-cookie"]
        body = b"".join(parts)
        compressed = await asyncio.to_thread(zlib.compress, body, 6)
        return Rendered(200, headers_out, compressed)

    async def render_all(self, app: ASGIApp, version: str) -> None:
        """Render every page of ``version``; stops early if the data version changes again."""
        self.pages = {k: v for k, v in self.pages.items() if k[0] == version}
        progress = self.progress = Progress(version)
        paths = await asyncio.to_thread(self.paths)
        progress.paths = len(paths)
        for path in paths:
            for lang, explicit in VARIANTS:
                if self.version() != version:
                    return
                if (version, path, lang, explicit) in self.pages:
                    continue
                rendered = await self.render(app, path, lang, explicit)
                if rendered is None:
                    continue
                if progress.bytes + len(rendered.body) > MAX_BYTES:
                    log.warning(
                        "pre-rendering stopped at %d pages: %d bytes kept", progress.pages, progress.bytes
                    )
                    progress.done = True
                    return
                self.pages[(version, path, lang, explicit)] = rendered
                progress.pages += 1
                progress.bytes += len(rendered.body)
                await asyncio.sleep(0)
        progress.seconds = time.monotonic() - progress.started
        progress.done = True
        log.info(
            "pre-rendered %d pages (%d paths) of data version %s in %.1f s, %.1f MB compressed (pid %d)",
            progress.pages,
            progress.paths,
            version,
            progress.seconds,
            progress.bytes / 1e6,
            os.getpid(),
        )

    async def run(self, app: ASGIApp) -> None:
        """Forever: when the data version changes, render its pages."""
        seen: str | None = None
        while True:
            try:
                version = await asyncio.to_thread(self.version)
            except Exception:
                version = None
            if version is not None and version != seen:
                seen = version
                try:
                    await self.render_all(app, version)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # the graph went away mid-way: try again on the next change
                    log.warning("pre-rendering data version %s failed: %s", version, exc)
                    seen = None
            await asyncio.sleep(self.recheck)
