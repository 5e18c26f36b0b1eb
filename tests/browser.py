"""Browser-test harness: the real service on 127.0.0.1 and Playwright driving Debian's chromium.

Fixtures (imported into tests/conftest.py):

``live_server``   the service (uvicorn, one worker) on 127.0.0.1 (port 0: the kernel picks), on a store built
                  from the bundled report (with its search index); its base URL. Stopped when the session ends.
``browser_page``  a :class:`BrowserPage`: a fresh browser context and page, plus the lists of
                  console errors, page errors, failed requests and requests that tried to leave
                  127.0.0.1 (those are aborted, never sent). At teardown a log is written to
                  ``test-artifacts/<test>.log``, and a full-page screenshot to ``<test>.png``
                  when the test failed or ran with ``--screenshots`` (chromium's full-page
                  screenshots cost more CPU than most checks).

Chromium is ``/usr/bin/chromium`` (``make test`` installs Debian's package when it is missing);
Playwright's own browser download is never used. Without chromium or Playwright the browser tests
are skipped, except in CI (``CI`` set to true/1) or with ``ZKG_BROWSER_TESTS=require``, where
they fail.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from graph_service.testing import ROOT, build_store, running, service_cmd

ARTIFACTS = ROOT / "test-artifacts"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--screenshots",
        action="store_true",
        help="browser tests: write a full-page screenshot of every page they check (test-artifacts/), "
        "and of each test's last page; without it only a failed test's last page is shot "
        "(chromium's full-page screenshots cost more than the checks)",
    )


CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1"}


def chromium_path() -> str | None:
    explicit = os.environ.get("ZKG_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).exists() else None
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def browser_tests_required() -> bool:
    return (
        os.environ.get("CI", "").lower() in ("true", "1", "yes")
        or os.environ.get("ZKG_BROWSER_TESTS") == "require"
    )


def unavailable(reason: str):
    if browser_tests_required():
        pytest.fail(f"browser tests are required here (CI) but {reason}", pytrace=False)
    pytest.skip(reason)


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about", "chrome-error", ""):
        return True
    return parts.hostname in LOCAL_HOSTS


@pytest.fixture(scope="session")
def live_server(built, tmp_path_factory):
    """Base URL of the service on a store built from the bundled report."""
    import pyoxigraph

    work = tmp_path_factory.mktemp("live")
    nquads = work / "graph.nq"
    built.store.dump(str(nquads), format=pyoxigraph.RdfFormat.N_QUADS)
    store_dir = work / "store"
    build = build_store(store_dir, nquads=nquads, build_id="browser-tests")
    from etl.search_index import INDEX_NAME  # the search index of the same build, for /search

    shutil.copyfile(built.loaded.build_dir / INDEX_NAME, build / INDEX_NAME)
    yield from serve_store(store_dir, work / "server.log", pool_size=2)


def serve_store(store_dir: Path, log: Path, pool_size: int):
    """Serve ``store_dir`` (on a port the kernel picks) for a fixture: yields the base URL;
    afterwards the server's log must hold no traceback."""
    env = {"ZKG_STORE": str(store_dir), "ZKG_SPARQL_POOL_SIZE": str(pool_size), "ZKG_ACCESS_LOG": "0"}
    with running(service_cmd(), "/health", env=env, log_path=log) as server:
        yield server.base
    text = log.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in text, text


@pytest.fixture(scope="session")
def _chromium():
    path = chromium_path()
    if path is None:
        unavailable("chromium is not installed (make test installs Debian's chromium package)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class BrowserPage:
    page: object  # playwright.sync_api.Page
    base_url: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    #: ``--screenshots``: a test's screenshots of the pages it passes through are written too
    #: (``shot``); without it, only each test's last page (at teardown) is
    every_screenshot: bool = False

    def goto(self, path: str, **kwargs):
        return self.page.goto(self.base_url + path, **kwargs)

    def problems(self) -> list[str]:
        return (
            [f"console error: {m}" for m in self.console_errors]
            + [f"page error: {m}" for m in self.page_errors]
            + [f"failed request: {m}" for m in self.failed_requests]
            + [f"request leaving 127.0.0.1: {m}" for m in self.external_requests]
        )

    def assert_clean(self) -> None:
        """No console error, no uncaught exception, no failed request, nothing left 127.0.0.1."""
        problems = self.problems()
        assert not problems, "\n".join(problems)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Keep each phase's report on the test, so ``browser_page`` knows at teardown whether the
    test failed (its screenshot is taken only then, or with ``--screenshots``)."""
    report = yield
    setattr(item, f"_report_{report.when}", report)
    return report


def _failed(item: pytest.Item) -> bool:
    return any(getattr(getattr(item, f"_report_{when}", None), "failed", False) for when in ("setup", "call"))


@pytest.fixture
def browser_page(_chromium, live_server, request):
    context = _chromium.new_context(
        viewport={"width": 1280, "height": 900}, locale="uk-UA", service_workers="block"
    )
    bp = BrowserPage(
        page=None, base_url=live_server, every_screenshot=request.config.getoption("screenshots")
    )

    def leave(route):
        bp.external_requests.append(route.request.url)
        route.abort()

    context.route(lambda url: not is_local(url), leave)
    page = context.new_page()
    bp.page = page
    page.on(
        "console",
        lambda m: (
            bp.console_errors.append(f"{m.text} ({m.location.get('url', '')})") if m.type == "error" else None
        ),
    )
    page.on("pageerror", lambda exc: bp.page_errors.append(str(exc)))
    page.on("request", lambda r: bp.requests.append(r.url))
    page.on(
        "requestfailed",
        lambda r: (
            None
            if r.url in bp.external_requests
            else bp.failed_requests.append(f"{r.method} {r.url}: {r.failure}")
        ),
    )
    page.on(
        "response",
        lambda r: (
            bp.failed_requests.append(f"{r.request.method} {r.url}: HTTP {r.status}")
            if r.status >= 400
            else None
        ),
    )
    try:
        yield bp
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid).strip("_")
        if bp.every_screenshot or _failed(request.node):
            try:
                page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
            except Exception as exc:
                bp.page_errors.append(f"(screenshot failed: {exc})")
        (ARTIFACTS / f"{name}.log").write_text(
            f"url: {page.url}\n"
            + "\n".join(bp.problems() or ["no problems"])
            + "\n\nrequests:\n"
            + "\n".join(bp.requests)
            + "\n",
            encoding="utf-8",
        )
        context.close()
