"""Search: the FTS5 index the ETL writes, Ukrainian lemmas on both sides, result pages and JSON."""

from __future__ import annotations

import re
import sqlite3

from etl.search_index import INDEX_NAME, match_expression, query_terms, word_lemmas
from tests.pages_support import HTML, B


def hits(client, q, **params):
    r = client.get("/search.json", params={"q": q, **params})
    assert r.status_code == 200
    return r.json()["tables"]["results"]["rows"]


def test_the_build_writes_the_index_next_to_the_store(built):
    path = built.loaded.build_dir / INDEX_NAME
    assert path.exists()
    con = sqlite3.connect(path)
    kinds = dict(con.execute("SELECT kind, COUNT(*) FROM entries GROUP BY kind").fetchall())
    con.close()
    assert kinds["project"] == 175 and kinds["funder"] >= 20 and kinds["report"] >= 200


def test_lemmas():
    assert "башта" in word_lemmas("башти")
    assert "башта" in query_terms("Башти")
    assert query_terms("EBRD") == ("ebrd",)
    assert match_expression("водонапірної башти") == match_expression("водонапірної  башти!")
    assert match_expression("  ") is None


def test_inflected_query_finds_the_nominative_label(pages_client):
    # the report has "Водонапірної башти" (line 257); the place's label is "Водонапірна башта"
    rows = hits(pages_client, "башти")
    assert rows[0]["iri"] == B + "place/vodonapirna-bashta"
    assert "<mark>" not in rows[0]["snippet"]  # plain text in JSON
    page = pages_client.get("/search", params={"q": "башти"}, headers=HTML).text
    assert 'href="http://testserver/id/place/vodonapirna-bashta"' in page
    assert "Водонапірна <mark>башта</mark>" in page


def test_acronyms_in_both_scripts_find_the_bank(pages_client):
    for q in ("ЄБРР", "EBRD", "ebrd", "єбрр"):
        rows = hits(pages_client, q)
        assert rows and rows[0]["iri"] == B + "funder/ebrd", q


def test_progress_texts_are_searched_and_link_to_their_work(pages_client):
    # line 424: "… переобладнано комунальне приміщення … під тимчасове житло для внутрішньо переміщених осіб"
    rows = hits(pages_client, "тимчасового житла переміщених")
    report_hits = [r for r in rows if r["kind"] == "report"]
    assert any(r["iri"] == B + "task/inkliuzyvne-misto/2/4" and r["line"] == 423 for r in report_hits)
    page = pages_client.get("/search", params={"q": "тимчасового житла переміщених"}, headers=HTML).text
    snippet = re.search(r'<li class="result kind-report">.*?<p class="snippet">(.*?)</p>', page, re.S).group(
        1
    )
    assert "<mark>житло</mark>" in snippet and "<mark>тимчасове</mark>" in snippet


def test_no_results_and_empty_query(pages_client):
    assert hits(pages_client, "зззззнеіснуючеслово") == []
    page = pages_client.get("/search", params={"q": ""}, headers=HTML)
    assert page.status_code == 200 and "<ol>" not in page.text


def test_search_keeps_the_language(pages_client):
    page = pages_client.get("/search", params={"q": "EBRD", "lang": "en"}, headers=HTML).text
    assert (
        'href="http://testserver/id/funder/ebrd?lang=en">European Bank for Reconstruction and Development</a>'
        in page
    )
