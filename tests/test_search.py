"""Search: the FTS5 index the ETL writes, Ukrainian lemmas on both sides, result pages and JSON."""

from __future__ import annotations

import re
import sqlite3

from etl.search_index import (
    INDEX_NAME,
    english_forms,
    index_terms,
    match_expression,
    query_terms,
    word_lemmas,
)
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
    snippet = re.search(
        r'<li class="result kind-report">.*?<p class="snippet" lang="uk">(.*?)</p>', page, re.S
    ).group(1)
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


# ------------------------------------------------------------------ search finds the work (#13)

TROLLEYBUS_TASK = B + "task/komfortne-misto/3/3"  # "Розвивати мережу громадського електротранспорту …"


def test_the_bank_by_any_name_finds_the_report_that_names_it_in_full(pages_client):
    """Line 160 writes «Європейського банку реконструкції та розвитку»: no acronym, no English; the
    bank's label or alias finds the bank, and through its mention the report, ranked below it."""
    for q in ("ЄБРР", "EBRD", "European Bank"):
        rows = hits(pages_client, q)
        assert rows[0]["iri"] == B + "funder/ebrd", q
        report = next(r for r in rows if r["kind"] == "report" and r["line"] == 160)
        assert report["iri"] == TROLLEYBUS_TASK and report["field"] == "mention"
        assert report["via"] == B + "funder/ebrd"
        assert "Європейського банку реконструкції та розвитку" in report["snippet"]
        assert rows.index(report) > 0  # below the entity itself


def test_a_mention_is_marked_in_the_snippet_and_says_what_it_names(pages_client):
    page = pages_client.get("/search", params={"q": "EBRD", "lang": "en"}, headers=HTML).text
    item = re.search(r'<li class="result kind-report">(.*?)</li>', page, re.S).group(1)
    assert "<mark>Європейського банку реконструкції та розвитку</mark>" in item
    assert 'class="via">· mentions <a href="http://testserver/id/funder/ebrd?lang=en">' in item
    assert "FTS5" not in page  # no internal line


def test_english_words_find_english_labels_and_ukrainian_texts(pages_client):
    trolleybus = hits(pages_client, "trolleybus")
    works = {r["iri"] for r in trolleybus}
    assert B + "project/vydilennia-smuh-rukhu-dlia-troleibusiv-ta-avtobusiv" in works  # "…for Trolleybuses…"
    assert TROLLEYBUS_TASK in works  # its report: «65 тролейбусами», the new trolleybus line
    assert hits(pages_client, "trolleybuses")[0]["iri"] == trolleybus[0]["iri"]  # plural and singular
    tower = hits(pages_client, "water tower")
    assert tower[0]["iri"] == B + "place/vodonapirna-bashta"
    assert B + "project/vodonapirna-vezha-z-prylehloiu-terytoriieiu-vul-pushkinska-vul-lermontovska" in {
        r["iri"] for r in tower
    }
    teteriv = hits(pages_client, "Teteriv")
    assert teteriv[0]["iri"] == B + "place/richka-teteriv"
    assert any(r["kind"] == "report" for r in teteriv)


def test_english_plurals_and_the_glossary():
    assert english_forms("trolleybuses") == ("trolleybuses", "trolleybuse", "trolleybus")
    assert english_forms("cities") == ("cities", "citie", "city") and english_forms("bus") == ("bus",)
    assert "тролейбус" in query_terms("trolleybus") and "тролейбус" in query_terms("Trolleybuses")
    assert "парк" in index_terms("парку")  # every lemma is indexed, not only the best one


def test_results_are_grouped_by_class_with_counts(pages_client):
    page = pages_client.get("/search", params={"q": "Teteriv", "lang": "en"}, headers=HTML).text
    groups = re.findall(
        r'<section class="result-group group-(\w+)" id="group-\w+">\s*<h3>([^<]+)<span class="count">\((\d+)\)',
        page,
    )
    assert [g[0] for g in groups][:1] == ["place"]  # the class of the best result first
    kinds = {g[0]: (g[1].strip(), int(g[2])) for g in groups}
    assert kinds["place"][0] == "Place" and kinds["report"][0] == "Progress report"
    rows = hits(pages_client, "Teteriv")
    for kind, (_, count) in kinds.items():
        assert count == sum(1 for r in rows if r["kind"] == kind)
    uk = pages_client.get("/search", params={"q": "Teteriv"}, headers=HTML).text
    assert "<h3>Місце <span" in uk and "<h3>Звіт про виконання <span" in uk
