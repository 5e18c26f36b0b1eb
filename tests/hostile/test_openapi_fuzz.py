"""schemathesis over every route of the OpenAPI description (from the route table, generated
offline): no generated request gets a 5xx (#14)."""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from graph_service.testing import running, serve_cmd
from graph_service.web.openapi import describe

pytestmark = [pytest.mark.hostile, pytest.mark.processes, pytest.mark.slow]

schema = schemathesis.openapi.from_dict(describe())


@pytest.fixture(scope="module")
def base(sample_store):
    env = {"ZKG_STORE": str(sample_store), "ZKG_ACCESS_LOG": "0", "ZKG_OPENAPI": "1"}
    with running(serve_cmd(workers=1), "/health", env=env) as server:
        yield server.base


def test_the_description_is_the_served_one(base):
    assert httpx.get(base + "/openapi.json").json() == describe()


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_generated_request_gets_a_server_error(case, base):
    response = case.call(base_url=base, timeout=30)
    assert response.status_code < 500, (case.path, case.path_parameters, case.query, response.text[:300])
