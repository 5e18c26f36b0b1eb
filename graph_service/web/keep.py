"""What a build keeps for the first views, and writing it (read back by ``web/kept.py``).

Run by ``zhytomyr-kg build`` and ``zhytomyr-kg import`` on a build that is written but not live
yet (``etl.load.load_to_disk`` calls it among the build's extras): the answers are whole (no row
cap, no deadline), computed once per build rather than once per HTTP process.
"""

from __future__ import annotations

import gzip
import io
import json
import os
from collections.abc import Callable
from pathlib import Path

from graph_service.store import named_queries
from graph_service.store.base import parse_results
from graph_service.web.context import YEARS_QUERY
from graph_service.web.kept import KEPT_FILE
from graph_service.web.views.home import CHART_QUERY, PRIORITIES_QUERY
from graph_service.web.views.list_data import order_text
from graph_service.web.views.lists import LISTS
from zhytomyr_kg.store_layout import BUILD_INFO


def texts(latest_year: str | None) -> list[str]:
    """The kept queries, bound as the first views bind them: the report years, the home page's
    priorities and chart, and per list its order and facet counts in the latest report year
    (the funders' order also with no year: the home page's first funders)."""
    year = {"year": latest_year} if latest_year else {}
    found = [named_queries.get(name).text for name in (YEARS_QUERY, PRIORITIES_QUERY, CHART_QUERY)]
    for spec in LISTS.values():
        found += [order_text(spec, year), named_queries.get(spec.facets_query).bind(**year)]
    found.append(order_text(LISTS["funders"], {}))
    return list(dict.fromkeys(found))


def answers(select: Callable[[str], str]) -> dict[str, str]:
    """Each kept query's SPARQL JSON answer, ``select(text)`` running one."""
    years = parse_results(select(named_queries.get(YEARS_QUERY).text)).rows
    latest = next((term.value for row in years if (term := row.get("year")) is not None), None)
    return {text: select(text) for text in texts(latest)}


def keep(build_dir: Path) -> None:
    """Write the kept answers of the build in ``build_dir`` into ``kept.json.gz`` beside it."""
    from graph_service.store.oxigraph import OxigraphBackend

    backend = OxigraphBackend(build_dir.parent.parent)  # no row cap: the answers must be whole

    def select(text: str) -> str:
        out = io.BytesIO()
        backend.execute(text, out.write, format="json", build_id=build_dir.name)
        return out.getvalue().decode("utf-8")

    info = json.loads((build_dir / BUILD_INFO).read_text(encoding="utf-8"))
    document = {"data_version": info.get("data_version") or build_dir.name, "answers": answers(select)}
    part = build_dir / (KEPT_FILE + ".part")
    with gzip.open(part, "wt", encoding="utf-8", compresslevel=6) as out:
        json.dump(document, out, ensure_ascii=False)
    os.replace(part, build_dir / KEPT_FILE)
