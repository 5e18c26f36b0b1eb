"""How the mention finder reads a Ukrainian text: tokens with their offsets (words, punctuation,
"вул." and initials kept whole; tags and quotes dropped) and the lemmas a word matches by.

Ukrainian inflects names, so a word is matched by its set of normal forms (every parse pymorphy3
offers) and an alias's proper name by every form of its lexemes (the analyser may only guess a
name's lemma). Used by the gazetteer of ``mentions.py`` for the texts and for the curated aliases.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from etl.extract.morph import analyzer

#: Quotes are ignored for matching: names appear both with and without them.
QUOTES = frozenset("«»\"“”„‘'`")
APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "`": "'", "ʹ": "'"})
TOKEN_RE = re.compile(r"<[^>]*>|\w+(?:['’ʼ`]\w+)*(?:-\w+(?:['’ʼ`]\w+)*)*|\S")


@dataclass(frozen=True)
class Token:
    """A word or punctuation mark of a text, at ``start:end``, with the keys it matches by."""

    start: int
    end: int
    text: str
    keys: frozenset[str]


@cache
def normal_forms(word: str) -> frozenset[str]:
    """Lower-cased word plus every normal form pymorphy3 offers (all parses, not just the first)."""
    lower = word.lower()
    return frozenset({lower, *(p.normal_form.translate(APOSTROPHES) for p in analyzer().parse(lower))})


@cache
def inflected_forms(word: str) -> frozenset[str]:
    """All forms of every lexeme of an alias word: catches names the analyser only guesses."""
    forms = set(normal_forms(word))
    for parse in analyzer().parse(word.lower()):
        forms.update(f.word.translate(APOSTROPHES) for f in parse.lexeme)
    return frozenset(forms)


def raw_tokens(text: str, abbreviations: frozenset[str]) -> Iterator[tuple[int, int, str]]:
    """Word and punctuation tokens with offsets; tags and quotes dropped; "вул." and "Б." kept whole."""
    skip_to = -1
    for m in TOKEN_RE.finditer(text):
        tok = m.group()
        start, end = m.span()
        if start < skip_to or (tok.startswith("<") and len(tok) > 1) or tok in QUOTES:
            continue
        if end < len(text) and text[end] == "." and tok[0].isalnum():
            candidate = tok.lower().translate(APOSTROPHES) + "."
            if candidate in abbreviations or (len(tok) == 1 and tok.isalpha()):
                skip_to = end + 1
                yield start, end + 1, text[start : end + 1]
                continue
        yield start, end, tok
