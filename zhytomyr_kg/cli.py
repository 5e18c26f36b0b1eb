"""``zhytomyr-kg``: build the graph, query it, validate it, count it, export it, serve it.

Every subcommand takes ``--store`` (env ``ZKG_STORE``) and ``--base-iri`` (env ``ZKG_BASE_IRI``).
Exit codes: 0 success, 1 the data is wrong (a broken report, a SHACL violation, a malformed
query), 2 wrong usage, 3 no store yet.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from zhytomyr_kg.resources import QUERIES_DIR
from zhytomyr_kg.settings import (
    Settings,
    default_base_iri,
    default_http_workers,
    default_pool_size,
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
    from zhytomyr_kg.store_layout import BuildLocked

    settings = _settings(args)
    try:
        result = build(
            settings,
            args.reports,
            in_memory=args.in_memory,
            progress=_progress(args),
            lock_timeout=args.lock_timeout,
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


# --- serve, load-remote ---------------------------------------------------------------------


def ensure_store(settings) -> str:
    """The live build id of ``settings.store``, building it from the bundled report if absent."""
    from zhytomyr_kg.store_layout import NoStore, live_build

    try:
        return live_build(settings.store).build_id
    except NoStore:
        import etl.pipeline  # lazily: the service does not need the ETL when a store exists

        print(f"no graph in {settings.store}: building it from the bundled report …", file=sys.stderr)
        etl.pipeline.build_default(settings)
        return live_build(settings.store).build_id


def add_serve_parser(subparsers, parents: Sequence[argparse.ArgumentParser] = ()) -> argparse.ArgumentParser:
    """``serve``; ``parents`` bring the flags every subcommand shares (--store, --base-iri, -q)."""
    p = subparsers.add_parser(
        "serve",
        parents=list(parents),
        help="serve the graph: SPARQL 1.1 endpoint at /sparql, /health, /metrics",
        description="Start the HTTP service on the embedded store (built from the bundled report "
        "if absent) or in front of a remote SPARQL endpoint. Limits: see docs/SERVICE.md.",
    )
    p.add_argument("--host", default=env("ZKG_HOST"))
    p.add_argument("--port", type=int, default=env("ZKG_PORT"))
    p.add_argument(
        "--workers",
        type=int,
        default=env("ZKG_WORKERS") or default_http_workers(),
        help="HTTP processes, each with its own pool of query workers ($ZKG_WORKERS; "
        "default: one per CPU, at most 4)",
    )
    p.add_argument(
        "--query-workers",
        type=int,
        default=None,
        help="query worker processes per HTTP process ($ZKG_SPARQL_POOL_SIZE; default: the CPUs "
        "shared out among the HTTP processes, at least 1)",
    )
    p.add_argument(
        "--timeout", type=float, default=None, help="query time limit in seconds ($ZKG_SPARQL_TIMEOUT)"
    )
    p.add_argument(
        "--sparql-endpoint",
        default=env("ZKG_SPARQL_ENDPOINT") or None,
        help="serve a remote SPARQL 1.1 endpoint instead of the embedded store ($ZKG_SPARQL_ENDPOINT)",
    )
    p.add_argument("--no-access-log", action="store_true", help="no JSON access log on stderr")
    p.set_defaults(func=run_serve)
    return p


def run_serve(args) -> int:
    import uvicorn

    from graph_service.web.supervisor import reserve_port, reuse_port_supported, serve_processes

    settings = Settings(store=Path(args.store).expanduser(), base_iri=args.base_iri)
    env_updates = {"ZKG_STORE": str(settings.store), "ZKG_BASE_IRI": settings.base_iri}
    if args.sparql_endpoint:
        env_updates["ZKG_SPARQL_ENDPOINT"] = args.sparql_endpoint
    else:
        ensure_store(settings)
    workers = max(1, args.workers)
    if getattr(args, "query_workers", None):
        env_updates["ZKG_SPARQL_POOL_SIZE"] = str(args.query_workers)
    elif not env("ZKG_SPARQL_POOL_SIZE"):
        env_updates["ZKG_SPARQL_POOL_SIZE"] = str(default_pool_size(workers))
    if getattr(args, "timeout", None):
        env_updates["ZKG_SPARQL_TIMEOUT"] = str(args.timeout)
    if getattr(args, "no_access_log", False):
        env_updates["ZKG_ACCESS_LOG"] = "0"
    os.environ.update(env_updates)  # the factory (and uvicorn's worker processes) read them
    processes = workers > 1 and reuse_port_supported()
    port, held = args.port, None
    if port == 0 and (processes or workers == 1):
        # any free port: taken now, so that the message names it and every HTTP process gets it
        held = reserve_port(args.host, reuse_port=processes)
        port = held.getsockname()[1]
    print(
        f"serving SPARQL at http://{args.host}:{port}/sparql (HTTP processes: {workers}; query workers "
        f"each: {env('ZKG_SPARQL_POOL_SIZE') or 'default'})",
        file=sys.stderr,
        flush=True,
    )
    app = "graph_service.web.app:app_from_env"
    from graph_service.web.http import GuardedHttpToolsProtocol

    trusted = env("ZKG_TRUSTED_PROXIES")
    options: dict[str, Any] = {
        "factory": True,
        "access_log": False,  # our JSON access log replaces uvicorn's
        "log_level": "warning",
        "http": GuardedHttpToolsProtocol,  # header size, count and time limits
        "server_header": False,
        # X-Forwarded-For/-Proto change links and logs: believed only from configured proxies
        "proxy_headers": bool(trusted),
        "forwarded_allow_ips": ",".join(trusted) or None,
    }
    with shared_metrics_dir(workers), contextlib.closing(held) if held else contextlib.nullcontext():
        if processes:
            return serve_processes(app, args.host, port, workers, **options)
        if held is not None:  # one process on the socket taken above (what uvicorn.run does)
            server = uvicorn.Server(uvicorn.Config(app, host=args.host, port=port, **options))
            try:
                server.run(sockets=[held])
            except KeyboardInterrupt:
                pass
            return 0 if server.started else 3
        uvicorn.run(app, host=args.host, port=port, workers=workers, **options)
    return 0


@contextlib.contextmanager
def shared_metrics_dir(workers: int) -> Iterator[None]:
    """With several HTTP processes, a fresh ``PROMETHEUS_MULTIPROC_DIR`` for this run (unless
    one is set), so ``/metrics`` adds up every process whichever one answers the scrape."""
    if workers <= 1 or os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        yield
        return
    directory = tempfile.mkdtemp(prefix="zkg-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    try:
        yield
    finally:
        os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
        shutil.rmtree(directory, ignore_errors=True)


def add_load_remote_parser(
    subparsers, parents: Sequence[argparse.ArgumentParser] = ()
) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "load-remote",
        parents=list(parents),
        help="push an N-Quads/TriG file into a remote store (SPARQL 1.1 Graph Store Protocol, PUT per graph)",
    )
    p.add_argument("file", type=Path, help="N-Quads (.nq) or TriG (.trig) file, e.g. the ETL's dump")
    p.add_argument("store_url", help="Graph Store endpoint, e.g. http://localhost:7878/store (Oxigraph)")
    p.add_argument(
        "--user",
        help="user:password for HTTP basic auth ($ZKG_REMOTE_AUTH)",
        default=env("ZKG_REMOTE_AUTH") or None,
    )
    p.set_defaults(func=run_load_remote)
    return p


def run_load_remote(args) -> int:
    from graph_service.store.remote import load_remote

    auth = tuple(args.user.split(":", 1)) if args.user else None
    try:
        pushed = load_remote(args.file, args.store_url, auth=auth)
    except Exception as exc:
        print(f"load-remote failed: {exc}", file=sys.stderr)
        return 1
    for g in pushed:
        print(f"{g.status}\t{g.triples}\t{g.graph or '(default graph)'}")
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
