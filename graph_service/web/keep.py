"""What a build keeps for the first views, and writing it (read back by ``web/kept.py``).

Run by ``zhytomyr-kg build`` and ``zhytomyr-kg import`` on a build that is written but not live
yet (``etl.pipeline.build(keep=…)``, ``etl.load.load_to_disk(extras=…)``): the answers are whole
(no row cap, no deadline), computed once per build rather than once per HTTP process.
"""

from __future__ import annotations

import gzip
import io
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph_service.store import named_queries
from graph_service.store.base import parse_results
from graph_service.web.context import YEARS_QUERY
from graph_service.web.kept import KEPT_FILE
from graph_service.web.rows import rows_of
from graph_service.web.views.home import CHART_QUERY, PRIORITIES_QUERY, shown_priorities
from graph_service.web.views.list_data import ListSpec, batches, order_text
from graph_service.web.views.lists import LISTS, page_size
from zhytomyr_kg.store_layout import BUILD_INFO


def views(latest_year: str | None) -> list[tuple[ListSpec, dict[str, str]]]:
    """The lists' default views (the latest report year) and the home page's funders (any year)."""
    year = {"year": latest_year} if latest_year else {}
    return [(spec, year) for spec in LISTS.values()] + [(LISTS["funders"], {})]


def texts(latest_year: str | None) -> list[str]:
    """The kept whole-graph queries, bound as the first views bind them: the report years, the
    home page's priorities, and per view its order and facet counts."""
    found = [named_queries.get(name).text for name in (YEARS_QUERY, PRIORITIES_QUERY)]
    for spec, params in views(latest_year):
        found += [order_text(spec, params), named_queries.get(spec.facets_query).bind(**params)]
    return list(dict.fromkeys(found))


@dataclass
class KeptAnswers:
    """What a build keeps: SPARQL JSON answers by query text, and each view's order as its
    items' IRIs (lighter to read back than a hundred thousand rows)."""

    answers: dict[str, str] = field(default_factory=dict)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)


def answers(select: Callable[[str], str]) -> KeptAnswers:
    """Each kept query's answer, ``select(text)`` running one (SPARQL JSON); then the rows of
    each view's first page (``ZKG_PAGE_SIZE`` items) and the home page's chart of the priorities
    it shows, so that a first view asks the store nothing."""
    years = parse_results(select(named_queries.get(YEARS_QUERY).text)).rows
    latest = next((term.value for row in years if (term := row.get("year")) is not None), None)
    kept = KeptAnswers()
    orders = {order_text(spec, params): spec.item for spec, params in views(latest)}
    for text in texts(latest):
        answer = select(text)
        if text in orders:
            rows = parse_results(answer).rows
            keys = [term.value for row in rows if (term := row.get(orders[text])) is not None]
            kept.orders[text] = {"var": orders[text], "keys": keys}
        else:
            kept.answers[text] = answer
    priorities = shown_priorities(
        rows_of(parse_results(kept.answers[named_queries.get(PRIORITIES_QUERY).text]))
    )
    if priorities:  # the home page's chart, of the priorities it shows
        chart = named_queries.bind_values(named_queries.get(CHART_QUERY), "priority", priorities)
        kept.answers[chart] = select(chart)
    for spec, params in views(latest):
        keys = kept.orders[order_text(spec, params)]["keys"][: page_size()]
        for text in batches(spec, keys, params.get("year")) if keys else []:
            if text not in kept.answers:
                kept.answers[text] = select(text)
    return kept


def keep(build_dir: Path) -> None:
    """Write the kept answers of the build in ``build_dir`` into ``kept.json.gz`` beside it."""
    from graph_service.store.oxigraph import OxigraphBackend

    backend = OxigraphBackend(build_dir.parent.parent)  # no row cap: the answers must be whole

    def select(text: str) -> str:
        out = io.BytesIO()
        backend.execute(text, out.write, format="json", build_id=build_dir.name)
        return out.getvalue().decode("utf-8")

    info = json.loads((build_dir / BUILD_INFO).read_text(encoding="utf-8"))
    kept = answers(select)
    document = {
        "data_version": info.get("data_version") or build_dir.name,
        "answers": kept.answers,
        "orders": kept.orders,
    }
    part = build_dir / (KEPT_FILE + ".part")
    with gzip.open(part, "wt", encoding="utf-8", compresslevel=6) as out:
        json.dump(document, out, ensure_ascii=False)
    os.replace(part, build_dir / KEPT_FILE)
