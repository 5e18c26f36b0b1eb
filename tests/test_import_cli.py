"""`zhytomyr-kg import` loads a dump into a store `serve` can serve; `serve`, `query` and `stats`
refuse a directory that is not this layout (a plain pyoxigraph store) instead of building into it."""

from __future__ import annotations

import gzip
import subprocess
import sys

import pyoxigraph

from graph_service.sample_graphs import sample_quads
from zhytomyr_kg.store_layout import live_build


def cli(*args: str, timeout: float = 120):
    return subprocess.run(
        [sys.executable, "-m", "zhytomyr_kg.cli", *args], capture_output=True, text=True, timeout=timeout
    )


def test_import_a_gzipped_dump(tmp_path):
    dump = tmp_path / "dataset.nq.gz"
    dump.write_bytes(gzip.compress(pyoxigraph.serialize(sample_quads(), format=pyoxigraph.RdfFormat.N_QUADS)))
    store = tmp_path / "store"
    proc = cli("import", str(dump), "--store", str(store))
    assert proc.returncode == 0, proc.stderr
    assert f"imported {len(sample_quads())} quads" in proc.stdout
    build = live_build(store)
    assert build.info()["quads"] == len(sample_quads())
    assert build.info()["imported"]["file"] == "dataset.nq.gz"
    q = cli(
        "query",
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
        "--format",
        "csv",
        "--store",
        str(store),
    )
    assert q.returncode == 0 and q.stdout.split()[-1] == str(len(sample_quads()))


def test_a_plain_pyoxigraph_directory_is_refused(tmp_path):
    plain = tmp_path / "plain"
    store = pyoxigraph.Store(str(plain))
    store.extend(sample_quads())
    store.flush()
    del store
    before = sorted(p.name for p in plain.iterdir())
    for args, code in (
        (["serve", "--port", "0", "--host", "127.0.0.1"], 2),
        (["query", "ASK {}"], 3),
        (["stats"], 3),
    ):
        proc = cli(*args, "--store", str(plain), timeout=60)
        assert proc.returncode == code, (args, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert (
            len(lines) == 1 and "is not a zhytomyr-kg store" in lines[0] and "zhytomyr-kg import" in lines[0]
        )
    assert sorted(p.name for p in plain.iterdir()) == before  # nothing built into it
    bad = cli("import", str(tmp_path / "x.ttl"), "--store", str(tmp_path / "s"))
    assert bad.returncode == 1 and "N-Quads or TriG" in bad.stderr
