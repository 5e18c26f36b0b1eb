"""Stage 6 beside the others: SHACL validation in a forked process, fed batch by batch.

pyshacl and rdflib take a fifth of a second to import and validation is the build's slowest
stage, so the process is forked when the build starts: it imports them while this process reads
the reports, validates the core data while this process extracts mentions, then the extracted
quads. Batches travel as N-Quads (pyoxigraph serialises and parses them in Rust).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as ox


def _serve(conn, ontology_graph: str | None) -> None:
    from etl.validate import warm_up

    warm_up()
    while True:
        batch = conn.recv()
        if batch is None:
            return
        data, shapes = batch
        try:
            from etl.validate import validate

            quads = list(ox.parse(data, format=ox.RdfFormat.N_QUADS))
            validate(quads, ontology_graph=ontology_graph, shapes=[Path(p) for p in shapes])
            conn.send(None)
        except BaseException as exc:
            conn.send(exc)


class ValidationProcess:
    """Validates batches of quads, in order, in one forked process (inline without ``fork``)."""

    def __init__(self, ontology_graph: str | None = None) -> None:
        self.ontology_graph = ontology_graph
        self.pending = 0
        self.errors: list[BaseException] = []
        try:
            context = multiprocessing.get_context("fork")
        except ValueError:
            self.conn = None
            return
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, ontology_graph), daemon=True)
        self.process.start()
        child.close()

    def submit(self, quads: Sequence[ox.Quad], shapes: Sequence[Path]) -> None:
        if self.conn is None:
            from etl.validate import validate

            try:
                validate(quads, ontology_graph=self.ontology_graph, shapes=shapes)
            except BaseException as exc:
                self.errors.append(exc)
            return
        data = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
        self.conn.send((data, [str(p) for p in shapes]))
        self.pending += 1

    def finish(self) -> None:
        """Wait for every batch; the process ends; the first violation found is raised."""
        if self.conn is not None:
            for _ in range(self.pending):
                try:
                    outcome = self.conn.recv()
                except EOFError:
                    outcome = RuntimeError(f"the validation process died (exit code {self.process.exitcode})")
                    self.errors.append(outcome)
                    break
                if outcome is not None:
                    self.errors.append(outcome)
            try:
                self.conn.send(None)
            except (BrokenPipeError, OSError):
                pass
            self.process.join()
            self.conn.close()
            self.conn = None
            self.pending = 0
        if self.errors:
            raise self.errors[0]
