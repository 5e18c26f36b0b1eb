"""The records the state rules are made of, and the codes docs/CONTRACT.md fixes.

Shared by the loader of the curated tables (``etl/status_tables.py``), the engine that applies
them (``etl/status.py``) and the code that writes a decision as RDF (``etl/to_rdf.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: The states fixed by docs/CONTRACT.md; statuses.csv must define all of them.
CONTRACT_CODES: frozenset[str] = frozenset(
    {
        "completed",
        "in_progress",
        "operating",
        "suspended",
        "not_started",
        "not_held",
        "postponed",
        "under_consideration",
        "other",
    }
)
#: Codes used before and kept so their IRIs keep resolving; statuses.csv marks them deprecated.
DEPRECATED_CODES: frozenset[str] = frozenset({"suspended_martial_law"})
#: The causes fixed by docs/CONTRACT.md; causes.csv must define exactly these.
CAUSE_CODES: frozenset[str] = frozenset({"martial_law", "funding", "precondition", "procedure", "other"})
FALLBACK_CODE = "other"
FALLBACK_RULE_ID = "fallback"
OVERRIDE_RULE_ID = "override"


class StatusRuleError(ValueError):
    """A curated CSV row is unusable (bad regex, unknown status, missing cell...)."""


@dataclass(frozen=True)
class Status:
    """One concept of the state (or cause) vocabulary: a row of statuses.csv or causes.csv."""

    code: str
    label_uk: str
    label_en: str
    definition_en: str
    definition_uk: str = ""
    deprecated: bool = False
    replaced_by: str = ""
    replaced_by_cause: str = ""
    #: only a sentence of the reporting year (or an undated one) can decide this state: work done,
    #: a facility running or a question studied in an earlier year says nothing of this one,
    #: whereas a postponement or a halt decided earlier still holds (statuses.csv)
    needs_reporting_year: bool = False


Cause = Status


@dataclass(frozen=True)
class Rule:
    """One ordered state rule (a row of status_rules.csv)."""

    rule_id: str
    status: str
    pattern: re.Pattern[str]
    note: str
    requires: re.Pattern[str] | None = None
    scope: str = ""


@dataclass(frozen=True)
class CauseRule:
    """One ordered cause rule (a row of cause_rules.csv): it explains only ``states``."""

    rule_id: str
    cause: str
    states: frozenset[str]
    pattern: re.Pattern[str]
    note: str


@dataclass(frozen=True)
class Override:
    """A text no rule should read (a row of status_overrides.csv), found by a phrase it contains."""

    phrase: str
    status: str
    cause: str
    work_year: int | None
    reason: str


@dataclass(frozen=True)
class YearCue:
    """How a text dates its work (a row of work_year_cues.csv).

    ``dated``: the pattern's ``year`` group is the year of a described work; ``current``: the
    text speaks of the reporting year without naming it (martial law began in 2022).
    """

    cue_id: str
    role: str
    pattern: re.Pattern[str]
    note: str


@dataclass(frozen=True)
class StatusDecision:
    """The state of one text, the rule and phrase that decided it, its cause and work year.

    ``evidence`` and ``cause_evidence`` are always substrings of the text given to ``classify``
    (``evidence`` is empty for the fallback), so they can be shown or highlighted verbatim.
    ``work_year`` is None only when ``classify`` was not told the reporting year.
    """

    code: str
    evidence: str
    rule_id: str
    cause: str | None = None
    cause_evidence: str = ""
    cause_rule: str = ""
    work_year: int | None = None
