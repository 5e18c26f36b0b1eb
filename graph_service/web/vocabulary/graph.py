"""``/graph/{name}``: one named graph as a page: what it holds, its sources and their
checksums, its counts by class and property, its own dumps (the facts come from
``graph_service.publish.graphs``)."""

from __future__ import annotations

from graph_service.publish.graphs import graph_summary
from graph_service.publish.publisher import Publisher
from graph_service.web import i18n
from graph_service.web.context import Ctx, Page, Ref, Table, curie, plain
from graph_service.web.vocabulary.naming import FORMATS, words


def build_facts(publisher: Publisher | None) -> tuple[dict | None, dict | None]:
    """(export manifest, build.json) of the build the publisher describes; (None, None) without
    a publisher or with a remote backend."""
    if publisher is None:
        return None, None
    _, build = publisher.build()
    if build is None:
        return None, None
    manifest, _ = publisher.manifest()
    return manifest, build.info()


def graph_page(ctx: Ctx, iri: str, facts: tuple[dict | None, dict | None]) -> Page | None:
    summary = graph_summary(lambda name, g: plain(ctx.rows(name, graph=g)), iri, ctx.site.settings, *facts)
    if not summary.exists:
        return None
    w = words(ctx.lang)
    classes = [
        (
            Ref(
                r["class"], ctx.href(r["class"]), _label(ctx, r["class"], r.get("classUk"), r.get("classEn"))
            ),
            r,
        )
        for r in summary.classes
    ]
    properties = [
        (
            Ref(
                r["property"],
                ctx.href(r["property"]),
                _label(ctx, r["property"], r.get("propertyUk"), r.get("propertyEn")),
            ),
            r,
        )
        for r in summary.properties
    ]
    sources = [
        (Ref(s["source"], ctx.href(s["source"]), i18n.Label(s.get("title") or s["source"], "uk")), s)
        for s in summary.sources
    ]
    return Page(
        "graph.html",
        f"{w('graph')} graph/{summary.name}",
        {
            "w": w,
            "g": summary,
            "what": summary.what[1] if ctx.lang == "en" else summary.what[0],
            "classes": classes,
            "properties": properties,
            "sources": sources,
            "here": ctx.url("graph/" + summary.name),
            "formats": FORMATS,
            "triples_query": ctx.url("queries/graph-triples", graph=iri),
        },
        [
            Table(
                "classes",
                ["class", "entities"],
                [{"class": r["class"], "entities": r["entities"]} for r in summary.classes],
            ),
            Table(
                "properties",
                ["property", "triples"],
                [{"property": r["property"], "triples": r["triples"]} for r in summary.properties],
            ),
            Table(
                "dumps",
                ["name", "mediaType", "bytes", "sha256"],
                [{k: f.get(k) for k in ("name", "mediaType", "bytes", "sha256")} for f in summary.dumps],
            ),
        ],
    )


def _label(ctx: Ctx, iri: str, uk: str | None, en: str | None) -> i18n.Label:
    return ctx.label(uk, en, iri) if (uk or en) else i18n.Label(curie(iri), None)
