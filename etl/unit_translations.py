"""English for the units of quantities, from the curated ``etl/data/unit_translations.csv``.

A quantity keeps ``schema:unitText`` exactly as the report prints it, inflected as Ukrainian
inflects it after its number ("7 ОСББ", "21 учня", "81 запитом", "кв. м"). The table gives each
printed unit its English for one and for any other count ("participant" / "participants", "m²"),
read in the sentence it comes from; the ETL adds ``rdfs:label "<value> <unit>"@en`` with it, so an
English page shows "16,440 energy-saving street lights" rather than the Ukrainian unit. A unit the
table lacks gets no English label (``tests/test_unit_translations.py`` names it).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from etl.outputs import OutputRuleError, read_rows
from etl.translations import normalise
from zhytomyr_kg.resources import ETL_DATA_DIR

__all__ = ["UnitTranslations", "english_number"]

FILE = "unit_translations.csv"


def english_number(value: Decimal) -> str:
    """``value`` as English writes it, exactly: thousands with commas, a decimal point
    ("16,440", "238,100", "12.5"), as ``graph_service/web/amounts.number(value, "en")`` does."""
    return format(value.normalize(), ",f")


class UnitTranslations:
    """A printed Ukrainian unit → its English for one and for other counts."""

    def __init__(self, table: dict[str, tuple[str, str]]) -> None:
        self._table = table

    @classmethod
    def load(cls, data_dir: Path = ETL_DATA_DIR) -> UnitTranslations:
        """Read the table; an empty cell or a unit listed twice fails naming the file and row, since
        either would silently drop or change an English label."""
        path = Path(data_dir) / FILE
        table: dict[str, tuple[str, str]] = {}
        for line, row in read_rows(path, ("uk", "en_one", "en_other", "note")):
            uk, one, other = normalise(row["uk"]), row["en_one"], row["en_other"]
            if not (uk and one and other):
                raise OutputRuleError(f"{path}, row {line}: uk, en_one and en_other are required")
            if uk in table:
                raise OutputRuleError(f"{path}, row {line}: the unit {uk!r} is listed twice")
            table[uk] = (one, other)
        return cls(table)

    def unit(self, uk: str, value: Decimal) -> str | None:
        """The English unit for ``value`` of the printed unit ``uk`` (None if the table lacks it)."""
        forms = self._table.get(normalise(uk))
        if forms is None:
            return None
        return forms[0] if value == 1 else forms[1]

    def label(self, value: Decimal, uk: str) -> str | None:
        """ "16,440 energy-saving street lights", "9.5 km"; None if the unit has no row."""
        unit = self.unit(uk, value)
        return None if unit is None else f"{english_number(value)} {unit}"

    def __contains__(self, uk: object) -> bool:
        return isinstance(uk, str) and normalise(uk) in self._table

    def __len__(self) -> int:
        return len(self._table)
