"""Small graphs in the contract's terms, for tests and benchmarks: a handful of entities in the
three kinds of named graph (:func:`sample_quads`) and a synthetic graph of any size shaped like the
report (:func:`synthetic_quads`). Nothing here is used when serving; ``graph_service.testing``
turns them into a store and serves it.
"""

from __future__ import annotations

import random
from pathlib import Path

from zhytomyr_kg.settings import ZKG, Settings

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "https://schema.org/"
PROV = "http://www.w3.org/ns/prov#"
ORG = "http://www.w3.org/ns/org#"
XSD = "http://www.w3.org/2001/XMLSchema#"


def sample_quads(settings: Settings | None = None) -> list:
    """A handful of entities in the contract's terms, in the three kinds of named graph."""
    from pyoxigraph import Literal, Quad
    from pyoxigraph import NamedNode as N

    s = settings or Settings(store=Path("."), base_iri="https://w3id.org/zhytomyr-kg/")
    B = s.id_base
    onto, auth, rep = N(s.graph("ontology")), N(s.graph("authority")), N(s.graph("report/zhytomyr-2022"))
    a = N(RDF + "type")
    label = N(RDFS + "label")

    def z(t):
        return N(ZKG + t)

    q = [
        Quad(z("Project"), a, N("http://www.w3.org/2002/07/owl#Class"), onto),
        Quad(z("Project"), N(RDFS + "subClassOf"), N(SCHEMA + "Project"), onto),
        Quad(N(B + "department/economy"), a, z("Department"), auth),
        Quad(N(B + "department/economy"), a, N(ORG + "OrganizationalUnit"), auth),
        Quad(
            N(B + "department/economy"),
            label,
            Literal("Департамент економічного розвитку", language="uk"),
            auth,
        ),
        Quad(
            N(B + "department/economy"),
            label,
            Literal("Department of Economic Development", language="en"),
            auth,
        ),
        Quad(N(B + "funder/giz"), a, z("Funder"), auth),
        Quad(N(B + "funder/giz"), a, N(ORG + "Organization"), auth),
        Quad(N(B + "funder/giz"), label, Literal("GIZ", language="en"), auth),
        Quad(
            N(B + "funder/giz"),
            N(SKOS + "altLabel"),
            Literal("Німецьке товариство міжнародного співробітництва", language="uk"),
            auth,
        ),
        Quad(N(B + "priority/efektyvne-misto"), a, z("Priority"), rep),
        Quad(N(B + "priority/efektyvne-misto"), a, N(SKOS + "Concept"), rep),
        Quad(N(B + "priority/efektyvne-misto"), label, Literal("Ефективне місто", language="uk"), rep),
        Quad(N(B + "goal/efektyvne-misto/1"), a, z("StrategicGoal"), rep),
        Quad(N(B + "goal/efektyvne-misto/1"), z("inPriority"), N(B + "priority/efektyvne-misto"), rep),
        Quad(N(B + "task/efektyvne-misto/1/1"), a, z("Task"), rep),
        Quad(N(B + "task/efektyvne-misto/1/1"), z("inGoal"), N(B + "goal/efektyvne-misto/1"), rep),
        Quad(N(B + "project/enerhoefektyvnist-shkil"), a, z("Project"), rep),
        Quad(N(B + "project/enerhoefektyvnist-shkil"), a, N(SCHEMA + "Project"), rep),
        Quad(
            N(B + "project/enerhoefektyvnist-shkil"),
            label,
            Literal("Енергоефективність шкіл", language="uk"),
            rep,
        ),
        Quad(N(B + "project/enerhoefektyvnist-shkil"), z("inTask"), N(B + "task/efektyvne-misto/1/1"), rep),
        Quad(
            N(B + "project/enerhoefektyvnist-shkil"), z("responsibleBody"), N(B + "department/economy"), rep
        ),
        Quad(N(B + "project/enerhoefektyvnist-shkil"), z("fundedBy"), N(B + "funder/giz"), rep),
        Quad(
            N(B + "project/enerhoefektyvnist-shkil"),
            z("startYear"),
            Literal("2019", datatype=N(XSD + "gYear")),
            rep,
        ),
        Quad(N(B + "report/2022/efektyvne-misto/1/1/enerhoefektyvnist-shkil"), a, z("ProgressReport"), rep),
        Quad(
            N(B + "report/2022/efektyvne-misto/1/1/enerhoefektyvnist-shkil"),
            z("reportsOn"),
            N(B + "project/enerhoefektyvnist-shkil"),
            rep,
        ),
        Quad(
            N(B + "report/2022/efektyvne-misto/1/1/enerhoefektyvnist-shkil"),
            z("text"),
            Literal('Утеплено 3 школи за підтримки GIZ; "тест", кома\tтаб\nрядок', language="uk"),
            rep,
        ),
        Quad(
            N(B + "report/2022/efektyvne-misto/1/1/enerhoefektyvnist-shkil"),
            z("year"),
            Literal("2022", datatype=N(XSD + "gYear")),
            rep,
        ),
    ]
    return q


DEPARTMENTS = 40
FUNDERS = 30


def synthetic_quads(triples: int = 20_000, seed: int = 7, settings: Settings | None = None) -> list:
    """A graph of about ``triples`` triples shaped like the report (for the benchmark until the ETL's)."""
    from pyoxigraph import Literal, Quad
    from pyoxigraph import NamedNode as N

    rnd = random.Random(seed)
    s = settings or Settings(store=Path("."), base_iri="https://w3id.org/zhytomyr-kg/")
    B = s.id_base
    auth, rep = N(s.graph("authority")), N(s.graph("report/zhytomyr-2022"))
    a, label = N(RDF + "type"), N(RDFS + "label")

    def z(t):
        return N(ZKG + t)

    out = []
    words = [
        "ремонт",
        "школи",
        "утеплення",
        "дороги",
        "парк",
        "водопостачання",
        "освітлення",
        "мережі",
        "транспорт",
        "ринок",
        "центр",
        "енергоефективність",
        "котельня",
        "лікарня",
        "бібліотека",
        "площа",
        "вулиця",
        "програма",
        "грант",
    ]
    for d in range(DEPARTMENTS):
        dep = N(f"{B}department/d{d}")
        out += [
            Quad(dep, a, z("Department"), auth),
            Quad(dep, a, N(ORG + "OrganizationalUnit"), auth),
            Quad(dep, label, Literal(f"Департамент {d}", language="uk"), auth),
            Quad(dep, label, Literal(f"Department {d}", language="en"), auth),
        ]
    for f in range(FUNDERS):
        fun = N(f"{B}funder/f{f}")
        out += [
            Quad(fun, a, z("Funder"), auth),
            Quad(fun, a, N(ORG + "Organization"), auth),
            Quad(fun, label, Literal(f"Фонд {f}", language="uk"), auth),
            Quad(fun, N(SKOS + "altLabel"), Literal(f"F{f}"), auth),
        ]
    p = 0
    while len(out) < triples:
        pri = N(f"{B}priority/p{p % 6}")
        task = N(f"{B}task/p{p % 6}/{p % 5 + 1}/{p % 7 + 1}")
        proj = N(f"{B}project/project-{p}")
        rpt = N(f"{B}report/2022/p{p % 6}/{p % 5 + 1}/{p % 7 + 1}/project-{p}")
        text = " ".join(rnd.choice(words) for _ in range(12))
        out += [
            Quad(proj, a, z("Project"), rep),
            Quad(proj, a, N(SCHEMA + "Project"), rep),
            Quad(proj, label, Literal(f"Проєкт {p}: {text[:40]}", language="uk"), rep),
            Quad(proj, z("inTask"), task, rep),
            Quad(task, z("inGoal"), N(f"{B}goal/p{p % 6}/{p % 5 + 1}"), rep),
            Quad(N(f"{B}goal/p{p % 6}/{p % 5 + 1}"), z("inPriority"), pri, rep),
            Quad(proj, z("responsibleBody"), N(f"{B}department/d{rnd.randrange(DEPARTMENTS)}"), rep),
            Quad(proj, z("fundedBy"), N(f"{B}funder/f{rnd.randrange(FUNDERS)}"), rep),
            Quad(proj, z("startYear"), Literal(str(2018 + p % 5), datatype=N(XSD + "gYear")), rep),
            Quad(proj, z("sourceLine"), Literal(str(100 + p * 3), datatype=N(XSD + "integer")), rep),
            Quad(rpt, a, z("ProgressReport"), rep),
            Quad(rpt, a, N(PROV + "Entity"), rep),
            Quad(rpt, z("reportsOn"), proj, rep),
            Quad(rpt, z("responsibleBody"), N(f"{B}department/d{rnd.randrange(DEPARTMENTS)}"), rep),
            Quad(rpt, z("text"), Literal(text, language="uk"), rep),
            Quad(rpt, z("year"), Literal("2022", datatype=N(XSD + "gYear")), rep),
        ]
        p += 1
    return out
