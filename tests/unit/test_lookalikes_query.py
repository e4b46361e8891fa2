"""services.search.similar.lookalikes_request: the "me too" query for a case not filed yet."""
import json
from datetime import UTC, datetime

import pytest
from marshmallow import ValidationError

from services.search.similar import LOOKALIKES, LookalikesSchema, lookalikes_request

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


def test_open_cases_of_the_last_90_days_in_the_district_and_five_at_most():
    body = lookalikes_request({"text": "No drinking water", "district": "Bankura"}, NOW)
    query = body["query"]["bool"]  # no category: no tiers
    assert body["size"] == LOOKALIKES == 5
    assert {"term": {"place.district": "Bankura"}} in query["filter"]
    assert {"range": {"created_at": {"gte": "2026-08-31T10:00:00+00:00"}}} in query["filter"]
    assert "resolved" not in json.dumps(query["filter"]) and "filed" in json.dumps(query["filter"])
    assert set(body["_source"]) == {"tracking_id", "subject", "status", "category", "place", "created_at", "supporters"}
    [alike] = query["must"][0]["bool"]["should"]
    assert alike["more_like_this"]["like"] == ["No drinking water"] and "the" in alike["more_like_this"]["stop_words"]


def test_bengali_is_also_matched_in_latin_letters_and_the_same_category_here_ranks_first():
    body = lookalikes_request({"text": "পানীয় জল নেই", "district": "Bankura", "category": "drinking_water",
                               "block": "Onda"}, NOW)
    score = body["query"]["function_score"]
    should = score["query"]["bool"]["must"][0]["bool"]["should"]
    assert len(should[0]["more_like_this"]["like"]) == 2 and should[0]["more_like_this"]["like"][1].isascii()
    same_here = {"bool": {"filter": [{"term": {"category": "drinking_water"}}, {"term": {"place.block": "Onda"}}]}}
    assert should[1] == same_here and score["functions"][0]["filter"] == same_here
    assert score["functions"][0]["weight"] > score["functions"][1]["weight"]


def test_the_body_is_checked_field_by_field():
    schema = LookalikesSchema()
    with pytest.raises(ValidationError) as refused:
        schema.load({"text": "x", "block": "b" * 101, "mobile": "9830012345"})
    assert set(refused.value.messages) == {"text", "district", "block", "mobile"}
