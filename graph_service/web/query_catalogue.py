"""The catalogue of named queries as the ``/queries`` pages offer it: which are for research and
which the service uses itself, the result files each query form has, the parameters a request
gives (a typo is refused, never ignored), and the URLs of a query's page and files.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from graph_service.store import named_queries, sparql_text
from graph_service.store.named_queries import BadParameter, NamedQuery
from graph_service.web.context import Ctx

#: Query-string arguments the pages use themselves: never bound as query parameters.
PAGE_ARGS = ("lang",)
#: Tags of the queries meant for research; untagged queries count as research too.
RESEARCH_TAGS = ("examples", "stats")
#: Result file extensions offered per query form (each is a ``format=`` name of conneg.py).
EXTENSIONS = {
    "SELECT": ("csv", "tsv", "json", "xml"),
    "ASK": ("json", "xml"),
    "CONSTRUCT": ("ttl", "nt", "jsonld", "rdf"),
    "DESCRIBE": ("ttl", "nt", "jsonld", "rdf"),
}


@lru_cache(maxsize=256)
def query_form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE (SELECT when the text cannot be told)."""
    return sparql_text.analyse(text).form or "SELECT"


def extensions(query: NamedQuery) -> tuple[str, ...]:
    return EXTENSIONS[query_form(query.text)]


def is_research(query: NamedQuery) -> bool:
    return not query.tags or any(tag in RESEARCH_TAGS for tag in query.tags)


def ordered_queries() -> list[NamedQuery]:
    """Research queries first (examples, then stats, then untagged), then the service's by tag."""

    def key(q: NamedQuery) -> tuple:
        if is_research(q):
            rank = next((i for i, tag in enumerate(RESEARCH_TAGS) if tag in q.tags), len(RESEARCH_TAGS))
            return (0, rank, "", q.name)
        return (1, 0, q.tags[0], q.name)

    return sorted(named_queries.load_all().values(), key=key)


def parameter_values(query: NamedQuery, args: list[tuple[str, str]]) -> dict[str, str]:
    """The query's parameters given in ``args`` (empty ones left unbound, as in the form);
    raises :class:`BadParameter` for an unknown or repeated name, so a typo never widens a query."""
    unknown = sorted({k for k, _ in args if k not in query.params and k not in PAGE_ARGS})
    if unknown:
        accepted = ", ".join((*query.params, *PAGE_ARGS))
        raise BadParameter(f"{query.name} takes {accepted}; not {', '.join(unknown)}")
    values: dict[str, str] = {}
    for key, value in args:
        if key in query.params:
            if key in values:
                raise BadParameter(f"give {key} once")
            if value:
                values[key] = value
    return values


def query_urls(ctx: Ctx, query: NamedQuery, values: dict[str, str] | None = None) -> dict[str, str]:
    """The page and result-file URLs of ``query`` (with ``values`` as arguments)."""
    urls = {"page": ctx.url(f"queries/{query.name}", **(values or {}))}
    for ext in extensions(query):
        urls[ext] = ctx.root + f"queries/{query.name}.{ext}" + ("?" + urlencode(values) if values else "")
    return urls


def listing(ctx: Ctx) -> list[dict[str, Any]]:
    """Every named query as the list page and ``/queries.json`` show it (in the page's language)."""
    out = []
    for q in ordered_queries():
        urls = query_urls(ctx, q, ctx.lang_params or None)  # a chosen language: the files' labels too
        out.append(
            {
                "name": q.name,
                "title": q.title_in(ctx.lang),
                "description": q.description_in(ctx.lang),
                "params": list(q.params),
                "arguments": [*q.params, *PAGE_ARGS],
                "tags": list(q.tags),
                "group": "research" if is_research(q) else "service",
                "url": urls.pop("page"),
                "formats": urls,
                "sparql": q.text,
            }
        )
    return out
