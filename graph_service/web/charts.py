"""Stacked horizontal bar charts as server-side SVG (drawn by ``templates/_chart.html``).

The home page shows the state of the works by priority and the works martial law stopped, the
priority page the same by strategic goal. The counts come from aggregate named queries
(``queries/page-chart-*.rq``); this module only lays them out, and Jinja renders the result with
autoescaping, so labels from the data never become markup. No JavaScript.

Colour is never the only carrier of meaning: each state has its own fill pattern as well
(stripes, dots, cross-hatching …), the legend names every state in words, every segment wide
enough carries its count as ``<text>``, every bar its total, every segment a ``<title>`` with
state and count, and the template adds the numbers as a table beside the picture.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from graph_service.web import i18n
from graph_service.web.svg import wrap

if TYPE_CHECKING:
    from collections.abc import Sequence

    from graph_service.web.context import Ctx, Row

WIDTH = 760
LABEL_X = 8
LABEL_W = 236  # the bar labels' column
BAR_X = LABEL_X + LABEL_W + 8
TOTAL_W = 44  # room for the total after the longest bar
BAR_W = WIDTH - BAR_X - TOTAL_W
LINE_H = 14
LABEL_CHARS = (LABEL_W - 4) * 2 // 13  # 12px text, ~6.5 px a character on average
LABEL_LINES = 3
BAR_GAP = 8
MIN_BAR_H = 22
DIGIT_W = 7  # a digit of 12px text, for deciding whether a count fits in its segment
LEGEND_ITEM_W = 248
LEGEND_ROW_H = 20
SWATCH = 14

#: display order of the states (a reader's order: done → running → waiting → stopped → unknown);
#: a state not listed here comes after them, by code
STATE_ORDER = (
    "completed",
    "operating",
    "in_progress",
    "under_consideration",
    "postponed",
    "not_started",
    "not_held",
    "suspended",
    "other",
)
#: state code → (fill colour, pattern); colours readable with black text, patterns tell them apart
#: in grey too
STYLES: dict[str, tuple[str, str]] = {
    "completed": ("#4f9a5b", "solid"),
    "operating": ("#7fb3d5", "dots"),
    "in_progress": ("#3f7fc1", "diagonal"),
    "under_consideration": ("#b39ddb", "vertical"),
    "postponed": ("#e6b655", "horizontal"),
    "not_started": ("#bdbdbd", "crosshatch"),
    "not_held": ("#c98b5a", "backdiagonal"),
    "suspended": ("#d9534f", "grid"),
    "other": ("#eeeeee", "sparse"),
}
FALLBACK_STYLES = (("#9e9d24", "dots"), ("#00897b", "diagonal"), ("#8d6e63", "vertical"))


@dataclass(frozen=True)
class Category:
    """One kind of segment (a state): its code, label and how it is drawn."""

    key: str
    label: i18n.Label
    colour: str
    pattern: str
    href: str = ""


@dataclass
class Segment:
    category: Category
    count: int
    x: int = 0
    w: int = 0
    show_count: bool = False


@dataclass
class Bar:
    key: str  # the IRI of the priority or goal
    label: i18n.Label
    href: str
    segments: list[Segment]
    lines: list[str] = field(default_factory=list)
    y: int = 0
    h: int = MIN_BAR_H

    @property
    def total(self) -> int:
        return sum(s.count for s in self.segments)

    def count(self, key: str) -> int:
        return sum(s.count for s in self.segments if s.category.key == key)

    @property
    def end(self) -> int:
        return self.segments[-1].x + self.segments[-1].w if self.segments else BAR_X


@dataclass
class LegendItem:
    category: Category
    x: int
    y: int


@dataclass
class Chart:
    id: str
    title: str
    note: str
    bars: list[Bar]
    categories: list[Category]  # those used, in display order (the legend, the table's columns)
    legend: list[LegendItem]
    width: int = WIDTH
    height: int = 0
    label_x: int = LABEL_X
    bar_x: int = BAR_X
    line_height: int = LINE_H
    swatch: int = SWATCH

    @property
    def empty(self) -> bool:
        return not any(b.total for b in self.bars)

    @property
    def total(self) -> int:
        return sum(b.total for b in self.bars)

    def count(self, key: str) -> int:
        """All the bars' count of one category (the table's last row)."""
        return sum(b.count(key) for b in self.bars)


def order_key(code: str) -> tuple[int, str]:
    return (STATE_ORDER.index(code), "") if code in STATE_ORDER else (len(STATE_ORDER), code)


def category(code: str, label: i18n.Label, index: int = 0, href: str = "") -> Category:
    colour, pattern = STYLES.get(code) or FALLBACK_STYLES[index % len(FALLBACK_STYLES)]
    return Category(code, label, colour, pattern, href)


def stacked(
    chart_id: str,
    title: str,
    note: str,
    bars: list[tuple[str, i18n.Label, str, dict[str, int]]],
    labels: dict[str, i18n.Label],
    hrefs: dict[str, str] | None = None,
) -> Chart:
    """Lay out ``bars`` — (key, label, href, {category code: count}) in the order given — as
    horizontal bars stacked by category, scaled to the largest total; ``labels`` names each
    category code. Zero counts are left out; a bar with none stays, empty, with total 0."""
    codes = sorted({c for _, _, _, counts in bars for c, n in counts.items() if n > 0}, key=order_key)
    unknown = [c for c in codes if c not in STYLES]
    hrefs = hrefs or {}
    categories = [
        category(
            c, labels.get(c, i18n.Label(c, None)), unknown.index(c) if c in unknown else 0, hrefs.get(c, "")
        )
        for c in codes
    ]
    by_code = {c.key: c for c in categories}
    largest = max((sum(counts.values()) for _, _, _, counts in bars), default=0) or 1
    laid: list[Bar] = []
    y = 4
    for key, label, href, counts in bars:
        lines = wrap(label.text, LABEL_CHARS, LABEL_LINES)
        h = max(MIN_BAR_H, len(lines) * LINE_H + 8)
        segments = [Segment(by_code[c], counts[c]) for c in codes if counts.get(c, 0) > 0]
        x = BAR_X
        for segment in segments:
            segment.x = x
            segment.w = max(1, round(segment.count * BAR_W / largest))
            segment.show_count = segment.w >= DIGIT_W * len(str(segment.count)) + 6
            x += segment.w
        laid.append(Bar(key, label, href, segments, lines, y, h))
        y += h + BAR_GAP
    legend = []
    per_row = max(1, (WIDTH - LABEL_X) // LEGEND_ITEM_W)
    top = y + 6
    for i, cat in enumerate(categories):
        x, y = LABEL_X + (i % per_row) * LEGEND_ITEM_W, top + (i // per_row) * LEGEND_ROW_H
        legend.append(LegendItem(cat, x, y))
    rows = (len(categories) + per_row - 1) // per_row
    height = top + rows * LEGEND_ROW_H + 4
    return Chart(chart_id, title, note, laid, categories, legend, height=height)


# --------------------------------------------------------------------------- from the named queries

MARTIAL_LAW = "martial_law"


def _notation_key(notation: str) -> tuple[int, str]:
    return (int(notation), "") if notation.isdigit() else (10**6, notation)


def state_charts(ctx: Ctx, rows: Sequence[Row], item: str, chart_id: str, titles: tuple[str, str]) -> dict:
    """The two charts of a page from the rows of ``queries/page-chart-priorities.rq`` (``item``
    ``priority``) or ``page-chart-goals.rq`` (``goal``): every state by ``item``, and the reports
    whose cause is martial law, by state. Rows are (year, item, state, cause, reports) counts;
    the second chart keeps the bars of the first, so an item with no such report shows 0."""
    year = rows[0]["year"].value if rows and rows[0].get("year") else ""
    items: OrderedDict[str, tuple[str, i18n.Label, str]] = OrderedDict()
    every: dict[str, dict[str, int]] = {}
    stopped: dict[str, dict[str, int]] = {}
    labels: dict[str, i18n.Label] = {}
    hrefs: dict[str, str] = {}
    for row in rows:
        ref = ctx.ref(row, item)
        if ref is None or row.get("state") is None:
            continue
        notation = row["notation"].value if row.get("notation") else ""
        items.setdefault(ref.iri, (notation, ref.label, ref.href))
        state = row["state"].value
        status = ctx.ref(row, "status")
        if status is not None:
            labels.setdefault(state, status.label)
            hrefs.setdefault(state, status.href)
        n = int(row["reports"].value)
        counts = every.setdefault(ref.iri, {})
        counts[state] = counts.get(state, 0) + n
        if row.get("cause") is not None and row["cause"].value == MARTIAL_LAW:
            counts = stopped.setdefault(ref.iri, {})
            counts[state] = counts.get(state, 0) + n
    order = sorted(items, key=lambda k: (_notation_key(items[k][0]), items[k][1].text))
    fmt = {"year": year}
    charts = [
        stacked(
            f"{chart_id}-states",
            ctx.t(titles[0]).format(**fmt),
            ctx.t("chart_counted").format(**fmt),
            [(k, items[k][1], items[k][2], every.get(k, {})) for k in order],
            labels,
            hrefs,
        ),
        stacked(
            f"{chart_id}-martial-law",
            ctx.t(titles[1]).format(**fmt),
            ctx.t("chart_martial_law_note"),
            [(k, items[k][1], items[k][2], stopped.get(k, {})) for k in order],
            labels,
            hrefs,
        ),
    ]
    return {"charts": charts, "chart_year": year}
