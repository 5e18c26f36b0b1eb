"""How the vocabulary pages name things: their interface strings (:data:`WORDS`, Ukrainian and
English), the anchor and short name of a term, the RDF formats they offer. Shared by the
``/ontology``, ``/shapes`` and ``/graph/{name}`` builders beside it."""

from __future__ import annotations

from collections.abc import Callable

from graph_service.web.context import Ctx, curie
from zhytomyr_kg.settings import SHAPES, ZKG

#: interface strings of the vocabulary pages: key → (Ukrainian, English)
WORDS: dict[str, tuple[str, str]] = {
    "ontology": ("Онтологія", "Ontology"),
    "shapes": ("Форми SHACL", "SHACL shapes"),
    "classes": ("Класи", "Classes"),
    "properties": ("Властивості", "Properties"),
    "schemes": ("Схеми понять", "Concept schemes"),
    "standard": ("Стандартні терміни, якими користуються дані", "Standard terms the data uses"),
    "standard_note": (
        "Терміни інших словників, які дані або запити вживають; тут подано їхні назви українською й англійською.",
        "Terms of other vocabularies that the data or the queries use, given here with Ukrainian and English labels.",
    ),
    "domain": ("Область визначення", "Domain"),
    "range": ("Область значень", "Range"),
    "aligned": ("Відповідає стандартному терміну", "Aligned with"),
    "scheme": ("Схема", "Scheme"),
    "notation": ("Код", "Notation"),
    "used": ("Ужито в даних", "Used in the data"),
    "unused": ("у даних не вжито", "not used in the data"),
    "as_property": ("трійок", "triples"),
    "as_class": ("сутностей", "entities"),
    "as_value": ("посилань", "statements point at it"),
    "example": ("Приклад", "Example"),
    "deprecated": ("Застарілий термін", "Deprecated"),
    "replaced_by": ("замінено на", "replaced by"),
    "iri": ("IRI", "IRI"),
    "formats": ("Формати", "Formats"),
    "prefix": ("Префікс", "Prefix"),
    "version": ("Версія", "Version"),
    "contents": ("Зміст", "Contents"),
    "kind_class": ("клас", "class"),
    "kind_object": ("об'єктна властивість", "object property"),
    "kind_datatype": ("властивість-значення", "datatype property"),
    "kind_annotation": ("анотаційна властивість", "annotation property"),
    "kind_property": ("властивість", "property"),
    "kind_scheme": ("схема понять", "concept scheme"),
    "kind_concept": ("поняття", "concept"),
    "concepts": ("Поняття", "Concepts"),
    "target": ("Застосовується до", "Applies to"),
    "constraints": ("Обмеження", "Constraints"),
    "path": ("Шлях", "Path"),
    "shape_of": ("Форма", "Shape"),
    "graph": ("Іменований граф", "Named graph"),
    "holds": ("Що містить", "What it holds"),
    "counts": ("Кількості", "Counts"),
    "triples": ("трійок", "triples"),
    "subjects": ("суб'єктів", "subjects"),
    "objects": ("об'єктів", "objects"),
    "entities": ("типізованих сутностей", "typed entities"),
    "n_classes": ("класів", "classes"),
    "n_properties": ("властивостей", "properties"),
    "sources": ("Джерела", "Sources"),
    "files": ("Файли, з яких зібрано граф", "Files the graph was built from"),
    "dumps": ("Завантажити граф", "Download the graph"),
    "no_dumps": (
        "Цей сервіс не має вивантажень (віддалене сховище).",
        "This service has no dumps (remote backend).",
    ),
    "by_class": ("За класами", "By class"),
    "by_property": ("За властивостями", "By property"),
    "all_graphs": ("Усі іменовані графи", "All named graphs"),
    "sparql_graph": ("Запит до цього графа", "Query this graph"),
}

#: the RDF twins every vocabulary page links to: suffix → name
FORMATS = (("ttl", "Turtle"), ("nt", "N-Triples"), ("jsonld", "JSON-LD"), ("rdf", "RDF/XML"))


def words(lang: str) -> Callable[[str], str]:
    """The interface string of a key in ``lang`` (the key itself when it has none)."""

    def w(key: str) -> str:
        uk, en = WORDS.get(key, (key, key))
        return en if lang == "en" else uk

    return w


def anchor(iri: str, id_base: str) -> str:
    """The id of a term's section on the page: the local name of a ``zkg:`` or ``zkgsh:`` term
    (so that ``…/ontology#Project`` lands on it), else its CURIE or path."""
    for ns in (ZKG, SHAPES):
        if iri.startswith(ns):
            return iri[len(ns) :]
    if iri.startswith(id_base):
        return iri[len(id_base) :]
    return curie(iri)


def short(iri: str, ctx: Ctx) -> str:
    """``zkg:Project`` for an IRI of a known namespace, else its path under the base, else the IRI."""
    name = curie(iri)
    base = ctx.site.settings.base_iri
    return iri[len(base) :] if name == iri and iri.startswith(base) else name
