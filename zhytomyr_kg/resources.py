"""Where the project's data files are: ``queries/``, ``ontology/``, ``etl/data/``, templates.

In a source checkout (or an editable install) they are the repository's folders; in an installed
wheel, ``queries/`` and ``ontology/`` are package data of ``zhytomyr_kg`` (see ``pyproject.toml``)
and ``etl/data/`` of ``etl``. Everything else asks this module, never ``__file__``.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent


def _folder(package: str, name: str, checkout: Path) -> Path:
    """The folder as packaged in ``package``, else the checkout's copy."""
    if checkout.is_dir():
        return checkout
    return Path(str(files(package) / name))


QUERIES_DIR = _folder("zhytomyr_kg", "queries", _CHECKOUT / "queries")
ONTOLOGY_DIR = _folder("zhytomyr_kg", "ontology", _CHECKOUT / "ontology")
ETL_DATA_DIR = Path(str(files("etl") / "data"))
BUNDLED_REPORT = ETL_DATA_DIR / "report-2022.txt"
WEB_DIR = Path(str(files("graph_service.web")))
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
MESSAGES_CSV = WEB_DIR / "messages.csv"  # the interface strings, uk and en
