"""What the in-memory copy of a build costs per quad, in resident memory of one process.

``python bench/memory.py [--copies 1,10,40]`` builds the bundled report once, then stores of
``copies`` × its quads (the report's own quads, every ``…/id/`` IRI renamed per copy, so the
literals and the IRIs keep the report's lengths), and for each opens the build as a process of
the service does (``OxigraphBackend.store()`` with the copy allowed) in a fresh interpreter,
reading its resident memory (``VmRSS``) after opening the build on disk and again after copying
it into memory. The difference ÷ quads is the figure ``ZKG_MEMORY_BUDGET`` is divided by
(``zhytomyr_kg.settings.MEMORY_BYTES_PER_QUAD``). Allocator slack counts: it is resident.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PROBE = """
import json, sys
from graph_service.store.oxigraph import OxigraphBackend

def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024

disk = OxigraphBackend(sys.argv[1], memory_quads=0)
disk.store()
before = rss()
memory = OxigraphBackend(sys.argv[1], memory_quads=10**12)
memory.store()
after = rss()
print(json.dumps({"in_memory": memory.in_memory, "quads": len(memory.store()), "before": before, "after": after}))
"""


def copies_of(quads: list, copies: int, id_base: str) -> list:
    """``copies`` renamed copies of ``quads`` (the first one as it is)."""
    from pyoxigraph import NamedNode, Quad

    def rename(term, k: int):
        if k and isinstance(term, NamedNode) and term.value.startswith(id_base):
            return NamedNode(f"{term.value}-c{k}")
        return term

    return [
        Quad(rename(q.subject, k), q.predicate, rename(q.object, k), q.graph_name)
        for k in range(copies)
        for q in quads
    ]


def measure(store: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(store)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", default="1,10,40", help="sizes, in copies of the report's build")
    args = parser.parse_args()
    from etl.pipeline import build
    from graph_service.testing import build_store
    from zhytomyr_kg.settings import MEMORY_BYTES_PER_QUAD, Settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(store=Path(tmp) / "report")
        result = build(settings)
        quads = list(result.store)
        print(
            f"the report's build: {len(quads):,} quads; assumed by the budget: {MEMORY_BYTES_PER_QUAD} B/quad"
        )
        print("| quads | RSS on disk (MiB) | RSS with the copy (MiB) | bytes per quad |")
        print("| --- | --- | --- | --- |")
        for copies in (int(c) for c in args.copies.split(",")):
            store = Path(tmp) / f"x{copies}"
            build_store(store, copies_of(quads, copies, settings.id_base))
            m = measure(store)
            assert m["in_memory"], "the build was not copied into memory"
            per_quad = (m["after"] - m["before"]) / m["quads"]
            print(
                f"| {m['quads']:,} | {m['before'] / 2**20:.1f} | {m['after'] / 2**20:.1f} | {per_quad:.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
