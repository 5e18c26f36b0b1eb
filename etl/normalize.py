"""Stage 3 — normalise: a project cell → title, period and description, as separate values.

``Бізнес-платформа 2019-2023 роки`` → title ``Бізнес-платформа``, 2019–2023;
``"Амбасадори Житомира" 2019-2020 роки (обрані почесні амбасадори …)`` → title
``Амбасадори Житомира``, 2019–2020, description ``обрані почесні амбасадори …``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from etl.text import key

_PERIOD = re.compile(
    r"\s(?P<period>(?P<start>(?:19|20)\d{2})(?:\s*[-–—]\s*(?P<end>(?:19|20)\d{2}))?\s*(?:роки|року|рік|рр\.?|р\.)?)"
    r"\s*(?:$|\()"
)
_QUOTES = {'"': '"', "«": "»", "“": "”", "„": "“"}


@dataclass(frozen=True)
class ProjectTitle:
    title: str
    start_year: int | None
    end_year: int | None
    period_text: str | None
    description: str | None


def _unclosed_bracket(text: str) -> int | None:
    """Index of the first ``(`` never closed (the export cut some descriptions short)."""
    opened: list[int] = []
    for i, char in enumerate(text):
        if char == "(":
            opened.append(i)
        elif char == ")" and opened:
            opened.pop()
    return opened[0] if opened else None


def _split_description(text: str) -> tuple[str, str | None]:
    """``"a (b (c))"`` → ``("a", "b (c)")``: a trailing parenthetical, closed or cut short."""
    cut = _unclosed_bracket(text)
    if cut is None and text.endswith(")"):
        depth = 0
        for i in range(len(text) - 1, -1, -1):
            depth += {")": 1, "(": -1}.get(text[i], 0)
            if depth == 0:
                cut = i
                break
    if cut is None:
        return text, None
    inner = text[cut + 1 :].strip()
    if inner.endswith(")") and _unclosed_bracket(inner[:-1]) is None and inner.count("(") < inner.count(")"):
        inner = inner[:-1]
    return text[:cut].rstrip(), inner.strip() or None


def _unquote(title: str) -> str:
    if len(title) > 2 and title[0] in _QUOTES and title[-1] == _QUOTES[title[0]]:
        inner = title[1:-1]
        if title[0] not in inner and _QUOTES[title[0]] not in inner:
            return inner.strip()
    return title


def parse_project_cell(cell: str) -> ProjectTitle:
    """Split a project cell: title, then the period, then a description in brackets.

    Brackets before the period belong to the title ("Нові стадіони в мікрорайонах (ЗОШ № 16-ЗОШ
    № 28) 2023-2030 роки" and "(…школа № 30)" are two projects); after the period, or at the end
    of a cell without one, they hold the description.
    """
    text = key(cell).rstrip(" .;")
    period = _PERIOD.search(text)
    start: int | None
    end: int | None
    if period:
        title = text[: period.start()]
        rest = text[period.end("period") :].strip()
        description: str | None = _split_description(rest)[1] if rest else None
        start = int(period.group("start"))
        end = int(period.group("end")) if period.group("end") else start
        period_text: str | None = period.group("period").strip()
    else:
        title, description = _split_description(text)
        if not title:
            title, description = text, None
        start = end = None
        period_text = None
    return ProjectTitle(_unquote(title.strip(" ,.-–")), start, end, period_text, description)
