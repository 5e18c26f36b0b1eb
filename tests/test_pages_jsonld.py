"""Entity pages embed schema.org JSON-LD and show their external links (issue 6 on the pages)."""

from __future__ import annotations

import json
import re

import rdflib

from tests.pages_support import HTML, B

SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def page(client, path: str) -> str:
    response = client.get(path, headers=HTML)
    assert response.status_code == 200
    return response.text


def jsonld(html: str) -> dict:
    blocks = SCRIPT.findall(html)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def test_funder_page_embeds_its_schema_org_description_and_external_links(pages_client):
    html = page(pages_client, "/id/funder/ebrd")
    doc = jsonld(html)
    assert doc["@id"] == B + "funder/ebrd" and doc["@type"] == "Organization"
    assert {"@id": "http://www.wikidata.org/entity/Q488981"} in doc["sameAs"]  # etl/data/external_links.csv
    external = re.search(r'<p class="external">(.*?)</p>', html, re.S).group(1)
    assert 'href="http://www.wikidata.org/entity/Q488981"' in external and 'rel="sameAs"' in external


def test_project_and_department_pages_embed_their_types(pages_client):
    assert jsonld(page(pages_client, "/id/project/biznes-platforma"))["@type"] == "Project"
    assert (
        jsonld(page(pages_client, "/id/department/departament-osvity-miskoi-rady"))["@type"]
        == "GovernmentOrganization"
    )


def test_embedded_json_ld_is_rdf(pages_client):
    """The block parses as JSON-LD (schema.org context given inline: no network)."""
    doc = jsonld(page(pages_client, "/id/place/zhytomyr"))
    doc["@context"] = {"@vocab": "https://schema.org/"}
    graph = rdflib.Graph().parse(data=json.dumps(doc), format="json-ld")
    assert (
        rdflib.URIRef(B + "place/zhytomyr"),
        rdflib.RDF.type,
        rdflib.URIRef("https://schema.org/City"),
    ) in graph


def test_pages_without_external_links_show_none(pages_client):
    assert '<p class="external">' not in page(pages_client, "/id/project/biznes-platforma")
