"""An entity as its page sees it, and what several entity pages share: report texts cut at
their mentions, links to source lines, the work's departments, funders and places."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from graph_service.web import i18n
from graph_service.web.context import LABEL_PROPS, RDF, SCHEMA, Ctx, Ref, Row, Term, curie, local_name, unique
from zhytomyr_kg.settings import ZKG
from zhytomyr_kg.vocab import PREFIXES


@dataclass
class Value:
    term: Term
    ref: Ref | None  # for IRIs


@dataclass
class Entity:
    iri: str
    href: str
    label: i18n.Label
    other_label: i18n.Label | None
    types: list[Ref]
    props: list[tuple[Ref, list[Value]]]  # (property, values) in query order
    by_prop: dict[str, list[Value]]

    def refs(self, prop: str) -> list[Ref]:
        return [v.ref for v in self.by_prop.get(prop, []) if v.ref is not None]

    def literal(self, prop: str) -> str | None:
        for v in self.by_prop.get(prop, []):
            if not v.term.is_iri:
                return v.term.value
        return None


def load_entity(ctx: Ctx, iri: str) -> Entity | None:
    rows = ctx.rows("page-entity", entity=iri)
    if not rows:
        return None
    props: OrderedDict[str, tuple[Ref, list[Value]]] = OrderedDict()
    labels: dict[str, str] = {}
    for row in rows:
        p, o = row["p"], row["o"]
        if p.value not in props:
            props[p.value] = (
                Ref(
                    p.value,
                    ctx.href(p.value),
                    ctx.label(row.get("pUk"), row.get("pEn"), None)
                    if (row.get("pUk") or row.get("pEn"))
                    else i18n.Label(curie(p.value), None),
                ),
                [],
            )
        ref = None
        if o.is_iri:
            ref = Ref(o.value, ctx.href(o.value), ctx.label(row.get("oUk"), row.get("oEn"), o.value))
        props[p.value][1].append(Value(o, ref))
        if p.value in LABEL_PROPS and o.lang in i18n.LANGS and o.lang not in labels:
            labels[o.lang] = o.value
    by_prop = {k: v[1] for k, v in props.items()}
    types = [v.ref for v in by_prop.get(RDF + "type", []) if v.ref]
    label = ctx.label(labels.get("uk"), labels.get("en"), iri)
    other_lang = "en" if label.lang == "uk" else "uk"
    other = labels.get(other_lang)
    return Entity(
        iri,
        ctx.href(iri),
        label,
        i18n.Label(other, other_lang) if other and other != label.text else None,
        types,
        list(props.values()),
        by_prop,
    )


@dataclass
class Segment:
    text: str
    target: Ref | None = None
    relation: str | None = None
    line: str | None = None


def segments(text: str, mentions: list[dict], ctx: Ctx) -> list[Segment]:
    """The text cut at the mentions' offsets (code-point offsets into zkg:text); overlaps dropped."""
    out: list[Segment] = []
    pos = 0
    for m in sorted(mentions, key=lambda m: (int(m["start"].value), -int(m["end"].value))):
        start, end = int(m["start"].value), int(m["end"].value)
        if start < pos or end > len(text) or start >= end:
            continue
        if start > pos:
            out.append(Segment(text[pos:start]))
        relation = local_name(m["relation"].value) if m.get("relation") else None
        out.append(
            Segment(
                text[start:end], ctx.ref(m, "target"), relation, m["line"].value if m.get("line") else None
            )
        )
        pos = end
    if pos < len(text):
        out.append(Segment(text[pos:]))
    return out


@dataclass
class Report:
    iri: str
    ref: Ref
    line: str | None
    status: Ref | None
    code: str | None
    rule: str | None
    evidence: str | None
    departments: list[Ref]
    segments: list[Segment]
    mentions: list[dict]
    source: Ref | None = None


def work_reports(ctx: Ctx, work: str, only: str | None = None) -> tuple[list[Report], list[Row], list[Row]]:
    """The reports on ``work`` with their texts cut at the mentions (two queries)."""
    rows = ctx.rows("page-work-reports", work=work)
    mention_rows = ctx.rows("page-work-mentions", work=work)
    by_report: OrderedDict[str, dict] = OrderedDict()
    for row in rows:
        key = row["report"].value
        if only and key != only:
            continue
        entry = by_report.setdefault(key, {"row": row, "departments": []})
        entry["departments"].append(ctx.ref(row, "department"))
    mentions: dict[str, list[dict]] = {}
    for m in mention_rows:
        mentions.setdefault(m["report"].value, []).append(m)
    reports = []
    for key, entry in by_report.items():
        row = entry["row"]
        text = row["text"].value if row.get("text") else ""
        line = row["line"].value if row.get("line") else None
        reports.append(
            Report(
                key,
                Ref(
                    key,
                    ctx.href(key),
                    i18n.Label(f"{ctx.t('report_2022')}, {ctx.t('line')} {line}", ctx.lang),
                ),
                line,
                ctx.ref(row, "status"),
                row["code"].value if row.get("code") else None,
                row["rule"].value if row.get("rule") else None,
                row["evidence"].value if row.get("evidence") else None,
                unique(entry["departments"]),
                segments(text, mentions.get(key, []), ctx),
                mentions.get(key, []),
                next(iter(line_refs(ctx, [(row["document"].value, line)])), None)
                if row.get("document") and line
                else None,
            )
        )
    return reports, rows, mention_rows


def source_line_ref(ctx: Ctx, entity: Entity, line: str | None) -> Ref | None:
    """The source view's anchor of ``line`` in the document the entity was derived from."""
    docs = entity.refs(PREFIXES["prov"] + "wasDerivedFrom")
    if not docs or not line:
        return None
    iri = f"{docs[0].iri}#L{line}"
    return Ref(iri, ctx.href(iri), i18n.Label(f"{ctx.t('line')} {line}", ctx.lang))


def line_refs(ctx: Ctx, pairs) -> list[Ref]:
    """Links to the source view's line anchors for (document IRI, line) pairs, in line order."""
    out = []
    for doc, n in sorted(set(pairs), key=lambda p: (p[0], int(p[1]))):
        iri = f"{doc}#L{n}"
        out.append(Ref(iri, ctx.href(iri), i18n.Label(n, None)))
    return out


def kind_of(iri: str, id_base: str) -> str:
    return iri[len(id_base) :].split("/", 1)[0] if iri.startswith(id_base) else ""


def work_links(ctx: Ctx, entity: Entity, reports: list[Report]) -> dict[str, list[Ref]]:
    """Departments, funders, partners, other supporters, programmes and places of a project or task."""
    mentioned = [m for r in reports for m in r.mentions]
    targets = unique(ctx.ref(m, "target") for m in mentioned)
    funded_by, partners = entity.refs(ZKG + "fundedBy"), entity.refs(ZKG + "partner")
    named = {r.iri for r in funded_by + partners}
    return {
        "departments": entity.refs(ZKG + "responsibleBody"),
        "funded_by": funded_by,
        "partners": partners,
        # zkg:supportedBy is stated beside every fundedBy and partner edge: only the rest here
        "supported_only": [r for r in unique(entity.refs(ZKG + "supportedBy")) if r.iri not in named],
        "programmes": [r for r in targets if kind_of(r.iri, ctx.site.id_base) == "programme"],
        "locations": entity.refs(SCHEMA + "location"),
        "mentioned_places": [r for r in targets if kind_of(r.iri, ctx.site.id_base) == "place"],
    }
