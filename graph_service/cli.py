"""``zhytomyr-kg serve`` and ``zhytomyr-kg load-remote``, for the project's CLI to mount.

``zhytomyr_kg/cli.py`` calls :func:`add_serve_parser` / :func:`add_load_remote_parser` with its
subparsers and dispatches to ``args.func(args)``. ``python -m graph_service.cli`` runs them
stand-alone.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Sequence

from .config import default_http_workers, default_pool_size
from .supervisor import reuse_port_supported, serve_processes


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
    p.add_argument("--host", default=os.environ.get("ZKG_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("ZKG_PORT", "8000")))
    p.add_argument("--workers", type=int, default=int(os.environ.get("ZKG_WORKERS") or default_http_workers()),
                   help="HTTP processes, each with its own pool of query workers ($ZKG_WORKERS; "
                   "default: one per CPU, at most 4)")
    p.add_argument("--query-workers", type=int, default=None,
                   help="query worker processes per HTTP process ($ZKG_SPARQL_POOL_SIZE; default: the CPUs "
                   "shared out among the HTTP processes, at least 1)")
    p.add_argument("--timeout", type=float, default=None, help="query time limit in seconds ($ZKG_SPARQL_TIMEOUT)")
    p.add_argument("--sparql-endpoint", default=os.environ.get("ZKG_SPARQL_ENDPOINT"),
                   help="serve a remote SPARQL 1.1 endpoint instead of the embedded store ($ZKG_SPARQL_ENDPOINT)")
    p.add_argument("--no-access-log", action="store_true", help="no JSON access log on stderr")
    p.set_defaults(func=run_serve)
    return p


def run_serve(args) -> int:
    import uvicorn

    from zhytomyr_kg.config import Settings

    settings = Settings(store=Path(args.store).expanduser(), base_iri=args.base_iri)
    env_updates = {"ZKG_STORE": str(settings.store), "ZKG_BASE_IRI": settings.base_iri}
    if args.sparql_endpoint:
        env_updates["ZKG_SPARQL_ENDPOINT"] = args.sparql_endpoint
    else:
        ensure_store(settings)
    workers = max(1, args.workers)
    if getattr(args, "query_workers", None):
        env_updates["ZKG_SPARQL_POOL_SIZE"] = str(args.query_workers)
    elif not os.environ.get("ZKG_SPARQL_POOL_SIZE"):
        env_updates["ZKG_SPARQL_POOL_SIZE"] = str(default_pool_size(workers))
    if getattr(args, "timeout", None):
        env_updates["ZKG_SPARQL_TIMEOUT"] = str(args.timeout)
    if getattr(args, "no_access_log", False):
        env_updates["ZKG_ACCESS_LOG"] = "0"
    os.environ.update(env_updates)  # the factory (and uvicorn's worker processes) read them
    print(f"serving SPARQL at http://{args.host}:{args.port}/sparql (HTTP processes: {workers}; query workers "
          f"each: {os.environ.get('ZKG_SPARQL_POOL_SIZE', 'default')})", file=sys.stderr)
    app = "graph_service.app:app_from_env"
    options = {"factory": True, "access_log": False, "log_level": "warning"}  # our JSON access log replaces uvicorn's
    with shared_metrics_dir(workers):
        if workers > 1 and reuse_port_supported():
            return serve_processes(app, args.host, args.port, workers, **options)
        uvicorn.run(app, host=args.host, port=args.port, workers=workers, **options)
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


def add_load_remote_parser(subparsers, parents: Sequence[argparse.ArgumentParser] = ()) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "load-remote",
        parents=list(parents),
        help="push an N-Quads/TriG file into a remote store (SPARQL 1.1 Graph Store Protocol, PUT per graph)",
    )
    p.add_argument("file", type=Path, help="N-Quads (.nq) or TriG (.trig) file, e.g. the ETL's dump")
    p.add_argument("store_url", help="Graph Store endpoint, e.g. http://localhost:7878/store (Oxigraph)")
    p.add_argument("--user", help="user:password for HTTP basic auth ($ZKG_REMOTE_AUTH)",
                   default=os.environ.get("ZKG_REMOTE_AUTH"))
    p.set_defaults(func=run_load_remote)
    return p


def run_load_remote(args) -> int:
    from .remote_load import load_remote

    auth = tuple(args.user.split(":", 1)) if args.user else None
    try:
        pushed = load_remote(args.file, args.store_url, auth=auth)
    except Exception as exc:  # noqa: BLE001 - a CLI reports and exits non-zero
        print(f"load-remote failed: {exc}", file=sys.stderr)
        return 1
    for g in pushed:
        print(f"{g.status}\t{g.triples}\t{g.graph or '(default graph)'}")
    return 0
