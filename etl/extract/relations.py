"""Decide whether a text says a funder or organisation paid for the work, partnered in it, backed it
in an unspecified way, or is just named.

The decision rests on cue phrases from ``etl/data/relation_cues.csv`` ("за фінансової
підтримки" → fundedBy, "спільно з" → partner, "за підтримки" → supportedBy ...), matched on
lemmas like the gazetteer. Each relation means one thing: fundedBy is money, a grant, equipment or
works paid for; partner is joint implementation, a memorandum, co-organisation or a programme
framework; supportedBy is backing of any other kind (the RDF also states supportedBy on every
fundedBy and partner edge, so one pattern finds all).
A cue counts for a mention only in the same sentence and within its ``window``: the number
of words between cue and mention, not counting words inside other mentions, so a cue also
reaches every member of a list ("співпрацю з … : «А», «Б», «В»"). A ``context`` cue in
reach ("на тренінгу, організованому X за підтримки Y") means Y supported someone else's
event, so the mention stays a plain mention. Otherwise the nearest cue wins; rows with
``requires`` apply only when one of those words is in the sentence ("за підтримки" is
fundedBy when something was bought or paid, supportedBy otherwise — never partner).
"""

from __future__ import annotations

import csv
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache

from etl.extract.mention_types import Mention
from etl.extract.mentions import Gazetteer, find_mentions, gazetteer
from zhytomyr_kg.resources import ETL_DATA_DIR as DATA_DIR

RELATIONS = ("fundedBy", "partner", "supportedBy", "mentions")
#: relations a cue row may give (``context`` marks support given to someone else's event)
CUE_RELATIONS = ("fundedBy", "partner", "supportedBy", "context")
#: at equal distance, the more specific relation wins
_RANK = {"fundedBy": 0, "partner": 1, "supportedBy": 2}
#: Only agents can fund or partner; places and programmes are always plain mentions.
_AGENT_KINDS = frozenset({"funder", "organization"})
_SENTENCE_END = frozenset({".", "!", "?"})


@dataclass(frozen=True)
class Classified:
    """A mention with the relation the text expresses and the cue phrase that decided it."""

    mention: Mention
    relation: str  # fundedBy | partner | supportedBy | mentions
    evidence: str | None = None  # text[evidence_start:evidence_end]
    evidence_start: int | None = None
    evidence_end: int | None = None


@dataclass(frozen=True)
class _Cue:
    relation: str
    position: str
    window: int
    keys: tuple[frozenset[str], ...]
    requires: tuple[frozenset[str], ...]
    phrase: str = ""


@dataclass(frozen=True)
class CueOccurrence:
    """Where a cue phrase of relation_cues.csv occurs in a text, and what it says there.

    ``relation`` is the relation of the first row of the phrase whose ``requires`` holds in the
    sentence (None when none holds); ``window`` that row's reach in words.
    """

    phrase: str
    position: str
    start: int
    end: int
    relation: str | None
    window: int


@lru_cache(maxsize=1)
def _cues() -> tuple[tuple[_Cue, ...], ...]:
    """Cue rows grouped by phrase, in file order (the first row whose ``requires`` holds wins)."""
    g = gazetteer()
    groups: dict[tuple[str, str], list[_Cue]] = {}
    with open(DATA_DIR / "relation_cues.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if row["relation"] not in CUE_RELATIONS:
                raise ValueError(f"unknown relation {row['relation']!r} in relation_cues.csv")
            cue = _Cue(
                row["relation"],
                row["position"],
                int(row["window"]),
                tuple(g._alias_keys(row["cue"], exact=False)),
                tuple(g._alias_keys(w, exact=False)[0] for w in row["requires"].split("|") if w),
                row["cue"],
            )
            groups.setdefault((row["cue"], row["position"]), []).append(cue)
    return tuple(tuple(v) for v in groups.values())


@lru_cache(maxsize=1)
def _cue_index() -> dict[str, list[tuple[_Cue, ...]]]:
    """Cue groups by the keys of their first word, so a text is scanned once."""
    index: dict[str, list[tuple[_Cue, ...]]] = {}
    for group in _cues():
        for key in group[0].keys[0]:
            index.setdefault(key, []).append(group)
    return index


def cue_occurrences(text: str, mentions: list[Mention] | None = None) -> list[CueOccurrence]:
    """Every occurrence of a cue phrase in ``text`` (outside mentions), with the relation it gives
    in its sentence: what :func:`classify` reads, for tests and reviews of relation_cues.csv."""
    mentions = find_mentions(text) if mentions is None else mentions
    tokens, sentence, sentence_words, _, _, occurrences = _analyse(text, mentions)
    out = []
    for i, j, group in occurrences:
        words = sentence_words[sentence[i]]
        cue = next((c for c in group if not c.requires or any(r & words for r in c.requires)), None)
        out.append(
            CueOccurrence(
                group[0].phrase,
                group[0].position,
                tokens[i].start,
                tokens[j - 1].end,
                cue.relation if cue else None,
                cue.window if cue else 0,
            )
        )
    return out


def _analyse(text: str, mentions: list[Mention]):
    """Tokens, their sentence numbers, each sentence's words, token starts, which tokens count
    towards a cue's window, and every cue occurrence as (first token, end token, cue group)."""
    g: Gazetteer = gazetteer()
    tokens = g.tokens(text)
    sentence = []  # sentence number of each token
    n = 0
    for t in tokens:
        sentence.append(n)
        if t.text in _SENTENCE_END:
            n += 1
    sentence_words: dict[int, set[str]] = {}
    for t, s_no in zip(tokens, sentence, strict=False):
        sentence_words.setdefault(s_no, set()).update(t.keys)
    starts = [t.start for t in tokens]
    inside = [False] * len(tokens)
    for m in mentions:
        for k in range(bisect_left(starts, m.start), bisect_left(starts, m.end)):
            inside[k] = True
    counted = [t.text[0].isalnum() and not inside[k] for k, t in enumerate(tokens)]

    # every cue occurrence: (first token, end token, cue group)
    occurrences = []
    first_keys = _cue_index()
    for i, tok in enumerate(tokens):
        if inside[i]:
            continue
        groups = {id(g): g for k in tok.keys for g in first_keys.get(k, ())}
        for group in groups.values():
            seq = group[0].keys
            if i + len(seq) <= len(tokens) and all(tokens[i + k].keys & seq[k] for k in range(1, len(seq))):
                occurrences.append((i, i + len(seq), group))
    return tokens, sentence, sentence_words, starts, counted, occurrences


def classify(text: str, mentions: list[Mention] | None = None) -> list[Classified]:
    """Classify every mention of ``text`` (found with :func:`find_mentions` unless given)."""
    mentions = find_mentions(text) if mentions is None else mentions
    tokens, sentence, sentence_words, starts, counted, occurrences = _analyse(text, mentions)

    by_sentence: dict[int, list[tuple[int, int, tuple[_Cue, ...]]]] = {}
    for occ in occurrences:
        by_sentence.setdefault(sentence[occ[0]], []).append(occ)
    out = []
    for m in mentions:
        if m.entity_kind not in _AGENT_KINDS:
            out.append(Classified(m, "mentions"))
            continue
        first, last = bisect_left(starts, m.start), bisect_left(starts, m.end) - 1
        best: tuple[int, int, _Cue, int, int] | None = None
        context = None
        for i, j, group in by_sentence.get(sentence[first], ()):
            if group[0].position == "before" and j <= first and sentence[i] == sentence[first]:
                distance = sum(counted[j:first])
            elif group[0].position == "after" and i > last and sentence[i] == sentence[last]:
                distance = sum(counted[last + 1 : i])
            else:
                continue
            words = sentence_words[sentence[first]]
            cue = next((c for c in group if not c.requires or any(r & words for r in c.requires)), None)
            if cue is None or distance > cue.window:
                continue
            if cue.relation == "context":
                context = (i, j)
                continue
            rank = (distance, _RANK[cue.relation])
            if best is None or rank < (best[0], best[1]):
                best = (rank[0], rank[1], cue, i, j)
        if context or best is None:
            span = context
            out.append(
                Classified(m, "mentions", *(_evidence(text, tokens, *span) if span else (None, None, None)))
            )
            continue
        _, _, cue, i, j = best
        out.append(Classified(m, cue.relation, *_evidence(text, tokens, i, j)))
    return out


def _evidence(text: str, tokens: list, i: int, j: int) -> tuple[str, int, int]:
    start, end = tokens[i].start, tokens[j - 1].end
    return text[start:end], start, end
