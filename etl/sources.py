"""What each named graph was made from: the files of a build, with their size and SHA-256.

Recorded in the build's ``build.json`` (``graphs`` → graph IRI → ``sources``) so that the service
can say where a graph comes from (``/graph/…``): a report's graph from its report file, the
authority graph from the curated tables of ``etl/data/`` (and the links file), the ontology
graph from ``ontology/*.ttl``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from zhytomyr_kg.settings import Settings


def file_entry(path: Path) -> dict:
    data = Path(path).read_bytes()
    return {"name": Path(path).name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def graph_sources(
    settings: Settings,
    reports: Sequence[tuple[Path, str]],
    curated: Sequence[Path],
    ontology: Sequence[Path],
) -> dict[str, dict]:
    """Graph IRI → ``{"sources": [{name, bytes, sha256}, …]}``."""
    out: dict[str, dict] = {}
    for path, graph in reports:
        out.setdefault(graph, {"sources": []})["sources"].append(file_entry(path))
    out[settings.graph("authority")] = {"sources": [file_entry(p) for p in curated]}
    out[settings.graph("ontology")] = {"sources": [file_entry(p) for p in ontology]}
    return out
