"""The curated English translation table and its lookup."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pytest

from etl.translations import KINDS, Translations, normalise
from tests.conftest import select

TABLE = Path(__file__).resolve().parents[1] / "etl" / "data" / "translations.csv"


def _rows() -> list[dict[str, str]]:
    with open(TABLE, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_no_duplicate_keys_and_no_empty_english() -> None:
    rows = _rows()
    keys = Counter((r["kind"], r["uk"]) for r in rows)
    assert [k for k, n in keys.items() if n > 1] == []
    assert [r["uk"] for r in rows if not r["en"].strip()] == []
    assert {r["kind"] for r in rows} == KINDS


def test_uk_column_is_already_normalised() -> None:
    # The lead's normaliser looks these strings up verbatim.
    for r in _rows():
        assert r["uk"] == normalise(r["uk"]), r["uk"]
        assert "\u2019" not in r["uk"] and "<" not in r["uk"]


def test_counts_match_the_report() -> None:
    kinds = Counter(r["kind"] for r in _rows())
    assert kinds["priority"] == 6
    assert kinds["goal"] == 25


def test_project_titles_have_no_period() -> None:
    period = re.compile(r"\b(19|20)\d{2}\s*[-–]\s*(19|20)\d{2}\b")
    assert [r["uk"] for r in _rows() if r["kind"] == "project" and period.search(r["uk"])] == []


def test_lookup_normalises_the_key() -> None:
    t = Translations.load()
    assert t.en("priority", "Ефективне місто") == "Efficient City"
    assert t.en("priority", "Інклюзивне місто") == "Inclusive City"
    assert (
        t.en(
            "goal",
            "Забезпечення підтримки здоров’я мешканців міста через профілактичні "
            "заходи та  розвиток сімейної медицини",
        )
        is not None
    )
    assert t.en("project", "<p>Бізнес-платформа</p>") == "Business Platform"
    assert t.en("project", "Бізнес-платформа 2019-2023 роки") is None  # caller strips the period
    assert t.en("task", "Бізнес-платформа") is None  # kind is part of the key
    assert len(t) == len(_rows())


def test_loader_rejects_duplicates_and_empty(tmp_path: Path) -> None:
    (tmp_path / "translations.csv").write_text(
        "kind,uk,en\nproject,Палац спорту,Palace of Sports\nproject,Палац  спорту,Sports Palace\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="duplicate"):
        Translations.load(tmp_path)
    (tmp_path / "translations.csv").write_text("kind,uk,en\ngoal,Ціль,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="empty"):
        Translations.load(tmp_path)


def test_every_english_label_of_the_graph_is_in_latin_letters(built) -> None:
    """An English label never carries a Cyrillic letter: a house number's letter is transliterated
    ("14-A Staryi Boulevard", not "14-А"), as the street's name is."""
    rows = select(
        built.store,
        'SELECT ?s ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER (lang(?l) = "en") }',
    )
    assert len(rows) > 500  # places, departments, funders, the strategy …
    cyrillic = [(r["s"], r["l"]) for r in rows if re.search("[А-Яа-яІіЇїЄєҐґ]", r["l"])]
    assert cyrillic == []
