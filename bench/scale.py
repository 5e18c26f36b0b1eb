"""Scale benchmark (issue #15): how the build, the service's memory, SPARQL and the pages grow with
the number of report years and with the size of the graph (cities).

Two dimensions, each a ladder of sizes measured in the same run:

* **years** (``--years 1,10,50``): the bundled report and copies of it for the following years
  (header year changed), built with ``zhytomyr-kg build`` into a fresh store; its
  ``zhytomyr-kg export`` is timed too (peak memory; target ≤ 2 GB at 50 years);
* **cities** (``--quads 100000,1000000``; ``--include-5m`` adds 5,000,000): the one-year export
  copied city by city with rewritten IRIs (``bench/scale_data.py``) and loaded with
  ``zhytomyr-kg import``.

Each size is served with ``zhytomyr-kg serve`` (default layout, port 0) and measured on one
keep-alive connection: the first view of ``/``, ``/projects``, a funder page, a department page and
a sample of entity pages (the same city-0 entities at every size), then their cached views
(``--repeats`` each, median), then the three queries of ``bench/sparql_http.py`` (entity, join,
count; ``--repeats`` distinct texts each, so the result cache does not answer; median). Every
request that fails (not 2xx, a timeout, a broken connection) is counted, and so is every HTTP
process that died. The service's memory is the resident size of its process tree (idle after
start-up, and the peak while measured).

Pages are pre-rendered in the background by default (``graph_service/web/prerender.py``); here
``ZKG_PAGES_PRERENDER=0`` unless ``--prerender``, so that a first view is a page rendered on
request at every size rather than a race with the renderer.

It prints a table per dimension (absolute figures and each measure's growth against the smallest
size of the same run) and the issue's targets as PASS/FAIL: entity-page first-view p50 grows at
most 3×; the lists' first views under 300 ms; no failed request; no process death; the export of
the largest years within 2 GB. Nothing is asserted.

    python bench/scale.py [--years 1,10,50] [--quads 100000,1000000] [--include-5m] [--json out.json]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scale_data import entity_sample, write_cities, year_reports  # noqa: E402  (bench/)
from scale_probe import (  # noqa: E402  (bench/)
    Client,
    PeakRss,
    Ran,
    cli,
    http_processes,
    median_ms,
    run_measured,
    tree_rss,
)
from scale_report import print_tables, targets  # noqa: E402  (bench/)
from sparql_http import ACCEPT, pick, queries  # noqa: E402  (bench/)

from graph_service.testing import running, serve_cmd  # noqa: E402
from zhytomyr_kg.settings import DEFAULT_BASE_IRI  # noqa: E402

HTML = "text/html"
LISTS = ("/", "/projects")
FUNDER = "/id/funder/giz"
DEPARTMENT = "/id/department/departament-osvity-miskoi-rady"
GB = 1024**3
#: a page outside the measured ones, requested first on the connection (not timed)
WARM_UP = "/id/status/completed"
#: the supervisor's line for an HTTP process that died (graph_service/web/supervisor.py)
DIED = re.compile(r"HTTP process \d+ exited with code")


def ints(text: str) -> list[int]:
    return sorted({int(float(x)) for x in text.split(",") if x.strip()})


def measure_server(store: Path, sample: list[str], picks: dict[str, str], args, log: Path) -> dict:
    """Serve ``store`` and take every HTTP measure (see the module's docstring)."""
    env = {"ZKG_STORE": str(store)}
    if not args.prerender:
        env["ZKG_PAGES_PRERENDER"] = "0"
    env.update(dict(e.split("=", 1) for e in args.env))
    t0 = time.perf_counter()
    with running(
        serve_cmd(args.http_workers), "/health", env=env, log_path=log, timeout=args.start_timeout
    ) as server:
        started = time.perf_counter() - t0
        supervisor = server.pid
        before = http_processes(supervisor)
        idle = tree_rss(supervisor)
        client = Client("127.0.0.1", server.port, args.request_timeout)
        health = client.get("/health", "application/json")
        client.get(WARM_UP, HTML)  # imports and templates, before the first measured page
        named = [*LISTS, FUNDER, DEPARTMENT]
        out: dict = {"serve_start_s": started, "rss_idle": idle, "first": {}, "cached": {}, "sparql": {}}
        with PeakRss(supervisor, 0.2) as peak:
            for path in named + sample:  # first views, one after the other
                t = client.get(path, HTML)
                out["first"][path] = {"ms": t.ms if t.ok else None, "status": t.status, "bytes": t.size}
            for path in named:
                out["cached"][path] = median_ms([client.get(path, HTML) for _ in range(args.repeats)])
            out["cached_sample"] = median_ms([client.get(path, HTML) for path in sample])
            for name, text in queries(picks).items():
                if name == "text":
                    continue
                timings = [
                    client.get(f"/sparql?query={quote(f'{text} # scale {name} {i}')}", ACCEPT)
                    for i in range(args.repeats)
                ]
                out["sparql"][name] = median_ms(timings)
        after = http_processes(supervisor)
        alive = server.proc.poll() is None
        text = log.read_text(encoding="utf-8", errors="replace")
        client.close()
    died_in_log = len(DIED.findall(text))
    out["deaths"] = max(len(before - after), died_in_log) + (0 if alive else 1)
    out["rss_peak"] = max(peak.peak, idle)
    out["requests"] = len(client.log)
    out["failures"] = [f"{t.status} {t.target} after {t.ms:.0f} ms: {t.error[:120]}" for t in client.failures]
    out["health_ok"] = health.ok
    entity_paths = [FUNDER, DEPARTMENT, *sample]
    out["entity_first_p50"] = _p50([out["first"][p]["ms"] for p in entity_paths])
    return out


def _p50(values: list[float | None]) -> float | None:
    """The median, a failed request (None) counting as slower than any answer; None if it is one."""
    ms = sorted(float("inf") if v is None else v for v in values)
    middle = ms[len(ms) // 2] if ms else float("inf")
    return None if middle == float("inf") else middle


def quads_of(store: Path) -> int | None:
    """The live build's quad count, from its build.json (written by build and import)."""
    try:
        info = json.loads((store / "current" / "build.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return info.get("quads")


def figures(step: str, ran: Ran) -> dict:
    """A measured step's row fields: ``{step}_s``, ``{step}_rss`` (peak), ``{step}_code``."""
    return {f"{step}_s": ran.seconds, f"{step}_rss": ran.peak_rss, f"{step}_code": ran.code}


def failed(step: str, ran: Ran, row: dict, rows: list[dict], save) -> bool:
    """Whether ``ran`` failed; if so its row is kept (the size is reported as failed) with the
    end of its output printed."""
    if ran.code == 0:
        return False
    print(f"  {step} failed ({ran.code}):\n{ran.output[-2000:]}", flush=True)
    rows.append(row)
    save()
    return True


def years_dimension(
    args, tmp: Path, sample: list[str], picks: dict[str, str], rows: list[dict], save, first: dict
) -> None:
    """Each size of ``--years`` built, exported and served; size 1 is the build ``one_year_build``
    made (``first``: its figures), served as it is rather than built again."""
    reports = year_reports(tmp / "reports", max(args.years))
    for n in args.years:
        store = tmp / f"years-{n}"
        if n == 1:
            row = {k: v for k, v in first.items() if args.export or not k.startswith("export_")}
        else:
            print(f"years = {n}: building …", flush=True)
            built = run_measured(
                cli("build", "--store", str(store), "-q", *map(str, reports[:n])), tmp / f"build-{n}.log"
            )
            row = {"size": n, **figures("build", built)}
            if failed("build", built, row, rows, save):
                continue
            row["quads"] = quads_of(store)
            if args.export:
                exported = run_measured(
                    cli("export", "--store", str(store), "-q", "--out", str(tmp / f"dump-{n}")),
                    tmp / f"export-{n}.log",
                )
                row.update(figures("export", exported))
                shutil.rmtree(tmp / f"dump-{n}", ignore_errors=True)
        print(f"years = {n}: {row.get('quads')} quads; serving …", flush=True)
        row.update(measure_server(store, sample, picks, args, tmp / f"serve-years-{n}.log"))
        rows.append(row)
        save()
        show(row)
        shutil.rmtree(store, ignore_errors=True)


def cities_dimension(
    args, tmp: Path, base: Path, sample: list[str], picks: dict[str, str], rows: list[dict], save
) -> None:
    for target in args.quads:
        data = tmp / f"cities-{target}.nq.gz"
        t0 = time.perf_counter()
        cities = write_cities(base, data, target, args.base_iri)
        generated = time.perf_counter() - t0
        print(
            f"quads ≈ {target}: {cities.cities} cities, {cities.lines} quads written; importing …", flush=True
        )
        store = tmp / f"cities-{target}"
        imported = run_measured(
            cli("import", "--store", str(store), "-q", str(data)), tmp / f"import-{target}.log"
        )
        row: dict = {
            "size": target,
            "cities": cities.cities,
            "generate_s": generated,
            **figures("build", imported),
        }
        data.unlink()
        if failed("import", imported, row, rows, save):
            continue
        row["quads"] = quads_of(store)
        row.update(measure_server(store, sample, picks, args, tmp / f"serve-cities-{target}.log"))
        rows.append(row)
        save()
        show(row)
        shutil.rmtree(store, ignore_errors=True)


def show(row: dict) -> None:
    first = {p: (v["ms"], v["status"]) for p, v in row["first"].items() if p in (*LISTS, FUNDER, DEPARTMENT)}
    print(
        f"  build {row['build_s']:.1f} s, serve RSS {row['rss_idle'] / GB:.2f} → {row['rss_peak'] / GB:.2f} GB, "
        f"first views {first}, SPARQL {row['sparql']}, failures {len(row['failures'])}, deaths {row['deaths']}",
        flush=True,
    )


def one_year_build(tmp: Path) -> tuple[Path, dict]:
    """The bundled report built into ``years-1`` and exported, both measured: the export's N-Quads
    (gzipped) are the cities' base and where the sample comes from; the build, kept, is the years
    dimension's first size, with these figures."""
    store = tmp / "years-1"
    print("years = 1: building …", flush=True)
    built = run_measured(cli("build", "--store", str(store), "-q"), tmp / "build-1.log")
    if built.code != 0:
        raise SystemExit(f"the one-year build failed:\n{built.output[-2000:]}")
    dump = tmp / "dump-1"
    exported = run_measured(
        cli("export", "--store", str(store), "-q", "--out", str(dump)), tmp / "export-1.log"
    )
    if exported.code != 0:
        raise SystemExit(f"the one-year export failed:\n{exported.output[-2000:]}")
    out = tmp / "base.nq.gz"
    shutil.move(dump / "dataset.nq.gz", out)
    shutil.rmtree(dump)
    return out, {
        "size": 1,
        **figures("build", built),
        "quads": quads_of(store),
        **figures("export", exported),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--years",
        type=ints,
        default=ints("1,10,50"),
        help="report years per size (default 1,10,50; '' skips)",
    )
    ap.add_argument(
        "--quads",
        type=ints,
        default=ints("100000,1000000"),
        help="quads per city size (default 100000,1000000; '' skips)",
    )
    ap.add_argument("--include-5m", action="store_true", help="add 5,000,000 quads to the cities")
    ap.add_argument(
        "--repeats", type=int, default=5, help="cached views and SPARQL requests per measure (median)"
    )
    ap.add_argument("--sample", type=int, default=2, help="entity pages per kind in the first-view sample")
    ap.add_argument(
        "--request-timeout", type=float, default=60.0, help="seconds before a request counts as failed"
    )
    ap.add_argument("--start-timeout", type=float, default=600.0, help="seconds for the service to come up")
    ap.add_argument(
        "--http-workers", type=int, default=None, help="HTTP processes (default: as serve chooses)"
    )
    ap.add_argument("--prerender", action="store_true", help="keep the pages' background pre-rendering on")
    ap.add_argument(
        "--no-export", dest="export", action="store_false", help="skip timing `export` of each years size"
    )
    ap.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE", help="extra environment for the service"
    )
    ap.add_argument("--base-iri", default=DEFAULT_BASE_IRI)
    ap.add_argument(
        "--workdir", type=Path, help="where the stores go (default: a temporary directory, removed)"
    )
    ap.add_argument("--json", type=Path, help="write the figures here")
    args = ap.parse_args(argv)
    if args.include_5m:
        args.quads = sorted({*args.quads, 5_000_000})
    started = time.perf_counter()
    load = os.getloadavg()
    print(
        f"scale benchmark: {os.cpu_count()} CPUs, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}",
        flush=True,
    )
    if args.workdir:
        Path(args.workdir).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="zkg-bench-scale-", dir=args.workdir) as tmp_name:
        tmp = Path(tmp_name)
        base, one_year = one_year_build(tmp)
        sample = entity_sample(base, args.base_iri, args.sample)
        plain = tmp / "base.nq"
        with gzip.open(base, "rb") as src, open(plain, "wb") as dst:
            shutil.copyfileobj(src, dst)
        picks = pick(plain)  # the SPARQL queries' IRIs, of city 0
        plain.unlink()
        results: dict = {
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "command": " ".join(["bench/scale.py", *(sys.argv[1:] if argv is None else argv)]),
            "cpus": os.cpu_count(),
            "load_before": load,
            "prerender": args.prerender,
            "repeats": args.repeats,
            "sample": sample,
            "years": [],
            "cities": [],
        }

        def save() -> None:  # after every size: a run cut short keeps what it measured
            results["load_after"] = os.getloadavg()
            results["seconds"] = time.perf_counter() - started
            results["targets"] = targets(results)
            if args.json:
                args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")

        if args.years:
            years_dimension(args, tmp, sample, picks, results["years"], save, one_year)
        shutil.rmtree(tmp / "years-1", ignore_errors=True)  # when --years has no 1
        if args.quads:
            cities_dimension(args, tmp, base, sample, picks, results["cities"], save)
    save()
    print_tables(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
