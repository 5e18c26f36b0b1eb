"""Outputs: each concrete thing a progress text says was produced or done, with its amounts.

An output is one sentence of the text that holds an output cue (``etl/data/output_cues.csv``:
"створено", "облаштовано", "проведено", "інвестувала" …) not negated ("не проведено") and not
preceded, in its sentence, by a plan or a condition ("заплановано", "буде", "після …"). A following
sentence without a cue that only gives figures ("Загальна вартість проекту 120 тис. євро.",
"Потужність котельні становить 6 МВт.") adds them to the output just before it, in the same
paragraph, also over one sentence with neither cue nor figures ("… збудовано котельню. Використання
тріски … зменшити використання газу. Потужність котельні становить 6 МВт.").

Each output keeps its sentence as printed and its offsets in the report's text, the year it
happened (the year the sentence names, else the year of the work the whole text describes: a
text about 2021 works gives 2021), and its figures, read with ``etl/data/output_units.csv``:

* quantities — a number, an optional multiplier ("тис.", "млн") and a unit from the table, with
  up to two words between ("298 аварійних дерев", "7 кредитних угод"): ``schema:QuantitativeValue``
  with the value in units and ``schema:unitText`` as printed;
* money — a number, an optional multiplier and a currency word: ``schema:MonetaryAmount`` with the
  value in units ("18,1 млн грн" = 18100000) and the ISO 4217 code ("грн" → UAH, "євро" → EUR);
* parts — a quantity after a ``part`` phrase ("у тому числі", "з них", "зокрема") that follows
  another quantity of its sentence is a part of a figure already given (``part``), so that a sum
  of an output's quantities counts each thing once.

The module is a generic engine over those two tables; it knows nothing about particular texts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from etl import csv_rows
from etl.sentences import sentence_spans
from zhytomyr_kg.resources import ETL_DATA_DIR

__all__ = ["Money", "Output", "OutputRuleError", "OutputRules", "Quantity", "read_rows"]

_NUMBER = r"(?<![\w№./,-])(?<!№ )(?P<num>\d{1,3}(?:[ \u00a0]\d{3})+(?![\d,])|\d+(?:[,.]\d+)?)"
#: up to two words between a number and its unit, shaped like adjectives or adverbs
#: ("298 аварійних дерев", "157 нових дорожніх знаків", "57 низько підлогових тролейбусів")
_BETWEEN = (
    r"(?P<between>(?:[^\W\d_]+(?:[-'’][^\W\d_]+)*(?:их|іх|ими|іми|им|ім|ий|ій|ого|ього|ому|ої|і|о)\s+){0,2})"
)


class OutputRuleError(ValueError):
    """A row of output_cues.csv or output_units.csv is unusable."""


@dataclass(frozen=True)
class Quantity:
    """A count or a measure as printed ("110 місць"): value in units, unit text as printed."""

    value: Decimal
    unit: str
    text: str
    start: int
    end: int
    #: a part of a figure given before it in the sentence ("… у тому числі 29 державних свят")
    part: bool = False


@dataclass(frozen=True)
class Money:
    """A sum of money as printed ("18,1 млн грн"): value in units and ISO 4217 currency."""

    value: Decimal
    currency: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Output:
    """One thing produced or done: the sentence (offsets into the report's text), its cue, year
    and figures. ``text == report_text[start:end]``; figures' offsets are into the report's text."""

    start: int
    end: int
    text: str
    cue: str
    year: int
    quantities: tuple[Quantity, ...] = ()
    amounts: tuple[Money, ...] = ()


def _number(text: str, multiplier: Decimal) -> Decimal:
    """ "18,1" × 1000000 → Decimal("18100000"); "27956,5" → Decimal("27956.5")."""
    value = Decimal(re.sub(r"[ \u00a0]", "", text).replace(",", ".")) * multiplier
    return Decimal(format(value.normalize(), "f"))


class OutputRules:
    """Output cues, exclusions, units, currencies and multipliers; ``find`` applies them."""

    def __init__(
        self,
        cues: list[re.Pattern[str]],
        exclusions: list[re.Pattern[str]],
        units: list[re.Pattern[str]],
        currencies: list[tuple[re.Pattern[str], str]],
        multipliers: list[tuple[re.Pattern[str], Decimal]],
        parts: list[re.Pattern[str]] | None = None,
    ) -> None:
        self.cues = cues
        self.parts = parts or []
        self.exclusions = exclusions
        self.currencies = currencies
        self.multipliers = multipliers
        mult = "|".join(f"(?:{p.pattern})" for p, _ in multipliers)
        cur = "|".join(f"(?:{p.pattern})" for p, _ in currencies)
        unit = "|".join(f"(?:{p.pattern})" for p in units)
        head = _NUMBER + rf"(?:\s*(?P<mult>{mult}))?"
        self._money = re.compile(head + rf"\s*(?P<cur>{cur})(?![^\W\d_])", re.IGNORECASE)
        self._quantity = re.compile(head + rf"\s*{_BETWEEN}(?P<unit>{unit})(?![^\W\d_])")

    @classmethod
    def load(cls, data_dir: Path = ETL_DATA_DIR) -> OutputRules:
        cues: list[re.Pattern[str]] = []
        exclusions: list[re.Pattern[str]] = []
        for line, row in read_rows(data_dir / "output_cues.csv", ("role", "pattern", "note")):
            pattern = _compile(data_dir / "output_cues.csv", line, row["pattern"])
            if row["role"] == "output":
                cues.append(pattern)
            elif row["role"] == "exclude":
                exclusions.append(pattern)
            else:
                raise OutputRuleError(f"output_cues.csv, row {line}: role must be 'output' or 'exclude'")
        units: list[re.Pattern[str]] = []
        currencies: list[tuple[re.Pattern[str], str]] = []
        multipliers: list[tuple[re.Pattern[str], Decimal]] = []
        parts: list[re.Pattern[str]] = []
        path = data_dir / "output_units.csv"
        for line, row in read_rows(path, ("kind", "pattern", "value", "note")):
            pattern = _compile(path, line, row["pattern"])
            if row["kind"] == "unit":
                units.append(pattern)
            elif row["kind"] == "currency":
                if not re.fullmatch(r"[A-Z]{3}", row["value"]):
                    raise OutputRuleError(f"{path}, row {line}: a currency needs its ISO 4217 code")
                currencies.append((pattern, row["value"]))
            elif row["kind"] == "multiplier":
                if not row["value"].isdigit():
                    raise OutputRuleError(f"{path}, row {line}: a multiplier needs its factor")
                multipliers.append((pattern, Decimal(row["value"])))
            elif row["kind"] == "part":
                parts.append(pattern)
            else:
                raise OutputRuleError(f"{path}, row {line}: kind must be unit, currency, multiplier or part")
        return cls(cues, exclusions, units, currencies, multipliers, parts)

    # --- reading ---------------------------------------------------------------------------
    def find(
        self, text: str, *, work_year: int, sentence_year: Callable[[str], int | None] = lambda _: None
    ) -> list[Output]:
        """The outputs of one progress text; ``sentence_year`` dates a sentence (None: undated,
        then ``work_year``, the year of the work the whole text describes)."""
        outputs: list[Output] = []
        previous: int | None = None  # index in outputs of the output figures may still join
        gap = False  # a sentence without figures came after that output
        last_end = -1
        for start, end in sentence_spans(text):
            sentence = text[start:end]
            same_paragraph = "\n" not in text[last_end:start] if last_end >= 0 else False
            last_end = end
            cue = self._cue(sentence)
            figures = self._figures(sentence, start)
            if cue is not None:
                done = sentence[: self._plan_after(sentence, sentence.find(cue) + len(cue))]
                year = sentence_year(done) or work_year
                outputs.append(Output(start, end, sentence, cue, year, *figures))
                previous = len(outputs) - 1
            elif previous is not None and same_paragraph and any(figures) and not self._excluded(sentence):
                prior = outputs[previous]
                outputs[previous] = Output(
                    prior.start,
                    prior.end,
                    prior.text,
                    prior.cue,
                    prior.year,
                    prior.quantities + figures[0],
                    prior.amounts + figures[1],
                )
                previous = None  # one figures sentence per output
            elif previous is not None and same_paragraph and not any(figures) and not gap:
                gap = True  # one sentence of neither cue nor figures may come between
                continue
            else:
                previous = None
            gap = False
        return outputs

    def _cue(self, sentence: str) -> str | None:
        found = [m for p in self.cues for m in [p.search(sentence)] if m is not None]
        if not found:
            return None
        first = min(found, key=lambda m: m.start())
        before = sentence[: first.start()]
        if any(p.search(before) for p in self.exclusions):
            return None
        return first.group(0)

    def _plan_after(self, sentence: str, at: int) -> int:
        """Where a plan starts after the cue ("…, друга черга буде введена … в 2023 році"): the
        year of what was done is read before it."""
        starts = [m.start() for p in self.exclusions for m in [p.search(sentence, at)] if m is not None]
        return min(starts, default=len(sentence))

    def _excluded(self, sentence: str) -> bool:
        return any(p.search(sentence) for p in self.exclusions)

    def _multiplier(self, text: str | None) -> Decimal:
        if not text:
            return Decimal(1)
        return next(f for p, f in self.multipliers if p.fullmatch(text.strip()))

    def _figures(self, sentence: str, offset: int) -> tuple[tuple[Quantity, ...], tuple[Money, ...]]:
        amounts = []
        taken: list[tuple[int, int]] = []
        for m in self._money.finditer(sentence):
            currency = next(code for p, code in self.currencies if p.fullmatch(m.group("cur").strip()))
            value = _number(m.group("num"), self._multiplier(m.group("mult")))
            amounts.append(Money(value, currency, m.group(0), offset + m.start(), offset + m.end()))
            taken.append(m.span())
        quantities: list[Quantity] = []
        for m in self._quantity.finditer(sentence):
            if any(s <= m.start() < e for s, e in taken):
                continue
            value = _number(m.group("num"), self._multiplier(m.group("mult")))
            unit = sentence[m.start("between") : m.end("unit")]
            part = bool(quantities) and self._part_between(sentence, quantities[0].start - offset, m.start())
            quantities.append(Quantity(value, unit, m.group(0), offset + m.start(), offset + m.end(), part))
        return tuple(quantities), tuple(amounts)

    def _part_between(self, sentence: str, start: int, end: int) -> bool:
        """A part phrase ("у тому числі") stands between the sentence's first figure and this one."""
        return any(p.search(sentence, start, end) for p in self.parts)


def read_rows(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """The rows of an outputs table (``etl.csv_rows``); problems are :class:`OutputRuleError`."""
    return csv_rows.read_rows(path, columns, OutputRuleError)


def _compile(path: Path, line: int, pattern: str) -> re.Pattern[str]:
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise OutputRuleError(f"{path}, row {line}: invalid regular expression: {exc}") from exc
    if not pattern or compiled.search(""):
        raise OutputRuleError(f"{path}, row {line}: the pattern matches the empty text")
    return compiled
