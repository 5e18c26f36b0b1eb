"""The one reader of the curated CSV tables under ``etl/data/`` (rules, cues, units): rows with
their line numbers and stripped cells, and an error naming the file and row when a column is
missing or a row has the wrong number of cells."""

from __future__ import annotations

import csv
from pathlib import Path


def read_rows(
    path: Path,
    columns: tuple[str, ...],
    error: type[Exception],
    optional: tuple[str, ...] = (),
) -> list[tuple[int, dict[str, str]]]:
    """``(line, row)`` for each row of ``path``; ``columns`` must be there, ``optional`` ones are
    ``""`` when absent. Problems raise ``error`` (the caller's own error class)."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise error(f"{path}: missing column(s) {', '.join(missing)}")
        rows = []
        for row in reader:
            if None in row or any(row[c] is None for c in columns):
                raise error(f"{path}, row {reader.line_num}: wrong number of cells")
            cleaned = {k: (v or "").strip() for k, v in row.items()}
            for c in optional:
                cleaned.setdefault(c, "")
            rows.append((reader.line_num, cleaned))
        return rows
