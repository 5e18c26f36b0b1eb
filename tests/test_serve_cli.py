"""The main job as the README runs it: `zhytomyr-kg serve` on a machine with no graph yet."""

from __future__ import annotations

import httpx
import pytest

from graph_service.testing import running, serve_cmd
from zhytomyr_kg.store_layout import live_build

pytestmark = [pytest.mark.processes, pytest.mark.slow]


def test_serve_builds_the_bundled_report_first_then_serves_it(tmp_path):
    store = tmp_path / "store"
    with running(
        serve_cmd(), "/health", env={"ZKG_STORE": str(store), "ZKG_ACCESS_LOG": "0"}, timeout=180
    ) as server:
        base = server.base
        assert live_build(store).info()["reports"]  # built from the bundled report
        health = httpx.get(base + "/health").json()
        assert health["triples"] > 10_000
        assert health["executor"]["in_memory"]  # a report-sized build is answered from memory
        funder = httpx.get(
            base + "/sparql",
            params={"query": "SELECT ?p ?o WHERE { <https://w3id.org/zhytomyr-kg/id/funder/giz> ?p ?o }"},
            headers={"Accept": "application/sparql-results+json"},
        )
        assert funder.status_code == 200 and funder.json()["results"]["bindings"]
        assert httpx.get(base + "/id/funder/giz").status_code == 200
