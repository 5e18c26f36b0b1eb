"""Harvestable by a real open-data portal (#12): data.gov.ua and most national portals run CKAN
and harvest DCAT with ckanext-dcat. This test installs CKAN 2.12 and ckanext-dcat 2.4 into a venv
of their own (``tests/data/ckan/requirements.txt``; CKAN pins its own web stack and registers a
pytest plugin, so it never goes into the project's venv), parses ``/dataset`` with the DCAT-AP 3
profile (``euro_dcat_ap_3``) into CKAN dataset dicts, as the portal's harvester does
(``tests/data/ckan/harvest.py``), and checks the title in Ukrainian and English, the licence, the
distributions with their formats, sizes and checksums, and the SPARQL service.

The venv is kept in the user's cache directory (keyed by the requirements), so only the first
run installs. Where it cannot be installed (no package index), the test is skipped — and fails
in CI. The second test checks, with rdflib only, what that profile reads, so the contract holds
even where CKAN is not installed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib
from platformdirs import user_cache_dir
from rdflib.namespace import DCAT, DCTERMS, RDF, RDFS

from graph_service.publish.dataset import SPDX, TITLE

DATA = Path(__file__).parent / "data" / "ckan"
REQUIREMENTS = DATA / "requirements.txt"
DATASET = "https://w3id.org/zhytomyr-kg/dataset"
SERVICE = "http://testserver"
LICENCE = "https://creativecommons.org/licenses/by/4.0/"


def required() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


@contextlib.contextmanager
def _locked(path: Path):
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="module")
def ckan_python() -> Path:
    """The python of a venv with CKAN and ckanext-dcat, installed on first use."""
    key = hashlib.sha256(REQUIREMENTS.read_bytes() + sys.version.encode()).hexdigest()[:12]
    venv = Path(user_cache_dir("zhytomyr-kg")) / f"ckan-venv-{key}"
    python = venv / "bin" / "python"
    with _locked(venv.with_name(venv.name + ".lock")):
        if not (venv / ".installed").exists():
            shutil.rmtree(venv, ignore_errors=True)
            steps = [
                [sys.executable, "-m", "venv", str(venv)],
                [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "-r", str(REQUIREMENTS)],
            ]
            for step in steps:
                run = subprocess.run(step, capture_output=True, text=True, timeout=1800)
                if run.returncode != 0:
                    shutil.rmtree(venv, ignore_errors=True)
                    reason = f"CKAN could not be installed: {' '.join(step[:4])}: {run.stderr.strip()[-500:]}"
                    if required():
                        pytest.fail(reason, pytrace=False)
                    pytest.skip(reason)
            (venv / ".installed").write_text(REQUIREMENTS.read_text(encoding="utf-8"), encoding="utf-8")
    return python


@pytest.fixture(scope="module")
def published(pages_client, tmp_path_factory) -> dict:
    """/dataset in Turtle and RDF/XML, and the dumps' manifest."""
    work = tmp_path_factory.mktemp("harvest")
    out = {"manifest": pages_client.get("/dumps/manifest.json").json()}
    for fmt, media in (("turtle", "text/turtle"), ("xml", "application/rdf+xml")):
        r = pages_client.get("/dataset", headers={"Accept": media})
        assert r.status_code == 200
        path = work / f"dataset.{fmt}"
        path.write_bytes(r.content)
        out[fmt] = path
    return out


def harvest(python: Path, path: Path, fmt: str, locale: str) -> list[dict]:
    run = subprocess.run(
        [str(python), str(DATA / "harvest.py"), str(path), fmt, locale, str(DATA / "licenses.json")],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=str(path.parent),
        env={k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)},
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout)


def _extra(dataset: dict, key: str):
    return next((e["value"] for e in dataset.get("extras", []) if e["key"] == key), None)


@pytest.mark.parametrize("fmt", ["turtle", "xml"])
def test_ckan_harvests_the_dataset_with_titles_licence_distributions_and_sparql(ckan_python, published, fmt):
    by_lang = {lang: harvest(ckan_python, published[fmt], fmt, lang) for lang in ("uk", "en")}
    for lang, datasets in by_lang.items():
        ours = [d for d in datasets if _extra(d, "uri") == DATASET]
        assert len(ours) == 1, [_extra(d, "uri") for d in datasets]
        dataset = ours[0]
        # the rest are the source reports (dct:source → dcat:Dataset, as DCAT-AP wants)
        assert all(
            _extra(d, "uri").startswith("https://w3id.org/zhytomyr-kg/id/source/")
            for d in datasets
            if d is not dataset
        )
        assert dataset["title"] == TITLE[lang]
        assert dataset["license_id"] == "CC-BY-4.0"  # the portal's licence list knows it by its URL
        assert dataset["url"] == SERVICE + "/dataset"
        assert _extra(dataset, "publisher_uri")
        resources = {r["url"]: r for r in dataset["resources"]}
        for f in published["manifest"]["files"]:
            r = resources[f"{SERVICE}/dumps/{f['name']}"]
            assert r["name"] == f["name"]
            assert r["hash"] == f["sha256"] and r["hash_algorithm"].endswith("checksumAlgorithm_sha256")
            assert int(r["size"]) == f["bytes"]
            assert r["mimetype"] == f["mediaType"]
            assert r["license"] == LICENCE
            if f["name"].endswith(".csv"):
                assert r["format"] == "CSV"
        gz = resources[f"{SERVICE}/dumps/dataset.nq.gz"]
        assert gz["compress_format"].endswith("application/gzip")
        sparql = resources[SERVICE + "/sparql"]
        service = json.loads(sparql["access_services"])[0]
        assert service["endpoint_url"] == [SERVICE + "/sparql"]
        assert DATASET in service["serves_dataset"]
        assert service["conforms_to"] == ["https://www.w3.org/TR/sparql11-protocol/"]
        assert len(resources) == len(published["manifest"]["files"]) + 1


def test_what_the_dcat_ap_3_profile_reads_is_there(published):
    """ckanext-dcat's euro_dcat_ap_3 profile, field by field, read with rdflib (no CKAN needed)."""
    g = rdflib.Graph().parse(published["turtle"], format="turtle")
    ds = rdflib.URIRef(DATASET)
    assert (ds, RDF.type, DCAT.Dataset) in g
    titles = {t.language: str(t) for t in g.objects(ds, DCTERMS.title)}
    assert titles == {"uk": TITLE["uk"], "en": TITLE["en"]}
    # the licence: the profile takes the first distribution's dct:license, matched by URL or title
    licences = {g.value(d, DCTERMS.license) for d in g.objects(ds, DCAT.distribution)}
    assert licences == {rdflib.URIRef(LICENCE)}
    assert g.value(rdflib.URIRef(LICENCE), DCTERMS.title) is not None
    files = {f["name"]: f for f in published["manifest"]["files"]}
    seen = set()
    for dist in g.objects(ds, DCAT.distribution):
        media = g.value(dist, DCAT.mediaType)
        assert media is not None and g.value(media, RDFS.label) is not None  # → mimetype, format
        url = g.value(dist, DCAT.downloadURL)
        if url is None:  # the SPARQL endpoint
            service = g.value(dist, DCAT.accessService)
            assert g.value(service, DCAT.endpointURL) == rdflib.URIRef(SERVICE + "/sparql")
            assert (service, DCAT.servesDataset, ds) in g
            continue
        name = str(url).rsplit("/", 1)[1]
        checksum = g.value(dist, SPDX.checksum)
        assert g.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert str(g.value(checksum, SPDX.checksumValue)) == files[name]["sha256"]
        assert int(g.value(dist, DCAT.byteSize)) == files[name]["bytes"]
        assert str(g.value(media, RDFS.label)) == files[name]["mediaType"]
        seen.add(name)
    assert seen == set(files)
