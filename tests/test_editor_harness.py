"""The browser-test harness's own rules (tests/browser.py), without a browser."""

from __future__ import annotations

import pytest

from tests import browser


@pytest.mark.parametrize(
    "url, local",
    [
        ("http://127.0.0.1:8000/query", True),
        ("data:image/png;base64,AAAA", True),
        ("about:blank", True),
        ("https://lov.linkeddata.es/dataset/lov/api/v2/autocomplete/terms", False),
        ("http://localhost:8000/", False),  # the harness serves on 127.0.0.1 only
        ("https://dbpedia.org/sparql", False),
    ],
)
def test_which_requests_count_as_leaving(url, local):
    assert browser.is_local(url) is local


@pytest.mark.parametrize(
    "env, required",
    [
        ({}, False),
        ({"CI": "true"}, True),
        ({"CI": "1"}, True),
        ({"CI": "false"}, False),
        ({"ZKG_BROWSER_TESTS": "require"}, True),
    ],
)
def test_missing_chromium_skips_locally_and_fails_in_ci(monkeypatch, env, required):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("ZKG_BROWSER_TESTS", raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert browser.browser_tests_required() is required
    outcome = pytest.fail.Exception if required else pytest.skip.Exception
    with pytest.raises(outcome):
        browser.unavailable("chromium is not installed")


def test_chromium_path_honours_an_explicit_missing_binary(monkeypatch, tmp_path):
    monkeypatch.setenv("ZKG_CHROMIUM", str(tmp_path / "no-such-chromium"))
    assert browser.chromium_path() is None
