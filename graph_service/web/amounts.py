"""Numbers, quantities and sums of money written for people, in the page's language.

The graph keeps an output's quantity as ``schema:value`` + ``schema:unitText`` as printed ("110
місць") and its money as ``schema:value`` in units + ISO 4217 ``schema:currency`` ("18,1 млн грн"
= 18100000 UAH). A page shows them back the way a reader of that language writes them: "18,1 млн
грн" / "UAH 18.1 million", "16 440" / "16,440". Nothing is rounded away: a sum that does not
scale to a short decimal is written in full, and the exact value is always offered as well.
The words (currency names, "млн"/"million", the order of the parts) are in ``i18n.MESSAGES``.
The unit of a quantity is the report's own word ("кредитних угод"); an English page shows the
English the graph gives it (``rdfs:label "7 loan agreements"@en``, from the curated
``etl/data/unit_translations.csv``), and the Ukrainian word, marked as such, where it has none.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from graph_service.web import i18n

#: (power of ten, i18n key of its word): a sum is written with the largest that fits
SCALES = ((9, "scale_9"), (6, "scale_6"), (3, "scale_3"))
#: at most this many decimals after scaling ("18,1 млн"); more would round: the sum is written in full
MAX_DECIMALS = 2
NBSP = "\u00a0"


def parse(value: str | None) -> Decimal | None:
    """A ``schema:value`` literal as a decimal (None when it is not a number)."""
    if value is None:
        return None
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def number(value: Decimal, lang: str) -> str:
    """``value`` with the language's separators: "16 440,5" (uk), "16,440.5" (en); exact."""
    sign = "-" if value < 0 else ""
    text = format(abs(value).normalize(), "f")
    whole, _, fraction = text.partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    thousands, point = (",", ".") if lang == "en" else (NBSP, ",")
    if len(groups) == 2 and len(groups[0]) == 1 and lang != "en":
        grouped = "".join(groups)  # Ukrainian writes four digits unbroken: "1500"
    else:
        grouped = thousands.join(groups)
    return sign + grouped + (point + fraction if fraction else "")


def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def money(value: Decimal, currency: str, lang: str) -> str:
    """A sum as a reader writes it: "18,1 млн грн", "UAH 18.1 million", "120 тис. євро"."""
    scale_word = ""
    shown = value
    for power, key in SCALES:
        if abs(value) >= Decimal(10) ** power:
            scaled = value / (Decimal(10) ** power)
            if _decimals(scaled) <= MAX_DECIMALS:
                shown, scale_word = scaled, i18n.t(key, lang)
            break
    key = "currency_" + currency
    name = i18n.t(key, lang) if i18n.has(key) else currency
    pattern = i18n.t("money_format", lang)
    text = pattern.format(number=number(shown, lang), scale=scale_word, currency=name)
    return " ".join(part for part in text.split(" ") if part)  # no scale: no double space


@dataclass(frozen=True)
class Measure:
    """One quantity or sum of an output, ready for a page."""

    kind: str  # "quantity" or "amount"
    text: str  # the number (a quantity) or the whole sum (an amount), in the page's language
    unit: str | None  # a quantity's unit: in the page's language, else as printed
    exact: str  # the value in full with its currency ("18 100 000 UAH"), for the tooltip
    printed: str | None  # as the report prints it ("18,1 млн грн")
    unit_lang: str | None = "uk"  # the language of ``unit`` when it is not the page's (None: it is)
    part: bool = False  # part of an earlier figure of the output ("у тому числі …": zkg:PartQuantity)


def measure(
    kind: str,
    value: str | None,
    unit: str | None,
    currency: str | None,
    printed: str | None,
    lang: str,
    english: str | None = None,
    part: bool = False,
) -> Measure | None:
    """A row of ``queries/page-work-outputs.rq`` as a :class:`Measure` (None if it has no number).
    ``english`` is the quantity's English label ("16,440 energy-saving street lights"): on an
    English page its unit replaces the printed one. ``part``: a part of an earlier figure."""
    parsed = parse(value)
    if parsed is None:
        return None
    if kind == "amount" and currency:
        exact = f"{number(parsed, lang)} {currency}"
        return Measure(kind, money(parsed, currency, lang), None, exact, printed)
    text = number(parsed, lang)
    if lang == "en" and english:
        head, _, english_unit = english.partition(" ")
        if head == text and english_unit:
            return Measure("quantity", text, english_unit, text, printed, None, part)
        return Measure("quantity", english, None, text, printed, None, part)  # written otherwise: whole
    return Measure("quantity", text, unit or None, text, printed, part=part)
