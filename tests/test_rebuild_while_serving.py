"""A rebuild while the service runs (#12): ``zhytomyr-kg serve`` with two HTTP processes, the
report built again on the same input, then on a changed one. After each switch every process
describes the live build: each checksum and size that ``/dataset`` and ``/.well-known/void``
advertise is the served file's, the version is the live build's, and the sitemap lists the new
build's entities."""

from __future__ import annotations

import contextlib
import hashlib
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import rdflib
from rdflib.namespace import DCAT

from graph_service.publish.dataset import SPDX, VOID
from graph_service.testing import running, serve_cmd
from tests.conftest import copy_store
from zhytomyr_kg.resources import BUNDLED_REPORT
from zhytomyr_kg.store_layout import live_build

pytestmark = [pytest.mark.processes, pytest.mark.slow]

DATASET = rdflib.URIRef("https://w3id.org/zhytomyr-kg/dataset")
DCAT_VERSION = rdflib.URIRef(str(DCAT) + "version")
#: requests per check, each on a new connection, so that both HTTP processes answer
ROUNDS = 8
NEW_PLACE = "/id/place/vulytsia-pushkinska-5"


@contextlib.contextmanager
def serve(store: Path, log: Path, workers: int = 2) -> Iterator[str]:
    """``zhytomyr-kg serve`` over ``store`` with ``workers`` HTTP processes (one query worker
    each); yields its base URL. The one place these tests start a server."""
    env = {"ZKG_STORE": str(store), "ZKG_ACCESS_LOG": "0", "ZKG_SPARQL_POOL_SIZE": "1"}
    with running(serve_cmd(workers=workers), "/health", env=env, log_path=log, timeout=120) as server:
        yield server.base
    assert "Traceback" not in log.read_text(encoding="utf-8", errors="replace")


def build(store: Path, report: Path | None = None) -> str:
    """``zhytomyr-kg build`` in its own process; returns the new live build's id."""
    run = subprocess.run(
        [sys.executable, "-m", "zhytomyr_kg.cli", "build", "-q", "--store", str(store)]
        + ([str(report)] if report else []),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    return live_build(store).build_id


#: one client for every request, each on a new connection (no keep-alive), so that the kernel
#: spreads them over both HTTP processes. (One client, not one per request: httpx reads the whole
#: CA bundle for every client it makes, ~10 ms of CPU even for plain HTTP; this test sends ~600.)
CLIENT = httpx.Client(timeout=60, limits=httpx.Limits(max_keepalive_connections=0))


@pytest.fixture(scope="module", autouse=True)
def _close_client() -> Iterator[None]:
    yield
    CLIENT.close()


def get(url: str, **kwargs) -> httpx.Response:
    response = CLIENT.get(url, **kwargs)  # a new connection each time
    assert response.status_code == 200, (url, response.status_code, response.text[:300])
    return response


def wait_for(base: str, build_id: str, timeout: float = 60) -> None:
    """Until ROUNDS answers in a row (new connections, so both processes) report ``build_id``."""
    end = time.monotonic() + timeout
    streak = 0
    while streak < ROUNDS:
        assert time.monotonic() < end, f"the service did not switch to {build_id}"
        streak = streak + 1 if get(base + "/health").json()["build"]["build_id"] == build_id else 0
        time.sleep(0.05)


def advertised(base: str, build_id: str) -> dict[str, tuple[int, str]]:
    """Every dump ``/dataset`` and ``/.well-known/void`` advertise, checked against the served
    file, on ROUNDS new connections; returns name → (bytes, sha256)."""
    seen: dict[str, tuple[int, str]] = {}
    for n in range(ROUNDS):
        path, media = ("/dataset", "text/turtle") if n % 2 else ("/.well-known/void", "text/turtle")
        g = rdflib.Graph().parse(data=get(base + path, headers={"Accept": media}).text, format="turtle")
        assert str(g.value(DATASET, DCAT_VERSION)) == build_id, path
        dumps = [d for d in g.objects(DATASET, DCAT.distribution) if g.value(d, DCAT.downloadURL)]
        assert len(dumps) > 10
        for dist in dumps:
            url = str(g.value(dist, DCAT.downloadURL))
            size = int(g.value(dist, DCAT.byteSize))
            sha = str(g.value(g.value(dist, SPDX.checksum), SPDX.checksumValue))
            body = get(url).content
            assert (len(body), hashlib.sha256(body).hexdigest()) == (size, sha), url
            name = url.rsplit("/", 1)[-1]
            assert seen.setdefault(name, (size, sha)) == (size, sha), f"two processes disagree on {name}"
        assert str(g.value(DATASET, VOID.dataDump)).endswith("/dumps/dataset.nq.gz")
    manifest = get(base + "/dumps/manifest.json").json()
    assert manifest["version"] == build_id
    assert {f["name"]: (f["bytes"], f["sha256"]) for f in manifest["files"]} == seen
    html = get(base + "/dataset", headers={"Accept": "text/html"}).text
    assert all(sha in html for _, sha in seen.values())
    return seen


def sitemap(base: str) -> list[set[str]]:
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    out = []
    for _ in range(ROUNDS // 2):
        root = ET.fromstring(get(base + "/sitemap.xml").text)
        out.append({el.findtext("s:loc", namespaces=ns) for el in root.findall("s:url", ns)})
    return out


def test_every_advertised_checksum_and_size_is_the_served_files_across_rebuilds(tmp_path, cli_built):
    # the first build: a copy of the session's `zhytomyr-kg build` of the bundled report
    store = copy_store(cli_built.store, tmp_path / "store")
    first = live_build(store).build_id
    changed = tmp_path / "report-2022-changed.txt"
    text = BUNDLED_REPORT.read_text(encoding="utf-8")
    anchor = "Забезпечено наповнення та актуалізацію інвестиційних пропозицій"
    assert text.count(anchor) == 1
    changed.write_text(text.replace(anchor, anchor + " (офіс на вул. Пушкінській, 5)"), encoding="utf-8")

    with serve(store, tmp_path / "serve.log") as base:
        wait_for(base, first)
        before = advertised(base, first)
        assert all(base + NEW_PLACE not in urls for urls in sitemap(base))

        # the same input again: a new build (id, date, dumps directory), the same bytes
        second = build(store)
        assert second != first
        wait_for(base, second)
        assert advertised(base, second) == before

        # a changed input: new checksums, a new place in the sitemap
        third = build(store, changed)
        wait_for(base, third)
        after = advertised(base, third)
        assert after["dataset.nq.gz"] != before["dataset.nq.gz"]
        assert all(base + NEW_PLACE in urls for urls in sitemap(base))
