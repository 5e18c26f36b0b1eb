"""What the mention finder finds and knows: a :class:`Mention` in a text, a curated
:class:`Entity`, and the id and names of an address (a street and a house number).

Kept apart from the finder (``mentions.py``) so the code that writes mentions as RDF
(``mentions_rdf.py``) and the relation classifier depend on these records only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from translitua import translit

from etl.slug import slugify


@dataclass(frozen=True)
class Mention:
    """One named entity in a text; ``text[start:end] == surface``."""

    start: int
    end: int
    surface: str
    entity_id: str
    entity_kind: str
    #: For addresses only: the street (or square) and the house number as printed.
    street_id: str | None = None
    house_number: str | None = None


@dataclass(frozen=True)
class Entity:
    """A curated funder, programme, organisation or place."""

    id: str
    kind: str
    label_uk: str
    label_en: str
    subtype: str = ""  # funder/organisation kind or place type
    #: The generic place word whose list a bare name may continue ("вулиця", "річка").
    place_class: str = ""


def norm_number(number: str) -> str:
    return re.sub(r"\s+", "", number).replace("–", "-").lower()


def address_id_for(street_id: str, house_number: str) -> str:
    """Stable id of an address found in a text: the street's id plus the slug of the number."""
    return f"{street_id}-{slugify(norm_number(house_number))}"


def address_labels(street: Entity, house_number: str) -> tuple[str, str]:
    """Canonical ``@uk`` and ``@en`` names of an address: "вулиця Пушкінська, 24", "24 Pushkinska Street".
    A house number's letter is transliterated in English ("14-А" → "14-A"), as the street is."""
    return f"{street.label_uk}, {house_number}", f"{translit(house_number)} {street.label_en}"
