"""The data of the lists (``/projects`` …), read in bounded pieces.

Each list ``L`` has three named queries: ``page-L`` (the items in the list's stable order under
the bound filters; a page appends ``LIMIT``/``OFFSET``), ``page-L-rows`` (one row per value of
each column of the items bound to it) and ``page-L-facets`` (COUNT DISTINCT per facet value, the
filtered and the total count). A page therefore reads one page of items and aggregates, however
large the graph; the ``.csv`` / ``.json`` twins read the whole filtered list chunk by chunk
(:func:`chunks`). The default views' order, counts and first page are answers the build kept
(``graph_service/web/kept.py``): a page of a default view is a slice of the kept order
(:func:`page_keys`). Other facet summaries are kept per data version (:data:`SUMMARIES`).
"""

from __future__ import annotations

import dataclasses
import weakref
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from graph_service.lru import LRU
from graph_service.store import named_queries
from graph_service.store.base import Term
from graph_service.web import i18n
from graph_service.web.context import Ctx, Ref, Row, Site, local_name
from zhytomyr_kg.settings import env

#: rows a chunk of a data twin reads at a time (well under the store's row cap)
CHUNK = 1000
#: facet values a list shows per facet (the selected one always); the rest are counted
FACET_VALUES = 30
#: the relations a funder backs work by, never mixed (docs/MODEL.md)
RELATIONS = ("fundedBy", "partner", "supportedBy")


class Tally(int):
    """A count that also answers ``len()``: templates written for sets of works
    (``{{ f.works | length }}`` on the home page) read it unchanged."""

    def __len__(self) -> int:
        return int(self)


@dataclass(frozen=True)
class ListSpec:
    """One list: its item variable, the facets it filters by (URL parameters = query
    parameters = facet names), the columns whose values are links, literal columns and counts."""

    name: str
    item: str
    facets: tuple[str, ...]
    columns: tuple[str, ...]
    extra: tuple[str, ...] = ()
    counts: tuple[str, ...] = ()

    @property
    def query(self) -> str:
        return f"page-{self.name}"

    @property
    def rows_query(self) -> str:
        return f"page-{self.name}-rows"

    @property
    def facets_query(self) -> str:
        return f"page-{self.name}-facets"

    @property
    def count(self) -> str | None:
        """The count column the list shows first (``works``), if it has counts."""
        return self.counts[0] if self.counts else None


class FacetValue(NamedTuple):
    """One value of a facet with its labels and the number of items it has. A page links the
    thirty it shows (:meth:`ref`); at 5 M quads a facet has thousands of values."""

    iri: str
    uk: str | None
    en: str | None
    n: int

    def label_text(self, lang: str) -> str:
        """The text :meth:`Ctx.label` shows for it in ``lang`` (the facets' order), its IRI's
        local name read only where it has no label."""
        return i18n.pick(self.uk, self.en, lang).text or local_name(self.iri)

    def ref(self, ctx: Ctx) -> Ref:
        return ref_of(ctx, self.iri, self.uk, self.en)


@dataclass
class Summary:
    """The counts of a list under some filters: every item, those the filters keep, and per facet
    its values with the number of items each has (under the other facets' filters), most first."""

    total: int
    matching: int
    facets: dict[str, list[FacetValue]]


SUMMARIES: weakref.WeakKeyDictionary[Site, LRU[Summary]] = weakref.WeakKeyDictionary()


def ref_of(ctx: Ctx, iri: str, uk: Any, en: Any) -> Ref:
    return Ref(iri, ctx.href(iri), ctx.label(uk, en, iri))


def value(row: Mapping[str, Term | None], var: str) -> str | None:
    term = row.get(var)
    return term.value if term is not None else None


def keys_of(spec: ListSpec, rows: list[Row]) -> list[str]:
    """The item IRIs of ``page-L`` rows, in their order."""
    return [k for k in (value(r, spec.item) for r in rows) if k]


def summary(ctx: Ctx, spec: ListSpec, params: dict[str, str]) -> Summary:
    """The facet counts of ``spec`` under ``params`` (year and filters), kept per data version."""
    version = ctx.site.version()
    key = (version, ctx.lang, spec.name, tuple(sorted(params.items())))
    kept = SUMMARIES.setdefault(ctx.site, LRU(256))
    text = named_queries.get(spec.facets_query).bind(**params)
    if version is not None:
        hit = kept.get(key)
        if hit is not None:
            ctx.record(spec.facets_query, text)
            return hit
    facets: dict[str, list[FacetValue]] = {f: [] for f in spec.facets}
    total = matching = 0
    for row in ctx.run(spec.facets_query, text):
        facet, iri, n = value(row, "facet"), value(row, "value"), int(value(row, "n") or 0)
        if facet == "total":
            total = n
        elif facet == "matching":
            matching = n
        elif facet in facets and iri:
            facets[facet].append(FacetValue(iri, value(row, "valueUk"), value(row, "valueEn"), n))
    for values in facets.values():
        values.sort(key=lambda v: (-v.n, v.label_text(ctx.lang), v.iri))
    result = Summary(total, matching, facets)
    if version is not None:
        kept.put(key, result)
    return result


def order_text(spec: ListSpec, params: dict[str, str]) -> str:
    """``page-L`` bound to ``params``: the whole list in its order (the query ends with its ORDER BY)."""
    return named_queries.get(spec.query).bind(**params)


def page_text(spec: ListSpec, params: dict[str, str], limit: int, offset: int) -> str:
    """``page-L`` bound to ``params``, cut to one page."""
    return order_text(spec, params) + f"\nLIMIT {int(limit)} OFFSET {int(offset)}"


def page_keys(ctx: Ctx, spec: ListSpec, params: dict[str, str], limit: int, offset: int) -> list[str]:
    """The items of one page of the list under ``params``: a slice of the whole order when the
    live build kept it (the default views, ``graph_service/web/kept.py``), else read with
    ``LIMIT``/``OFFSET``."""
    text = page_text(spec, params, limit, offset)
    kept = ctx.site.kept.keys(ctx.site.version(), order_text(spec, params), spec.item)
    if kept is None:
        return keys_of(spec, ctx.run(spec.query, text))
    ctx.record(spec.query, text)  # the page shows the query its slice answers
    return kept[offset : offset + limit]


def rows_text(spec: ListSpec, keys: list[str], year: str | None) -> str:
    """``page-L-rows`` bound to the items ``keys`` (and the year)."""
    query = named_queries.get(spec.rows_query)
    if year:
        query = dataclasses.replace(query, text=query.bind(year=year), params=(spec.item,))
    return named_queries.bind_values(query, spec.item, keys)


def batches(spec: ListSpec, keys: list[str], year: str | None) -> list[str]:
    """``page-L-rows`` bound to ``keys``, split so that no text passes the store's query size
    limit (``ZKG_SPARQL_MAX_QUERY_BYTES``): one query for a page of the default size."""
    text = rows_text(spec, keys, year)
    if len(keys) <= 1 or len(text.encode("utf-8")) <= int(env("ZKG_SPARQL_MAX_QUERY_BYTES")):
        return [text]
    half = len(keys) // 2
    return batches(spec, keys[:half], year) + batches(spec, keys[half:], year)


def describe(ctx: Ctx, spec: ListSpec, keys: list[str], year: str | None) -> list[Row]:
    """The ``page-L-rows`` of a page's ``keys`` (kept in the page cache)."""
    return (
        [row for text in batches(spec, keys, year) for row in ctx.run(spec.rows_query, text)] if keys else []
    )


def items_of(ctx: Ctx, spec: ListSpec, keys: list[str], rows: list[Row]) -> list[dict]:
    """The items ``keys`` in their order, each with its columns read from ``page-L-rows``."""
    items: OrderedDict[str, dict] = OrderedDict()
    for key in keys:
        items[key] = {
            "ref": Ref(key, ctx.href(key), ctx.label(None, None, key)),
            "facets": {c: OrderedDict() for c in spec.columns},
            "extra": dict.fromkeys(spec.extra),
            "works": Tally(0),
            "split": {},
            "labels": (None, None),
        }
    for row in rows:
        item = items.get(value(row, spec.item) or "")
        facet, val = value(row, "facet"), value(row, "value")
        if item is None or facet is None or val is None:
            continue
        if facet == spec.item:
            item["ref"] = ref_of(ctx, val, row.get("valueUk"), row.get("valueEn"))
            item["labels"] = (value(row, "valueUk"), value(row, "valueEn"))
        elif facet in spec.extra:
            item["extra"][facet] = val
        elif facet == spec.count:
            item["works"] = Tally(int(val))
        elif facet in spec.counts:
            item["split"][facet] = Tally(int(val))
        elif facet in item["facets"]:
            item["facets"][facet].setdefault(val, ref_of(ctx, val, row.get("valueUk"), row.get("valueEn")))
    for item in items.values():  # a column's values by label: the store gives them in no set order
        for column, refs in item["facets"].items():
            item["facets"][column] = OrderedDict(
                sorted(refs.items(), key=lambda kv: (kv[1].label.text, kv[0]))
            )
    return list(items.values())


def table_columns(spec: ListSpec) -> list[str]:
    return [spec.item, "labelUk", "labelEn", *spec.extra, *spec.columns, *spec.counts]


def table_rows(spec: ListSpec, items: list[dict]) -> Iterator[dict[str, Any]]:
    """The items as plain rows: IRIs space-separated in a column, counts as numbers."""
    for item in items:
        ref: Ref = item["ref"]
        uk, en = item["labels"]
        row: dict[str, Any] = {spec.item: ref.iri, "labelUk": uk, "labelEn": en, **item["extra"]}
        for column in spec.columns:
            row[column] = " ".join(item["facets"][column])
        if spec.count:
            row[spec.count] = int(item["works"])
        for column in spec.counts[1:]:
            row[column] = int(item["split"].get(column, 0))
        yield row


def chunks(site: Site, ctx: Ctx, spec: ListSpec, params: dict[str, str]) -> Iterator[list[dict]]:
    """The whole filtered list in its order, :data:`CHUNK` items at a time, read straight from the
    backend (not kept in the page cache: a twin is read once)."""
    year = params.get("year")
    offset = 0
    while True:
        rows, capped = select(site, page_text(spec, params, CHUNK, offset))
        if capped:  # said in X-SPARQL-MaxRows when it is the first chunk (read before the response)
            ctx.capped.append(capped)
        keys = keys_of(spec, rows)
        if not keys:
            return
        yield items_of(ctx, spec, keys, describe_all(site, spec, keys, year))
        if len(keys) < CHUNK:
            return
        offset += CHUNK


def describe_all(site: Site, spec: ListSpec, keys: list[str], year: str | None) -> list[Row]:
    """The ``page-L-rows`` of ``keys`` for a twin; a batch is halved while its answer reaches
    the store's row cap."""
    rows: list[Row] = []
    for text in batches(spec, keys, year):
        part, capped = select(site, text)
        if capped and len(keys) > 1:
            half = len(keys) // 2
            return describe_all(site, spec, keys[:half], year) + describe_all(site, spec, keys[half:], year)
        rows += part
    return rows


def select(site: Site, text: str) -> tuple[list[Row], int | None]:
    """The rows of a SELECT, and the row limit the store cut them to (None: all rows), under the
    pages' deadline and memory cap like every page query (``Site.select_capped``)."""
    return site.select_capped(text, keep=False)  # a twin's batches are not kept
