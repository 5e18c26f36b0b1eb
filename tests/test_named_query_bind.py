"""Where ``NamedQuery.bind`` puts a parameter's VALUES (#15: page queries bounded by their items).

A subquery that does not name the parameter must not get it (VALUES there is a cross product: a
page's fifty keys times every solution of the subquery); one that names it, itself or in a
subquery of its own, does; the outer group only where it names it outside its subqueries
(a GROUP BY after a subquery's group is the subquery's). Comments and strings do not count.
"""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest

from graph_service.store.named_queries import NamedQuery, bind_values, parse_query_file

QUERY = """PREFIX ex: <http://example.org/>
SELECT ?item ?facet ?value
WHERE {
  # a comment naming ?item and a } brace
  {
    SELECT ?item ?facet (COUNT(?x) AS ?value) WHERE {
      { SELECT DISTINCT ?item ?x WHERE { ?x ex:of ?item } }
      BIND ("count" AS ?facet)
    }
    GROUP BY ?item ?facet
  }
  UNION {
    SELECT ?item ?facet ?value WHERE { ?item ex:label ?value . BIND ("label }" AS ?facet) }
  }
  UNION {
    SELECT DISTINCT ?report ?facet ?value WHERE { ?report ex:year ?y ; ex:status ?value . FILTER (?y = ?year) BIND ("status" AS ?facet) }
  }
}
"""


def groups_with(text: str, clause: str) -> list[str]:
    """The first words after each ``WHERE {`` that holds ``clause`` right after it."""
    return [m.group(1) for m in re.finditer(r"WHERE \{\n  " + re.escape(clause) + r"\s*(\S+ \S+)", text)]


def test_values_go_only_into_groups_that_name_the_parameter():
    query = NamedQuery("q", "q", "q", QUERY, params=("item", "year"))
    text = query.bind(item="http://example.org/a", year="2022")
    item = "VALUES ?item { <http://example.org/a> }"
    year = "VALUES ?year { 2022 }"
    assert text.count(item) == 3  # the count subquery, its inner subquery, the label subquery
    assert text.count(year) == 1  # the status subquery only
    assert groups_with(text, year) == ["?report ex:year"]
    outer = text.split("WHERE {", 2)[1]
    assert item not in outer.split("SELECT", 1)[0]  # not the outer group: it names ?item only in subqueries


def test_the_outer_group_gets_a_parameter_it_names_itself():
    query = NamedQuery("q", "q", "q", "SELECT ?s WHERE { ?s ?p ?o . FILTER (?o != ?year) }", params=("year",))
    assert query.bind(year="2022").startswith("SELECT ?s WHERE {\n  VALUES ?year { 2022 }")


def test_a_parameter_no_group_names_is_bound_at_the_top():
    query = NamedQuery("q", "q", "q", "SELECT ?s WHERE { ?s ?p ?o }", params=("year",))
    assert "VALUES ?year { 2022 }" in query.bind(year="2022")


def test_the_bound_query_answers_as_the_unbound_one_filtered():
    store = ox.Store()
    ex = "http://example.org/"
    for item, xs in (("a", 2), ("b", 1), ("c", 3)):
        store.add(ox.Quad(ox.NamedNode(ex + item), ox.NamedNode(ex + "label"), ox.Literal(item)))
        for k in range(xs):
            store.add(
                ox.Quad(ox.NamedNode(f"{ex}{item}{k}"), ox.NamedNode(ex + "of"), ox.NamedNode(ex + item))
            )
    query = NamedQuery("q", "q", "q", QUERY, params=("item", "year"))
    bound = bind_values(query, "item", [ex + "a", ex + "c"])
    rows = {
        (str(r["item"].value), r["facet"].value, r["value"].value) for r in store.query(bound) if r["item"]
    }
    assert rows == {
        (ex + "a", "count", "2"),
        (ex + "a", "label }", "a"),
        (ex + "c", "count", "3"),
        (ex + "c", "label }", "c"),
    }


def test_a_constant_parameter_is_written_in_place_of_its_variable(tmp_path):
    """``# param: year constant``: the value replaces ``?year`` (a planner starts from a constant
    where it would start from a VALUES row); unbound, the variable stays and matches any year."""
    path = tmp_path / "q.rq"
    path.write_text(
        "# title: q\n# param: entity\n# param: year constant\n"
        "SELECT ?r WHERE {\n  # ?year: the report year\n"
        '  ?r <http://example.org/on> ?entity ; <http://example.org/year> ?year ; <http://example.org/note> "?year"\n}\n',
        encoding="utf-8",
    )
    query = parse_query_file(path)
    assert query.constants == ("year",)
    bound = query.bind(entity="http://example.org/a", year="2022")
    assert "<http://example.org/year> 2022 ;" in bound
    # a comment or a string that names the variable keeps it
    assert "# ?year: the report year" in bound and '"?year"' in bound and bound.count("?year") == 2
    assert "VALUES ?entity { <http://example.org/a> }" in bound
    assert "?year" in query.bind(entity="http://example.org/a")


def test_a_where_or_bound_in_a_comment_or_string_is_not_the_query_s():
    text = 'SELECT ?s WHERE {\n  # not a group: WHERE { ?s ?p ?year }\n  ?s ?p "WHERE { x }" . FILTER (?s != ?year)\n}'
    query = NamedQuery("q", "q", "q", text, params=("year",))
    bound = query.bind(year="2022")
    assert bound.count("VALUES ?year") == 1
    assert bound.startswith(
        "SELECT ?s WHERE {\n  VALUES ?year { 2022 }\n  # not a group: WHERE { ?s ?p ?year }"
    )


def test_a_constant_parameter_may_be_named_in_a_comment(tmp_path):
    path = tmp_path / "q.rq"
    path.write_text(
        "# param: year constant\nSELECT ?r WHERE {\n  # never BOUND(?year) here\n  ?r ?p ?year\n}\n",
        encoding="utf-8",
    )
    assert parse_query_file(path).bind(year="2022").endswith("?r ?p 2022\n}\n")


def test_a_constant_parameter_cannot_be_tested_with_bound(tmp_path):
    path = tmp_path / "q.rq"
    path.write_text(
        "# param: year constant\nSELECT ?r WHERE { ?r ?p ?o FILTER (!BOUND(?year)) }\n", encoding="utf-8"
    )
    with pytest.raises(ValueError, match="BOUND"):
        parse_query_file(path)


def test_many_values_are_one_binding_of_the_query(monkeypatch):
    """``bind_values`` binds the query once, whatever the number of values (binding reads the
    whole text to place the clauses: once per value made a list page's rows query cost 150 ms)."""
    query = NamedQuery("q", "q", "q", QUERY, params=("item", "year"))
    calls = []
    real = NamedQuery.bind
    monkeypatch.setattr(NamedQuery, "bind", lambda self, **v: calls.append(v) or real(self, **v))
    text = bind_values(query, "item", [f"http://example.org/{k}" for k in range(50)])
    assert len(calls) == 1
    assert text.count("<http://example.org/49>") == 3  # in each group that names ?item


def test_the_catalogue_is_read_once():
    """Every page query goes through ``get``: reading the 70 files again each time made a crawl of
    the site three times slower."""
    from graph_service.store.named_queries import get

    assert get("class-counts") is get("class-counts")
