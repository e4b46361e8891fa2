import pytest
from marshmallow import ValidationError

from services.search import queries

NOW = "2026-11-30T10:00:00+00:00"


def params(**overrides):
    return queries.SearchSchema().load(overrides)


def test_officers_are_scoped_to_department_and_districts_the_cell_is_not():
    officer = {"sub": "o", "role": "officer", "department": "phe", "districts": ["Bankura"]}
    assert queries.scope_filter(officer) == [{"term": {"department": "phe"}},
                                             {"terms": {"place.district": ["Bankura"]}}]
    assert queries.scope_filter({**officer, "districts": ["*"]}) == [{"term": {"department": "phe"}}]
    assert queries.scope_filter({"sub": "c", "role": "cmo_cell"}) == []
    assert queries.scope_filter({"sub": "c", "role": "citizen"}) is None
    assert queries.scope_filter({"sub": "a", "role": "admin"}) is None


def test_free_text_never_becomes_query_syntax():
    body = queries.build(params(q='status:closed OR *'), {"sub": "c", "role": "cmo_cell"}, NOW)
    text = str(body["query"])
    assert "query_string" not in text and "status:closed OR *" in text


def test_filters_sort_and_cursor():
    body = queries.build(params(status=["routed"], level=[2], sort="sla", size=5,
                                after=queries.encode_cursor(["2026-11-01", "WB-1"])),
                         {"sub": "c", "role": "cmo_cell"}, NOW)
    assert {"terms": {"status": ["routed"]}} in body["query"]["bool"]["filter"]
    assert body["sort"][0] == {"sla_deadline": {"order": "asc", "missing": "_last"}}
    assert body["search_after"] == ["2026-11-01", "WB-1"] and body["size"] == 5
    with pytest.raises(ValidationError):
        queries.decode_cursor("not-base64-json")


CELL = {"sub": "c", "role": "cmo_cell"}


def text_clauses(body):
    return body["query"]["bool"]["must"][0]["bool"]["should"]


def test_without_language_analyzers_the_query_names_no_language_subfield():
    body = queries.build(params(q="রাস্তা খারাপ"), CELL, NOW)
    fields = [f for clause in text_clauses(body) for f in clause["multi_match"]["fields"]]
    assert not [f for f in fields if "." in f]  # the local cluster: standard, latin and skeleton fields only
    assert {"subject_latin^2", "subject_skeleton"} <= set(fields)


def test_with_language_analyzers_the_query_adds_the_subfields_the_index_has():
    body = queries.build(params(q="রাস্তা খারাপ"), CELL, NOW, languages=("bn", "hi", "en"))
    language = text_clauses(body)[-1]["multi_match"]
    assert language["fields"] == ["subject.bn^2", "subject.hi^2", "subject.en^2",
                                  "description.bn", "description.hi", "description.en"]
    assert language["query"] == "রাস্তা খারাপ"
    only_bengali = queries.build(params(q="x"), CELL, NOW, languages=("bn",))
    assert text_clauses(only_bengali)[-1]["multi_match"]["fields"] == ["subject.bn^2", "description.bn"]
    assert queries.build(params(), CELL, NOW, languages=("bn",))["query"]["bool"]["must"] == [{"match_all": {}}]
