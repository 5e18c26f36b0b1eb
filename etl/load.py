"""Stage 8 — load: validated quads → a fresh pyoxigraph store, published atomically.

A build goes into its own new directory; ``current`` is switched to it only after it loaded
completely, so a failed build leaves the last good store serving (``zhytomyr_kg.store_layout``).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from zhytomyr_kg import store_layout


def data_version(inputs: Sequence[Path], salt: str = "") -> str:
    """A digest of everything the data is made from (reports, curated tables, ontology, base
    IRI and code version): the same inputs always give the same version, the ETag of the data."""
    digest = hashlib.sha256(salt.encode("utf-8"))
    for path in inputs:
        digest.update(path.name.encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


@dataclass(frozen=True)
class Loaded:
    store: ox.Store
    build_dir: Path | None
    version: str
    quads: int = 0  # how many were written


def load_in_memory(quads: Sequence[ox.Quad], version: str) -> Loaded:
    store = ox.Store()
    store.bulk_extend(quads)
    return Loaded(store, None, version, len(quads))


def load_to_disk(store_dir: Path, quads: Iterable[ox.Quad], version: str, info: dict, extras=None) -> Loaded:
    """Write a complete new build and make it live; on any error the new build is discarded.

    ``quads`` may be a stream (``zhytomyr-kg import`` passes the parser's): the bulk loader
    writes it in batches, so a dump of millions of quads is never held whole in memory.

    ``extras(build_dir)`` writes files that belong to the build (the search index) before it goes live."""
    build_id = (
        time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f"-{time.time_ns() % 1_000_000:06d}-{version[:12]}"
    )
    build_dir = store_layout.new_build_dir(store_dir, build_id)
    writing = store_layout.hold(build_dir, writing=True)  # pruning leaves a build being written alone
    try:
        store = ox.Store(str(build_dir / store_layout.OXIGRAPH))
        counted = _Counted(quads)
        store.bulk_extend(counted)
        store.flush()
        # the bulk loader leaves many overlapping files: compacted, a lookup reads one file per
        # level, and a page's queries on a 5 M-quad build read from disk take half the time
        # (docs/BENCHMARKS.md); 10 s at 5 M quads, before the kept answers are computed on it
        store.optimize()
        info = {**info, "build_id": build_id, "data_version": version, "quads": counted.n}
        (build_dir / store_layout.BUILD_INFO).write_text(
            json.dumps(info, indent=2, ensure_ascii=False), encoding="utf-8"
        )
        del store  # release the RocksDB lock before readers open the build
        if extras is not None:
            extras(build_dir)
        store_layout.publish(store_dir, build_dir)
    except BaseException:
        store_layout.discard(build_dir)
        raise
    finally:
        writing.release()  # live now (never pruned), or discarded
    return Loaded(ox.Store.read_only(str(build_dir / store_layout.OXIGRAPH)), build_dir, version, counted.n)


class _Counted:
    """An iterable of quads that counts what it hands on (a stream has no ``len``)."""

    def __init__(self, quads: Iterable[ox.Quad]) -> None:
        self.quads = quads
        self.n = 0

    def __iter__(self) -> Iterator[ox.Quad]:
        for quad in self.quads:
            self.n += 1
            yield quad
