"""Insights for the CMO cell: what the cases say in aggregate. Pure: each insight turns validated
parameters into an Elasticsearch request and its answer into a table (columns and rows), which the
gateway serves as JSON or streams as CSV.

Every insight takes the caller's scope (a supervisor sees their department and districts, the cell all)
and a `filed_from`/`filed_to` window on the filing date unless it says otherwise.
"""
from datetime import timedelta

from marshmallow import RAISE, Schema, fields, validate

from services.search.queries import OPEN, decode_cursor, encode_cursor, filed_window, overdue_filter
from shared.validators import REAL_UTC_OFFSET
from shared.vocabulary import SPECIAL_CLOSE_REASONS, Status

GROUPS = {"district": "place.district", "department": "department", "category": "category", "block": "place.block"}
AGE_BUCKETS = ((0, 7), (8, 30), (31, 90), (91, 180), (181, None))
BUCKETS = 100  # groups per table: 24 departments, 23 districts, a few hundred blocks at most (top 100)


class WindowSchema(Schema):
    class Meta:
        unknown = RAISE

    filed_from = fields.AwareDateTime(load_default=None, allow_none=True, validate=REAL_UTC_OFFSET)
    filed_to = fields.AwareDateTime(load_default=None, allow_none=True, validate=REAL_UTC_OFFSET)


def by_field(*choices, default):
    return fields.Str(load_default=default, validate=validate.OneOf(choices))


class RecurringSchema(WindowSchema):
    by = by_field("district", "department", default="district")
    days = fields.Int(load_default=90, validate=validate.Range(1, 3650))
    size = fields.Int(load_default=3, validate=validate.Range(1, 20))


class TrendsSchema(WindowSchema):
    interval = fields.Str(load_default="week", validate=validate.OneOf(("day", "week", "month")))
    by = fields.Str(load_default=None, allow_none=True, validate=validate.OneOf(tuple(GROUPS)))


class GroupedSchema(WindowSchema):
    by = by_field("department", "district", default="department")


class HotspotSchema(Schema):
    class Meta:
        unknown = RAISE

    by = by_field("district", "block", default="district")
    days = fields.Int(load_default=30, validate=validate.Range(1, 365))
    baseline_days = fields.Int(load_default=90, validate=validate.Range(1, 730))
    min_cases = fields.Int(load_default=10, validate=validate.Range(1, 10_000))


class SupportedSchema(WindowSchema):
    size = fields.Int(load_default=50, validate=validate.Range(1, 1000))
    after = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=500))
    include_closed = fields.Bool(load_default=False)


def _request(scope, params, aggs, extra_filters=()):
    return {"size": 0, "track_total_hits": True, "aggs": aggs,
            "query": {"bool": {"filter": list(scope) + filed_window(params) + list(extra_filters)}}}


def _group(by, size=BUCKETS):
    return {"field": GROUPS[by], "size": size, "order": {"_key": "asc"}}


def _since(now, days):
    return {"range": {"created_at": {"gte": (now - timedelta(days=days)).isoformat()}}}


# --- recurring issues: what is unusually common in a district or department -----------------------

def recurring(params, scope, now):
    window = _since(now, params["days"])
    significant = {"background_filter": window, "size": params["size"], "min_doc_count": 3}
    aggs = {"words": {"sampler": {"shard_size": 500}, "aggs": {"terms": {"significant_text": {
        "field": "subject", "filter_duplicate_text": True, **significant}}}}}
    if params["by"] == "district":  # a department's categories are its own: only a district's say anything
        aggs["categories"] = {"significant_terms": {"field": "category", **significant}}
    return _request(scope, params, {"groups": {"terms": _group(params["by"]), "aggs": aggs}}, [window])


def recurring_table(response, params):
    rows = []
    for group in response["aggregations"]["groups"]["buckets"]:
        found = [("category", b) for b in group.get("categories", {}).get("buckets", [])] + \
                [("words", b) for b in group["words"]["terms"]["buckets"]]
        for kind, bucket in found:
            rows.append([group["key"], group["doc_count"], kind, bucket["key"], bucket["doc_count"],
                         bucket["bg_count"], round(bucket["score"], 4)])
    return ["group", "cases", "kind", "issue", "cases_with_issue", "state_cases_with_issue", "score"], rows


# --- trends: filings and resolutions over time ----------------------------------------------------

def trends(params, scope, now):
    histogram = {"field": "created_at", "calendar_interval": params["interval"], "min_doc_count": 0,
                 "time_zone": "Asia/Kolkata"}
    aggs = {"filed": {"date_histogram": histogram}}
    if params["by"]:
        aggs["filed"]["aggs"] = {"groups": {"terms": _group(params["by"])}}
    else:
        aggs["resolved"] = {"date_histogram": {**histogram, "field": "resolved_at"}}
    return _request(scope, params, aggs)


def trends_table(response, params):
    aggs = response["aggregations"]
    if params["by"]:
        rows = [[b["key_as_string"][:10], g["key"], g["doc_count"]]
                for b in aggs["filed"]["buckets"] for g in b["groups"]["buckets"]]
        return ["period", params["by"], "filed"], rows  # vocabulary: column names (counts)
    resolved = {b["key_as_string"][:10]: b["doc_count"] for b in aggs["resolved"]["buckets"]}
    rows = [[b["key_as_string"][:10], b["doc_count"], resolved.get(b["key_as_string"][:10], 0)]
            for b in aggs["filed"]["buckets"]]
    return ["period", "filed", "resolved"], rows  # vocabulary: column names (counts)


# --- backlog ageing: open cases by how long they have waited --------------------------------------

def backlog(params, scope, now):
    """A case `d` whole days old falls in the bucket low <= d <= high."""
    ranges = []
    for low, high in AGE_BUCKETS:
        bucket = {"key": _age_label(low, high), "to": (now - timedelta(days=low)).isoformat()}
        if high is not None:
            bucket["from"] = (now - timedelta(days=high + 1)).isoformat()
        ranges.append(bucket)
    ages = {"date_range": {"field": "created_at", "keyed": True, "ranges": ranges}}
    return _request(scope, params, {"groups": {"terms": _group(params["by"]), "aggs": {"ages": ages}}},
                    [{"terms": {"status": list(OPEN)}}])


def _age_label(low, high):
    return f"{low}-{high} days" if high is not None else f"over {low - 1} days"


def backlog_table(response, params):
    labels = [_age_label(low, high) for low, high in AGE_BUCKETS]
    rows = [[g["key"], g["doc_count"]] + [g["ages"]["buckets"][label]["doc_count"] for label in labels]
            for g in response["aggregations"]["groups"]["buckets"]]
    return [params["by"], "open"] + labels, rows


# --- SLA compliance and resolution time -----------------------------------------------------------

def sla(params, scope, now):
    overdue = overdue_filter(now.isoformat())
    return _request(scope, params, {"groups": {"terms": _group(params["by"]), "aggs": {
        "resolved": {"filter": {"exists": {"field": "sla_met"}}, "aggs": {
            "met": {"filter": {"term": {"sla_met": True}}},
            "hours": {"percentiles": {"field": "resolution_hours", "percents": [50, 90],
                                      "hdr": {"number_of_significant_value_digits": 3}}}}},
        "overdue": {"filter": overdue},
    }}})


def sla_table(response, params):
    rows = []
    for group in response["aggregations"]["groups"]["buckets"]:
        resolved = group["resolved"]
        done, met = resolved["doc_count"], resolved["met"]["doc_count"]
        hours = resolved["hours"]["values"]
        rows.append([group["key"], group["doc_count"], done, met, round(100 * met / done, 1) if done else None,
                     _hours(hours.get("50.0")), _hours(hours.get("90.0")), group["overdue"]["doc_count"]])
    columns = [params["by"], "cases", "resolved", "resolved_in_time",  # vocabulary: column names (counts)
               "compliance_pct", "median_hours", "p90_hours", "open_overdue"]
    return columns, rows


def _hours(value):
    return round(value, 1) if value is not None else None


# --- escalations per level ------------------------------------------------------------------------

def escalations(params, scope, now):
    levels = {"terms": {"field": "escalation_levels", "size": 4, "order": {"_key": "asc"}}}
    return _request(scope, params, {"groups": {"terms": _group(params["by"]), "aggs": {"levels": levels}},
                                    "levels": levels})


def escalations_table(response, params):
    def counts(levels):
        found = {b["key"]: b["doc_count"] for b in levels["buckets"]}
        return [found.get(level, 0) for level in (2, 3, 4)]

    aggs = response["aggregations"]
    rows = [[g["key"], g["doc_count"]] + counts(g["levels"]) for g in aggs["groups"]["buckets"]]
    rows.append(["all", response["hits"]["total"]["value"]] + counts(aggs["levels"]))
    return [params["by"], "cases", "escalated_to_l2", "escalated_to_l3", "escalated_to_l4"], rows


# --- special closes: cases closed at L3/L4 without a resolution, per group and reason ----------------

def special_closes(params, scope, now):
    reasons = {"terms": {"field": "special_close_reason", "size": len(SPECIAL_CLOSE_REASONS)}}
    return _request(scope, params, {"groups": {"terms": _group(params["by"]), "aggs": {"reasons": reasons}},
                                    "reasons": reasons}, [{"term": {"status": Status.SPECIAL_CLOSED}}])


def special_closes_table(response, params):
    def counts(reasons):
        found = {b["key"]: b["doc_count"] for b in reasons["buckets"]}
        return [found.get(reason, 0) for reason in SPECIAL_CLOSE_REASONS]

    aggs = response["aggregations"]
    rows = [[g["key"], g["doc_count"]] + counts(g["reasons"]) for g in aggs["groups"]["buckets"]]
    if rows:
        rows.append(["all", response["hits"]["total"]["value"]] + counts(aggs["reasons"]))
    return [params["by"], "special_closes", *SPECIAL_CLOSE_REASONS], rows


# --- satisfaction ---------------------------------------------------------------------------------

def ratings(params, scope, now):
    stars = {"terms": {"field": "rating", "size": 5, "order": {"_key": "asc"}}}
    return _request(scope, params, {"groups": {"terms": _group(params["by"]), "aggs": {
        "average": {"avg": {"field": "rating"}}, "stars": stars}}}, [{"exists": {"field": "rating"}}])


def ratings_table(response, params):
    rows = []
    for group in response["aggregations"]["groups"]["buckets"]:
        stars = {b["key"]: b["doc_count"] for b in group["stars"]["buckets"]}
        average = group["average"]["value"]
        rows.append([group["key"], group["doc_count"], round(average, 2) if average is not None else None]
                    + [stars.get(star, 0) for star in (1, 2, 3, 4, 5)])
    return [params["by"], "rated", "average", "1", "2", "3", "4", "5"], rows


# --- hotspots: where filings rose most ------------------------------------------------------------

def hotspots(params, scope, now):
    recent_from = now - timedelta(days=params["days"])
    baseline_from = recent_from - timedelta(days=params["baseline_days"])
    periods = {"filters": {"filters": {
        "recent": {"range": {"created_at": {"gte": recent_from.isoformat(), "lte": now.isoformat()}}},
        "baseline": {"range": {"created_at": {"gte": baseline_from.isoformat(), "lt": recent_from.isoformat()}}},
    }}}
    group = {"terms": {**_group("district"), "size": 30}, "aggs": {"periods": periods}}
    if params["by"] == "block":
        group["aggs"] = {"blocks": {"terms": {**_group("block"), "size": 50}, "aggs": {"periods": periods}}}
    return _request(scope, {}, {"groups": group}, [{"range": {"created_at": {"gte": baseline_from.isoformat()}}}])


def hotspots_table(response, params):
    rows = []
    for district in response["aggregations"]["groups"]["buckets"]:
        places = ([(f"{district['key']} / {b['key']}", b) for b in district["blocks"]["buckets"]]
                  if params["by"] == "block" else [(district["key"], district)])
        for name, bucket in places:
            recent = bucket["periods"]["buckets"]["recent"]["doc_count"]
            baseline = bucket["periods"]["buckets"]["baseline"]["doc_count"]
            if recent < params["min_cases"]:
                continue
            recent_rate, baseline_rate = recent / params["days"], baseline / params["baseline_days"]
            change = round(recent_rate / baseline_rate, 2) if baseline_rate else None
            rows.append([name, recent, baseline, round(recent_rate, 2), round(baseline_rate, 2), change])
    rows.sort(key=lambda row: (row[5] is not None, row[5] or 0, row[1]), reverse=True)  # new places first
    return [params["by"], "recent_cases", "baseline_cases", "recent_per_day", "baseline_per_day",
            "rate_change"], rows


# --- the most supported ("me too") cases ----------------------------------------------------------

SUPPORTED_COLUMNS = ["tracking_id", "supporters", "status", "category", "department", "district", "block",
                     "created_at", "subject"]


def most_supported(params, scope, now):
    filters = [{"range": {"supporters": {"gte": 1}}}]
    if not params["include_closed"]:
        filters.append({"terms": {"status": list(OPEN)}})
    body = _request(scope, params, {}, filters)
    sort = [{"supporters": "desc"}, {"tracking_id": "asc"}]
    body.update(size=params["size"], sort=sort,
                _source=["tracking_id", "supporters", "status", "category", "department", "place", "created_at",
                         "subject"])
    del body["aggs"]
    if params["after"]:
        body["search_after"] = decode_cursor(params["after"], sort)
    return body


def most_supported_table(response, params):
    hits = response["hits"]["hits"]
    rows = [[s["tracking_id"], s["supporters"], s["status"], s.get("category"), s.get("department"),
             s.get("place", {}).get("district"), s.get("place", {}).get("block"), s["created_at"], s.get("subject")]
            for s in (hit["_source"] for hit in hits)]
    cursor = encode_cursor(hits[-1]["sort"]) if len(hits) == params["size"] else None
    return SUPPORTED_COLUMNS, rows, cursor


INSIGHTS = {
    "recurring": (RecurringSchema, recurring, recurring_table),
    "trends": (TrendsSchema, trends, trends_table),
    "backlog": (GroupedSchema, backlog, backlog_table),
    "sla": (GroupedSchema, sla, sla_table),
    "escalations": (GroupedSchema, escalations, escalations_table),
    "special-closes": (GroupedSchema, special_closes, special_closes_table),
    "ratings": (GroupedSchema, ratings, ratings_table),
    "hotspots": (HotspotSchema, hotspots, hotspots_table),
    "most-supported": (SupportedSchema, most_supported, most_supported_table),
}


def table(name, response, params):
    """{columns, rows, next}: `next` pages on where an insight is a list of cases."""
    result = INSIGHTS[name][2](response, params)
    columns, rows, cursor = result if len(result) == 3 else (*result, None)
    return {"insight": name, "columns": columns, "rows": rows, "next": cursor}
