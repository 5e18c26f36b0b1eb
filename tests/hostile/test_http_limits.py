"""What a client controls is limited before the application sees it, and strangers learn nothing.

Against ``zhytomyr-kg serve`` as users start it (issue #14: D4 header size, slowloris, D6 proxy
headers and the page cache, D9 malformed paths and Host, D13 banner and OpenAPI pages).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from graph_service.testing import running, serve_cmd

pytestmark = [pytest.mark.hostile, pytest.mark.processes]

PROJECT = "/id/project/enerhoefektyvnist-shkil"


@pytest.fixture(scope="module")
def service(sample_store) -> Iterator[tuple[str, int]]:
    env = {
        "ZKG_STORE": str(sample_store),
        "ZKG_ACCESS_LOG": "0",
        "ZKG_HTTP_HEADER_TIMEOUT": "1",
        "ZKG_HTTP_BODY_TIMEOUT": "1",
    }
    with running(serve_cmd(workers=1), "/health", env=env) as server:
        yield server.base, server.port


def raw(port: int, data: bytes, wait: float = 5.0) -> bytes:
    """Send ``data`` on a fresh connection; everything the server answers until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(data)
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except (TimeoutError, ConnectionResetError):
            pass
    return b"".join(chunks)


def test_a_huge_header_gets_431_and_costs_nothing_to_others(service):
    base, port = service
    header = b"X-Big: " + b"a" * 2_000_000 + b"\r\n"
    answer = raw(port, b"GET /health HTTP/1.1\r\nHost: x\r\n" + header + b"\r\n")
    assert answer.startswith(b"HTTP/1.1 431"), answer[:200]
    assert b"ZKG_HTTP_MAX_HEADER_BYTES" in answer
    assert httpx.get(base + "/sparql", params={"query": "ASK {}"}).status_code == 200


def test_too_many_header_fields_get_431(service):
    _, port = service
    many = b"".join(b"X-%d: 1\r\n" % i for i in range(150))
    answer = raw(port, b"GET /health HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n")
    assert answer.startswith(b"HTTP/1.1 431"), answer[:200]


def test_a_slow_client_is_cut_off_while_sending_headers(service):
    _, port = service
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
        assert sock.recv(1) == b""  # the server closes the connection
    assert time.monotonic() - started < 25


def test_a_slow_body_is_cut_off(service):
    _, port = service
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(
            b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: 100\r\n\r\nASK {"
        )  # and never the other 95 bytes
        assert sock.recv(65536) == b""  # closed without an answer
    assert time.monotonic() - started < 25


@pytest.mark.parametrize(
    "path",
    ["/id/project/%D0%BF", "/id/project/a%20b", "/id/%FF%FE", "/id/%ZZ", "/id/project/%3Cx%3E", "/id/x%00y"],
)
def test_malformed_entity_paths_get_400_or_404(service, path):
    base, _ = service
    assert httpx.get(base + path).status_code in (400, 404)


@pytest.mark.parametrize("host", [b"exa mple.org", b"\xff\xfe", b'a"b>', b"x" * 300, b"[::1]]"])
def test_a_hostile_host_header_gets_400(service, host):
    _, port = service
    for path in (b"/sparql?query=ASK%20%7B%7D", b"/", PROJECT.encode()):
        answer = raw(port, b"GET " + path + b" HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 400"), (path, host, answer[:200])


def test_strangers_get_no_banner_and_no_openapi_pages(service):
    base, _ = service
    response = httpx.get(base + "/health")
    assert "server" not in response.headers
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert httpx.get(base + path).status_code == 404


def test_forwarded_headers_from_an_untrusted_peer_change_nothing_and_poison_no_cache(service):
    base, _ = service
    forged = httpx.get(
        base + PROJECT, headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"}
    )
    clean = httpx.get(base + PROJECT)
    assert forged.status_code == clean.status_code == 200
    for body in (forged.text, clean.text):
        assert "https://127.0.0.1" not in body and "evil.example" not in body
