"""Similar cases: the open, recent cases most like a given one (same issue, same place), so an officer can
handle a cluster together; and lookalikes: the same for a case not filed yet, so a citizen about to file
may join one instead ("me too"). Pure: builds the requests.

Text similarity is `more_like_this` over the case's own words and their Latin-letter form (so a Bengali
complaint finds the same complaint typed as "jol nei"), or the same category in the same block in any
language. The same category in the same block ranks first, then the same category elsewhere, then the rest,
each tier ordered by likeness of words; the same district is required, since one office handles a cluster.
"""
from datetime import timedelta

from marshmallow import RAISE, Schema, fields, validate

from services.search.index import latin
from services.search.queries import OPEN

TEXT_FIELDS = ["subject", "description", "subject_latin", "description_latin"]
RECENT_DAYS = 90
# more_like_this scores stay far below these (tens, at most a few hundred for a long case)
SAME_BLOCK_WEIGHT, SAME_CATEGORY_WEIGHT = 10_000, 1_000
SOURCE = ["tracking_id", "subject", "status", "category", "department", "place", "created_at", "supporters",
          "level", "sla_deadline"]


class SimilarSchema(Schema):
    class Meta:
        unknown = RAISE

    size = fields.Integer(load_default=10, validate=validate.Range(min=1, max=50))


LOOKALIKES = 5
# Lucene's English stop words: a text not filed yet has no document to weigh its words against, and with
# them "Pension not paid for six months" looked like a water complaint "for two weeks"
STOP_WORDS = ["a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no",
              "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this",
              "to", "was", "will", "with"]
LOOKALIKE_SOURCE = ["tracking_id", "subject", "status", "category", "place", "created_at", "supporters"]


class LookalikesSchema(Schema):
    """What a citizen is about to file: its words, category and place."""
    class Meta:
        unknown = RAISE

    text = fields.Str(required=True, validate=validate.Length(min=3, max=5000))
    category = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=100))
    district = fields.Str(required=True, validate=validate.Length(min=1, max=100))
    block = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=100))
    municipality = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=100))


def lookalikes_request(params, now, size=LOOKALIKES):
    """The open cases of the last RECENT_DAYS in the district most like a case about to be filed, ranked as
    `request` ranks similar cases (the same category in the same place first)."""
    filters = [{"terms": {"status": list(OPEN)}},
               {"range": {"created_at": {"gte": (now - timedelta(days=RECENT_DAYS)).isoformat()}}},
               {"term": {"place.district": params["district"]}}]
    text = params["text"]
    like = [text] if latin(text) == text.lower() else [text, latin(text)]
    alike = {"more_like_this": {"fields": TEXT_FIELDS, "like": like, "min_term_freq": 1, "min_doc_freq": 1,
                                "max_query_terms": 30, "minimum_should_match": "30%", "stop_words": STOP_WORDS}}
    should = [alike]
    functions = []
    if params.get("category"):
        same_issue_here = [{"term": {"category": params["category"]}}]
        for level in ("block", "municipality"):
            if params.get(level):
                same_issue_here.append({"term": {f"place.{level}": params[level]}})
        if len(same_issue_here) > 1:
            should.append({"bool": {"filter": same_issue_here}})
        functions = [{"filter": {"bool": {"filter": same_issue_here}}, "weight": SAME_BLOCK_WEIGHT},
                     {"filter": {"term": {"category": params["category"]}}, "weight": SAME_CATEGORY_WEIGHT}]
    query = {"bool": {"must": [{"bool": {"should": should, "minimum_should_match": 1}}], "filter": filters}}
    if functions:
        query = {"function_score": {"query": query, "functions": functions, "score_mode": "sum",
                                    "boost_mode": "sum"}}
    return {"size": size, "_source": LOOKALIKE_SOURCE, "query": query}


def request(case, index, scope, now, size=10):
    place = case.get("place") or {}
    filters = list(scope) + [{"terms": {"status": list(OPEN)}},
                             {"range": {"created_at": {"gte": (now - timedelta(days=RECENT_DAYS)).isoformat()}}}]
    if place.get("district"):
        filters.append({"term": {"place.district": place["district"]}})
    alike = {"more_like_this": {"fields": TEXT_FIELDS, "like": [{"_index": index, "_id": case["tracking_id"]}],
                                "min_term_freq": 1, "min_doc_freq": 1, "max_query_terms": 30,
                                "minimum_should_match": "30%"}}
    same_issue_here = [{"term": {"category": case.get("category") or ""}}]
    if place.get("block"):
        same_issue_here.append({"term": {"place.block": place["block"]}})
    return {
        "size": size,
        "_source": SOURCE,
        "query": {"function_score": {
            "query": {"bool": {
                # alike in words, or the same category in the same block whatever the language it is written in
                "must": [{"bool": {"should": [alike, {"bool": {"filter": same_issue_here}}],
                                   "minimum_should_match": 1}}],
                "filter": filters,
                "must_not": [{"ids": {"values": [case["tracking_id"]]}}],
            }},
            # tiers above any text score: the same category in the same block, then the same category; the
            # words' likeness orders the cases within a tier
            "functions": [{"filter": {"bool": {"filter": same_issue_here}}, "weight": SAME_BLOCK_WEIGHT},
                          {"filter": {"term": {"category": case.get("category") or ""}}, "weight": SAME_CATEGORY_WEIGHT}],
            "score_mode": "sum", "boost_mode": "sum",
        }},
    }
