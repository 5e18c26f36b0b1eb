"""``zhytomyr-kg serve`` and ``zhytomyr-kg load-remote``: the service's subcommands of the one CLI
(``zhytomyr_kg/cli.py`` adds their parsers with :func:`add_serve_parser` and
:func:`add_load_remote_parser`).

``serve`` starts the HTTP processes (``graph_service/web/supervisor.py``) with the guarded HTTP
protocol (``graph_service/web/http.py``), on the embedded store (built from the bundled report if
there is none yet) or in front of a remote SPARQL endpoint.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from zhytomyr_kg.settings import Settings, default_http_workers, default_pool_size, env

EXIT_USAGE = 2


def ensure_store(settings) -> str:
    """The live build id of ``settings.store``, building it from the bundled report if absent."""
    from zhytomyr_kg.store_layout import NoStore, NotAStore, live_build

    try:
        return live_build(settings.store).build_id
    except NotAStore:
        raise
    except NoStore:
        import etl.pipeline  # lazily: the service does not need the ETL when a store exists
        from graph_service.web.keep import keep

        print(f"no graph in {settings.store}: building it from the bundled report …", file=sys.stderr)
        etl.pipeline.build_default(settings, keep=keep)
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
        from zhytomyr_kg.store_layout import NotAStore

        try:
            ensure_store(settings)
        except NotAStore as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_USAGE
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
    p.add_argument(
        "file",
        type=Path,
        help="N-Quads or TriG file, optionally gzipped (.nq, .nq.gz, .trig, .trig.gz), e.g. the "
        "export's dataset.nq.gz; streamed, never held in memory",
    )
    p.add_argument("store_url", help="Graph Store endpoint, e.g. http://localhost:7878/store (Oxigraph)")
    p.add_argument(
        "--user",
        help="user:password for HTTP auth ($ZKG_REMOTE_AUTH)",
        default=env("ZKG_REMOTE_AUTH") or None,
    )
    p.add_argument(
        "--auth-digest",
        action="store_const",
        const="digest",
        dest="auth_scheme",
        default=env("ZKG_REMOTE_AUTH_SCHEME") or "basic",
        help="HTTP Digest auth instead of Basic (Virtuoso's /sparql-graph-crud-auth) ($ZKG_REMOTE_AUTH_SCHEME)",
    )
    p.set_defaults(func=run_load_remote)
    return p


def run_load_remote(args) -> int:
    from graph_service.store.remote import auth_for, load_remote

    try:
        pushed = load_remote(args.file, args.store_url, auth=auth_for(args.user, args.auth_scheme))
    except Exception as exc:
        print(f"load-remote failed: {exc}", file=sys.stderr)
        return 1
    for g in pushed:
        print(f"{g.status}\t{g.triples}\t{g.graph or '(default graph)'}")
    return 0
