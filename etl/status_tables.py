"""Reads and validates the curated tables of ``etl/data/`` the state rules come from.

``statuses.csv``, ``causes.csv``, ``status_rules.csv``, ``cause_rules.csv``,
``work_year_cues.csv`` and ``status_overrides.csv`` (docs/MODEL.md says what each holds). A bad
row fails loudly, naming the file and row, rather than being skipped: a skipped rule would
quietly change many statuses. ``etl/status.py`` applies what this module reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from etl import csv_rows
from etl.sentences import normalise_text
from etl.status_types import (
    CAUSE_CODES,
    CONTRACT_CODES,
    DEPRECATED_CODES,
    FALLBACK_RULE_ID,
    OVERRIDE_RULE_ID,
    CauseRule,
    Override,
    Rule,
    Status,
    StatusRuleError,
    YearCue,
)


def read_tables(
    data_dir: Path,
) -> tuple[dict[str, Status], list[Rule], dict[str, Status], list[CauseRule], list[YearCue], list[Override]]:
    """Read and validate the vocabularies, rules, cues and overrides from ``data_dir``.

    Fails loudly (naming the file and row) rather than silently skipping a
    rule, because a skipped rule would quietly change many statuses.
    """
    data_dir = Path(data_dir)
    statuses = read_concepts(data_dir / "statuses.csv", CONTRACT_CODES, DEPRECATED_CODES)
    causes = read_concepts(data_dir / "causes.csv", CAUSE_CODES, frozenset())
    for status in statuses.values():
        if status.replaced_by_cause and status.replaced_by_cause not in causes:
            raise StatusRuleError(
                f"{data_dir / 'statuses.csv'}: {status.code!r} is replaced by the unknown cause "
                f"{status.replaced_by_cause!r}"
            )
    live = {code for code, s in statuses.items() if not s.deprecated}
    rules = read_rules(data_dir / "status_rules.csv", live)
    cause_rules = read_cause_rules(data_dir / "cause_rules.csv", live, causes)
    year_cues = read_year_cues(data_dir / "work_year_cues.csv")
    overrides = read_overrides(data_dir / "status_overrides.csv", live, causes)
    return (statuses, rules, causes, cause_rules, year_cues, overrides)


def read_rows(
    path: Path, columns: tuple[str, ...], optional: tuple[str, ...] = ()
) -> list[tuple[int, dict[str, str]]]:
    return csv_rows.read_rows(path, columns, StatusRuleError, optional)


def regex(where: str, pattern: str, column: str = "pattern") -> re.Pattern[str]:
    if not pattern:
        raise StatusRuleError(f"{where}: empty {column}")
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise StatusRuleError(f"{where}: invalid regular expression in {column}: {exc}") from exc
    if compiled.search(""):
        raise StatusRuleError(f"{where}: {column} matches the empty text")
    return compiled


def read_concepts(path: Path, codes: frozenset[str], deprecated_codes: frozenset[str]) -> dict[str, Status]:
    required = ("code", "label_uk", "label_en", "definition_uk", "definition_en")
    concepts: dict[str, Status] = {}
    optional = ("deprecated", "replaced_by", "replaced_by_cause", "needs_reporting_year")
    for line, row in read_rows(path, required, optional):
        where = f"{path}, row {line}"
        if any(not row[c] for c in required):
            raise StatusRuleError(f"{where}: every cell of {', '.join(required)} must be filled")
        code = row["code"]
        deprecated = row["deprecated"].lower() == "true"
        if code not in codes and code not in deprecated_codes:
            raise StatusRuleError(f"{where}: {code!r} is not a contract code")
        if (code in deprecated_codes) != deprecated:
            raise StatusRuleError(f"{where}: {code!r} must {'' if deprecated else 'not '}be deprecated")
        if deprecated and row["replaced_by"] not in codes:
            raise StatusRuleError(f"{where}: a deprecated code needs replaced_by, one of the live codes")
        if code in concepts:
            raise StatusRuleError(f"{where}: duplicate code {code!r}")
        concepts[code] = Status(
            code,
            row["label_uk"],
            row["label_en"],
            row["definition_en"],
            row["definition_uk"],
            deprecated,
            row["replaced_by"],
            row["replaced_by_cause"],
            row["needs_reporting_year"].lower() == "true",
        )
    absent = (codes | deprecated_codes) - concepts.keys()
    if absent:
        raise StatusRuleError(f"{path}: contract code(s) missing: {', '.join(sorted(absent))}")
    return concepts


def read_rules(path: Path, statuses: Iterable[str]) -> list[Rule]:
    live = set(statuses)
    rules: list[Rule] = []
    seen: set[str] = set()
    for line, row in read_rows(path, ("rule_id", "status", "pattern", "note"), ("requires", "scope")):
        where = f"{path}, row {line} (rule_id {row['rule_id']!r})"
        if (
            not row["rule_id"]
            or row["rule_id"] in seen
            or row["rule_id"]
            in (
                FALLBACK_RULE_ID,
                OVERRIDE_RULE_ID,
            )
        ):
            raise StatusRuleError(f"{where}: rule_id must be present and unique")
        seen.add(row["rule_id"])
        if row["status"] not in live:
            raise StatusRuleError(f"{where}: unknown status code {row['status']!r}")
        if row["scope"] not in ("", "title"):
            raise StatusRuleError(f"{where}: scope must be empty or 'title'")
        pattern = regex(where, row["pattern"])
        requires = regex(where, row["requires"], "requires") if row["requires"] else None
        rules.append(Rule(row["rule_id"], row["status"], pattern, row["note"], requires, row["scope"]))
    return rules


def read_cause_rules(path: Path, statuses: set[str], causes: dict[str, Status]) -> list[CauseRule]:
    rules: list[CauseRule] = []
    seen: set[str] = set()
    for line, row in read_rows(path, ("rule_id", "cause", "states", "pattern", "note")):
        where = f"{path}, row {line} (rule_id {row['rule_id']!r})"
        if not row["rule_id"] or row["rule_id"] in seen or row["rule_id"] == OVERRIDE_RULE_ID:
            raise StatusRuleError(f"{where}: rule_id must be present and unique")
        seen.add(row["rule_id"])
        if row["cause"] not in causes:
            raise StatusRuleError(f"{where}: unknown cause {row['cause']!r}")
        states = frozenset(filter(None, row["states"].split("|"))) or frozenset(statuses)
        if states - statuses:
            raise StatusRuleError(f"{where}: unknown state(s) {', '.join(sorted(states - statuses))}")
        rules.append(
            CauseRule(row["rule_id"], row["cause"], states, regex(where, row["pattern"]), row["note"])
        )
    return rules


def read_year_cues(path: Path) -> list[YearCue]:
    cues: list[YearCue] = []
    for line, row in read_rows(path, ("cue_id", "role", "pattern", "note")):
        where = f"{path}, row {line} (cue_id {row['cue_id']!r})"
        if row["role"] not in ("dated", "current"):
            raise StatusRuleError(f"{where}: role must be 'dated' or 'current'")
        pattern = regex(where, row["pattern"])
        if row["role"] == "dated" and "year" not in pattern.groupindex:
            raise StatusRuleError(f"{where}: a dated cue needs a (?P<year>…) group")
        cues.append(YearCue(row["cue_id"], row["role"], pattern, row["note"]))
    return cues


def read_overrides(path: Path, statuses: set[str], causes: dict[str, Status]) -> list[Override]:
    overrides: list[Override] = []
    for line, row in read_rows(path, ("text_contains", "status", "cause", "work_year", "reason")):
        where = f"{path}, row {line}"
        if not row["text_contains"] or not row["reason"]:
            raise StatusRuleError(f"{where}: an override needs the phrase it finds its text by and a reason")
        if row["status"] not in statuses:
            raise StatusRuleError(f"{where}: unknown status code {row['status']!r}")
        if row["cause"] and row["cause"] not in causes:
            raise StatusRuleError(f"{where}: unknown cause {row['cause']!r}")
        if row["work_year"] and not row["work_year"].isdigit():
            raise StatusRuleError(f"{where}: work_year must be a year or empty")
        overrides.append(
            Override(
                normalise_text(row["text_contains"]),
                row["status"],
                row["cause"],
                int(row["work_year"]) if row["work_year"] else None,
                row["reason"],
            )
        )
    return overrides
