"""HTTP benchmark of the SPARQL endpoint against its peers, measured in one run.

Loads the same N-Quads into our service (embedded store), ``oxigraph serve-read-only`` and
rdflib-endpoint, then measures requests/s and p50/p99 latency at 1, 8 and 32 concurrent
connections for four queries (one entity's triples, a funder → projects → departments join, a
count per department, a text filter), and prints our throughput as a ratio of each peer's.

Our service (started as ``zhytomyr-kg serve``) is measured twice: with the result cache off
(every request runs its query) and on (a repeated query: the cached path). All servers run for
the whole measurement, and each cell is measured on every server back to back (``--rounds`` times,
order rotated, median kept), so a slow spell of this shared machine hits every server alike.

    python bench/sparql_http.py [--data graph.nq] [--duration 2] [--connections 1,8,32] [--rounds 3]

Without ``--data`` a report-shaped graph of about 20,000 triples is generated. The load comes
from ``wrk`` when it is installed (``apt-get install wrk``), otherwise from a slower Python
client (then the figures are bounded by the client; the output says which was used).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import pyoxigraph  # noqa: E402
from load import generator, load  # noqa: E402  (bench/load.py)

from graph_service.sample_graphs import synthetic_quads  # noqa: E402
from graph_service.testing import build_store, oxigraph_bin, running, serve_cmd  # noqa: E402

ZKG = "https://w3id.org/zhytomyr-kg/ontology#"
P = f"PREFIX zkg: <{ZKG}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
ACCEPT = "application/sparql-results+json"


def pick(data: Path) -> dict[str, str]:
    """Concrete IRIs for the queries, taken from the data."""
    store = pyoxigraph.Store()
    store.bulk_load(path=str(data), format=pyoxigraph.RdfFormat.N_QUADS)

    def first(q):
        rows = list(store.query(P + q, use_default_graph_as_union=True))
        if not rows:
            raise SystemExit(f"the data has nothing for: {q}")
        return rows[0][0].value

    entity = first("SELECT ?p WHERE { ?p a zkg:Project ; zkg:fundedBy ?f } ORDER BY ?p LIMIT 1")
    funder = first("SELECT ?f WHERE { ?p zkg:fundedBy ?f } GROUP BY ?f ORDER BY DESC(COUNT(?p)) ?f LIMIT 1")
    word = first(
        "SELECT ?w WHERE { ?r zkg:text ?t BIND(LCASE(STRBEFORE(?t, ' ')) AS ?w) FILTER(STRLEN(?w) > 4) } "
        "GROUP BY ?w ORDER BY DESC(COUNT(?r)) LIMIT 1"
    )
    return {"entity": entity, "funder": funder, "word": word, "triples": str(len(store))}


def queries(p: dict[str, str]) -> dict[str, str]:
    return {
        "entity": f"SELECT ?p ?o WHERE {{ <{p['entity']}> ?p ?o }}",
        "join": P + f"SELECT ?project ?dept ?label WHERE {{ ?project zkg:fundedBy <{p['funder']}> ; "
        "zkg:responsibleBody ?dept . ?dept a zkg:Department ; rdfs:label ?label }",
        "count": P + "SELECT ?dept (COUNT(DISTINCT ?project) AS ?n) WHERE { ?project a zkg:Project ; "
        "zkg:responsibleBody ?dept } GROUP BY ?dept",
        "text": P
        + f'SELECT ?r WHERE {{ ?r a zkg:ProgressReport ; zkg:text ?t FILTER(CONTAINS(LCASE(?t), "{p["word"]}")) }}',
    }


# --------------------------------------------------------------------------- targets


def rows_of(url: str, query: str) -> int:
    r = httpx.get(url, params={"query": query}, headers={"Accept": ACCEPT}, timeout=120)
    r.raise_for_status()
    return len(r.json()["results"]["bindings"])


def check_rows(servers: dict[str, str], qs: dict[str, str]) -> None:
    """Every server gives the same number of rows for every query (also the warm-up)."""
    for qname, q in qs.items():
        counts = {name: rows_of(url, q) for name, url in servers.items()}
        if len(set(counts.values())) > 1:
            print(f"  ! row counts differ for {qname}: {counts}", file=sys.stderr)


def measure(
    servers: dict[str, str], qs: dict[str, str], conns: list[int], duration: float, rounds: int
) -> dict:
    """Each cell (query × connections) measured on every server back to back, ``rounds`` times
    with the order rotated, so that a slow spell of the machine hits all servers alike; the
    median round is kept."""
    results: dict = {}
    names = list(servers)
    for qname, q in qs.items():
        for c in conns:
            runs: dict[str, list[dict]] = {name: [] for name in names}
            for r in range(rounds):
                for name in names[r % len(names) :] + names[: r % len(names)]:
                    runs[name].append(load(f"{servers[name]}?query={quote(q)}", ACCEPT, c, duration))
            for name in names:
                ordered = sorted(runs[name], key=lambda x: x["rps"])
                median = dict(ordered[len(ordered) // 2])
                median["errors"] = sum(x["errors"] for x in ordered)
                median["rounds"] = [round(x["rps"]) for x in runs[name]]
                results.setdefault(name, {}).setdefault(qname, {})[c] = median
                print(
                    f"  {name:16} {qname:7} c={c:<3} {median['rps']:>9.0f} req/s  p50 {median['p50_ms'] or 0:7.2f} ms  "
                    f"p99 {median['p99_ms'] or 0:7.2f} ms  errors {median['errors']}"
                    + (f"  rounds {median['rounds']}" if rounds > 1 else ""),
                    flush=True,
                )
    return results


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--data", type=Path, help="N-Quads file (the ETL's output); default: a generated ~20k-triple graph"
    )
    ap.add_argument("--triples", type=int, default=20_000, help="size of the generated graph")
    ap.add_argument("--duration", type=float, default=2.0, help="seconds per measurement")
    ap.add_argument("--connections", default="1,8,32")
    ap.add_argument(
        "--pool-size",
        type=int,
        default=None,
        help="our query workers per HTTP process (default: as `zhytomyr-kg serve` chooses)",
    )
    ap.add_argument(
        "--http-workers",
        type=int,
        default=None,
        help="our HTTP processes (default: as `zhytomyr-kg serve` chooses)",
    )
    ap.add_argument("--skip", default="", help="comma list of targets to skip: ours,cached,oxigraph,rdflib")
    ap.add_argument(
        "--inline",
        action="store_true",
        help="also measure queries run in the HTTP process (no isolation, no time limit): the cost of isolation",
    )
    ap.add_argument("--queries", default="entity,join,count,text", help="which queries to run")
    ap.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure each cell this many times on every server, order rotated; keep the median",
    )
    ap.add_argument("--json", type=Path, help="write the figures here")
    args = ap.parse_args(argv)
    conns = [int(c) for c in args.connections.split(",")]
    skip = set(filter(None, args.skip.split(",")))

    with tempfile.TemporaryDirectory(prefix="zkg-bench-") as tmp:
        tmp = Path(tmp)
        data = args.data
        if data is None:
            data = tmp / "graph.nq"
            pyoxigraph.serialize(synthetic_quads(args.triples), str(data), pyoxigraph.RdfFormat.N_QUADS)
        picked = pick(data)
        wanted = args.queries.split(",")
        qs = {k: v for k, v in queries(picked).items() if k in wanted}
        print(
            f"data: {data if args.data else 'generated'} ({picked['triples']} quads); "
            f"load generator: {generator(args.duration)}; "
            f"{args.duration:g} s per cell; cpus: {os.cpu_count()}",
            flush=True,
        )
        store_dir = tmp / "store"
        build_store(store_dir, nquads=data, build_id="bench")
        base_env = {"ZKG_STORE": str(store_dir), "ZKG_ACCESS_LOG": "0", "ZKG_SPARQL_MAX_CONCURRENT": "256"}
        if args.pool_size:
            base_env["ZKG_SPARQL_POOL_SIZE"] = str(args.pool_size)
        variants = [("ours", "0", "pool"), ("ours-cached", "512", "pool")]
        if args.inline:
            variants.append(("ours-inline", "0", "thread"))
        servers: dict[str, str] = {}
        with contextlib.ExitStack() as stack:  # every server runs for the whole measurement
            for name, cache, executor in variants:
                if (name == "ours" and "ours" in skip) or (name == "ours-cached" and "cached" in skip):
                    continue
                url = stack.enter_context(
                    running(
                        serve_cmd(args.http_workers),
                        "/health",
                        env={**base_env, "ZKG_SPARQL_CACHE_ENTRIES": cache, "ZKG_SPARQL_EXECUTOR": executor},
                    )
                ).base
                print(f"{name}: {httpx.get(url + '/health').json()['executor']}", flush=True)
                servers[name] = url + "/sparql"
            if "oxigraph" not in skip and oxigraph_bin():
                location = tmp / "oxigraph"
                subprocess.run(
                    [oxigraph_bin(), "load", "--location", str(location), "--file", str(data)],
                    check=True,
                    capture_output=True,
                )
                url = stack.enter_context(
                    running(
                        [
                            oxigraph_bin(),
                            "serve-read-only",
                            "--location",
                            str(location),
                            "--bind",
                            "127.0.0.1:0",
                            "--union-default-graph",
                        ],
                        "/query?query=ASK%7B%7D",
                    )
                ).base
                servers["oxigraph"] = url + "/query"
            rdflib_bin = Path(sys.executable).with_name("rdflib-endpoint")
            if "rdflib" not in skip and rdflib_bin.exists():
                url = stack.enter_context(
                    running(
                        [str(rdflib_bin), "serve", "--host", "127.0.0.1", "--port", "0", str(data)],
                        "/?query=ASK%7B%7D",
                        timeout=300,
                    )
                ).base
                servers["rdflib-endpoint"] = url + "/"
            for url in servers.values():  # warm every HTTP process (new connections spread over them)
                for _ in range(8):
                    httpx.get(url, params={"query": "ASK {}"}, headers={"Accept": ACCEPT}).raise_for_status()
            check_rows(servers, qs)
            results = measure(servers, qs, conns, args.duration, args.rounds)

    print("\nratios (requests/s of ours ÷ peer's):")
    header = f"{'query':8}{'conns':>6}" + "".join(
        f"{h:>22}" for h in ("ours/oxigraph", "cached/oxigraph", "ours/rdflib", "cached/rdflib")
    )
    print(header)
    for qname in qs:
        for c in conns:
            cells = []
            for mine in ("ours", "ours-cached"):
                for peer in ("oxigraph", "rdflib-endpoint"):
                    a = results.get(mine, {}).get(qname, {}).get(c)
                    b = results.get(peer, {}).get(qname, {}).get(c)
                    cells.append(f"{a['rps'] / b['rps']:.2f}x" if a and b and b["rps"] else "-")
            print(f"{qname:8}{c:>6}" + "".join(f"{x:>22}" for x in (cells[0], cells[2], cells[1], cells[3])))
    if args.json:
        args.json.write_text(json.dumps({"data": picked, "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
