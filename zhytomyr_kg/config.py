"""Settings shared by the ETL, the CLI and the service: one place that reads the environment.

Every setting has a flag in the CLI and an environment variable; flags win.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_data_dir

#: The ontology namespace is part of the public contract and never configurable.
ZKG = "https://w3id.org/zhytomyr-kg/ontology#"
DEFAULT_BASE_IRI = "https://w3id.org/zhytomyr-kg/"

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_DIR = PROJECT_ROOT / "ontology"
QUERIES_DIR = PROJECT_ROOT / "queries"
ETL_DATA_DIR = PROJECT_ROOT / "etl" / "data"
BUNDLED_REPORT = ETL_DATA_DIR / "report-2022.txt"


def default_store_dir() -> Path:
    """Where the embedded store lives unless ``--store``/``ZKG_STORE`` say otherwise."""
    env = os.environ.get("ZKG_STORE")
    if env:
        return Path(env).expanduser()
    return Path(user_data_dir("zhytomyr-kg")) / "store"


def default_base_iri() -> str:
    return os.environ.get("ZKG_BASE_IRI", DEFAULT_BASE_IRI)


@dataclass(frozen=True)
class Settings:
    """The dataset's coordinates: where the store is and which IRIs the data uses."""

    store: Path = field(default_factory=default_store_dir)
    base_iri: str = field(default_factory=default_base_iri)

    def __post_init__(self) -> None:
        # IRIs are minted by appending to the base, so it always ends with a slash
        if not self.base_iri.endswith("/"):
            object.__setattr__(self, "base_iri", self.base_iri + "/")

    @property
    def id_base(self) -> str:
        """Prefix of every instance IRI (``…/id/``)."""
        return self.base_iri + "id/"

    @property
    def graph_base(self) -> str:
        """Prefix of named-graph IRIs (``…/graph/``)."""
        return self.base_iri + "graph/"

    def graph(self, name: str) -> str:
        return self.graph_base + name
