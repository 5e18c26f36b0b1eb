"""Layout of the funder → project → department picture (drawn by ``templates/_svg.html``).

Three columns of boxes joined by lines; computed here, rendered by Jinja with autoescaping, so
labels from the data can never become markup. No JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ROW = 26
BOX_H = 20
COL_X = (10, 250, 600)
COL_W = (200, 310, 310)
MAX_CHARS = (30, 46, 46)


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


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


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
            works[work[0]] = Node(work[0], _short(work[1], MAX_CHARS[1]), work[1], work[2], 1)
        relation_of.setdefault(work[0], relation)
        if department is not None:
            if department[0] not in departments:
                departments[department[0]] = Node(
                    department[0], _short(department[1], MAX_CHARS[2]), department[1], department[2], 2
                )
            pairs.add((work[0], department[0]))
    rows = max(len(works), len(departments), 1)
    height = rows * ROW + 10
    picture = Picture(COL_X[2] + COL_W[2] + 10, height)
    top = 5
    root_node = Node(root[0], _short(root[1], MAX_CHARS[0]), root[1], root[2], 0)
    root_node.x, root_node.w = COL_X[0], COL_W[0]
    root_node.y = top + (rows - 1) * ROW // 2
    picture.nodes.append(root_node)
    for column, nodes in ((1, works), (2, departments)):
        offset = top + (rows - len(nodes)) * ROW // 2
        for i, node in enumerate(nodes.values()):
            node.x, node.w, node.y = COL_X[column], COL_W[column], offset + i * ROW
            picture.nodes.append(node)
    mid = BOX_H // 2
    for key, node in works.items():
        node.kind = relation_of.get(key, "")
        picture.edges.append(
            Edge(root_node.x + root_node.w, root_node.y + mid, node.x, node.y + mid, node.kind)
        )
    for work_key, dep_key in sorted(pairs):
        w, d = works[work_key], departments[dep_key]
        picture.edges.append(Edge(w.x + w.w, w.y + mid, d.x, d.y + mid, "responsible"))
    return picture
