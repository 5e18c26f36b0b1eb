"""The query editor: ``/query``, YASGUI served from this service (no CDN) under ``/static/``.

The page carries its whole configuration as one JSON document (``#editor-config``): the endpoint
(this service's ``/sparql``), the project's prefixes (``zhytomyr_kg.vocab.PREFIXES``) and the named
queries tagged ``examples`` (``queries/*.rq``). ``static/editor.js`` starts YASGUI with it and
keeps the current query in the URL (``/query?query=…``), so a link reproduces it.

YASGUI is vendored, pinned, into ``static/yasgui/`` by ``scripts/vendor-yasgui.sh``.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from graph_service.store import named_queries
from zhytomyr_kg.resources import TEMPLATES_DIR
from zhytomyr_kg.vocab import PREFIXES

EXAMPLES_TAG = "examples"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))


def examples() -> list[dict[str, str]]:
    """The named queries tagged ``examples``, in file-name order."""
    return [
        {"name": q.name, "title": q.title, "description": q.description, "query": q.text}
        for q in named_queries.load_all().values()
        if EXAMPLES_TAG in q.tags
    ]


def default_query() -> str:
    lines = [f"PREFIX {prefix}: <{iri}>" for prefix, iri in PREFIXES.items()]
    body = "\n".join(
        line for line in named_queries.get("editor-start").text.splitlines() if not line.startswith("#")
    )
    return "\n".join(lines) + "\n\n" + body.strip() + "\n"


def editor_config(root_path: str) -> dict[str, Any]:
    return {
        "endpoint": root_path + "/sparql",  # resolved against the page's URL by editor.js
        "prefixes": dict(PREFIXES),
        "defaultQuery": default_query(),
        "examples": examples(),
    }


async def query_editor(request: Request) -> Response:
    root = request.scope.get("root_path", "").rstrip("/")
    return templates.TemplateResponse(
        request,
        "editor.html",
        {
            "config": editor_config(root),
            "static": root + "/static/",
            "endpoint": root + "/sparql",
            "query": request.query_params.get("query", ""),
        },
        headers={"Cache-Control": "no-cache"},
    )
