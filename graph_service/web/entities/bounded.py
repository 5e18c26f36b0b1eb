"""Entity pages stay bounded: a table that grows with the graph shows its first rows and a link
to all of them (the page's ``.csv`` twin holds the whole table)."""

from __future__ import annotations

from typing import Any, TypeVar

from graph_service.web.context import Ctx
from zhytomyr_kg.settings import env

T = TypeVar("T")


def limit() -> int:
    """Rows an entity page shows of one table (``ZKG_PAGE_SIZE``)."""
    return max(1, int(env("ZKG_PAGE_SIZE")))


def first(
    ctx: Ctx, items: list[T], table: str, total: int | None = None
) -> tuple[list[T], dict[str, Any] | None]:
    """The first :func:`limit` of ``items`` and, when some are left out, the link to all
    ``total`` (default: ``len(items)``) in the ``.csv`` twin's ``table``."""
    n = len(items) if total is None else total
    cap = limit()
    if n <= cap:
        return items, None
    return items[:cap], {"n": n, "href": ctx.format_url("csv", table)}
