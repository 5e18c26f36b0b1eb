"""Layout of the funder → project → department picture (drawn by ``templates/_svg.html``).

Three columns of boxes joined by lines; computed here, rendered by Jinja with autoescaping, so
labels from the data can never become markup. No JavaScript. A label is wrapped at word breaks
into as many lines as it needs (up to :data:`MAX_LINES`; only a label longer than that is cut,
with "…") and its box grows with it; the full label is also the box's tooltip (``<title>``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

GAP = 6  # between two boxes of a column
LINE_H = 15  # one line of text
PAD = 5  # above and below the text in a box
COL_X = (10, 250, 600)
COL_W = (200, 310, 310)
#: characters per line in each column: 12px text is at most about 7.5 px a character (Cyrillic
#: capitals are the widest), 6 px padding each side
MAX_CHARS = tuple((w - 12) * 2 // 15 for w in COL_W)  # (25, 39, 39)
MAX_LINES = 6
BOX_H = LINE_H + 2 * PAD  # a one-line box


@dataclass
class Node:
    key: str
    label: str
    full: str
    href: str
    column: int
    x: int = 0
    y: int = 0
    w: int = 0
    h: int = BOX_H
    kind: str = ""
    lines: list[str] = field(default_factory=list)

    @property
    def mid(self) -> int:
        return self.y + self.h // 2


@dataclass
class Edge:
    x1: int
    y1: int
    x2: int
    y2: int
    kind: str = ""


@dataclass
class Picture:
    width: int
    height: int
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    line_height: int = LINE_H
    pad: int = PAD


def wrap(text: str, width: int, max_lines: int = MAX_LINES) -> list[str]:
    """``text`` in lines of at most ``width`` characters, broken between words (a word longer
    than a line is broken inside); more than ``max_lines`` lines: the last one ends with "…"."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        while len(word) > width:  # a very long word: cut it into pieces
            if current:
                lines.append(current)
                current = ""
            lines.append(word[: width - 1] + "-")
            word = word[width - 1 :]
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= width:
            current += " " + word
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        lines = lines[: max_lines - 1] + [
            (last[: width - 1].rstrip() + "…") if len(last) >= width else last + "…"
        ]
    return lines or [""]


def _node(item: tuple[str, str, str], column: int) -> Node:
    key, label, href = item
    lines = wrap(label, MAX_CHARS[column])
    return Node(key, " ".join(lines), label, href, column, lines=lines, h=len(lines) * LINE_H + 2 * PAD)


def _stack(nodes: list[Node], x: int, w: int, top: int, height: int) -> None:
    """Place ``nodes`` one below the other, the column centred in ``height``."""
    total = sum(n.h for n in nodes) + GAP * max(len(nodes) - 1, 0)
    y = top + max(0, (height - total) // 2)
    for node in nodes:
        node.x, node.w, node.y = x, w, y
        y += node.h + GAP


def layout(
    root: tuple[str, str, str], links: list[tuple[tuple[str, str, str], str, tuple[str, str, str] | None]]
) -> Picture:
    """``root`` = (key, label, href); ``links`` = (work, relation, department or None) triples.

    Works and departments keep their first-seen order; the root sits level with the middle column.
    """
    works: dict[str, Node] = {}
    departments: dict[str, Node] = {}
    pairs: set[tuple[str, str]] = set()
    relation_of: dict[str, str] = {}
    for work, relation, department in links:
        if work[0] not in works:
            works[work[0]] = _node(work, 1)
        relation_of.setdefault(work[0], relation)
        if department is not None:
            if department[0] not in departments:
                departments[department[0]] = _node(department, 2)
            pairs.add((work[0], department[0]))
    root_node = _node(root, 0)
    columns = [[root_node], list(works.values()), list(departments.values())]
    height = max(sum(n.h for n in c) + GAP * max(len(c) - 1, 0) for c in columns)
    top = 5
    for column, nodes in enumerate(columns):
        _stack(nodes, COL_X[column], COL_W[column], top, height)
    picture = Picture(COL_X[2] + COL_W[2] + 10, height + 2 * top)
    picture.nodes.extend(n for c in columns for n in c)
    for key, node in works.items():
        node.kind = relation_of.get(key, "")
        picture.edges.append(Edge(root_node.x + root_node.w, root_node.mid, node.x, node.mid, node.kind))
    for work_key, dep_key in sorted(pairs):
        w, d = works[work_key], departments[dep_key]
        picture.edges.append(Edge(w.x + w.w, w.mid, d.x, d.mid, "responsible"))
    return picture
