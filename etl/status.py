"""Decide the state of a progress report, its cause and the year of the work it describes.

Everything the decision rests on is curated data under ``etl/data/`` (see docs/MODEL.md):

* ``statuses.csv`` — the states of the contract (``completed``, ``in_progress`` …), and the
  deprecated ``suspended_martial_law`` (kept so its IRI resolves; never decided any more);
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
see *why* a report got its state and cause.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad

from zhytomyr_kg.resources import ETL_DATA_DIR
from zhytomyr_kg.settings import Settings
from zhytomyr_kg.vocab import RDF_TYPE, dct, en, owl, rdfs, skos, uk, xsd, zkg

__all__ = [
    "CAUSE_CODES",
    "CONTRACT_CODES",
    "DEPRECATED_CODES",
    "FALLBACK_CODE",
    "FALLBACK_RULE_ID",
    "OVERRIDE_RULE_ID",
    "Cause",
    "CauseRule",
    "Override",
    "Rule",
    "Status",
    "StatusDecision",
    "StatusRuleError",
    "StatusRules",
    "YearCue",
    "normalise_text",
    "scope_matches",
    "sentence_spans",
    "vocabulary_quads",
]

DEFAULT_DATA_DIR = ETL_DATA_DIR

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

#: Evidence longer than this is cut back from the whole sentence to the clause.
MAX_SENTENCE_EVIDENCE = 220
#: ``scope=title``: share of the title's content words the deciding sentence must contain.
SCOPE_SHARE = 2 / 3

_TAG = re.compile(r"<[^>]*>")
# A sentence ends at . ! ? ; followed by space, but not after an abbreviation or
# an initial ("м. Житомир", "вул. Київська", "пров. Енергетичний", "ім. В. Земляка").
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")
_WORD_BEFORE_PERIOD = re.compile(r"([^\W\d_]+(?:['’ʼ][^\W\d_]+)*)\.$")
_LONG_ABBREVIATIONS = frozenset({"пров", "просп", "обл", "див"})
#: Short lowercase words that, before a period, end a sentence rather than abbreviate ("… 18,1 млн грн. З …").
_SHORT_WORDS = frozenset({"грн"})
_CLAUSE_BREAK = re.compile(r"[,;:]\s|\s[–—-]\s|[()]")
_WORD = re.compile(r"[^\W\d_]+(?:['’ʼ][^\W\d_]+)*")
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "`": "'"})
_STOP_WORDS = frozenset({"щодо", "якого", "якої", "яких", "також", "через", "шляхом", "міста", "місті"})


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
    return w in _SHORT_WORDS or not (w.islower() and (len(w) <= 3 or w in _LONG_ABBREVIATIONS))


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
                if ch == "\n":
                    pending_break = True
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


def _sentence_bounds(clean: str, breaks: set[int], start: int, end: int) -> tuple[int, int]:
    ends = [(m.start(), m.end()) for m in _SENTENCE_END.finditer(clean) if _is_sentence_end(clean, m.start())]
    ends += [(b, b + 1) for b in breaks]
    s_start, s_end = 0, len(clean)
    for b_start, b_end in ends:
        if b_end <= start:
            s_start = max(s_start, b_end)
        elif b_start >= end:
            s_end = min(s_end, b_start)
    return s_start, s_end


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """The sentences of ``text`` as (start, end) offsets into ``text`` itself (not the clean
    form): split where the rules split (sentence ends, paragraphs), surrounding spaces left out."""
    clean, origin, breaks = _clean_with_offsets(text)
    spans = []
    for start, end in _sentences(clean, breaks):
        piece = clean[start:end]
        start += len(piece) - len(piece.lstrip())
        end = start + len(piece.strip())
        if end > start:
            spans.append((origin[start], origin[end - 1] + 1))
    return spans


def _sentences(clean: str, breaks: set[int]) -> list[tuple[int, int]]:
    """The sentences of a clean text as (start, end): cause rules match within one sentence."""
    cuts = sorted(
        {m.start() for m in _SENTENCE_END.finditer(clean) if _is_sentence_end(clean, m.start())} | breaks
    )
    out, start = [], 0
    for cut in cuts:
        out.append((start, cut))
        start = cut + 1
    out.append((start, len(clean)))
    return [(s, e) for s, e in out if e > s]


def _span_of(clean: str, breaks: set[int], start: int, end: int) -> tuple[int, int]:
    """Widen a match to its sentence; a very long sentence only to its clause."""
    s_start, s_end = _sentence_bounds(clean, breaks, start, end)
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


def _stem(word: str) -> str:
    word = word.casefold().translate(_APOSTROPHES)
    return word[: max(3, len(word) - 3)]


def scope_matches(title: str, sentence: str) -> bool:
    """Whether ``sentence`` names the work ``title`` stands for, not only a part of it.

    Most (``SCOPE_SHARE``) of the title's content words must recur in the sentence (compared by
    a crude stem, so "будівництво" matches "будівництва"), and every name in the title (a
    capitalised word after the first) must recur: "Очищення річок Тетерів та Кам'янка" is not
    finished by a sentence about the Teteriv alone.
    """
    words = [w for w in _WORD.findall(title) if len(w) >= 4 and w.casefold() not in _STOP_WORDS]
    if not words:
        return False
    present = {_stem(w) for w in _WORD.findall(sentence)}
    stems = [_stem(w) for w in words]
    if sum(s in present for s in stems) < SCOPE_SHARE * len(stems):
        return False
    names = [_stem(w) for w in words[1:] if w[0].isupper()]
    return all(n in present for n in names)


def _evidence(text: str, clean: str, origin: list[int], start: int, end: int) -> str:
    piece = clean[start:end]
    start += len(piece) - len(piece.lstrip())
    end = start + len(piece.strip())
    if end <= start:
        return ""
    return text[origin[start] : origin[end - 1] + 1]


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
        """Read and validate the vocabularies, rules, cues and overrides from ``data_dir``.

        Fails loudly (naming the file and row) rather than silently skipping a
        rule, because a skipped rule would quietly change many statuses.
        """
        data_dir = Path(data_dir)
        statuses = cls._load_concepts(data_dir / "statuses.csv", CONTRACT_CODES, DEPRECATED_CODES)
        causes = cls._load_concepts(data_dir / "causes.csv", CAUSE_CODES, frozenset())
        for status in statuses.values():
            if status.replaced_by_cause and status.replaced_by_cause not in causes:
                raise StatusRuleError(
                    f"{data_dir / 'statuses.csv'}: {status.code!r} is replaced by the unknown cause "
                    f"{status.replaced_by_cause!r}"
                )
        live = {code for code, s in statuses.items() if not s.deprecated}
        rules = cls._load_rules(data_dir / "status_rules.csv", live)
        cause_rules = cls._load_cause_rules(data_dir / "cause_rules.csv", live, causes)
        year_cues = cls._load_year_cues(data_dir / "work_year_cues.csv")
        overrides = cls._load_overrides(data_dir / "status_overrides.csv", live, causes)
        return cls(statuses, rules, causes, cause_rules, year_cues, overrides)

    @staticmethod
    def _rows(
        path: Path, columns: tuple[str, ...], optional: tuple[str, ...] = ()
    ) -> list[tuple[int, dict[str, str]]]:
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
                cleaned = {k: (v or "").strip() for k, v in row.items()}
                for c in optional:
                    cleaned.setdefault(c, "")
                rows.append((reader.line_num, cleaned))
            return rows

    @staticmethod
    def _regex(where: str, pattern: str, column: str = "pattern") -> re.Pattern[str]:
        if not pattern:
            raise StatusRuleError(f"{where}: empty {column}")
        try:
            compiled = re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            raise StatusRuleError(f"{where}: invalid regular expression in {column}: {exc}") from exc
        if compiled.search(""):
            raise StatusRuleError(f"{where}: {column} matches the empty text")
        return compiled

    @classmethod
    def _load_concepts(
        cls, path: Path, codes: frozenset[str], deprecated_codes: frozenset[str]
    ) -> dict[str, Status]:
        required = ("code", "label_uk", "label_en", "definition_uk", "definition_en")
        concepts: dict[str, Status] = {}
        for line, row in cls._rows(path, required, ("deprecated", "replaced_by", "replaced_by_cause")):
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
            )
        absent = (codes | deprecated_codes) - concepts.keys()
        if absent:
            raise StatusRuleError(f"{path}: contract code(s) missing: {', '.join(sorted(absent))}")
        return concepts

    @classmethod
    def _load_rules(cls, path: Path, statuses: Iterable[str]) -> list[Rule]:
        live = set(statuses)
        rules: list[Rule] = []
        seen: set[str] = set()
        for line, row in cls._rows(path, ("rule_id", "status", "pattern", "note"), ("requires", "scope")):
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
            pattern = cls._regex(where, row["pattern"])
            requires = cls._regex(where, row["requires"], "requires") if row["requires"] else None
            rules.append(Rule(row["rule_id"], row["status"], pattern, row["note"], requires, row["scope"]))
        return rules

    @classmethod
    def _load_cause_rules(cls, path: Path, statuses: set[str], causes: dict[str, Status]) -> list[CauseRule]:
        rules: list[CauseRule] = []
        seen: set[str] = set()
        for line, row in cls._rows(path, ("rule_id", "cause", "states", "pattern", "note")):
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
                CauseRule(
                    row["rule_id"], row["cause"], states, cls._regex(where, row["pattern"]), row["note"]
                )
            )
        return rules

    @classmethod
    def _load_year_cues(cls, path: Path) -> list[YearCue]:
        cues: list[YearCue] = []
        for line, row in cls._rows(path, ("cue_id", "role", "pattern", "note")):
            where = f"{path}, row {line} (cue_id {row['cue_id']!r})"
            if row["role"] not in ("dated", "current"):
                raise StatusRuleError(f"{where}: role must be 'dated' or 'current'")
            pattern = cls._regex(where, row["pattern"])
            if row["role"] == "dated" and "year" not in pattern.groupindex:
                raise StatusRuleError(f"{where}: a dated cue needs a (?P<year>…) group")
            cues.append(YearCue(row["cue_id"], row["role"], pattern, row["note"]))
        return cues

    @classmethod
    def _load_overrides(cls, path: Path, statuses: set[str], causes: dict[str, Status]) -> list[Override]:
        overrides: list[Override] = []
        for line, row in cls._rows(path, ("text_contains", "status", "cause", "work_year", "reason")):
            where = f"{path}, row {line}"
            if not row["text_contains"] or not row["reason"]:
                raise StatusRuleError(
                    f"{where}: an override needs the phrase it finds its text by and a reason"
                )
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

    # --- classification ------------------------------------------------------------------
    def classify(self, text: str, *, title: str | None = None, year: int | None = None) -> StatusDecision:
        """State, cause and work year of one progress text.

        ``title`` is the label of the project or task the text reports on (rules with
        ``scope=title`` need it); ``year`` the reporting year (without it no work year is given).
        """
        clean, origin, breaks = _clean_with_offsets(text)
        work_year = self.work_year(clean, year) if year is not None else None
        for override in self.overrides:
            at = clean.casefold().find(override.phrase.casefold())
            if at >= 0:
                evidence = _evidence(text, clean, origin, at, at + len(override.phrase))
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
            found = self._match(rule, clean, breaks, title)
            if found is not None:
                start, end = _span_of(clean, breaks, *found)
                code, evidence, rule_id = (
                    rule.status,
                    _evidence(text, clean, origin, start, end),
                    rule.rule_id,
                )
                break
        cause, cause_evidence, cause_rule = None, "", ""
        sentences = _sentences(clean, breaks)
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
            start, end = _span_of(clean, breaks, *found)
            cause, cause_evidence = cause_rule_row.cause, _evidence(text, clean, origin, start, end)
            cause_rule = cause_rule_row.rule_id
            break
        return StatusDecision(code, evidence, rule_id, cause, cause_evidence, cause_rule, work_year)

    @staticmethod
    def _match(rule: Rule, clean: str, breaks: set[int], title: str | None) -> tuple[int, int] | None:
        if rule.requires is not None and rule.requires.search(clean) is None:
            return None
        for match in rule.pattern.finditer(clean):
            if match.end() == match.start():
                continue
            if rule.scope == "title":
                start, end = _sentence_bounds(clean, breaks, match.start(), match.end())
                if not title or not scope_matches(title, clean[start:end]):
                    continue
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


# --- the vocabularies as RDF (authority graph) ----------------------------------------------


def vocabulary_quads(settings: Settings, graph: NamedNode, data_dir: Path = DEFAULT_DATA_DIR) -> list[Quad]:
    """The state and cause concept schemes: ``B status/{code}`` and ``B cause/{code}``.

    Every concept carries its notation, uk/en labels and definitions. A deprecated state
    (``suspended_martial_law``) keeps its IRI: ``owl:deprecated true``, ``dcterms:isReplacedBy``
    the live state, and ``zkg:replacedByCause`` the cause that now carries the rest of its meaning.
    """
    rules = StatusRules.load(data_dir)
    base = settings.id_base
    quads: list[Quad] = []

    def add(s: NamedNode, p: NamedNode, o: NamedNode | Literal) -> None:
        quads.append(Quad(s, p, o, graph))

    schemes = (
        ("status/", zkg.Status, rules.statuses, ("Стани виконання", "Progress states")),
        ("cause/", zkg.Cause, rules.causes, ("Причини стану виконання", "Causes of progress states")),
    )
    for path, cls, concepts, (label_uk, label_en) in schemes:
        scheme = NamedNode(base + path)
        add(scheme, RDF_TYPE, skos.ConceptScheme)
        add(scheme, rdfs.label, uk(label_uk))
        add(scheme, rdfs.label, en(label_en))
        for concept in concepts.values():
            s = NamedNode(base + path + concept.code)
            for c in (cls, skos.Concept):
                add(s, RDF_TYPE, c)
            add(s, skos.notation, Literal(concept.code))
            add(s, rdfs.label, uk(concept.label_uk))
            add(s, rdfs.label, en(concept.label_en))
            add(s, skos.prefLabel, uk(concept.label_uk))
            add(s, skos.prefLabel, en(concept.label_en))
            add(s, skos.definition, uk(concept.definition_uk))
            add(s, skos.definition, en(concept.definition_en))
            add(s, skos.inScheme, scheme)
            if concept.deprecated:
                add(s, owl.deprecated, Literal("true", datatype=xsd.boolean))
                add(s, dct.isReplacedBy, NamedNode(base + path + concept.replaced_by))
                if concept.replaced_by_cause:
                    add(s, zkg.replacedByCause, NamedNode(base + "cause/" + concept.replaced_by_cause))
            else:
                add(s, skos.topConceptOf, scheme)
    return quads
