"""schema.org JSON-LD for search engines: one entity (``entity_jsonld``) and the dataset (``dataset_jsonld``).

Independent of any template: each function returns a plain ``dict`` to put, as JSON, into a
``<script type="application/ld+json">`` block (:func:`script_tag` escapes it for that). The context
is inline (``{"@vocab": "https://schema.org/"}``, the ``schema:`` namespace of the contract), so the
JSON-LD is read without fetching anything; IRIs are written as ``{"@id": …}``.

How our entities map (only terms whose schema.org domain admits the type are used; see
``tests/test_schema_org.py``, which checks that against the schema.org vocabulary):

=====================  ==================================================================
ours                   schema.org
=====================  ==================================================================
zkg:Project            ``Project`` (an Organization): ``name`` uk/en, ``description``,
                       ``foundingDate``/``dissolutionDate`` = start/end year (``startDate``/
                       ``endDate`` are not defined for Organization), ``funder`` (zkg:fundedBy),
                       ``parentOrganization`` = the responsible department(s), ``location``
zkg:Programme          ``Project``: ``name``, ``funder`` (zkg:programmeOf)
zkg:Department         ``GovernmentOrganization``, ``parentOrganization`` = the council
the city council       ``GovernmentOrganization``
zkg:Funder             ``GovernmentOrganization`` (kind government, eu), ``NGO`` (charity,
                       foundation), else ``Organization``; ``sameAs``, ``identifier``
zkg:Organization       ``Organization`` (``sameAs``, ``identifier`` where known)
zkg:Place              ``City``/``Country``/``AdministrativeArea`` by kind, else ``Place``;
                       ``containedInPlace``, ``sameAs``, ``identifier``
zkg:ProgressReport     ``Report``: ``about`` (the project or task), ``text``, ``isBasedOn``
anything else          ``Thing``: ``name``
=====================  ==================================================================

The data comes from the named query ``queries/schema-entity.rq`` through any backend with
``select_rows`` (embedded or remote).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF

from graph_service.publish.dataset import SPDX, dataset_iri
from graph_service.store import named_queries
from zhytomyr_kg.settings import ZKG, Settings

SCHEMA = "https://schema.org/"
CONTEXT = {"@vocab": SCHEMA}
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_ALT = "http://www.w3.org/2004/02/skos/core#altLabel"
RDF_TYPE = str(RDF.type)
OWL_SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"
ORG_UNIT_OF = "http://www.w3.org/ns/org#unitOf"
PROV_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"

#: zkg:kind → schema.org type, for funders, organisations and places
KIND_TYPES = {
    "government": "GovernmentOrganization",
    "eu": "GovernmentOrganization",
    "charity": "NGO",
    "foundation": "NGO",
    "city": "City",
    "country": "Country",
    "region": "AdministrativeArea",
}
#: zkg class → schema.org type when the kind says nothing more
CLASS_TYPES = {
    "Project": "Project",
    "Programme": "Project",
    "Department": "GovernmentOrganization",
    "Funder": "Organization",
    "Organization": "Organization",
    "Place": "Place",
    "ProgressReport": "Report",
    "SourceDocument": "DigitalDocument",
}
COUNCIL_ID = "organization/zhytomyrska-miska-rada"


def _names(values: Iterable[tuple[str, str]]) -> list[dict | str] | None:
    out = [{"@value": v, "@language": lang} if lang else v for v, lang in dict.fromkeys(values)]
    return out or None


def _kind(iri: str | None) -> str | None:
    if iri and iri.startswith(ZKG + "kind_"):
        return iri[len(ZKG + "kind_") :]
    return None


def schema_type(
    classes: Iterable[str], kind: str | None, iri: str = "", settings: Settings | None = None
) -> str:
    """The schema.org type of an entity from its zkg classes and kind."""
    if settings is not None and iri == settings.id_base + COUNCIL_ID:
        return "GovernmentOrganization"
    local = [c[len(ZKG) :] for c in classes if c.startswith(ZKG)]
    if kind in KIND_TYPES and any(c in ("Funder", "Organization", "Place") for c in local):
        return KIND_TYPES[kind]
    for c in local:
        if c in CLASS_TYPES:
            return CLASS_TYPES[c]
    return "Thing"


def _node(row: dict, settings: Settings) -> dict:
    """A short node for something the entity points to: id, type and name."""
    node: dict = {"@id": row["o"]}
    classes = [row["o_class"]] if row.get("o_class") else []
    node["@type"] = schema_type(classes, _kind(row.get("o_kind")), row["o"], settings)
    names = _names(
        [(v, lang) for v, lang in ((row.get("o_label_uk"), "uk"), (row.get("o_label_en"), "en")) if v]
    )
    if names:
        node["name"] = names
    return node


def _merge(nodes: list[dict]) -> list[dict]:
    """One node per @id (the query gives a row per class and label combination)."""
    out: dict[str, dict] = {}
    for n in nodes:
        seen = out.setdefault(n["@id"], {"@id": n["@id"]})
        for k, v in n.items():
            if k == "@type" and seen.get("@type", "Thing") != "Thing":
                continue
            if k == "name" and "name" in seen:
                seen["name"] = list({json.dumps(x, sort_keys=True): x for x in seen["name"] + v}.values())
                continue
            seen[k] = v
    return list(out.values())


def entity_jsonld(
    backend, iri: str, *, settings: Settings | None = None, url: str | None = None
) -> dict | None:
    """schema.org JSON-LD for the entity ``iri`` (None when the graph says nothing about it).

    ``backend`` is anything with ``select_rows(sparql)``; ``url`` is where its page is served (by
    default the IRI itself, which dereferences through w3id.org).
    """
    settings = settings or Settings()
    rows = backend.select_rows(named_queries.get("schema-entity").bind(entity=iri))
    if not rows:
        return None
    by_p: dict[str, list[dict]] = {}
    for r in rows:
        by_p.setdefault(r["p"], []).append(r)

    def values(p: str) -> list[str]:
        return list(dict.fromkeys(r["o"] for r in by_p.get(p, [])))

    def nodes(p: str) -> list[dict]:
        return _merge([_node(r, settings) for r in by_p.get(p, [])])

    classes = values(RDF_TYPE)
    kinds = [_kind(k) for k in values(ZKG + "kind")]
    kind = next((k for k in kinds if k), None)
    typ = schema_type(classes, kind, iri, settings)
    doc: dict = {"@context": CONTEXT, "@id": iri, "@type": typ, "url": {"@id": url or iri}}
    name = _names((r["o"], r.get("o_lang") or "") for r in by_p.get(RDFS_LABEL, []))
    if name:
        doc["name"] = name
    alt = _names((r["o"], r.get("o_lang") or "") for r in by_p.get(SKOS_ALT, []))
    if alt:
        doc["alternateName"] = alt
    same = values(OWL_SAME_AS)
    if same:
        doc["sameAs"] = [{"@id": s} for s in same]
    ids = [
        {"@type": "PropertyValue", "propertyID": r["o_scheme"], "value": r["o_value"]}
        for r in by_p.get(SCHEMA + "identifier", [])
        if r.get("o_scheme") and r.get("o_value")
    ]
    if ids:
        doc["identifier"] = list({json.dumps(i, sort_keys=True): i for i in ids}.values())

    zkg_classes = {c[len(ZKG) :] for c in classes if c.startswith(ZKG)}
    if typ == "Project":
        description = _names((r["o"], r.get("o_lang") or "") for r in by_p.get(ZKG + "description", []))
        if description:
            doc["description"] = description
        start, end = values(ZKG + "startYear"), values(ZKG + "endYear")
        if start:
            doc["foundingDate"] = min(start)
        if end:
            doc["dissolutionDate"] = max(end)
        funders = nodes(ZKG + "fundedBy") + nodes(ZKG + "programmeOf")
        if funders:
            doc["funder"] = _merge(funders)
        bodies = nodes(ZKG + "responsibleBody")
        if bodies:
            doc["parentOrganization"] = bodies
        places = nodes(SCHEMA + "location")
        if places:
            doc["location"] = places
    elif "Department" in zkg_classes:
        parents = nodes(ORG_UNIT_OF)
        if parents:
            doc["parentOrganization"] = parents
    elif typ in ("Place", "City", "Country", "AdministrativeArea"):
        within = nodes(SCHEMA + "containedInPlace")
        if within:
            doc["containedInPlace"] = within
    elif typ == "Report":
        about = nodes(ZKG + "reportsOn")
        if about:
            doc["about"] = about
        text = values(ZKG + "text")
        if text:
            doc["text"] = {"@value": text[0], "@language": "uk"}
        sources = nodes(PROV_DERIVED)
        if sources:
            doc["isBasedOn"] = sources
        year = values(ZKG + "year")
        if year:
            doc["temporalCoverage"] = year[0]
    return doc


# --------------------------------------------------------------------------- the dataset
def dataset_jsonld(description: Graph, settings: Settings, *, page_url: str | None = None) -> dict:
    """schema.org ``Dataset`` from the DCAT-AP description (``dataset_description.describe``), so
    both say the same: name, description, licence, distributions, publisher, creator, source."""
    ds = URIRef(dataset_iri(settings))
    g = description

    def langs(p) -> list[dict | str]:
        return [
            {"@value": str(o), "@language": o.language} if getattr(o, "language", None) else str(o)  # type: ignore[attr-defined]  # a Literal: rdflib types the objects as Node
            for o in sorted(g.objects(ds, p))  # type: ignore[type-var]  # rdflib's Node declares no ordering; its terms do sort
        ]

    publisher = g.value(ds, DCTERMS.publisher)
    pub = {
        "@id": str(publisher),
        "@type": "GovernmentOrganization",
        "name": [
            # rdflib types objects as Node (no ordering, no language); these are Literals, which sort
            {"@value": str(n), "@language": n.language}  # type: ignore[attr-defined]
            for n in sorted(g.objects(publisher, FOAF.name))  # type: ignore[type-var]
        ],
    }
    doc: dict = {
        "@context": CONTEXT,
        "@id": str(ds),
        "@type": "Dataset",
        "url": {"@id": page_url or str(g.value(ds, DCAT.landingPage) or ds)},
        "name": langs(DCTERMS.title),
        "description": langs(DCTERMS.description),
        "keywords": langs(DCAT.keyword),
        "inLanguage": ["uk", "en"],
        "license": {"@id": str(g.value(ds, DCTERMS.license))},
        "publisher": pub,
        "creator": [pub, {"@type": "Organization", "name": "Zhytomyr strategy knowledge graph contributors"}],
        "identifier": str(ds),
        "isAccessibleForFree": True,
    }
    if g.value(ds, DCTERMS.modified) is not None:
        doc["dateModified"] = str(g.value(ds, DCTERMS.modified))
    if g.value(ds, DCTERMS.issued) is not None:
        doc["datePublished"] = str(g.value(ds, DCTERMS.issued))
    version = g.value(ds, URIRef(str(DCAT) + "version"))
    if version is not None:
        doc["version"] = str(version)
    temporal = g.value(ds, DCTERMS.temporal)
    if temporal is not None:
        start, end = g.value(temporal, DCAT.startDate), g.value(temporal, DCAT.endDate)
        if start and end:
            doc["temporalCoverage"] = f"{start}/{end}"
    sources = []
    for src in sorted(g.objects(ds, DCTERMS.source)):  # type: ignore[type-var]  # rdflib's Node declares no ordering; its terms do sort
        # the bundled tab-separated export of the official report, byte-identical: a MediaObject
        node = {
            "@id": str(src),
            "@type": "MediaObject",
            "encodingFormat": "text/tab-separated-values",
            "publisher": {"@id": str(publisher)},
        }
        title = g.value(src, DCTERMS.title)
        if title is not None:
            node["name"] = {"@value": str(title), "@language": title.language or "uk"}  # type: ignore[attr-defined]  # a Literal: rdflib types the objects as Node
        sha = next((g.value(c, SPDX.checksumValue) for c in g.objects(src, SPDX.checksum)), None)
        if sha is not None:
            node["sha256"] = str(sha)
        sources.append(node)
    if sources:
        doc["isBasedOn"] = sources
    downloads = []
    for dist in sorted(g.objects(ds, DCAT.distribution)):  # type: ignore[type-var]  # rdflib's Node declares no ordering; its terms do sort
        url = g.value(dist, DCAT.downloadURL)
        if url is None:
            continue
        media = g.value(dist, DCAT.mediaType)
        item = {
            "@type": "DataDownload",
            "contentUrl": {"@id": str(url)},
            "name": str(g.value(dist, DCTERMS.title)),
        }
        if media is not None:
            item["encodingFormat"] = str(media).rsplit("/media-types/", 1)[-1]
        size = g.value(dist, DCAT.byteSize)
        if size is not None:
            item["contentSize"] = f"{int(size)} B"  # type: ignore[call-overload]  # an xsd:integer Literal: rdflib types it as Node
        sha = next((g.value(c, SPDX.checksumValue) for c in g.objects(dist, SPDX.checksum)), None)
        if sha is not None:
            item["sha256"] = str(sha)
        downloads.append(item)
    if downloads:
        doc["distribution"] = downloads
    return doc


def script_tag(doc: dict) -> str:
    """``doc`` as a ``<script type="application/ld+json">`` block, safe inside HTML."""
    text = json.dumps(doc, ensure_ascii=False, indent=1)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/ld+json">\n{text}\n</script>'
