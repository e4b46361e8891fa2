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
