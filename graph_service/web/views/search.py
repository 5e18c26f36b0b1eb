"""``/search`` and ``/search.json`` — full-text search (the index: ``graph_service/web/search.py``).

Results are grouped by class (the class's label from the ontology) with a count each; a report
that names an entity found by name says which (``via``); the matched words are marked."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from graph_service.web.context import Ctx, Page, Ref, Table
from graph_service.web.search import Hit, grouped
from graph_service.web.search import search as run_search
from graph_service.web.views.base import respond


def search_page(ctx: Ctx, q: str) -> Page:
    hits: list[Hit] = []
    available = True
    path = ctx.site.search_path()
    if q.strip():
        if path is None or not path.exists():
            available = False
        else:
            hits, _ = run_search(path, q)
    refs = {
        hit.source: Ref(hit.iri, ctx.href(hit.iri), ctx.label(hit.label_uk, hit.label_en, hit.iri))
        for hit in hits
        if hit.kind != "report"
    }
    results: list[dict[str, Any]] = []
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
                "via": [refs[v] for v in hit.via if v in refs],
                "names": hit.names,
            }
        )
    table = Table(
        "results",
        ["iri", "source", "kind", "label", "line", "field", "via", "snippet", "score"],
        [
            {
                "iri": r["ref"].iri,
                "source": r["source"],
                "kind": r["kind"],
                "label": r["ref"].label.text,
                "line": r["line"],
                "field": r["field"],
                "via": " ".join(v.iri for v in r["via"]),
                "snippet": "".join(s for s, _ in r["snippet"]),
                "score": r["score"],
            }
            for r in results
        ],
    )
    return Page(
        "search.html",
        ctx.t("search"),
        {"q": q, "results": results, "groups": grouped(results), "available": available},
        [table],
    )


async def search(request: Request) -> Response:
    q = request.query_params.get("q", "")[:200]
    return await respond(request, lambda ctx: search_page(ctx, q), suffix=request.path_params.get("ext"))
