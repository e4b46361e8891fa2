import pytest
from marshmallow import ValidationError

from services.search import queries
from services.search.index import document

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


def test_machine_clients_are_scoped_to_their_departments_and_districts():
    client = {"sub": "wb", "role": "client", "departments": ["phe", "power"], "districts": ["Bankura"],
              "scopes": ["insights:read"]}
    assert queries.scope_filter(client) == [{"terms": {"department": ["phe", "power"]}},
                                            {"terms": {"place.district": ["Bankura"]}}]
    assert queries.scope_filter({**client, "departments": ["*"], "districts": ["*"]}) == []
    assert queries.scope_filter({**client, "departments": [], "districts": []}) == [
        {"terms": {"department": []}}, {"terms": {"place.district": []}}]  # matches nothing
    body = queries.build(params(district=["Nadia"]), client, NOW)  # asking for more narrows to nothing more
    assert {"terms": {"place.district": ["Bankura"]}} in body["query"]["bool"]["filter"]


def test_free_text_never_becomes_query_syntax():
    body = queries.build(params(q='status:closed OR *'), {"sub": "c", "role": "cmo_cell"}, NOW)
    text = str(body["query"])
    assert "query_string" not in text and "status:closed OR *" in text


def test_filters_sort_and_cursor():
    body = queries.build(params(status=["routed"], level=[2], sort="sla", size=5,
                                after=queries.encode_cursor([1793491200000, "WB-1"])),
                         {"sub": "c", "role": "cmo_cell"}, NOW)
    assert {"terms": {"status": ["routed"]}} in body["query"]["bool"]["filter"]
    assert body["sort"][0] == {"sla_deadline": {"order": "asc", "missing": "_last"}}
    assert body["search_after"] == [1793491200000, "WB-1"] and body["size"] == 5
    sort = queries.SORTS["sla"]
    for tampered in ("not-base64-json", queries.encode_cursor(["WB-1"]), queries.encode_cursor([1, 2]),
                     queries.encode_cursor([{"$gt": 1}, "WB-1"]), queries.encode_cursor([True, "WB-1"]),
                     queries.encode_cursor([2 ** 63, "WB-1"]), queries.encode_cursor([1, "WB-1", "x"])):
        with pytest.raises(ValidationError):
            queries.decode_cursor(tampered, sort)


def test_resolution_metrics_are_derived_when_indexing():
    case = {"tracking_id": "WB-2026-12345674", "version": 3, "status": "closed",
            "created_at": "2026-11-02T10:00:00+00:00", "resolved_at": "2026-11-04T16:30:00+00:00",
            "sla_deadline": "2026-11-05T18:30:00+00:00"}
    doc = document(case)
    assert doc["resolution_hours"] == 54.5 and doc["sla_met"] is True
    assert document({**case, "escalation_levels": [2]})["sla_met"] is False
    assert document({**case, "sla_deadline": "2026-11-04T00:00:00+00:00"})["sla_met"] is False
    reopened = document({**case, "status": "reopened"})
    assert "resolution_hours" not in reopened and "sla_met" not in reopened


def test_similar_cases_stay_open_recent_in_the_district_and_in_scope():
    from datetime import datetime, timezone

    from services.search import similar

    case = {"tracking_id": "WB-2026-12345674", "category": "drinking_water",
            "place": {"district": "Bankura", "block": "Onda"}}
    scope = [{"term": {"department": "phe"}}]
    body = similar.request(case, "idx", scope, datetime(2026, 11, 30, tzinfo=timezone.utc), size=5)
    query = body["query"]["function_score"]["query"]
    filters = query["bool"]["filter"]
    assert scope[0] in filters and {"term": {"place.district": "Bankura"}} in filters
    assert {"range": {"created_at": {"gte": "2026-09-01T00:00:00+00:00"}}} in filters
    assert "resolved" not in str(filters) and query["bool"]["must_not"] == [{"ids": {"values": [case["tracking_id"]]}}]
    either = query["bool"]["must"][0]["bool"]["should"]
    same_block = [{"term": {"category": "drinking_water"}}, {"term": {"place.block": "Onda"}}]
    assert either[0]["more_like_this"]["like"] == [{"_index": "idx", "_id": case["tracking_id"]}]
    assert either[1]["bool"]["filter"] == same_block


def test_similar_cases_rank_in_tiers_same_block_then_same_category_then_words():
    from datetime import datetime, timezone

    from services.search import similar

    case = {"tracking_id": "WB-2026-12345674", "category": "drinking_water",
            "place": {"district": "Bankura", "block": "Onda"}}
    scoring = similar.request(case, "idx", [], datetime(2026, 11, 30, tzinfo=timezone.utc))["query"]["function_score"]
    assert scoring["boost_mode"] == scoring["score_mode"] == "sum"
    block, category = scoring["functions"]
    assert block["filter"]["bool"]["filter"] == [{"term": {"category": "drinking_water"}},
                                                 {"term": {"place.block": "Onda"}}]
    assert category["filter"] == {"term": {"category": "drinking_water"}}
    # each tier outweighs the one below together with any likely text score
    assert block["weight"] >= 10 * category["weight"] and category["weight"] >= 1000


def test_insight_parameters_are_validated_and_windows_computed():
    from datetime import datetime, timezone

    from services.search import insights

    with pytest.raises(ValidationError) as error:
        insights.HotspotSchema().load({"days": 0, "by": "planet"})
    assert set(error.value.messages) == {"days", "by"}
    now = datetime(2026, 11, 30, tzinfo=timezone.utc)
    body = insights.backlog(insights.GroupedSchema().load({}), [], now)
    ranges = body["aggs"]["groups"]["aggs"]["ages"]["date_range"]["ranges"]
    assert ranges[0] == {"key": "0-7 days", "to": "2026-11-30T00:00:00+00:00", "from": "2026-11-22T00:00:00+00:00"}
    assert ranges[-1] == {"key": "over 180 days", "to": "2026-06-02T00:00:00+00:00"}
    hot = insights.hotspots(insights.HotspotSchema().load({"days": 10, "baseline_days": 20}), [], now)
    periods = hot["aggs"]["groups"]["aggs"]["periods"]["filters"]["filters"]
    assert periods["baseline"]["range"]["created_at"] == {"gte": "2026-10-31T00:00:00+00:00",
                                                          "lt": "2026-11-20T00:00:00+00:00"}
