"""The hostile campaign (#14): every attack of the issue at once against ``zhytomyr-kg serve``
(default process layout), while a normal client keeps querying.

It fails on any 500/502/504, any connection reaching the loopback listener (SSRF), a normal query
that does not succeed, or the service stopping. 503 is the designed answer of the time limit and
the concurrency cap, so it is counted, not failed. The figures go to
``test-artifacts/hostile-campaign.json`` (and stdout with ``-s``) for the closing note.
"""

from __future__ import annotations

import concurrent.futures as cf
import itertools
import json
import socket
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from graph_service.testing import running, serve_cmd
from tests.hostile.test_guard_bypass import CLOSERS, KEYWORDS, OPENERS, Listener

pytestmark = [pytest.mark.hostile, pytest.mark.processes, pytest.mark.slow]

NORMAL = "SELECT ?s WHERE { ?s a <https://w3id.org/zhytomyr-kg/ontology#Project> } LIMIT 5"
EXPLOSIVE = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(f"?s{i} ?p{i} ?o{i} ." for i in range(8)) + " }"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def attacks(port: int, target: int) -> list[tuple[str, object]]:
    """(kind, request) pairs: ("sparql", (form, query)), ("raw", bytes), ("get", path)."""
    url = f"<http://127.0.0.1:{target}/x>"
    out: list[tuple[str, object]] = []
    for n, (opener, keyword, closer) in enumerate(itertools.product(OPENERS, KEYWORDS, CLOSERS)):
        if n % 3:
            continue  # a third of the 660 disguises, each through one protocol form
        query = f"PREFIX x: <http://x/>\nSELECT * WHERE {{ {opener}OPTIONAL {{ {keyword} {url} {{ ?a ?b ?c }} }} {closer}\n}}"
        out.append(("sparql", (("get", "form", "direct")[(n // 3) % 3], query)))
    for verb in ("LOAD", "load silent", "LO\\u0041D"):
        out.append(("sparql", ("form", f"SELECT * {{}} ;\n{verb} {url}")))
    out += [("sparql", ("form", "SELECT * { FILTER(" + "(" * 30_000 + "1" + ")" * 30_000 + ") }"))] * 3
    out += [("sparql", ("get", EXPLOSIVE))] * 2
    out += [("sparql", ("direct", "SELECT * { ?s ?p ?o } #" + "x" * 196_000))] * 40
    out += [("raw", b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 1_000_000 + b"\r\n\r\n")] * 5
    out += [
        (
            "raw",
            b"GET /health HTTP/1.1\r\nHost: x\r\n"
            + b"".join(b"X-%d: 1\r\n" % i for i in range(300))
            + b"\r\n",
        )
    ] * 5
    for host in (b"exa mple", b"\xff\xfe", b'a"b>', b"x" * 300):
        out.append(
            (
                "raw",
                b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n\r\n",
            )
        )
    for path in (
        "/id/project/%D0%BF",
        "/id/project/a%20b",
        "/id/%FF%FE",
        "/id/%ZZ",
        "/id/x%00y",
        "/../../etc/passwd",
        "/dumps/..%2F..%2Fbuild.json",
        "/static/..%2F..%2Fsettings.py",
        "/queries/%00",
        "/docs",
        "/openapi.json",
    ):
        out.append(("get", path))
    return out


def send_raw(port: int, data: bytes) -> int | str:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(data)
        head = sock.recv(64)
    return int(head.split()[1]) if head.startswith(b"HTTP/1.1 ") else "closed"


def test_the_campaign(sample_store):
    env = {
        "ZKG_STORE": str(sample_store),
        "ZKG_ACCESS_LOG": "0",
        "ZKG_SPARQL_WORKER_NETNS": "0",  # the reader alone must keep SERVICE out
        "ZKG_SPARQL_TIMEOUT": "3",
        "ZKG_HTTP_HEADER_TIMEOUT": "2",
    }
    listener = Listener()
    statuses: Counter[int | str] = Counter()
    normal: list[tuple[float, int | str]] = []
    stop = threading.Event()

    def normal_client() -> None:
        with httpx.Client(timeout=30) as client:
            i = 0
            while not stop.is_set():
                i += 1
                started = time.monotonic()
                try:
                    status: int | str = client.get(
                        base + "/sparql", params={"query": f"{NORMAL} # {i}"}
                    ).status_code
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                normal.append((time.monotonic() - started, status))
                time.sleep(0.02)

    def attack(item: tuple[str, object]) -> int | str:
        kind, request = item
        try:
            if kind == "raw":
                return send_raw(port, request)  # type: ignore[arg-type]
            if kind == "get":
                return httpx.get(base + str(request), timeout=30).status_code
            form, query = request  # type: ignore[misc]
            if form == "get":
                return httpx.get(base + "/sparql", params={"query": query}, timeout=30).status_code
            if form == "form":
                return httpx.post(base + "/sparql", data={"query": query}, timeout=30).status_code
            return httpx.post(
                base + "/sparql",
                content=query.encode(),
                headers={"Content-Type": "application/sparql-query"},
                timeout=30,
            ).status_code
        except (httpx.HTTPError, OSError) as exc:
            return type(exc).__name__

    try:
        with running(serve_cmd(), "/health", env=env) as server:
            port, base = server.port, server.base
            slow = [socket.create_connection(("127.0.0.1", port)) for _ in range(30)]  # slowloris
            for sock in slow:
                sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
            client = threading.Thread(target=normal_client, daemon=True)
            client.start()
            started = time.monotonic()
            with cf.ThreadPoolExecutor(4) as pool:
                for status in pool.map(attack, attacks(port, listener.port)):
                    statuses[status] += 1
            stop.set()
            client.join(60)
            for sock in slow:
                sock.close()
            alive = server.proc.poll() is None and httpx.get(base + "/health").status_code == 200
            took = time.monotonic() - started
    finally:
        listener.close()
    figures = {
        "attack requests": sum(statuses.values()),
        "by status": {str(k): v for k, v in sorted(statuses.items(), key=str)},
        "server errors (500/502/504)": sum(v for k, v in statuses.items() if k in (500, 502, 504)),
        "outbound connections": listener.connections,
        "normal queries": len(normal),
        "normal queries failed": sum(1 for _, s in normal if s != 200),
        "longest normal query (s)": round(max(t for t, _ in normal), 3),
        "campaign (s)": round(took, 1),
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "hostile-campaign.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False))
    print("\nhostile campaign:", json.dumps(figures, ensure_ascii=False))
    assert figures["server errors (500/502/504)"] == 0
    assert figures["outbound connections"] == 0
    assert figures["normal queries"] > 10 and figures["normal queries failed"] == 0
    assert alive
