"""``/search`` and ``/search.json`` — full-text search (the index: ``graph_service/web/search.py``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from graph_service.web.context import Ctx, Page, Ref, Table
from graph_service.web.search import search as run_search
from graph_service.web.views.base import respond


def search_page(ctx: Ctx, q: str) -> Page:
    hits, expression, available = [], None, True
    path = ctx.site.search_path()
    if q.strip():
        if path is None or not path.exists():
            available = False
        else:
            hits, expression = run_search(path, q)
    results = []
    for hit in hits:
        results.append(
            {
                "ref": Ref(hit.iri, ctx.href(hit.iri), ctx.label(hit.label_uk, hit.label_en, hit.iri)),
                "kind": hit.kind,
                "line": hit.line,
                "snippet": hit.snippet,
                "source": hit.source,
                "field": hit.field,
                "score": round(hit.score, 3),
            }
        )
    table = Table(
        "results",
        ["iri", "source", "kind", "label", "line", "field", "snippet", "score"],
        [
            {
                "iri": r["ref"].iri,
                "source": r["source"],
                "kind": r["kind"],
                "label": r["ref"].label.text,
                "line": r["line"],
                "field": r["field"],
                "snippet": "".join(s for s, _ in r["snippet"]),
                "score": r["score"],
            }
            for r in results
        ],
    )
    return Page(
        "search.html",
        ctx.t("search"),
        {"q": q, "results": results, "expression": expression, "available": available},
        [table],
    )


async def search(request: Request) -> Response:
    q = request.query_params.get("q", "")[:200]
    return await respond(request, lambda ctx: search_page(ctx, q), suffix=request.path_params.get("ext"))
