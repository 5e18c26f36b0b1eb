"""ETL benchmark: stage times on the bundled report and on N synthetic copies, and our loading
rate against a bare pyoxigraph ``bulk_load`` of the same N-Quads, measured in the same run.

    python bench/etl.py                 # N = 1, 10, 100
    python bench/etl.py --copies 1,10,100,1000 --shacl-up-to 100

Each copy is the bundled report under its own base IRI (``https://example.org/copy<i>/``), so
it is a distinct named graph with distinct IRIs. The machine is noisy (2 cores): read the ratios,
not the absolute numbers. The cold ``zhytomyr-kg build`` (a new process, imports included) is
timed against a bare ``python -c 'import pyoxigraph; …bulk_load…'`` of the same data.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyoxigraph as ox  # noqa: E402

from etl.load import load_to_disk  # noqa: E402
from etl.pipeline import Curated, extract_and_validate, transform  # noqa: E402
from zhytomyr_kg.resources import BUNDLED_REPORT  # noqa: E402
from zhytomyr_kg.settings import Settings  # noqa: E402


def bare_bulk_load(nquads: Path, target: Path) -> float:
    start = time.perf_counter()
    store = ox.Store(str(target))
    store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    store.flush()
    return time.perf_counter() - start


def run_copies(n: int, curated: Curated, shacl: bool, workdir: Path) -> dict[str, float]:
    timings: dict[str, float] = {}
    quads: list[ox.Quad] = []
    for i in range(n):
        settings = Settings(store=workdir / "unused", base_iri=f"https://example.org/copy{i}/")
        data = transform(settings, [BUNDLED_REPORT], curated, timings, lambda _: None)
        quads += extract_and_validate(settings, data, timings, lambda _: None, validation=shacl)
    start = time.perf_counter()
    load_to_disk(workdir / f"ours-{n}", quads, version=f"bench-{n}", info={})
    timings["load"] = time.perf_counter() - start
    nquads = workdir / f"copies-{n}.nq"
    ox.serialize(quads, output=str(nquads), format=ox.RdfFormat.N_QUADS)
    timings["bare_bulk_load"] = bare_bulk_load(nquads, workdir / f"bare-{n}")
    timings["quads"] = float(len(quads))
    nquads.unlink()
    return timings


def cold_build(workdir: Path, repeats: int) -> tuple[float, float]:
    """Median wall time of a cold ``zhytomyr-kg build`` and of a bare bulk load of its output."""
    ours, bare = [], []
    for i in range(repeats):
        store = workdir / f"cold-{i}"
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "zhytomyr_kg.cli", "build", "--store", str(store), "--quiet"],
            check=True,
            cwd=ROOT,
            capture_output=True,
        )
        ours.append(time.perf_counter() - start)
        dump = workdir / f"cold-{i}.nq"
        live = ox.Store.read_only(str(next((store / "builds").iterdir()) / "oxigraph"))
        live.dump(output=str(dump), format=ox.RdfFormat.N_QUADS)
        del live
        script = (
            "import sys, pyoxigraph as ox; s = ox.Store(sys.argv[2]); "
            "s.bulk_load(path=sys.argv[1], format=ox.RdfFormat.N_QUADS); s.flush()"
        )
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", script, str(dump), str(workdir / f"cold-bare-{i}")], check=True)
        bare.append(time.perf_counter() - start)
    return statistics.median(ours), statistics.median(bare)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", default="1,10,100", help="comma-separated N values")
    parser.add_argument(
        "--shacl-up-to", type=int, default=100, help="validate with pyshacl only while N ≤ this"
    )
    parser.add_argument("--cold-repeats", type=int, default=5)
    args = parser.parse_args()
    curated = Curated.load()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        ours, bare = cold_build(workdir, args.cold_repeats)
        print(
            f"cold `zhytomyr-kg build` (bundled report, imports included): {ours:.2f}s median of {args.cold_repeats}; "
            f"bare bulk_load process of the same quads: {bare:.2f}s; ratio {ours / bare:.1f}× (target: < 1.5 s)"
        )
        print()
        print(
            f"{'N':>5} {'quads':>9} {'read':>7} {'struct.':>7} {'rdf':>7} {'extract':>7} {'shacl':>7} {'load':>7} "
            f"{'ours q/s':>10} {'bare q/s':>10} {'ratio':>6}"
        )
        for n in (int(x) for x in args.copies.split(",")):
            t = run_copies(n, curated, n <= args.shacl_up_to, workdir)
            ours_rate = t["quads"] / t["load"]
            bare_rate = t["quads"] / t["bare_bulk_load"]
            shacl = f"{t['shacl']:7.2f}" if "shacl" in t else "   skip"
            print(
                f"{n:>5} {int(t['quads']):>9} {t['read']:7.2f} {t['structure']:7.2f} {t['rdf']:7.2f} {t['extract']:7.2f} {shacl} "
                f"{t['load']:7.2f} {ours_rate:10.0f} {bare_rate:10.0f} {ours_rate / bare_rate:6.2f}"
            )


if __name__ == "__main__":
    main()
