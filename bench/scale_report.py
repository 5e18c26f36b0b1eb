"""The tables and target verdicts of ``bench/scale.py``: each measure at each size, with its growth
against the smallest size of the same run, and the issue's targets as PASS/FAIL (printed, never
asserted: the machine is shared and noisy; see docs/BENCHMARKS.md)."""

from __future__ import annotations

from collections.abc import Callable

GB = 1024**3
FUNDER = "/id/funder/giz"
DEPARTMENT = "/id/department/departament-osvity-miskoi-rady"
LISTS = ("/", "/projects")
ENTITY_GROWTH = 3.0  # entity-page first-view p50: at most this × the smallest size's
LIST_FIRST_MS = 300.0  # a list page's first view
EXPORT_RSS = 2 * GB  # `zhytomyr-kg export` of the largest years

Getter = Callable[[dict], float | str | None]
FAILED = "failed"


def _first(path: str) -> Getter:
    """A first view's time, or "failed" when it got no 2xx answer."""
    return lambda r: FAILED if r["first"][path]["ms"] is None else r["first"][path]["ms"]


def _cached(path: str) -> Getter:
    """The median of the cached views, or "failed" when none was answered."""
    return lambda r: FAILED if r["cached"].get(path, 0) is None else r["cached"].get(path)


def _kb(path: str) -> Getter:
    """A first view's size in KB (None when it failed)."""
    return lambda r: r["first"][path]["bytes"] / 1024 or None


def _gb(key: str) -> Getter:
    return lambda r: r[key] / GB if r.get(key) is not None else None


#: (label, how to read it from a row, format); a measure missing at a size is shown as "—"
MEASURES: list[tuple[str, Getter, str]] = [
    ("quads", lambda r: r.get("quads"), "{:,.0f}"),
    ("cities", lambda r: r.get("cities"), "{:,.0f}"),
    ("build / import s", lambda r: r.get("build_s"), "{:.1f}"),
    ("build / import peak RSS GB", _gb("build_rss"), "{:.2f}"),
    ("export s", lambda r: r.get("export_s"), "{:.1f}"),
    ("export peak RSS GB", _gb("export_rss"), "{:.2f}"),
    ("serve start s", lambda r: r.get("serve_start_s"), "{:.1f}"),
    ("serve RSS idle GB", _gb("rss_idle"), "{:.2f}"),
    ("serve RSS peak GB", _gb("rss_peak"), "{:.2f}"),
    ("SPARQL entity ms", lambda r: r["sparql"].get("entity"), "{:.1f}"),
    ("SPARQL join ms", lambda r: r["sparql"].get("join"), "{:.1f}"),
    ("SPARQL count ms", lambda r: r["sparql"].get("count"), "{:.1f}"),
    ("first / ms", _first("/"), "{:.0f}"),
    ("first /projects ms", _first("/projects"), "{:.0f}"),
    ("first funder ms", _first(FUNDER), "{:.1f}"),
    ("first department ms", _first(DEPARTMENT), "{:.1f}"),
    ("first entity pages p50 ms", lambda r: r.get("entity_first_p50"), "{:.1f}"),
    ("cached / ms", _cached("/"), "{:.2f}"),
    ("cached /projects ms", _cached("/projects"), "{:.2f}"),
    ("cached funder ms", _cached(FUNDER), "{:.2f}"),
    ("cached department ms", _cached(DEPARTMENT), "{:.2f}"),
    ("cached entity pages p50 ms", lambda r: r.get("cached_sample"), "{:.2f}"),
    ("/ KB", _kb("/"), "{:,.0f}"),
    ("/projects KB", _kb("/projects"), "{:,.0f}"),
    ("failed requests", lambda r: len(r["failures"]) if "failures" in r else None, "{:.0f}"),
    ("process deaths", lambda r: r.get("deaths"), "{:.0f}"),
]
NO_GROWTH = {"failed requests", "process deaths", "cities"}


def _get(getter: Getter, row: dict) -> float | str | None:
    try:
        return getter(row)
    except (KeyError, TypeError):
        return None


def table(name: str, rows: list[dict]) -> list[str]:
    """One line per measure: its value at each size, and ``(g×)`` its growth from the first size."""
    width = 22
    lines = [f"{name:28}" + "".join(f"{row['size']:>{width},}" for row in rows)]
    for label, getter, fmt in MEASURES:
        built = [row.get("build_code") in (0, None) for row in rows]
        values = [
            _get(getter, row) if ok or label == "cities" else None
            for row, ok in zip(rows, built, strict=True)
        ]
        if all(v is None for v in values):
            continue
        cells = []
        first = values[0]
        for i, v in enumerate(values):
            if v is None or isinstance(v, str):
                cells.append(v or ("—" if built[i] else FAILED))
                continue
            cell = fmt.format(v)
            if label not in NO_GROWTH and i and isinstance(first, float | int) and first:
                cell += f" ({v / first:.1f}×)"
            cells.append(cell)
        lines.append(f"{label:28}" + "".join(f"{c:>{width}}" for c in cells))
    return lines


def targets(results: dict) -> dict:
    """Each target per dimension: the figures it was judged on and PASS/FAIL."""
    out: dict = {}
    for dim in ("years", "cities"):
        rows = [r for r in results.get(dim, []) if "first" in r]
        failed_builds = [r["size"] for r in results.get(dim, []) if "first" not in r]
        if not rows:
            continue
        verdicts: dict = {}
        small, large = rows[0], rows[-1]
        grow = [
            ("entity pages p50", large["entity_first_p50"], small["entity_first_p50"]),
            ("funder", large["first"][FUNDER]["ms"], small["first"][FUNDER]["ms"]),
            ("department", large["first"][DEPARTMENT]["ms"], small["first"][DEPARTMENT]["ms"]),
        ]
        verdicts["entity pages: first-view p50 growth ≤ 3×"] = {
            "figures": {
                label: (f"{b / a:.1f}× ({a:.1f} → {b:.1f} ms)" if a and b else "no answer")
                for label, b, a in grow
            },
            "pass": all(a and b and b / a <= ENTITY_GROWTH for _, b, a in grow) and len(rows) > 1,
        }
        slow = [
            f"{path} at {r['size']:,}: "
            + (f"{r['first'][path]['ms']:.0f} ms" if r["first"][path]["ms"] else "failed")
            for r in rows
            for path in LISTS
            if not r["first"][path]["ms"] or r["first"][path]["ms"] >= LIST_FIRST_MS
        ]
        verdicts["lists: first view < 300 ms"] = {"figures": slow or "all under", "pass": not slow}
        failures = {r["size"]: len(r["failures"]) for r in rows}
        verdicts["0 failed requests"] = {
            "figures": failures,
            "pass": not any(failures.values()),
        }
        deaths = {r["size"]: r["deaths"] for r in rows}
        verdicts["0 process deaths"] = {"figures": deaths, "pass": not any(deaths.values())}
        if failed_builds:
            verdicts["every size built"] = {"figures": failed_builds, "pass": False}
        if dim == "years" and results[dim][-1].get("export_rss") is not None:
            last = results[dim][-1]
            verdicts[f"export of {last['size']} years within 2 GB"] = {
                "figures": f"peak {last['export_rss'] / GB:.2f} GB, {last['export_s']:.1f} s",
                "pass": last["export_rss"] <= EXPORT_RSS and last.get("export_code") == 0,
            }
        out[dim] = verdicts
    return out


def print_tables(results: dict) -> None:
    print()
    for dim in ("years", "cities"):
        if results.get(dim):
            print("\n".join(table(f"{dim} (growth vs the first)", results[dim])))
            print()
    for dim, verdicts in targets(results).items():
        print(f"targets, {dim}:")
        for name, v in verdicts.items():
            print(f"  {'PASS' if v['pass'] else 'FAIL'}  {name}: {v['figures']}")
    for dim in ("years", "cities"):
        for r in results.get(dim, []):
            for failure in r.get("failures", [])[:5]:
                print(f"  failed request, {dim} {r['size']:,}: {failure}")
    print(
        f"load average before {results['load_before'][0]:.1f}, after {results['load_after'][0]:.1f}; "
        f"{results['seconds']:.0f} s in all; pre-rendering {'on' if results['prerender'] else 'off'}"
    )
