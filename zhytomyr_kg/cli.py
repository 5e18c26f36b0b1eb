"""``zhytomyr-kg``: build the graph, query it, validate it, count it, export it, serve it.

Every subcommand takes ``--store`` (env ``ZKG_STORE``) and ``--base-iri`` (env ``ZKG_BASE_IRI``).
Exit codes: 0 success, 1 the data is wrong (a broken report, a SHACL violation, a malformed
query), 2 wrong usage, 3 no store yet.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from zhytomyr_kg.resources import QUERIES_DIR
from zhytomyr_kg.serve import add_load_remote_parser, add_serve_parser
from zhytomyr_kg.settings import (
    Settings,
    default_base_iri,
    default_store_dir,
    env,
)

EXIT_DATA, EXIT_USAGE, EXIT_NO_STORE = 1, 2, 3


def _settings(args: argparse.Namespace) -> Settings:
    return Settings(store=Path(args.store).expanduser(), base_iri=args.base_iri)


def _progress(args: argparse.Namespace) -> Callable[[str], None]:
    if args.quiet:
        return lambda _: None
    return lambda message: print(f"· {message}", file=sys.stderr, flush=True)


# --- build -------------------------------------------------------------------------------------
def cmd_build(args: argparse.Namespace) -> int:
    """Every failure is one line on stderr (never a traceback), then "The store was not changed."
    (true: a build goes live in one atomic step, only after everything else succeeded)."""
    from etl.errors import ReportError, ValidationFailed
    from etl.pipeline import build
    from graph_service.web.keep import keep
    from zhytomyr_kg.store_layout import BuildLocked

    settings = _settings(args)
    try:
        result = build(
            settings,
            args.reports,
            in_memory=args.in_memory,
            progress=_progress(args),
            lock_timeout=args.lock_timeout,
            keep=keep,
        )
    except ValidationFailed as exc:
        return _build_failed(f"{exc}\n{exc.report_text}")
    except (ReportError, BuildLocked) as exc:
        return _build_failed(_one_line(exc))
    except OSError as exc:
        return _build_failed(_os_error(exc))
    except Exception as exc:  # a bug or a library's own error: still one line, never a traceback
        text = _one_line(exc)
        if "disk is full" in text or "No space left" in text:  # e.g. SQLite's, from the search index
            return _build_failed(f"the disk is full (free some space and build again; {text})")
        return _build_failed(f"the build failed: {type(exc).__name__}: {text}")
    stages = ", ".join(f"{k} {v:.2f}s" for k, v in result.timings.items())
    where = "memory" if args.in_memory else str(settings.store)
    print(f"built {result.quads} quads from {len(result.reports)} report(s) into {where} ({stages})")
    return 0


def _build_failed(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    print("The store was not changed.", file=sys.stderr)
    return EXIT_DATA


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _os_error(exc: OSError) -> str:
    """An OSError as a sentence: what went wrong, where, and for a full disk what to do."""
    import errno

    where = f": {exc.filename}" if exc.filename else ""
    text = _one_line(exc)
    if exc.errno == errno.ENOSPC or "No space left" in text:
        return f"the disk is full{where} (free some space and build again; {exc.strerror or text})"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"not allowed to write{where} ({exc.strerror})"
    if exc.strerror:
        return f"{exc.strerror}{where}"
    return f"{type(exc).__name__}: {text}"


# --- query -------------------------------------------------------------------------------------
def _query_text(spec: str, params: Sequence[str]) -> str:
    """QUERY may be SPARQL text, ``@file.rq``, or the name of a query in ``queries/``."""
    from graph_service.store import named_queries

    bindings = dict(p.split("=", 1) for p in params)
    if spec.startswith("@"):
        return Path(spec[1:]).read_text(encoding="utf-8")
    if (QUERIES_DIR / f"{spec}.rq").exists():
        return named_queries.get(spec).bind(**bindings)
    if bindings:
        raise ValueError("--param applies to named queries only")
    return spec


def _backend(args: argparse.Namespace):
    """The embedded store's live build, through the same seam the service uses."""
    from graph_service.store.oxigraph import OxigraphBackend
    from zhytomyr_kg.store_layout import live_build

    settings = _settings(args)
    live_build(settings.store)  # raises NoStore with a clear message
    return OxigraphBackend(settings.store)


def _table(rows: list[dict[str, str | None]], names: list[str]) -> str:
    """A plain-text table for people at a terminal."""
    cells = [[row.get(n) or "" for n in names] for row in rows]
    widths = [min(max([len(n)] + [len(r[i]) for r in cells]), 80) for i, n in enumerate(names)]

    def fmt(values: list[str]) -> str:
        return " | ".join(
            (v if len(v) <= 80 else v[:79] + "…").ljust(w) for v, w in zip(values, widths, strict=False)
        ).rstrip()

    lines = [fmt(names), "-+-".join("-" * w for w in widths), *map(fmt, cells)]
    lines.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(lines) + "\n"


def _run(backend, query: str, fmt: str) -> str:
    if fmt == "table":
        from graph_service.store.base import parse_results

        result = backend.query(query)
        if not result.content_type.startswith("application/sparql-results+json"):
            return result.read().decode("utf-8")  # a graph: Turtle is the readable form
        data = parse_results(result.read())
        if data.boolean is not None:
            return ("true" if data.boolean else "false") + "\n"
        return _table(data.values(), data.vars)
    return backend.query(query, format=fmt).read().decode("utf-8")


def cmd_query(args: argparse.Namespace) -> int:
    from graph_service.conneg import NotAcceptable
    from graph_service.store.base import QueryError
    from zhytomyr_kg.store_layout import NoStore

    try:
        text = _query_text(args.query, args.param or [])
    except (OSError, ValueError, LookupError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        sys.stdout.write(_run(_backend(args), text, args.format))
    except NoStore as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_NO_STORE
    except (QueryError, NotAcceptable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_DATA
    return 0


# --- validate ----------------------------------------------------------------------------------
def cmd_validate(args: argparse.Namespace) -> int:
    from etl.errors import ValidationFailed
    from etl.validate import validate
    from zhytomyr_kg.store_layout import NoStore

    try:
        store = _backend(args).store()
    except NoStore as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_NO_STORE
    try:
        count = validate(store, ontology_graph=_settings(args).graph("ontology"))
    except ValidationFailed as exc:
        print(f"error: {exc}\n{exc.report_text}", file=sys.stderr)
        return EXIT_DATA
    print(f"conforms: {count} triples satisfy the SHACL shapes in ontology/")
    return 0


# --- stats -------------------------------------------------------------------------------------
def cmd_stats(args: argparse.Namespace) -> int:
    from graph_service.store import named_queries
    from zhytomyr_kg.store_layout import NoStore

    try:
        backend = _backend(args)
    except NoStore as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_NO_STORE
    for query in named_queries.load_all().values():
        if "stats" in query.tags:
            print(f"## {query.title}")
            print(_run(backend, query.text, "table"))
    return 0


# --- export ------------------------------------------------------------------------------------
def cmd_export(args: argparse.Namespace) -> int:
    from graph_service.publish.export import dumps_dir, export
    from zhytomyr_kg.store_layout import NoStore, live_build

    settings = _settings(args)
    try:
        build = live_build(settings.store)
        store = _backend(args).store(build.build_id)
    except NoStore as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_NO_STORE
    out = Path(args.out).expanduser() if args.out else dumps_dir(build.directory)
    manifest = export(store, out, settings, version=build.build_id)
    total = sum(f["bytes"] for f in manifest["files"])
    print(f"exported {len(manifest['files'])} files ({total} bytes) of build {build.build_id} into {out}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """A dump (N-Quads or TriG, gzipped or not) → a new build of the store, made live."""
    import hashlib

    from etl.load import load_to_disk
    from graph_service.store.remote import _format_for, _opened
    from graph_service.web.keep import keep
    from zhytomyr_kg.store_layout import NoStore, check_layout

    settings = _settings(args)
    path = Path(args.file).expanduser()
    try:
        check_layout(settings.store)
        fmt = _format_for(path)
        import pyoxigraph

        digest = hashlib.sha256()
        with open(path, "rb") as raw:
            for block in iter(lambda: raw.read(1 << 20), b""):
                digest.update(block)
        info = {"imported": {"file": path.name, "sha256": digest.hexdigest()}}
        with _opened(path) as f:  # parsed as a stream into the bulk loader (never a list)
            quads = pyoxigraph.parse(f, format=fmt)
            loaded = load_to_disk(settings.store, quads, digest.hexdigest(), info, extras=keep)
    except NoStore as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (OSError, ValueError, SyntaxError) as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_DATA
    print(
        f"imported {loaded.quads} quads from {path.name} into {settings.store} (build {loaded.build_dir.name if loaded.build_dir else '?'})"
    )
    return 0


def cmd_settings(args: argparse.Namespace) -> int:
    from zhytomyr_kg.settings import environment_table

    print(environment_table(), end="")
    return 0


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--store", default=str(default_store_dir()), help="store directory (env ZKG_STORE)")
    common.add_argument(
        "--base-iri", default=default_base_iri(), help="dataset IRI prefix (env ZKG_BASE_IRI)"
    )
    common.add_argument("-q", "--quiet", action="store_true", help="no progress messages")

    parser = argparse.ArgumentParser(prog="zhytomyr-kg", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build", parents=[common], help="report(s) → validated graph in the store")
    p.add_argument("reports", nargs="*", type=Path, help="report files (default: the bundled 2022 report)")
    p.add_argument("--in-memory", action="store_true", help="build and validate without touching the store")
    p.add_argument(
        "--lock-timeout",
        type=float,
        default=env("ZKG_BUILD_LOCK_TIMEOUT"),
        help="seconds to wait for another build of the same store ($ZKG_BUILD_LOCK_TIMEOUT)",
    )
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("query", parents=[common], help="run SPARQL: text, @file.rq or a query name")
    p.add_argument("query")
    p.add_argument(
        "--format", default="table", choices=["table", "json", "csv", "tsv", "xml", "turtle", "ntriples"]
    )
    p.add_argument("--param", action="append", metavar="NAME=VALUE", help="bind a named query's parameter")
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("validate", parents=[common], help="check the store against the SHACL shapes")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("stats", parents=[common], help="counts a reviewer can compare with the report")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser(
        "export", parents=[common], help="dumps: N-Quads, Turtle, JSON-LD, CSV + CSVW, manifest"
    )
    p.add_argument("--out", help="output directory (default: <live build>/dumps, which the service serves)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "import", parents=[common], help="load an N-Quads/TriG dump (.nq[.gz], .trig[.gz]) as a new build"
    )
    p.add_argument("file", type=Path, help="e.g. the export's dataset.nq.gz")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("settings", help="every ZKG_* environment variable: flag, default, meaning (Markdown)")
    p.set_defaults(func=cmd_settings)

    add_serve_parser(sub, [common])
    add_load_remote_parser(sub, [common])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
