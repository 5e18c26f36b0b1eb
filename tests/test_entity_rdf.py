"""An entity's RDF for people (#12): Turtle with the project's prefixes, JSON-LD compacted with the
published context, and a symmetric bounded description as LodView shows it — the entity's own
triples and the links that point at it (what a funder supported, a project's reports, a
department's works), capped, with a link to the full list when capped."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest
import rdflib
import rdflib.compare

from graph_service.publish.rdf_files import jsonld_context
from graph_service.web.views.entity import INCOMING_CAP
from zhytomyr_kg.settings import ZKG
from zhytomyr_kg.vocab import PREFIXES

B = "https://w3id.org/zhytomyr-kg/id/"
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")


def incoming(store, iri: str) -> set[tuple[str, str]]:
    return {
        (q.subject.value, q.predicate.value)
        for q in store.quads_for_pattern(None, None, ox.NamedNode(iri))
        if isinstance(q.subject, ox.NamedNode) and q.subject.value != iri
    }


def served(client, iri: str, ext: str = "ttl") -> rdflib.Graph:
    r = client.get("/" + iri[len("https://w3id.org/zhytomyr-kg/") :] + "." + ext)
    assert r.status_code == 200, r.text[:300]
    return rdflib.Graph().parse(data=r.content, format={"ttl": "turtle", "jsonld": "json-ld"}[ext])


def test_turtle_has_the_projects_prefixes(pages_client):
    text = pages_client.get("/id/funder/giz.ttl").text
    declared = dict(re.findall(r"@prefix (\w+): <([^>]+)> \.", text))
    assert declared and all(PREFIXES[p] == ns for p, ns in declared.items())
    assert {"zkg", "rdfs", "skos"} <= set(declared)
    assert "zkg:Funder" in text and "rdfs:label" in text
    body = "\n".join(line for line in text.splitlines() if not line.startswith("@prefix"))
    assert f"<{ZKG}" not in body  # every zkg: IRI written as a CURIE


def test_jsonld_is_compacted_with_the_published_context(pages_client):
    doc = pages_client.get("/id/funder/giz.jsonld").json()
    assert doc["@context"] == jsonld_context()["@context"]
    giz = next(n for n in doc["@graph"] if n["@id"] == B + "funder/giz")
    assert "rdfs:label" in giz and "zkg:Funder" in giz["@type"]
    assert not any(k.startswith("http") for n in doc["@graph"] for k in n)
    # the same triples as the Turtle
    assert rdflib.compare.isomorphic(
        served(pages_client, B + "funder/giz", "jsonld"), served(pages_client, B + "funder/giz")
    )


@pytest.mark.parametrize(
    "query,what",
    [
        (f"SELECT DISTINCT ?e WHERE {{ ?x <{ZKG}fundedBy> ?e }} ORDER BY ?e LIMIT 3", "what a funder funded"),
        (
            f"SELECT DISTINCT ?e WHERE {{ ?x <{ZKG}reportsOn> ?e . ?e a <{ZKG}Project> }} ORDER BY ?e LIMIT 3",
            "a project's reports",
        ),
        (
            f"SELECT DISTINCT ?e WHERE {{ ?e a <{ZKG}Department> }} ORDER BY ?e LIMIT 3",
            "a department's works",
        ),
        (f"SELECT DISTINCT ?e WHERE {{ ?x <{ZKG}status> ?e }} ORDER BY ?e LIMIT 3", "a state's reports"),
    ],
)
def test_the_description_is_symmetric(pages_client, store, query, what):
    for row in store.query(query, use_default_graph_as_union=True):
        iri = row[0].value
        links = incoming(store, iri)
        g = served(pages_client, iri)
        me = rdflib.URIRef(iri)
        got = {(str(s), str(p)) for s, p in g.subject_predicates(me) if s != me}
        if len(links) <= INCOMING_CAP:
            assert got == links, (what, iri)
            assert (me, rdflib.RDFS.seeAlso, None) not in g or not any(
                "/queries/entity-links-in." in str(o) for o in g.objects(me, rdflib.RDFS.seeAlso)
            )
        else:
            assert len(got) == INCOMING_CAP and got <= links
        # each subject that links here comes with its label, where it has one
        for s, _ in list(got)[:20]:
            if list(store.quads_for_pattern(ox.NamedNode(s), LABEL, None)):
                assert (rdflib.URIRef(s), rdflib.RDFS.label, None) in g


def test_a_project_links_to_its_reports_and_their_states(pages_client, store):
    project = B + "project/biznes-platforma"
    g = served(pages_client, project)
    reports = [s for s, p in incoming(store, project) if p == ZKG + "reportsOn"]
    assert reports
    for r in reports:
        assert (rdflib.URIRef(r), rdflib.URIRef(ZKG + "reportsOn"), rdflib.URIRef(project)) in g
        assert (rdflib.URIRef(r), rdflib.RDFS.label, None) in g or not list(
            store.quads_for_pattern(ox.NamedNode(r), LABEL, None)
        )


def test_incoming_links_are_capped_with_a_link_to_the_full_list(pages_client, store):
    source = B + "source/zhytomyr-2022"  # every extracted entity derives from it
    links = incoming(store, source)
    assert len(links) > INCOMING_CAP
    g = served(pages_client, source)
    me = rdflib.URIRef(source)
    got = {(str(s), str(p)) for s, p in g.subject_predicates(me) if s != me}
    assert len(got) == INCOMING_CAP and got == set(
        sorted(links, key=lambda sp: (sp[1], sp[0]))[:INCOMING_CAP]
    )
    full = [str(o) for o in g.objects(me, rdflib.RDFS.seeAlso) if "/queries/entity-links-in." in str(o)]
    assert len(full) == 1
    url = urlsplit(full[0])
    table = pages_client.get(url.path + "?" + url.query)
    assert table.status_code == 200, table.text[:300]
    rows = list(csv.DictReader(io.StringIO(table.text)))
    assert {(r["s"], r["p"]) for r in rows} == links
    # the outgoing triples are all there
    own = {
        (q.predicate.value, q.object.value) for q in store.quads_for_pattern(ox.NamedNode(source), None, None)
    }
    assert own <= {(str(p), str(o)) for p, o in g.predicate_objects(me)}
