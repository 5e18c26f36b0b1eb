"""Dumps of the graph for download: N-Quads, Turtle and JSON-LD per named graph, CSV with CSVW.

``export(store, out_dir, settings)`` writes into ``out_dir``:

* ``dataset.nq.gz`` — every quad, N-Quads, gzipped (mtime 0, so equal data gives equal bytes);
* ``graph-<name>.ttl`` and ``graph-<name>.jsonld`` — one per named graph (``<name>`` is the graph
  IRI after ``{base}graph/`` with ``/`` → ``-``); the Turtle sorted by subject, the JSON-LD
  compacted with ``context.jsonld``, which is also inlined so each file stands alone;
* ``<table>.csv`` — one per named query tagged ``export`` (``queries/export-<table>.rq``); a table
  with no rows is left out (funders and places exist only once the graph has them). Entity tables
  (projects, tasks, departments, funders, programmes, places, progress reports), link tables
  (project–department, project–task, programme–funder) and mention tables, one row per
  ``zkg:Mention`` (project–funder with relation and evidence, report–place with the words as written
  and the line);
* ``csv-metadata.json`` — CSV on the Web metadata for those tables (titles uk/en, datatypes,
  primary and foreign keys, ``aboutUrl``/``propertyUrl``/``valueUrl`` to the contract's terms);
* ``manifest.json`` — name, media type, bytes and SHA-256 of every file above.

Files are written to a temporary directory and renamed into place, so readers never see half a dump.
The RDF files are made by ``rdf_files.py``, the tables and their metadata by ``tables.py``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from graph_service.publish.rdf_files import (
    graph_file_stem,
    graph_jsonld,
    graph_turtle,
    jsonld_context,
    named_graphs,
    nquads_gz,
)
from graph_service.publish.tables import csv_bytes, csvw_metadata, export_tables
from zhytomyr_kg.settings import Settings

MANIFEST = "manifest.json"
CSVW_METADATA = "csv-metadata.json"
CONTEXT = "context.jsonld"
NQUADS = "dataset.nq.gz"

MEDIA_TYPES = {
    ".nq.gz": "application/n-quads",
    ".ttl": "text/turtle",
    ".jsonld": "application/ld+json",
    ".csv": "text/csv",
    ".json": "application/json",
}


def media_type(name: str) -> str:
    for suffix, media in MEDIA_TYPES.items():
        if name.endswith(suffix):
            return media
    return "application/octet-stream"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def export(store: ox.Store, out_dir: Path, settings: Settings, *, version: str | None = None) -> dict:
    """Write every dump of ``store`` into ``out_dir`` (replaced as a whole); returns the manifest."""
    out_dir = Path(out_dir)
    files: dict[str, tuple[bytes, dict]] = {}

    files[NQUADS] = (nquads_gz(store), {"graph": None, "compression": "gzip"})
    for graph in named_graphs(store):
        stem = graph_file_stem(graph, settings)
        turtle = graph_turtle(store, graph)
        files[stem + ".ttl"] = (turtle, {"graph": graph})
        files[stem + ".jsonld"] = (graph_jsonld(store, graph), {"graph": graph, "context": CONTEXT})
    files[CONTEXT] = (json.dumps(jsonld_context(), indent=1, ensure_ascii=False).encode("utf-8"), {})

    tables = export_tables(store)
    for table in tables:
        files[table.file] = (csv_bytes(table), {"table": table.name, "rows": len(table.rows)})
    metadata = csvw_metadata(tables, settings)
    files[CSVW_METADATA] = (json.dumps(metadata, indent=1, ensure_ascii=False).encode("utf-8"), {})

    manifest = {
        "version": version,
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "base_iri": settings.base_iri,
        "files": [
            {"name": name, "mediaType": media_type(name), "bytes": len(data), "sha256": sha256(data), **extra}
            for name, (data, extra) in sorted(files.items())
        ],
    }
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        for name, (data, _) in files.items():
            (tmp / name).write_bytes(data)
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}.old.{os.getpid()}")
            os.replace(out_dir, old)
            os.replace(tmp, out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


def read_manifest(out_dir: Path) -> dict | None:
    path = Path(out_dir) / MANIFEST
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def dumps_dir(build_dir: Path) -> Path:
    """Where a build's dumps live: inside the build, so they change exactly when the data does."""
    return Path(build_dir) / "dumps"
