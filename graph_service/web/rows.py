"""A page query's solutions as typed rows (``row["x"]`` bound, ``row.get("x")`` optional)."""

from __future__ import annotations

from graph_service.store.base import Results, Term


class Unbound(KeyError):
    """A page read a column its query left unbound in that row (a page or query bug)."""


class Row(dict[str, Term | None]):
    """One solution of a page query: every variable of the query, ``None`` where unbound.

    ``row["x"]`` is the value of a column the query always binds (``Unbound`` otherwise);
    ``row.get("x")`` is for an OPTIONAL one."""

    def __getitem__(self, name: str) -> Term:
        value = super().__getitem__(name)
        if value is None:
            raise Unbound(f"?{name} is unbound in this row")
        return value


def rows_of(results: Results) -> list[Row]:
    """The rows of parsed SPARQL JSON results, every variable of the query in each."""
    return [Row((n, row.get(n)) for n in results.vars) for row in results.rows]
