"""The inputs of ``bench/scale.py``: N years of reports, and R cities of N-Quads.

Years: a later report is the bundled one with its header year changed (as ``tests/test_years.py``
makes them), so every year adds its progress reports to the same strategy.

Cities: the ETL refuses a second city (``etl/pipeline.py`` ``check_city``), so copies are made at
the N-Quads level from one city's export: city 0 is the export as it is; city k rewrites every
instance IRI (``{base}id/{kind}/…`` → ``{base}id/{kind}/{city}-…``), its strategy and report graphs
(``graph/strategy/{city}``, ``graph/report/{city}-{year}``) and its source documents
(``id/source/{city}-{year}``). Shared vocabulary stays shared: the ontology graph, the ``zkg:``
terms, statuses and causes. A line the rewriting leaves unchanged is written once (city 0's), so
the line count is the quad count. Everything is streamed (gzip in, gzip out).
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from zhytomyr_kg.resources import BUNDLED_REPORT

#: instance kinds that are vocabulary shared by every city (not rewritten)
SHARED_KINDS = ("status", "cause")
#: the header phrase naming the report year (etl/structure.py reads it)
YEAR_PHRASE = "за {year} рік"
FIRST_YEAR = 2022


def year_reports(folder: Path, years: int) -> list[Path]:
    """The bundled report and ``years - 1`` copies for the following years, written in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    text = BUNDLED_REPORT.read_text(encoding="utf-8")
    out = [BUNDLED_REPORT]
    for year in range(FIRST_YEAR + 1, FIRST_YEAR + years):
        path = folder / f"report-{year}.txt"
        path.write_text(
            text.replace(YEAR_PHRASE.format(year=FIRST_YEAR), YEAR_PHRASE.format(year=year)),
            encoding="utf-8",
        )
        out.append(path)
    return out


@dataclass(frozen=True)
class Cities:
    """What :func:`write_cities` wrote."""

    path: Path
    cities: int
    lines: int  # distinct quads
    per_city: int  # lines a further city adds


class CityRewriter:
    """Rewrites the IRIs of one N-Quads line for city ``k`` (a compiled pattern per base)."""

    def __init__(self, base_iri: str, city: str):
        b = re.escape(base_iri)
        shared = "|".join(SHARED_KINDS)
        self.city = city
        # graph/strategy/{city}, graph/report/{city}-{year}, id/source/{city}-{year}
        self.named = re.compile(
            rf"<({b}(?:graph/strategy/|graph/report/|id/source/)){re.escape(city)}(?=[>\-#/])"
        )
        # every other instance IRI: id/{kind}/… (kind not shared)
        self.instance = re.compile(rf"<({b}id/(?!(?:{shared}|source)/)[^/>#]+/)")

    def rewrite(self, line: str, slug: str) -> str:
        line = self.named.sub(lambda m: f"<{m.group(1)}{slug}", line)
        return self.instance.sub(lambda m: f"<{m.group(1)}{slug}-", line)


def city_slug(k: int) -> str:
    return f"c{k:04d}"


def base_city(nquads_gz: Path, base_iri: str) -> str:
    """The city slug of a one-city export, from its strategy graph's IRI."""
    pattern = re.compile(rf"<{re.escape(base_iri)}graph/strategy/([^>/]+)>")
    with gzip.open(nquads_gz, "rt", encoding="utf-8") as f:
        for line in f:
            if found := pattern.search(line):
                return found.group(1)
    raise SystemExit(f"{nquads_gz}: no graph/strategy/… graph under {base_iri}")


def _lines(nquads_gz: Path) -> Iterator[str]:
    with gzip.open(nquads_gz, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                yield line


def write_cities(nquads_gz: Path, out: Path, target_quads: int, base_iri: str) -> Cities:
    """City 0 (the export) and as many rewritten copies as reach ``target_quads``, to ``out``
    (gzipped N-Quads), streaming: the per-city lines are kept once, as text."""
    rewriter = CityRewriter(base_iri, base_city(nquads_gz, base_iri))
    base = list(_lines(nquads_gz))
    # the lines a further city rewrites; the others would repeat city 0's quads
    marker = city_slug(1)
    varying = [line for line in base if rewriter.rewrite(line, marker) != line]
    per_city = len(varying)
    cities = 1 + max(0, round((target_quads - len(base)) / per_city)) if per_city else 1
    written = 0
    with gzip.open(out, "wt", encoding="utf-8", compresslevel=1) as f:
        f.writelines(base)
        written += len(base)
        for k in range(1, cities):
            slug = city_slug(k)
            f.writelines(rewriter.rewrite(line, slug) for line in varying)
            written += per_city
    return Cities(out, cities, written, per_city)


def entity_sample(nquads_gz: Path, base_iri: str, per_kind: int) -> list[str]:
    """Page paths of city 0's entities, the first ``per_kind`` of each kind by IRI (the same
    paths exist at every size of both dimensions: IRIs are stable across years, city 0 is the
    export unchanged)."""
    kinds = ("project", "department", "funder", "task", "place")
    pattern = re.compile(rf"^<{re.escape(base_iri)}id/({'|'.join(kinds)})/([^>#]+)> ")
    found: dict[str, set[str]] = {k: set() for k in kinds}
    for line in _lines(nquads_gz):
        if (m := pattern.match(line)) and "/mention/" not in m.group(2) and "/link/" not in m.group(2):
            found[m.group(1)].add(m.group(2))
    return [f"/id/{kind}/{rest}" for kind in kinds for rest in sorted(found[kind])[:per_kind]]
