"""An OpenAPI 3.0 description of the service, derived from the route table.

FastAPI describes only its own decorated routes; ours are a Starlette route table
(``graph_service.web.routes``) plus ``/sparql`` ahead of it, so this module describes them: every
path with its path parameters, and the query parameters each view reads. It is served at
``/openapi.json`` when ``ZKG_OPENAPI`` is on, and drives the schemathesis run of the hostile tests
(``tests/hostile/test_openapi_fuzz.py``), which must find no 5xx.
"""

from __future__ import annotations

import re
from typing import Any

from graph_service.web.routes import ROUTES
from zhytomyr_kg import __version__

#: query parameters every page view reads
_PAGE_PARAMS = ("lang", "format", "table")
#: query parameters particular paths read, besides the page ones
_EXTRA_PARAMS: dict[str, tuple[str, ...]] = {
    "/search": ("q",),
    "/search.{ext}": ("q",),
    "/query": ("query",),
    "/projects": ("status", "priority", "department", "funder"),
    "/departments": ("priority",),
    "/funders": ("kind", "department"),
    "/places": ("kind",),
}
_SPARQL = {
    "get": {
        "summary": "SPARQL 1.1 Protocol: query via GET",
        "parameters": [
            {"name": "query", "in": "query", "required": False, "schema": {"type": "string"}},
            {"name": "default-graph-uri", "in": "query", "required": False, "schema": {"type": "string"}},
            {"name": "named-graph-uri", "in": "query", "required": False, "schema": {"type": "string"}},
            {"name": "format", "in": "query", "required": False, "schema": {"type": "string"}},
        ],
        "responses": {"default": {"description": "results, a service description, or an error"}},
    }
}


def _openapi_path(path: str) -> tuple[str, list[str]]:
    """``/id/{path:path}`` → (``/id/{path}``, ["path"])."""
    names = re.findall(r"{(\w+)(?::\w+)?}", path)
    return re.sub(r"{(\w+)(?::\w+)?}", r"{\1}", path), names


def describe() -> dict[str, Any]:
    paths: dict[str, Any] = {"/sparql": _SPARQL}
    for entry in ROUTES:
        if entry.mount:
            continue
        path, names = _openapi_path(entry.path)
        query = (_PAGE_PARAMS if entry.group in ("pages", "queries", "publish") else ()) + _EXTRA_PARAMS.get(
            path, ()
        )
        parameters = [
            {"name": n, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
            for n in names
        ] + [{"name": n, "in": "query", "required": False, "schema": {"type": "string"}} for n in query]
        paths[path] = {
            "get": {
                "operationId": f"get {path}",
                "parameters": parameters,
                "responses": {"default": {"description": "HTML or data, or an error"}},
            }
        }
    return {
        "openapi": "3.0.3",
        "info": {"title": "Zhytomyr strategy knowledge graph", "version": __version__},
        "paths": paths,
    }
