"""Readable, stable IRI segments from Ukrainian names (official 2010 transliteration).

The same name always gives the same slug, so rebuilding the graph gives the same IRIs.
"""

from __future__ import annotations

import re
import unicodedata

from translitua import translit

_NON_SLUG = re.compile(r"[^a-z0-9]+")
_APOSTROPHES = re.compile(r"[\u2019\u02bc\u2018`´ʹ']")


def slugify(text: str, max_words: int = 8) -> str:
    """``"Управління культури міської ради"`` → ``"upravlinnia-kultury-miskoi-rady"``.

    Apostrophes vanish (as the official transliteration wants), everything that is not a
    Latin letter or digit becomes one hyphen, and long names keep their first
    ``max_words`` words so IRIs stay short enough to read.
    """
    text = _APOSTROPHES.sub("", unicodedata.normalize("NFC", text))
    latin = translit(text).lower()
    latin = unicodedata.normalize("NFKD", latin).encode("ascii", "ignore").decode("ascii")
    words = [w for w in _NON_SLUG.split(latin) if w]
    return "-".join(words[:max_words])
