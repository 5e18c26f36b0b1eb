"""The same routes asked of the embedded service and of the service in front of a remote
triplestore loaded with the export's ``dataset.nq.gz``; answers compared modulo order.

Shared by tests/test_remote_same_pages.py (Oxigraph server, always) and the Virtuoso test."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph
import pytest
from fastapi.testclient import TestClient

from graph_service.store import named_queries
from graph_service.store.remote import RemoteBackend
from graph_service.web.app import create_app
from graph_service.web.views.lists import LISTS
from zhytomyr_kg.settings import Settings

ZKG = "https://w3id.org/zhytomyr-kg/ontology#"
CLASS_COUNTS = named_queries.get("class-counts").text


@dataclass
class Diff:
    compared: int = 0
    identical: list[str] = field(default_factory=list)
    different: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)  # path → a key of REASONS or "other"

    def summary(self) -> str:
        lines = [f"{self.compared} routes: {len(self.identical)} identical, {len(self.different)} different"]
        lines += [f"  {path}: {why[:1500]}" for path, why in sorted(self.different.items())]
        return "\n".join(lines)


@contextlib.contextmanager
def embedded_and_remote(store: Path, endpoint: str) -> Iterator[tuple[TestClient, TestClient]]:
    """The embedded service on ``store`` and the service in front of ``endpoint``, as
    ``--sparql-endpoint`` makes it; without pre-rendering, which would run every page against
    both stores while the routes are being compared."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ZKG_PAGES_PRERENDER", "0")
        # sameness, not speed: on a loaded machine Virtuoso's slowest list query (page-departments,
        # about 5 s alone) could pass the default 10 s page deadline and answer 503
        env.setenv("ZKG_PAGES_TIMEOUT", "60")
        remote = RemoteBackend(endpoint, timeout=60.0)
        remote.graph_base = Settings().graph_base
        try:
            with (
                TestClient(create_app(Settings(store=store))) as embedded,
                TestClient(create_app(remote)) as front,
            ):
                yield embedded, front
        finally:
            remote.close()


def routes(client: TestClient) -> list[str]:
    """/, the lists, one entity page per class (at least 10 pages of different classes), every
    named query's CSV, /dataset as Turtle."""
    paths = ["/", "/queries"] + [f"/{name}" for name in LISTS]
    rows = client.get(
        "/sparql",
        params={
            "query": "SELECT ?c (MIN(STR(?e)) AS ?e) WHERE { ?e a ?c FILTER isIRI(?e) "
            'FILTER STRSTARTS(STR(?e), "https://w3id.org/zhytomyr-kg/id/") } GROUP BY ?c ORDER BY ?c'
        },
        headers={"Accept": "application/sparql-results+json"},
    ).json()["results"]["bindings"]
    entities = sorted({r["e"]["value"] for r in rows})
    paths += [e.replace("https://w3id.org/zhytomyr-kg", "") for e in entities]
    for query in named_queries.load_all().values():
        if not query.params:
            paths.append(f"/queries/{query.name}.csv")
    return paths + ["/dataset"]


_VOLATILE = re.compile(rb"(data[ -]version|build|etag|generated|modified)[^<\n]*", re.I)


def _term(t) -> str:
    return "_" if isinstance(t, pyoxigraph.BlankNode) else str(t)


def _normal(path: str, body: bytes, content_type: str) -> list:
    if path == "/dataset":
        # blank nodes (partitions) by their content; the dumps are served by a service with a
        # store of its own only (a remote one has no build to export)
        return sorted(
            f"{_term(q.subject)} {q.predicate} {_term(q.object)}"
            for q in pyoxigraph.parse(body, format=pyoxigraph.RdfFormat.TURTLE)
            if "/dumps/" not in str(q.subject) + str(q.object)
            and "/media-types/" not in str(q.subject)
            and "spdx.org" not in str(q.predicate) + str(q.object)
        )
    return sorted(_VOLATILE.sub(b"", line) for line in body.splitlines())


_ITEM_SEP = re.compile(rb", (?=<a )|, (?=\d)")


def _unordered(lines: list) -> list:
    """The page as a multiset of tags, texts and list items: the same data in another order
    (GROUP_CONCAT lists, rows of equal sort keys) compares equal, different data does not."""
    tokens: list = []
    for line in lines:
        if isinstance(line, bytes):
            tokens += [t.strip() for t in re.split(rb"(?=<)|>|, |,|\(|\)", line) if t.strip()]
        else:
            tokens.append(line)
    return sorted(tokens)


#: one term with two labels in one language: which one a store returns first differs
_TWO_LABELS = [("Фундатор".encode(), "Донор".encode())]


def _one_label(lines: list) -> list:
    out = []
    for line in lines:
        if isinstance(line, bytes):
            for a, b in _TWO_LABELS:
                line = line.replace(a, b)
        out.append(line)
    return out


_BUILD = re.compile(r"purl.org/dc/terms/modified|www.w3.org/ns/dcat#version")

REASONS = {
    "build": "the embedded service states its build's time and id (dcterms:modified, dcat:version)",
    "order": "the same data in another order (unordered GROUP_CONCAT lists, rows tied on their sort key)",
    "labels": "two Ukrainian labels for zkg:Funder (Донор/Фундатор): either is picked",
}


def compare(embedded: TestClient, remote: TestClient, paths: list[str]) -> Diff:
    diff = Diff()
    for path in paths:
        headers = {"Accept": "text/turtle"} if path == "/dataset" else {}
        a = embedded.get(path, headers=headers)
        b = remote.get(path, headers=headers)
        if b.status_code == 503 and a.status_code != 503:
            # the store said it is unavailable (under the whole suite's load Virtuoso answered
            # /funders so now and then, within seconds, and the next request); asked once more,
            # a second 503 is a difference, with the reason the page gives
            b = remote.get(path, headers=headers)
        diff.compared += 1
        if a.status_code != b.status_code:
            reason = re.findall(r"<(?:p|pre)[^>]*>(.*?)</(?:p|pre)>", b.text, re.S)[:3]
            diff.different[path] = (
                f"status {a.status_code} embedded, {b.status_code} remote: {reason or b.text[:200]}"
            )
            diff.reasons[path] = "status"
            continue
        na = _normal(path, a.content, a.headers.get("content-type", ""))
        nb = _normal(path, b.content, b.headers.get("content-type", ""))
        if na == nb:
            diff.identical.append(path)
        else:
            only_a = [x for x in na if x not in nb and not (path == "/dataset" and _BUILD.search(x))][:3]
            only_b = [x for x in nb if x not in na and not (path == "/dataset" and _BUILD.search(x))][:3]
            if path == "/dataset" and [x for x in na if not _BUILD.search(x)] == [
                x for x in nb if not _BUILD.search(x)
            ]:
                diff.reasons[path] = "build"
            elif _unordered(na) == _unordered(nb):
                diff.reasons[path] = "order"
            elif _unordered(_one_label(na)) == _unordered(_one_label(nb)):
                diff.reasons[path] = "labels"
            else:
                diff.reasons[path] = "other"
            diff.different[path] = (
                REASONS.get(diff.reasons[path]) or f"embedded only {only_a!r}; remote only {only_b!r}"
            )
    return diff


def class_counts(client: TestClient) -> dict[str, int]:
    r = client.get(
        "/sparql", params={"query": CLASS_COUNTS}, headers={"Accept": "application/sparql-results+json"}
    )
    return {b["class"]["value"]: int(b["entities"]["value"]) for b in r.json()["results"]["bindings"]}


def assert_same_routes(embedded: TestClient, remote: TestClient) -> Diff:
    """Every route of :func:`routes` answers the same on both. What may differ: ``/dataset``
    states the embedded build's time and id, which a remote store does not have; and rows tied on
    every sort key of a list page may come in another order."""
    paths = routes(embedded)
    assert len(paths) >= 60
    diff = compare(embedded, remote, paths)
    print(diff.summary())
    assert {why for why in diff.reasons.values()} <= {"build", "order"}, diff.summary()
    assert diff.reasons.get("/dataset") == "build", diff.summary()
    assert len(diff.identical) >= len(paths) - 2, diff.summary()
    return diff
