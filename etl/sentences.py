"""Sentences of a progress text, with offsets back into the text as printed.

The ETL's decisions (a report's state and cause in ``etl/status.py``, its outputs in
``etl/outputs.py``, attribution in ``etl/extract/attribution.py``) all read a text one sentence
at a time and keep the phrase that decided, as a substring of the original text. This module
strips markup while remembering where each character came from, splits sentences without cutting
after an abbreviation or an initial ("м. Житомир", "вул. Київська"), and cuts evidence back from
a whole sentence to its clause when the sentence is long.
"""

from __future__ import annotations

import re

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


def clean_with_offsets(text: str) -> tuple[str, list[int], set[int]]:
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
    return clean_with_offsets(text)[0]


def sentence_bounds(clean: str, breaks: set[int], start: int, end: int) -> tuple[int, int]:
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
    clean, origin, breaks = clean_with_offsets(text)
    spans = []
    for start, end in split_sentences(clean, breaks):
        piece = clean[start:end]
        start += len(piece) - len(piece.lstrip())
        end = start + len(piece.strip())
        if end > start:
            spans.append((origin[start], origin[end - 1] + 1))
    return spans


def split_sentences(clean: str, breaks: set[int]) -> list[tuple[int, int]]:
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


def span_of(clean: str, breaks: set[int], start: int, end: int) -> tuple[int, int]:
    """Widen a match to its sentence; a very long sentence only to its clause."""
    s_start, s_end = sentence_bounds(clean, breaks, start, end)
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


def evidence_of(text: str, clean: str, origin: list[int], start: int, end: int) -> str:
    piece = clean[start:end]
    start += len(piece) - len(piece.lstrip())
    end = start + len(piece.strip())
    if end <= start:
        return ""
    return text[origin[start] : origin[end - 1] + 1]
