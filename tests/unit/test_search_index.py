"""The index template's mapping, the language subfields in queries, and the bulk batcher, without servers."""
import re

import eventlet
import pytest

from services.search import index, queries
from services.search.bulk import Batcher
from tests.unit.test_search_queries import NOW, params


def test_the_mapping_adds_language_subfields_only_for_the_analyzers_given():
    plain = index.mappings(())
    assert plain["properties"]["subject"]["fields"] == {"raw": {"type": "keyword", "ignore_above": 256}}
    assert "fields" not in plain["properties"]["description"]
    assert plain == index.MAPPINGS and plain["dynamic"] == "strict"
    full = index.mappings(("bn", "hi", "en"))
    for field in ("subject", "description"):
        fields = full["properties"][field]["fields"]
        assert {fields[s]["analyzer"] for s in ("bn", "hi", "en")} == {"bengali", "hindi", "english"}
        assert full["properties"][field]["analyzer"] == "standard"  # the local fields stay as they are
    assert "raw" in full["properties"]["subject"]["fields"]
    assert "bn" not in index.MAPPINGS["properties"]["subject"]["fields"]  # not modified in place


def test_indexed_languages_are_those_every_index_behind_the_alias_has():
    def mapping(*suffixes):
        sub = {s: {"type": "text"} for s in suffixes}
        return {"mappings": {"properties": {"subject": {"type": "text", "fields": {"raw": {}, **sub}},
                                            "description": {"type": "text", "fields": sub}}}}

    assert index.indexed_languages({}) == ()
    assert index.indexed_languages({"a-v1": mapping()}) == ()
    assert index.indexed_languages({"a-v2": mapping("en", "bn", "hi")}) == ("bn", "hi", "en")
    assert index.indexed_languages({"a-v1": mapping("bn"), "a-v2": mapping("bn", "hi")}) == ("bn",)


def test_the_batcher_sends_waiting_cases_together_and_hands_each_its_own_outcome():
    sent = []

    def write(cases, refresh):
        sent.append(([c["id"] for c in cases], refresh))
        return [ValueError(f"refused {c['id']}") if c["id"] == 3 else c["id"] % 2 == 0 for c in cases]

    batcher = Batcher(write, max_docs=4, linger=0.05)
    thread = eventlet.spawn(batcher.run)
    try:
        results = {}

        def submit(n):
            try:
                results[n] = batcher.submit({"id": n}, refresh=(n == 5))
            except ValueError as error:
                results[n] = str(error)

        pool = eventlet.GreenPool()
        for n in range(6):
            pool.spawn(submit, n)
        pool.waitall()
    finally:
        thread.kill()
    assert results == {0: True, 1: False, 2: True, 3: "refused 3", 4: True, 5: False}
    assert [ids for ids, _ in sent] == [[0, 1, 2, 3], [4, 5]]  # four at once (max_docs), then after the linger
    assert [refresh for _, refresh in sent] == [None, "wait_for"]  # wait_for only for a batch that asked


def test_a_failed_request_fails_every_case_in_it():
    def write(cases, refresh):
        raise ConnectionError("cluster down")

    batcher = Batcher(write, max_docs=10, linger=0.01)
    thread = eventlet.spawn(batcher.run)
    try:
        with pytest.raises(ConnectionError):
            batcher.submit({"id": 1})
    finally:
        thread.kill()

CELL = {"sub": "c", "role": "cmo_cell"}


def text_clauses(body):
    return body["query"]["bool"]["must"][0]["bool"]["should"]


def test_without_language_analyzers_the_query_names_no_language_subfield():
    body = queries.build(params(q="রাস্তা খারাপ ওন্দায়"), CELL, NOW)
    fields = set(re.findall(r"'fields': \[([^\]]*)\]", str(text_clauses(body))))
    assert not [f for f in fields if "." in f]  # the local cluster: standard and phonetic fields only
    assert any("'subject^2'" in f for f in fields) and "'phonetic'" in str(text_clauses(body))


def test_with_language_analyzers_the_query_adds_the_subfields_the_index_has():
    body = queries.build(params(q="রাস্তা খারাপ"), CELL, NOW, languages=("bn", "hi", "en"))
    language = text_clauses(body)[-1]["multi_match"]
    assert language["fields"] == ["subject.bn^2", "subject.hi^2", "subject.en^2",
                                  "description.bn", "description.hi", "description.en"]
    assert language["query"] == "রাস্তা খারাপ"
    only_bengali = queries.build(params(q="x"), CELL, NOW, languages=("bn",))
    assert text_clauses(only_bengali)[-1]["multi_match"]["fields"] == ["subject.bn^2", "description.bn"]
    assert queries.build(params(), CELL, NOW, languages=("bn",))["query"]["bool"]["must"] == [{"match_all": {}}]


def test_the_index_keeps_no_contact_details_quoted_in_a_cases_text():
    """Staff who do not work a case search it: a number, an email or the address the citizen wrote into the
    text are masked in the index as in intake's view for them (shared.projections)."""
    case = {"tracking_id": "WB-2026-00000017", "status": "filed", "version": 1, "kind": "complaint",
            "subject": "Call me on 9830012345",
            "description": "Write to mita.das@example.org or come to 12 Rabindra Sarani, Bishnupur.",
            "complainant": {"mobile": "9830012345", "residence": {"address": "12 Rabindra Sarani, Bishnupur"}}}
    doc = index.document(case)
    text = " ".join(str(value) for value in doc.values())
    for secret in ("9830012345", "mita.das@example.org", "Rabindra Sarani"):
        assert secret not in text
    assert "(withheld)" in doc["description"] and doc["subject"].startswith("Call me on 98")


def test_the_icu_analyzer_is_a_subfield_where_the_cluster_has_the_plugin():
    spec = index.mappings(("bn", "icu"))["properties"]["description"]["fields"]
    assert spec["icu"] == {"type": "text", "analyzer": "icu_analyzer"} and spec["bn"]["analyzer"] == "bengali"
    body = queries.build(params(q="রাস্তা খারাপ"), CELL, NOW, languages=("icu",))
    assert "subject.icu^2" in str(body) and "description.icu" in str(body)

