"""A source document (zkg:SourceDocument): its lines, each with what was made from it."""

from __future__ import annotations

import hashlib
from functools import lru_cache

from graph_service.web.context import SCHEMA, Ctx, Page, local_name, table_of
from graph_service.web.entities.model import Entity
from zhytomyr_kg.resources import ETL_DATA_DIR
from zhytomyr_kg.settings import ZKG


@lru_cache(maxsize=8)
def _source_lines(name: str, sha256: str) -> tuple[str, ...] | None:
    """The lines of the bundled source file ``name`` if its checksum is ``sha256``."""
    for path in (ETL_DATA_DIR / name, ETL_DATA_DIR / "report-2022.txt"):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if hashlib.sha256(data).hexdigest() == sha256:
            if data.startswith(b"\xef\xbb\xbf"):
                data = data[3:]
            return tuple(data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return None


def source_page(ctx: Ctx, entity: Entity) -> Page:
    rows = ctx.rows("page-source", entity=entity.iri)
    produced: dict[int, list[dict]] = {}
    for row in rows:
        produced.setdefault(int(row["line"].value), []).append(
            {"how": row["how"].value, "ref": ctx.ref(row, "x"), "class": local_name(row["class"].value)}
        )
    name, sha = entity.literal(SCHEMA + "name"), entity.literal(ZKG + "sha256")
    text = _source_lines(name or "", sha or "") if name and sha else None
    count = (
        len(text) if text else int(entity.literal(ZKG + "lineCount") or (max(produced) if produced else 0))
    )
    lines = [
        {"n": n, "cells": (text[n - 1].split("\t") if text else []), "produced": produced.get(n, [])}
        for n in range(1, count + 1)
    ]
    return Page(
        "source.html",
        entity.label.text,
        {"lines": lines, "has_text": text is not None},
        [table_of("lines", rows)],
    )
