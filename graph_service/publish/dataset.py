"""The dataset described for catalogues: DCAT-AP 3 and VoID, generated from the loaded data.

``describe(rows, manifest, settings, service_url)`` returns an rdflib Graph with

* a ``dcat:Dataset`` (also ``void:Dataset``) — titles and descriptions uk/en, publisher, licence
  (``ZKG_LICENSE``, default CC BY 4.0), ``dct:issued``/``dct:modified``, ``dct:source`` = the
  report(s) with their SHA-256, and the VoID counts (triples, entities, class and property
  partitions, one subset per named graph), all from the ``queries/void-*.rq`` named queries;
* one ``void:Linkset`` per external target and link predicate (``queries/void-linksets.rq``: the
  links of ``etl/data/links.csv`` and ``external_links.csv``), with its target dataset;
* a ``dcat:DataService`` for the SPARQL endpoint;
* a ``dcat:Distribution`` per file of the export manifest (media type, byte size, SPDX checksum)
  and one for the endpoint.

``rows`` is any ``sparql → list[dict]`` function (``Backend.select_rows``), so the counts are the
store's own, whether embedded or remote. Nothing here is hard-coded but the words.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, XSD

from graph_service.store import named_queries
from zhytomyr_kg.settings import Settings, env

VOID = Namespace("http://rdfs.org/ns/void#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
IANA = "http://www.iana.org/assignments/media-types/"
EU_LANG = "http://publications.europa.eu/resource/authority/language/"
EU_FREQ = "http://publications.europa.eu/resource/authority/frequency/"
DEFAULT_LICENSE = "https://creativecommons.org/licenses/by/4.0/"

Rows = Callable[[str], list]

TITLE = {
    "uk": "Граф знань стратегії Житомира: Концепція інтегрованого розвитку до 2030 року та звіти про її виконання",
    "en": "Zhytomyr strategy knowledge graph: the Concept of integrated development to 2030 and its implementation reports",
}
DESCRIPTION = {
    "uk": "Пріоритети, стратегічні цілі, завдання і проєкти Концепції інтегрованого розвитку м. Житомира до 2030 року, "
    "відповідальні виконавчі органи міської ради та інформація про виконання за звітний рік — кожен факт "
    "з посиланням на рядок офіційного звіту Житомирської міської ради, з якого його взято.",
    "en": "The priorities, strategic goals, tasks and projects of Zhytomyr's Concept of integrated development to 2030, "
    "the city council bodies responsible for them, and what each reported doing — every fact traceable to the "
    "line of the official implementation report of Zhytomyr City Council it came from.",
}
PUBLISHER = {"uk": "Житомирська міська рада", "en": "Zhytomyr City Council"}
KEYWORDS = {
    "uk": ["Житомир", "стратегія розвитку", "міська рада", "проєкти", "звіт про виконання"],
    "en": ["Zhytomyr", "development strategy", "city council", "projects", "implementation report"],
}


def license_iri() -> str:
    return env("ZKG_LICENSE").strip() or DEFAULT_LICENSE


def dataset_iri(settings: Settings) -> str:
    return settings.base_iri + "dataset"


def _rows(rows: Rows, name: str, settings: Settings | None = None) -> list[dict]:
    """The rows of a named query; with ``settings``, counted over this dataset's graphs only
    (``?graphs`` bound to the graph base: a triplestore's own graphs are not the dataset's)."""
    query = named_queries.get(name)
    if settings is not None and "graphs" in query.params:
        return rows(query.bind(graphs=settings.graph_base))
    return rows(query.text)


#: external targets we know by name: site root → (slug, title, homepage, VoID uriSpace of its entities)
LINK_TARGETS = {
    "http://www.wikidata.org/": (
        "wikidata",
        "Wikidata",
        "https://www.wikidata.org/",
        "http://www.wikidata.org/entity/",
    ),
    "https://www.wikidata.org/": (
        "wikidata",
        "Wikidata",
        "https://www.wikidata.org/",
        "http://www.wikidata.org/entity/",
    ),
    "https://sws.geonames.org/": (
        "geonames",
        "GeoNames",
        "https://www.geonames.org/",
        "https://sws.geonames.org/",
    ),
    "http://sws.geonames.org/": (
        "geonames",
        "GeoNames",
        "https://www.geonames.org/",
        "https://sws.geonames.org/",
    ),
}


def link_target(root: str) -> tuple[str, str, str, str | None]:
    """(slug, title, homepage, uriSpace) of an external site; unknown sites are named by their host."""
    known = LINK_TARGETS.get(root)
    if known:
        return known
    host = root.split("://", 1)[-1].strip("/")
    slug = "".join(c if c.isalnum() else "-" for c in host).strip("-")
    return slug, host, root, None


def _local(iri: str) -> str:
    return iri.rstrip("/#").rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _linksets(g: Graph, ds: URIRef, rows: Rows, settings: Settings) -> None:
    """``void:Linkset`` per (target site, link predicate), counted by ``void-linksets``."""
    text = named_queries.get("void-linksets").bind(base=settings.id_base)
    for row in rows(text):
        slug, title, homepage, space = link_target(row["target"])
        target = URIRef(homepage)
        g.add((target, RDF.type, VOID.Dataset))
        g.add((target, DCTERMS.title, Literal(title)))
        g.add((target, FOAF.homepage, target))
        if space:
            g.add((target, VOID.uriSpace, Literal(space)))
        linkset = URIRef(f"{ds}#linkset-{slug}-{_local(row['predicate'])}")
        g.add((ds, VOID.subset, linkset))
        g.add((linkset, RDF.type, VOID.Linkset))
        g.add(
            (
                linkset,
                DCTERMS.title,
                Literal(f"{TITLE['en'].split(':')[0]} → {title} ({_local(row['predicate'])})", lang="en"),
            )
        )
        g.add((linkset, VOID.subjectsTarget, ds))
        g.add((linkset, VOID.objectsTarget, target))
        g.add((linkset, VOID.linkPredicate, URIRef(row["predicate"])))
        g.add((linkset, VOID.triples, Literal(_int(row["triples"]), datatype=XSD.integer)))
        g.add((linkset, VOID.distinctSubjects, Literal(_int(row["distinctSubjects"]), datatype=XSD.integer)))
        g.add((linkset, VOID.distinctObjects, Literal(_int(row["distinctObjects"]), datatype=XSD.integer)))


def _int(value) -> int:
    return int(value or 0)


def _checksum(g: Graph, subject, sha256: str) -> None:
    node = BNode()
    g.add((subject, SPDX.checksum, node))
    g.add((SPDX.checksumAlgorithm_sha256, RDF.type, SPDX.ChecksumAlgorithm))
    g.add((node, RDF.type, SPDX.Checksum))
    g.add((node, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    g.add((node, SPDX.checksumValue, Literal(sha256, datatype=XSD.hexBinary)))


def _period(g: Graph, subject, first: int, last: int) -> None:
    """dct:temporal as DCAT-AP wants it: a dct:PeriodOfTime with start and end dates."""
    node = BNode()
    g.add((subject, DCTERMS.temporal, node))
    g.add((node, RDF.type, DCTERMS.PeriodOfTime))
    g.add((node, DCAT.startDate, Literal(date(first, 1, 1).isoformat(), datatype=XSD.date)))
    g.add((node, DCAT.endDate, Literal(date(last, 12, 31).isoformat(), datatype=XSD.date)))


def _media(g: Graph, media_type: str) -> URIRef:
    """The IANA media type, labelled with its name (``text/csv``): harvesters such as CKAN's
    ckanext-dcat read the label as the distribution's media type and map it to a format."""
    iri = URIRef(IANA + media_type)
    g.add((iri, RDF.type, DCTERMS.MediaType))
    g.add((iri, RDFS.label, Literal(media_type)))
    return iri


#: licence IRI → its title, for catalogues that match licences by title
LICENCE_TITLES = {
    "https://creativecommons.org/licenses/by/4.0/": "Creative Commons Attribution 4.0 International",
    "https://creativecommons.org/licenses/by-sa/4.0/": "Creative Commons Attribution-ShareAlike 4.0 International",
    "https://creativecommons.org/publicdomain/zero/1.0/": "Creative Commons CC0 1.0 Universal",
}


def describe(
    rows: Rows, manifest: dict | None, settings: Settings, service_url: str, *, built: str | None = None
) -> Graph:
    """The DCAT-AP 3 + VoID graph. ``service_url`` is where this service is reachable (no trailing /)."""
    service_url = service_url.rstrip("/")
    g = Graph()
    for prefix, ns in [
        ("dcat", DCAT),
        ("dct", DCTERMS),
        ("foaf", FOAF),
        ("void", VOID),
        ("spdx", SPDX),
        ("xsd", XSD),
        ("rdfs", RDFS),
        ("sd", SD),
    ]:
        g.bind(prefix, ns)
    ds = URIRef(dataset_iri(settings))
    licence = URIRef(license_iri())
    endpoint = URIRef(service_url + "/sparql")
    g.add((ds, RDF.type, DCAT.Dataset))
    g.add((ds, RDF.type, VOID.Dataset))
    for lang in ("uk", "en"):
        g.add((ds, DCTERMS.title, Literal(TITLE[lang], lang=lang)))
        g.add((ds, DCTERMS.description, Literal(DESCRIPTION[lang], lang=lang)))
        for word in KEYWORDS[lang]:
            g.add((ds, DCAT.keyword, Literal(word, lang=lang)))
    g.add((ds, DCTERMS.identifier, Literal(str(ds))))
    for code in ("UKR", "ENG"):
        g.add((ds, DCTERMS.language, URIRef(EU_LANG + code)))
        g.add((URIRef(EU_LANG + code), RDF.type, DCTERMS.LinguisticSystem))
    g.add((ds, DCTERMS.license, licence))
    g.add((licence, RDF.type, DCTERMS.LicenseDocument))
    if str(licence) in LICENCE_TITLES:
        g.add((licence, DCTERMS.title, Literal(LICENCE_TITLES[str(licence)], lang="en")))
    g.add((ds, DCAT.landingPage, URIRef(service_url + "/dataset")))
    g.add((URIRef(service_url + "/dataset"), RDF.type, FOAF.Document))

    publisher = URIRef(settings.id_base + "organization/zhytomyrska-miska-rada")
    g.add((ds, DCTERMS.publisher, publisher))
    g.add((publisher, RDF.type, FOAF.Agent))
    for lang, name in PUBLISHER.items():
        g.add((publisher, FOAF.name, Literal(name, lang=lang)))

    # sources: the official reports, with their checksums; issued = the earliest report year
    years = []
    for src in _rows(rows, "void-sources"):
        source = URIRef(src["source"])
        g.add((ds, DCTERMS.source, source))
        # DCAT-AP's dct:source is "a related Dataset": the report export is a table, so it is typed so
        g.add((source, RDF.type, DCAT.Dataset))
        g.add((source, RDF.type, FOAF.Document))
        if src.get("title"):
            g.add((source, DCTERMS.title, Literal(src["title"], lang="uk")))
        description = "Official implementation report of Zhytomyr City Council, tab-separated export"
        if src.get("name"):
            description += f" ({src['name']})"
        g.add(
            (source, DCTERMS.description, Literal(description + "; byte-identical to the source.", lang="en"))
        )
        if src.get("sha256"):
            _checksum(g, source, src["sha256"])
        g.add((source, DCTERMS.publisher, publisher))
        if src.get("year"):
            years.append(int(src["year"]))
            _period(g, source, int(src["year"]), int(src["year"]))
    if years:
        _period(g, ds, min(years), max(years))
        g.add((ds, DCTERMS.issued, Literal(date(min(years) + 1, 1, 1).isoformat(), datatype=XSD.date)))
    modified = built or (manifest or {}).get("generated") or datetime.now(UTC).isoformat(timespec="seconds")
    g.add((ds, DCTERMS.modified, Literal(modified, datatype=XSD.dateTime)))
    if manifest and manifest.get("version"):
        g.add((ds, URIRef(str(DCAT) + "version"), Literal(manifest["version"])))

    # the SPARQL endpoint
    svc = URIRef(service_url + "/sparql#service")
    g.add((svc, RDF.type, DCAT.DataService))
    g.add((svc, DCTERMS.title, Literal("SPARQL-точка доступу графа знань стратегії Житомира", lang="uk")))
    g.add(
        (svc, DCTERMS.title, Literal("SPARQL endpoint of the Zhytomyr strategy knowledge graph", lang="en"))
    )
    g.add((svc, DCAT.endpointURL, endpoint))
    g.add((svc, DCAT.endpointDescription, endpoint))
    g.add((svc, DCAT.servesDataset, ds))
    g.add((svc, DCTERMS.license, licence))
    g.add((svc, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")))
    g.add((URIRef("https://www.w3.org/TR/sparql11-protocol/"), RDF.type, DCTERMS.Standard))
    g.add((endpoint, RDF.type, RDFS.Resource))
    dist = URIRef(service_url + "/sparql#distribution")
    g.add((ds, DCAT.distribution, dist))
    g.add((dist, RDF.type, DCAT.Distribution))
    g.add((dist, DCAT.accessURL, endpoint))
    g.add((dist, DCAT.accessService, svc))
    g.add((dist, DCTERMS.title, Literal("SPARQL endpoint", lang="en")))
    g.add((dist, DCTERMS.license, licence))
    g.add((dist, DCAT.mediaType, _media(g, "application/sparql-results+json")))

    # the dumps
    for f in (manifest or {}).get("files", []):
        url = URIRef(f"{service_url}/dumps/{f['name']}")
        dist = URIRef(f"{service_url}/dumps/{f['name']}#distribution")
        g.add((ds, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCAT.accessURL, url))
        g.add((dist, DCAT.downloadURL, url))
        g.add((dist, DCTERMS.title, Literal(f["name"])))
        g.add((dist, DCTERMS.license, licence))
        g.add((dist, DCAT.mediaType, _media(g, f["mediaType"])))
        if f.get("compression") == "gzip":
            g.add((dist, DCAT.compressFormat, _media(g, "application/gzip")))
        g.add((dist, DCAT.byteSize, Literal(f["bytes"], datatype=XSD.nonNegativeInteger)))
        _checksum(g, dist, f["sha256"])
        if f["name"] == "dataset.nq.gz":
            g.add((ds, VOID.dataDump, url))

    # VoID
    g.add((ds, VOID.sparqlEndpoint, endpoint))
    g.add((ds, VOID.uriSpace, Literal(settings.id_base)))
    totals = {**_rows(rows, "void-totals", settings)[0], **_rows(rows, "void-entities", settings)[0]}
    for key in ("triples", "entities", "distinctSubjects", "distinctObjects", "properties", "classes"):
        g.add((ds, VOID[key], Literal(_int(totals[key]), datatype=XSD.integer)))
    for row in _rows(rows, "void-class-partitions", settings):
        part = BNode()
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(row["class"])))
        g.add((part, VOID.entities, Literal(_int(row["entities"]), datatype=XSD.integer)))
    for row in _rows(rows, "void-property-partitions", settings):
        part = BNode()
        g.add((ds, VOID.propertyPartition, part))
        g.add((part, VOID.property, URIRef(row["property"])))
        g.add((part, VOID.triples, Literal(_int(row["triples"]), datatype=XSD.integer)))
    for row in _rows(rows, "void-graphs", settings):
        sub = URIRef(row["graph"])
        g.add((ds, VOID.subset, sub))
        g.add((sub, RDF.type, VOID.Dataset))
        g.add((sub, VOID.triples, Literal(_int(row["triples"]), datatype=XSD.integer)))
    _linksets(g, ds, rows, settings)
    return g


# --------------------------------------------------------------------------- output formats
RDF_MEDIA = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
}


def serialize(g: Graph, media_type: str) -> bytes:
    if media_type == "application/ld+json":
        context = {
            p: str(ns)
            for p, ns in g.namespaces()
            if p in ("dcat", "dct", "foaf", "void", "spdx", "xsd", "rdfs", "sd")
        }
        return g.serialize(format="json-ld", context=context, indent=1).encode("utf-8")
    return g.serialize(format=RDF_MEDIA[media_type]).encode("utf-8")


def citation(g: Graph, settings: Settings) -> str:
    ds = URIRef(dataset_iri(settings))
    modified = g.value(ds, DCTERMS.modified)
    version = g.value(ds, URIRef(str(DCAT) + "version"))
    year = str(modified)[:4] if modified else ""
    return (
        f"{PUBLISHER['en']} (source); Zhytomyr strategy knowledge graph contributors ({year}). "
        f"{TITLE['en']}. Version {version or 'unversioned'}. {ds}"
    )
