"""The sitemap: the dataset page, the vocabulary (``/ontology``, ``/shapes``), every named graph
(``queries/sitemap-graphs.rq``) and every entity IRI under the base
(``queries/sitemap-entities.rq``), as URLs of this service (``graph_service.urls.Links``);
above :data:`SITEMAP_LIMIT` URLs, a sitemap index of ``/sitemap-<n>.xml``."""

from __future__ import annotations

from xml.sax.saxutils import escape

from graph_service.store import named_queries
from zhytomyr_kg.settings import Settings

#: the sitemaps protocol's limit of URLs per file (https://www.sitemaps.org/protocol.html)
SITEMAP_LIMIT = 50_000
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def entity_iris(backend, settings: Settings) -> list[str]:
    """Every entity IRI with a page."""
    text = named_queries.get("sitemap-entities").bind(base=settings.id_base)
    return [row["entity"] for row in backend.select_rows(text) if row.get("entity")]


def graph_iris(backend, settings: Settings) -> list[str]:
    """Every named graph of the dataset (each has a page, ``/graph/…``)."""
    text = named_queries.get("sitemap-graphs").bind(graphs=settings.graph_base)
    return [row["g"] for row in backend.select_rows(text) if row.get("g")]


def lastmod(backend) -> str | None:
    """The day the live build was made (embedded store only)."""
    if (build := backend.live_build()) is not None:
        built = build.info().get("built")
        return built[:10] if built else None
    return None


def part_count(urls: list[str], limit: int) -> int:
    """How many ``/sitemap-<n>.xml`` files: 0 when one sitemap suffices."""
    return 0 if len(urls) <= limit else (len(urls) + limit - 1) // limit


def part(urls: list[str], n: int, limit: int) -> list[str]:
    """The URLs of ``/sitemap-<n>.xml`` (empty if there is no such part)."""
    return urls[(n - 1) * limit : n * limit] if n >= 1 and part_count(urls, limit) else []


def urlset(urls: list[str], modified: str | None) -> bytes:
    mod = f"<lastmod>{modified}</lastmod>" if modified else ""
    body = "".join(f"<url><loc>{escape(u)}</loc>{mod}</url>\n" for u in urls)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP_NS}">\n{body}</urlset>\n'.encode()
    )


def sitemap_index(service_url: str, parts: int, modified: str | None) -> bytes:
    mod = f"<lastmod>{modified}</lastmod>" if modified else ""
    body = "".join(
        f"<sitemap><loc>{escape(service_url)}/sitemap-{n}.xml</loc>{mod}</sitemap>\n"
        for n in range(1, parts + 1)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{SITEMAP_NS}">\n{body}'
        f"</sitemapindex>\n".encode()
    )
