"""Decide the state of a progress report, its cause and the year of the work it describes.

Everything the decision rests on is curated data under ``etl/data/`` (see docs/MODEL.md):

* ``statuses.csv`` — the states of the contract (``completed``, ``in_progress`` …), and the
  deprecated ``suspended_martial_law`` (kept so its IRI resolves; never decided any more);
  ``needs_reporting_year`` marks the states a sentence about an earlier year cannot decide;
* ``causes.csv`` — why a work is in its state (``martial_law``, ``funding`` …);
* ``status_rules.csv`` — ordered rules for the state: the first whose ``pattern`` matches (and
  whose ``requires`` pattern, if any, also matches somewhere in the text; and whose ``scope``, if
  ``title``, finds the project's own title in the deciding sentence) wins, else ``other``;
* ``cause_rules.csv`` — ordered rules for the cause, each limited to the states it can explain;
* ``work_year_cues.csv`` — how the text dates its work ("У 2021 році …"), so a text that
  describes only earlier works says so;
* ``status_overrides.csv`` — the few texts no rule should read: a phrase of the text, the
  decision, and the reason. No line numbers: an override finds its text by what it says.

This module is a small generic engine: it knows nothing about particular texts. Each decision
keeps the phrases that decided it (always substrings of the text), so a reader of the graph can
see *why* a report got its state and cause. The tables are read by ``etl/status_tables.py`` into
the records of ``etl/status_types.py``; the vocabularies become RDF in ``etl/status_rdf.py``.
"""

from __future__ import annotations

from pathlib import Path

from etl.sentences import (
    clean_with_offsets,
    evidence_of,
    scope_matches,
    sentence_bounds,
    span_of,
    split_sentences,
)
from etl.status_tables import read_tables
from etl.status_types import (
    FALLBACK_CODE,
    FALLBACK_RULE_ID,
    OVERRIDE_RULE_ID,
    CauseRule,
    Override,
    Rule,
    Status,
    StatusDecision,
    YearCue,
)
from zhytomyr_kg.resources import ETL_DATA_DIR

DEFAULT_DATA_DIR = ETL_DATA_DIR


class StatusRules:
    """The vocabularies plus the ordered rules; ``classify`` applies them."""

    def __init__(
        self,
        statuses: dict[str, Status],
        rules: list[Rule],
        causes: dict[str, Status] | None = None,
        cause_rules: list[CauseRule] | None = None,
        year_cues: list[YearCue] | None = None,
        overrides: list[Override] | None = None,
    ) -> None:
        self.statuses = statuses
        self.rules = rules
        self.causes = causes or {}
        self.cause_rules = cause_rules or []
        self.year_cues = year_cues or []
        self.overrides = overrides or []

    @classmethod
    def load(cls, data_dir: Path = DEFAULT_DATA_DIR) -> StatusRules:
        """Read and validate the vocabularies, rules, cues and overrides from ``data_dir``
        (``etl/status_tables.py``: a bad row fails, naming the file and row)."""
        return cls(*read_tables(Path(data_dir)))

    # --- classification ------------------------------------------------------------------
    def classify(self, text: str, *, title: str | None = None, year: int | None = None) -> StatusDecision:
        """State, cause and work year of one progress text.

        ``title`` is the label of the project or task the text reports on (rules with
        ``scope=title`` need it); ``year`` the reporting year (without it no work year is given).
        """
        clean, origin, breaks = clean_with_offsets(text)
        work_year = self.work_year(clean, year) if year is not None else None
        for override in self.overrides:
            at = clean.casefold().find(override.phrase.casefold())
            if at >= 0:
                evidence = evidence_of(text, clean, origin, at, at + len(override.phrase))
                return StatusDecision(
                    override.status,
                    evidence,
                    OVERRIDE_RULE_ID,
                    override.cause or None,
                    evidence if override.cause else "",
                    OVERRIDE_RULE_ID if override.cause else "",
                    override.work_year or work_year,
                )
        code, evidence, rule_id = FALLBACK_CODE, "", FALLBACK_RULE_ID
        for rule in self.rules:
            dated = year if self.statuses[rule.status].needs_reporting_year else None
            found = self._match(rule, clean, breaks, title, dated)
            if found is not None:
                start, end = span_of(clean, breaks, *found)
                code, evidence, rule_id = (
                    rule.status,
                    evidence_of(text, clean, origin, start, end),
                    rule.rule_id,
                )
                break
        cause, cause_evidence, cause_rule = None, "", ""
        sentences = split_sentences(clean, breaks)
        for cause_rule_row in self.cause_rules:
            if code not in cause_rule_row.states:
                continue
            found = next(
                (
                    (s + m.start(), s + m.end())
                    for s, e in sentences
                    for m in [cause_rule_row.pattern.search(clean[s:e])]
                    if m is not None and m.end() > m.start()
                ),
                None,
            )
            if found is None:
                continue
            start, end = span_of(clean, breaks, *found)
            cause, cause_evidence = cause_rule_row.cause, evidence_of(text, clean, origin, start, end)
            cause_rule = cause_rule_row.rule_id
            break
        return StatusDecision(code, evidence, rule_id, cause, cause_evidence, cause_rule, work_year)

    def _match(
        self, rule: Rule, clean: str, breaks: set[int], title: str | None, year: int | None
    ) -> tuple[int, int] | None:
        """Where ``rule`` decides ``clean``, or None. ``year``: the reporting year, when the rule's
        state needs a sentence of it (statuses.csv ``needs_reporting_year``)."""
        if rule.requires is not None and rule.requires.search(clean) is None:
            return None
        for match in rule.pattern.finditer(clean):
            if match.end() == match.start():
                continue
            start, end = sentence_bounds(clean, breaks, match.start(), match.end())
            if rule.scope == "title" and (not title or not scope_matches(title, clean[start:end])):
                continue
            if year is not None and (self.sentence_year(clean[start:end], year) or year) < year:
                continue  # about an earlier year: says nothing of the reporting year's state
            return match.start(), match.end()
        return None

    def work_year(self, clean: str, year: int) -> int:
        """The year of the work a text describes: ``year`` unless every work it dates is earlier."""
        dated = self.dated_year(clean, year)
        return year if dated is None else dated

    def dated_year(self, clean: str, year: int) -> int | None:
        """The year a whole text dates its work to, or None when it dates nothing.

        The reporting ``year`` if any cue names it (or speaks of it: martial law), else the latest
        earlier year named; years after ``year`` are plans and do not count.
        """
        earlier: list[int] = []
        for _, dated in self._dates(clean):
            if dated is None or dated == year:
                return year
            if dated < year:
                earlier.append(dated)
        return max(earlier) if earlier else None

    def sentence_year(self, clean: str, year: int) -> int | None:
        """The year one sentence that says something was done dates it to: the first date it
        names (any year: "1 березня 2023 року створено відділ" happened in 2023), the reporting
        ``year`` if it speaks of martial law, None when it dates nothing."""
        dates = sorted(self._dates(clean), key=lambda d: d[0])
        if any(dated is None for _, dated in dates):
            return year
        return dates[0][1] if dates else None

    def _dates(self, clean: str) -> list[tuple[int, int | None]]:
        """(position, year) of every dated cue; year None for a cue of the reporting year.
        A date of 1 January closes the year before ("станом на 01.01.2023" is the end of 2022)."""
        found: list[tuple[int, int | None]] = []
        for cue in self.year_cues:
            for match in cue.pattern.finditer(clean):
                if cue.role == "current":
                    found.append((match.start(), None))
                    continue
                dated = int(match.group("year"))
                groups = match.groupdict()
                if (
                    groups.get("day")
                    and groups.get("month")
                    and int(groups["day"]) == int(groups["month"]) == 1
                ):
                    dated -= 1
                found.append((match.start(), dated))
        return found
