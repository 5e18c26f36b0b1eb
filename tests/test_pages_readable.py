"""Readable lists and pictures (#13): long department lists are compact, the funder picture
wraps its labels instead of cutting them."""

from __future__ import annotations

import html
import itertools
import re

from graph_service.web import svg
from tests.pages_support import HTML

GIZ_EN = "Deutsche Gesellschaft für Internationale Zusammenarbeit (GIZ) GmbH"


def cells(page: str, cls: str) -> list[str]:
    return re.findall(rf'<td class="{cls}">(.*?)</td>', page, re.S)


def visible_links(cell: str) -> list[str]:
    """The links of a cell outside its "+N more" (closed) part."""
    shown = re.sub(r'<details class="more">.*?</details>', "", cell, flags=re.S)
    return re.findall(r"<a [^>]*>(.*?)</a>", shown)


def test_department_cells_show_three_names_then_the_rest_on_request(pages_client):
    long = 0
    for path in ("/funders", "/projects", "/departments", "/places"):
        for lang, more in (("uk", "ще"), ("en", "more")):
            page = pages_client.get(f"{path}?lang={lang}", headers=HTML).text
            for cell in [c for f in ("department", "funder", "priority") for c in cells(page, f"facet-{f}")]:
                every = re.findall(r"<a [^>]*>(.*?)</a>", cell)
                assert len(visible_links(cell)) <= 3, cell
                if len(every) > 3:
                    long += 1
                    assert len(visible_links(cell)) == 3
                    summary = re.search(r"<summary title=\"([^\"]*)\">\+(\d+) (\w+)</summary>", cell)
                    assert summary and int(summary.group(2)) == len(every) - 3 and summary.group(3) == more
                    rest = html.unescape(summary.group(1)).split("; ")
                    assert rest == [html.unescape(a) for a in every[3:]]  # the rest in the tooltip too
    assert long, "some row names more than three departments or funders"


def test_a_funders_work_table_is_compact_too(pages_client):
    page = pages_client.get("/id/funder/giz", headers=HTML).text
    assert all(len(visible_links(c)) <= 3 for c in cells(page, "departments"))


def test_wrap_breaks_between_words_and_keeps_every_word():
    lines = svg.wrap(GIZ_EN, 29)
    assert lines == ["Deutsche Gesellschaft für", "Internationale Zusammenarbeit", "(GIZ) GmbH"]
    assert " ".join(lines) == GIZ_EN and all(len(line) <= 29 for line in lines)
    assert svg.wrap("a" * 70, 29)[0].endswith("-")  # a word longer than a line is split
    many = svg.wrap("word " * 100, 10, max_lines=3)
    assert len(many) == 3 and many[-1].endswith("…")  # only a label longer than six lines is cut


def test_the_picture_wraps_labels_and_grows_its_boxes(pages_client):
    page = pages_client.get("/id/funder/giz?lang=en", headers=HTML).text
    picture = re.search(r"<svg .*?</svg>", page, re.S).group(0)
    nodes = re.findall(
        r'<title>(.*?)</title>\s*<rect x="\d+" y="\d+" width="\d+" height="(\d+)" rx="4"/>\s*<text [^>]*>(.*?)</text>',
        picture,
        re.S,
    )
    assert nodes
    for title, height, text in nodes:
        lines = re.findall(r"<tspan [^>]*>(.*?)</tspan>", text)
        assert " ".join(lines) == title, (title, lines)  # every word shown, nothing cut
        assert int(height) == len(lines) * svg.LINE_H + 2 * svg.PAD
    root = next(n for n in nodes if n[0] == GIZ_EN)
    assert len(re.findall(r"<tspan", root[2])) == len(svg.wrap(GIZ_EN, svg.MAX_CHARS[0])) > 1
    assert "…" not in picture


def test_layout_keeps_boxes_apart():
    root = ("f", "Funder with a rather long name that wraps", "/f")
    links = [
        ((f"w{i}", "A work " * (i + 1), f"/w{i}"), "fundedBy", (f"d{i % 3}", "Department " * 4, f"/d{i}"))
        for i in range(6)
    ]
    picture = svg.layout(root, links)
    for column in (0, 1, 2):
        boxes = sorted((n.y, n.y + n.h) for n in picture.nodes if n.column == column)
        assert all(a_end + svg.GAP <= b_start for (_, a_end), (b_start, _) in itertools.pairwise(boxes))
        assert all(top >= 0 and bottom <= picture.height for top, bottom in boxes)
