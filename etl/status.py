"""Decide the status of a progress report from curated, reviewable rules.

The rules live in ``etl/data/status_rules.csv`` (ordered; the first rule whose
pattern matches wins) and the status vocabulary in ``etl/data/statuses.csv``.
This module is a small generic engine: it knows nothing about particular texts,
so every decision can be reviewed (and changed) in the CSV files alone.

Each decision keeps the phrase that triggered it as evidence, so a reader of the
graph can see *why* a report got its status.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from zhytomyr_kg.resources import ETL_DATA_DIR

__all__ = [
    "CONTRACT_CODES",
    "FALLBACK_CODE",
    "FALLBACK_RULE_ID",
    "Rule",
    "Status",
    "StatusDecision",
    "StatusRuleError",
    "StatusRules",
    "normalise_text",
]

DEFAULT_DATA_DIR = ETL_DATA_DIR

#: The status codes fixed by docs/CONTRACT.md; statuses.csv must define all of them.
CONTRACT_CODES: frozenset[str] = frozenset(
    {
        "completed",
        "in_progress",
        "suspended_martial_law",
        "not_started",
        "postponed",
        "under_consideration",
        "operating",
        "not_held",
        "other",
    }
)
FALLBACK_CODE = "other"
FALLBACK_RULE_ID = "fallback"

#: Evidence longer than this is cut back from the whole sentence to the clause.
MAX_SENTENCE_EVIDENCE = 220

_TAG = re.compile(r"<[^>]*>")
# A sentence ends at . ! ? ; followed by space, but not after an abbreviation or
# an initial ("м. Житомир", "вул. Київська", "пров. Енергетичний", "ім. В. Земляка").
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")
_WORD_BEFORE_PERIOD = re.compile(r"([^\W\d_]+)\.$")
_LONG_ABBREVIATIONS = frozenset({"пров", "просп", "обл", "див"})
_CLAUSE_BREAK = re.compile(r"[,;:]\s|\s[–—-]\s|[()]")


def _is_sentence_end(clean: str, pos: int) -> bool:
    """Whether the punctuation just before ``pos`` closes a sentence."""
    if clean[pos - 1] != ".":
        return True
    word = _WORD_BEFORE_PERIOD.search(clean, max(0, pos - 12), pos)
    if word is None:
        return True  # a number, quote or bracket before the period
    w = word.group(1)
    if len(w) == 1:
        return False  # an initial or "м."
    return not (w.islower() and (len(w) <= 3 or w in _LONG_ABBREVIATIONS))


class StatusRuleError(ValueError):
    """A curated CSV row is unusable (bad regex, unknown status, missing cell...)."""


@dataclass(frozen=True)
class Status:
    """One status concept of the vocabulary (a row of statuses.csv)."""

    code: str
    label_uk: str
    label_en: str
    definition_en: str


@dataclass(frozen=True)
class Rule:
    """One ordered classification rule (a row of status_rules.csv)."""

    rule_id: str
    status: str
    pattern: re.Pattern[str]
    note: str


@dataclass(frozen=True)
class StatusDecision:
    """The status of one text, the rule that decided it and the deciding phrase.

    ``evidence`` is always a substring of the text given to ``classify``
    (empty for the fallback), so it can be shown or highlighted verbatim.
    """

    code: str
    evidence: str
    rule_id: str


def _clean_with_offsets(text: str) -> tuple[str, list[int], set[int]]:
    """Remove HTML tags and collapse whitespace, remembering where each kept
    character came from (so evidence found in the clean text can be cut out of
    the original text) and which spaces stand for a tag (a paragraph break,
    which evidence should not cross)."""
    chars: list[str] = []
    origin: list[int] = []
    breaks: set[int] = set()
    pending_space: int | None = None
    pending_break = False
    pos = 0
    for tag in [*_TAG.finditer(text), None]:
        end = tag.start() if tag else len(text)
        for i in range(pos, end):
            ch = text[i]
            if ch.isspace():
                if pending_space is None:
                    pending_space = i
                continue
            if pending_space is not None and chars:
                if pending_break:
                    breaks.add(len(chars))
                chars.append(" ")
                origin.append(pending_space)
            pending_space, pending_break = None, False
            chars.append(ch)
            origin.append(i)
        if tag is not None:
            if pending_space is None:
                pending_space = tag.start()
            pending_break = True
            pos = tag.end()
    return "".join(chars), origin, breaks


def normalise_text(text: str) -> str:
    """The form the rule patterns are matched against: no HTML, single spaces."""
    return _clean_with_offsets(text)[0]


def _span_of(clean: str, breaks: set[int], start: int, end: int) -> tuple[int, int]:
    """Widen a match to its sentence; a very long sentence only to its clause."""
    ends = [(m.start(), m.end()) for m in _SENTENCE_END.finditer(clean) if _is_sentence_end(clean, m.start())]
    ends += [(b, b + 1) for b in breaks]
    s_start, s_end = 0, len(clean)
    for b_start, b_end in ends:
        if b_end <= start:
            s_start = max(s_start, b_end)
        elif b_start >= end:
            s_end = min(s_end, b_start)
    if s_end - s_start <= MAX_SENTENCE_EVIDENCE:
        return s_start, s_end
    c_start, c_end = s_start, s_end
    for m in _CLAUSE_BREAK.finditer(clean, s_start, s_end):
        if m.end() <= start:
            c_start = m.end()
        elif m.start() >= end:
            c_end = m.start()
            break
    return c_start, c_end


class StatusRules:
    """The status vocabulary plus the ordered rules; ``classify`` applies them."""

    def __init__(self, statuses: dict[str, Status], rules: list[Rule]) -> None:
        self.statuses = statuses
        self.rules = rules

    @classmethod
    def load(cls, data_dir: Path = DEFAULT_DATA_DIR) -> StatusRules:
        """Read and validate statuses.csv and status_rules.csv from ``data_dir``.

        Fails loudly (naming the file and row) rather than silently skipping a
        rule, because a skipped rule would quietly change many statuses.
        """
        data_dir = Path(data_dir)
        statuses = cls._load_statuses(data_dir / "statuses.csv")
        rules = cls._load_rules(data_dir / "status_rules.csv", statuses)
        return cls(statuses, rules)

    @staticmethod
    def _rows(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise StatusRuleError(f"{path}: missing column(s) {', '.join(missing)}")
            rows = []
            for row in reader:
                where = f"{path}, row {reader.line_num}"
                if None in row or any(row[c] is None for c in columns):
                    raise StatusRuleError(f"{where}: wrong number of cells")
                rows.append((reader.line_num, {k: (v or "").strip() for k, v in row.items()}))
            return rows

    @classmethod
    def _load_statuses(cls, path: Path) -> dict[str, Status]:
        columns = ("code", "label_uk", "label_en", "definition_en")
        statuses: dict[str, Status] = {}
        for line, row in cls._rows(path, columns):
            where = f"{path}, row {line}"
            if any(not row[c] for c in columns):
                raise StatusRuleError(f"{where}: every cell must be filled")
            if row["code"] not in CONTRACT_CODES:
                raise StatusRuleError(f"{where}: {row['code']!r} is not a contract status code")
            if row["code"] in statuses:
                raise StatusRuleError(f"{where}: duplicate code {row['code']!r}")
            statuses[row["code"]] = Status(**{c: row[c] for c in columns})
        absent = CONTRACT_CODES - statuses.keys()
        if absent:
            raise StatusRuleError(f"{path}: contract code(s) missing: {', '.join(sorted(absent))}")
        return statuses

    @classmethod
    def _load_rules(cls, path: Path, statuses: dict[str, Status]) -> list[Rule]:
        rules: list[Rule] = []
        seen: set[str] = set()
        for line, row in cls._rows(path, ("rule_id", "status", "pattern", "note")):
            where = f"{path}, row {line} (rule_id {row['rule_id']!r})"
            if not row["rule_id"] or row["rule_id"] in seen or row["rule_id"] == FALLBACK_RULE_ID:
                raise StatusRuleError(f"{where}: rule_id must be present and unique")
            seen.add(row["rule_id"])
            if row["status"] not in statuses:
                raise StatusRuleError(f"{where}: unknown status code {row['status']!r}")
            if not row["pattern"]:
                raise StatusRuleError(f"{where}: empty pattern")
            try:
                pattern = re.compile(row["pattern"], re.IGNORECASE)
            except re.error as exc:
                raise StatusRuleError(f"{where}: invalid regular expression: {exc}") from exc
            if pattern.search(""):
                raise StatusRuleError(f"{where}: pattern matches the empty text")
            rules.append(Rule(row["rule_id"], row["status"], pattern, row["note"]))
        return rules

    def classify(self, text: str) -> StatusDecision:
        """Status of one progress text: the first matching rule wins, else ``other``."""
        clean, origin, breaks = _clean_with_offsets(text)
        for rule in self.rules:
            match = rule.pattern.search(clean)
            if match is None or match.end() == match.start():
                continue
            start, end = _span_of(clean, breaks, match.start(), match.end())
            evidence_clean = clean[start:end].strip()
            start += len(clean[start:end]) - len(clean[start:end].lstrip())
            end = start + len(evidence_clean)
            evidence = text[origin[start] : origin[end - 1] + 1]
            return StatusDecision(rule.status, evidence, rule.rule_id)
        return StatusDecision(FALLBACK_CODE, "", FALLBACK_RULE_ID)
