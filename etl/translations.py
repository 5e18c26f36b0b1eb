"""English labels for priorities, goals, tasks and projects, from a curated CSV table.

The report is Ukrainian only; ``etl/data/translations.csv`` (kind,uk,en) holds reviewed
English labels. Lookups normalise the Ukrainian key exactly as the table's ``uk`` column is
written (HTML stripped, whitespace collapsed, apostrophe variants → U+0027), so a label taken
straight from a report cell finds its row even if the cell carries tags or a typographic
apostrophe.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from zhytomyr_kg.resources import ETL_DATA_DIR

DEFAULT_DATA_DIR = ETL_DATA_DIR

KINDS = frozenset({"priority", "goal", "task", "project"})

_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_APOSTROPHE = re.compile("[\u2019\u02bc\u2018`\u00b4\u02b9]")


def normalise(text: str) -> str:
    """The lookup key of a Ukrainian label: no HTML, single spaces, ASCII apostrophes."""
    return _SPACE.sub(" ", _APOSTROPHE.sub("'", _TAG.sub(" ", text))).strip()


class Translations:
    """(kind, Ukrainian label) → English label."""

    def __init__(self, table: dict[tuple[str, str], str]) -> None:
        self._table = table

    @classmethod
    def load(cls, data_dir: str | Path = DEFAULT_DATA_DIR) -> Translations:
        """Read ``translations.csv``; fail loudly on an unknown kind, empty English or a
        duplicate key, since any of those would silently drop or mislabel an @en label."""
        table: dict[tuple[str, str], str] = {}
        with open(Path(data_dir) / "translations.csv", encoding="utf-8", newline="") as f:
            for n, row in enumerate(csv.DictReader(f), 2):
                kind, uk, en = row["kind"], normalise(row["uk"]), row["en"].strip()
                if kind not in KINDS:
                    raise ValueError(f"translations.csv line {n}: unknown kind {kind!r}")
                if not uk or not en:
                    raise ValueError(f"translations.csv line {n}: empty uk or en")
                if (kind, uk) in table:
                    raise ValueError(f"translations.csv line {n}: duplicate {kind} {uk!r}")
                table[(kind, uk)] = en
        return cls(table)

    def en(self, kind: str, uk: str) -> str | None:
        """The English label, or None if the table has no row for this label."""
        return self._table.get((kind, normalise(uk)))

    def __len__(self) -> int:
        return len(self._table)

    def items(self) -> list[tuple[str, str, str]]:
        """All rows as (kind, uk, en), in table order."""
        return [(k, uk, en) for (k, uk), en in self._table.items()]
