"""The query editor: ``/query``, YASGUI served from this service (no CDN) under ``/static/``.

The page is one of the site's pages (``base.html``: navigation, the language switch, one
language at a time). It carries its whole configuration as one JSON document (``#editor-config``):
the endpoint (this service's ``/sparql``), the project's prefixes (``zhytomyr_kg.vocab.PREFIXES``),
the named queries tagged ``examples`` (``queries/*.rq``, titles and descriptions in the page's
language) and the words YASGUI shows in the page's language. ``static/editor.js`` starts YASGUI
with it, shows literals plainly (``48``, not ``"48"^^xsd:integer``) and keeps the current query in
the URL (``/query?query=…``), so a link reproduces it.

YASGUI is vendored, pinned, into ``static/yasgui/`` by ``scripts/vendor-yasgui.sh``.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from graph_service.store import named_queries
from graph_service.web import i18n
from graph_service.web.context import Ctx, Page
from graph_service.web.views.base import html, site_of
from zhytomyr_kg.vocab import PREFIXES

EXAMPLES_TAG = "examples"

#: YASGUI's own English words (buttons, table controls) → interface keys of ``i18n.MESSAGES``
YASGUI_WORDS = {
    "Query": "yasgui_query",
    "Table": "yasgui_table",
    "Response": "yasgui_response",
    "Simple view": "yasgui_simple_view",
    "Ellipse": "yasgui_ellipse",
    "Filter query results": "yasgui_filter",
    "Download result": "yasgui_download",
    "Show all": "yasgui_show_all",
    "Run query": "yasgui_run",
    "Share query": "yasgui_share",
    "Add tab": "yasgui_add_tab",
    "Page size:": "yasgui_page_size",
}
#: YASGUI's sentences with numbers in them: (pattern, interface key with {n} and {s})
YASGUI_SENTENCES = [(r"^(\d+) results? in ([\d.]+) seconds?$", "yasgui_results_in")]
#: DataTables' sentences (the result table), by their option names
TABLE_WORDS = {
    "info": "table_info",
    "infoEmpty": "table_info_empty",
    "infoFiltered": "table_info_filtered",
    "emptyTable": "table_empty",
    "zeroRecords": "no_results",
    "lengthMenu": "table_length_menu",
    "search": "table_search",
}


def examples(lang: str | None = None) -> list[dict[str, str]]:
    """The named queries tagged ``examples``, in file-name order, titled in ``lang``."""
    return [
        {"name": q.name, "title": q.title_in(lang), "description": q.description_in(lang), "query": q.text}
        for q in named_queries.load_all().values()
        if EXAMPLES_TAG in q.tags
    ]


def default_query() -> str:
    lines = [f"PREFIX {prefix}: <{iri}>" for prefix, iri in PREFIXES.items()]
    body = "\n".join(
        line for line in named_queries.get("editor-start").text.splitlines() if not line.startswith("#")
    )
    return "\n".join(lines) + "\n\n" + body.strip() + "\n"


def editor_config(root_path: str, lang: str | None = None) -> dict[str, Any]:
    words = lang or i18n.DEFAULT
    return {
        "endpoint": root_path + "/sparql",  # resolved against the page's URL by editor.js
        "prefixes": dict(PREFIXES),
        "defaultQuery": default_query(),
        "examples": examples(lang),
        "lang": words,
        "words": {english: i18n.t(key, words) for english, key in YASGUI_WORDS.items()},
        "sentences": [[pattern, i18n.t(key, words)] for pattern, key in YASGUI_SENTENCES],
        "table": {option: i18n.t(key, words) for option, key in TABLE_WORDS.items()},
    }


def editor_page(ctx: Ctx, root_path: str, query: str) -> Page:
    return Page(
        "editor.html",
        ctx.t("editor_title"),
        {
            "config": editor_config(root_path, ctx.lang),
            "static": root_path + "/static/",
            "endpoint": root_path + "/sparql",
            "query": query,
        },
    )


async def query_editor(request: Request) -> Response:
    root = request.scope.get("root_path", "").rstrip("/")
    ctx = Ctx(site_of(request), request)
    page = editor_page(ctx, root, request.query_params.get("query", ""))
    return html(ctx, page, {"Cache-Control": "no-cache"})
