"""Push the ETL's output into a remote triplestore with the SPARQL 1.1 Graph Store HTTP Protocol.

Each named graph of an N-Quads or TriG file is sent with one ``PUT <store>?graph=<iri>``
(which replaces that graph on the server), the default graph, if any, with ``PUT <store>?default``.
The bodies are N-Triples written by pyoxigraph. Works with Oxigraph server (``/store``), Fuseki
(``/<dataset>/data``), GraphDB (``/repositories/<id>/rdf-graphs/service``), Virtuoso
(``/sparql-graph-crud``) and any other Graph Store Protocol implementation.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import httpx


@dataclass(frozen=True)
class PushedGraph:
    graph: str | None  # None = the default graph
    triples: int
    status: int


def _format_for(path: Path):
    from pyoxigraph import RdfFormat

    suffix = path.suffix.lower().lstrip(".")
    fmt = RdfFormat.from_extension(suffix)
    if fmt is None or not fmt.supports_datasets:
        raise ValueError(f"{path}: expected an N-Quads (.nq) or TriG (.trig) file")
    return fmt


def read_graphs(path: Path) -> dict[str | None, list]:
    """The file's triples grouped by graph name (None for the default graph)."""
    from pyoxigraph import DefaultGraph, parse

    graphs: dict[str | None, list] = defaultdict(list)
    for quad in parse(path=str(path), format=_format_for(path)):
        name = None if isinstance(quad.graph_name, DefaultGraph) else quad.graph_name.value
        graphs[name].append(quad.triple)
    return graphs


def load_remote(
    path: Path | str,
    store_url: str,
    *,
    client: httpx.Client | None = None,
    timeout: float = 120.0,
    auth: tuple[str, str] | None = None,
) -> list[PushedGraph]:
    """PUT every graph of ``path`` to the Graph Store endpoint ``store_url``; raise on any failure."""
    from pyoxigraph import RdfFormat, serialize

    path = Path(path)
    own = client is None
    client = client or httpx.Client(timeout=timeout, auth=auth)
    pushed: list[PushedGraph] = []
    try:
        for graph, triples in sorted(read_graphs(path).items(), key=lambda kv: kv[0] or ""):
            body = serialize(triples, format=RdfFormat.N_TRIPLES)
            params = {"graph": graph} if graph is not None else {"default": ""}
            response = client.put(
                store_url,
                params=params,
                content=body,
                headers={"Content-Type": "application/n-triples"},
            )
            if response.status_code >= 300:
                raise RuntimeError(
                    f"PUT {graph or 'default graph'} → {response.status_code}: {response.text[:500]}"
                )
            pushed.append(PushedGraph(graph, len(triples), response.status_code))
    finally:
        if own:
            client.close()
    return pushed
