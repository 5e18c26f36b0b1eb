"""Ukrainian morphology (pymorphy3 with its Ukrainian dictionary), loaded once per process."""

from __future__ import annotations

from functools import lru_cache

import pymorphy3


@lru_cache(maxsize=1)
def analyzer() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer(lang="uk")


def nominative(name: str) -> str:
    """A name in the nominative, keeping its capital: "Житомира" → "Житомир"."""
    word = analyzer().parse(name)[0].normal_form
    return word[:1].upper() + word[1:] if name[:1].isupper() else word
