"""Officer search: the request schema and the Elasticsearch query it becomes. Pure: no I/O.

Free text goes into `multi_match` (never `query_string`), so a query cannot inject search syntax.
Results are scoped on the server: officers and supervisors see their department in their districts, the
CMO cell sees everything, citizens do not search (they follow their own cases by tracking ID).
"""
import base64
import json
import math

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from services.search import synonyms
from shared.actors import is_machine_client, limits
from shared.authz import allowed
from shared.catalog import categories, departments, districts
from shared.validators import REAL_UTC_OFFSET
from shared.vocabulary import (
    ALL_DEPARTMENTS,
    ALL_DISTRICTS,
    CHANNELS,
    CLOCK_RUNNING_STATUSES,
    KINDS,
    OPEN_STATUSES,
    STATE_OFFICE,
    STATUSES,
)

FACETS = {"status": "status", "department": "department", "district": "place.district", "block": "place.block",
          "municipality": "place.municipality", "category": "category", "channel": "channel", "kind": "kind",
          "level": "level"}
OPEN = OPEN_STATUSES
RUNNING = CLOCK_RUNNING_STATUSES
SORTS = {
    "relevance": [{"_score": "desc"}, {"tracking_id": "asc"}],
    "newest": [{"created_at": "desc"}, {"tracking_id": "asc"}],
    "oldest": [{"created_at": "asc"}, {"tracking_id": "asc"}],
    "sla": [{"sla_deadline": {"order": "asc", "missing": "_last"}}, {"tracking_id": "asc"}],
}
MAX_PAGE = 100
PHONETIC_FIELD = "phonetic"  # every key of the case and the concepts it names (index.document)
# A query of up to two words (or concepts) needs them all; up to four may miss a third of them, a longer one
# (an officer describing the complaint in a sentence) two in five.
PHONETIC_MATCH = "2<-34% 4<-40%"


class SearchSchema(Schema):
    class Meta:
        unknown = RAISE

    q = fields.Str(load_default="", validate=validate.Length(max=200))
    status = fields.List(fields.Str(validate=validate.OneOf(STATUSES)), load_default=list)
    department = fields.List(fields.Str(validate=validate.OneOf(list(departments()))), load_default=list)
    district = fields.List(fields.Str(validate=validate.OneOf(districts() + [STATE_OFFICE])), load_default=list)
    block = fields.List(fields.Str(validate=validate.Length(1, 100)), load_default=list,
                        validate=validate.Length(max=50))
    municipality = fields.List(fields.Str(validate=validate.Length(1, 100)), load_default=list,
                               validate=validate.Length(max=50))
    category = fields.List(fields.Str(validate=validate.OneOf(list(categories()))), load_default=list)
    channel = fields.List(fields.Str(validate=validate.OneOf(CHANNELS)),
                          load_default=list)
    kind = fields.List(fields.Str(validate=validate.OneOf(KINDS)), load_default=list)
    level = fields.List(fields.Int(validate=validate.Range(1, 4)), load_default=list)
    urgent = fields.Bool(load_default=None, allow_none=True)
    breached = fields.Bool(load_default=None, allow_none=True)
    filed_from = fields.AwareDateTime(load_default=None, allow_none=True, validate=REAL_UTC_OFFSET)
    filed_to = fields.AwareDateTime(load_default=None, allow_none=True, validate=REAL_UTC_OFFSET)
    sort = fields.Str(load_default="relevance", validate=validate.OneOf(tuple(SORTS)))
    size = fields.Int(load_default=20, validate=validate.Range(1, MAX_PAGE))
    after = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=500))


def decode_cursor(cursor, sort):
    """The `search_after` values of a cursor this service made for `sort`: one per sort clause, numbers
    (scores, epoch milliseconds, counts, within Elasticsearch's long) and then the tracking ID. A tampered
    cursor is a 400 naming `after`, never a query Elasticsearch refuses."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, UnicodeDecodeError, RecursionError):
        values = None
    if not (isinstance(values, list) and len(values) == len(sort) and all(map(_sort_number, values[:-1]))
            and isinstance(values[-1], str) and len(values[-1]) <= 64):
        raise ValidationError({"after": ["Not a cursor from an earlier page."]})
    return values


def _sort_number(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return math.isfinite(value) and -(2 ** 63) <= value < 2 ** 63


def encode_cursor(values):
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def scope_filter(actor):
    """What this caller may see, as filters; None: nothing."""
    if allowed(actor, "cases.read_all"):
        return []
    if allowed(actor, "cases.read_in_scope") and actor.get("department"):
        filters = [{"term": {"department": actor["department"]}}]
        if ALL_DISTRICTS not in actor.get("districts", []):
            filters.append({"terms": {"place.district": actor.get("districts", [])}})
        return filters
    if is_machine_client(actor):  # its departments and districts (none: nothing); what it filed is read in intake
        their_departments, their_districts = limits(actor)
        filters = [] if ALL_DEPARTMENTS in their_departments else [{"terms": {"department": their_departments}}]
        if ALL_DISTRICTS not in their_districts:
            filters.append({"terms": {"place.district": their_districts}})
        return filters
    return None


def overdue_filter(now_iso):
    """Past the SLA deadline with the clock still running."""
    return {"bool": {"filter": [{"range": {"sla_deadline": {"lt": now_iso}}}, {"terms": {"status": list(RUNNING)}}]}}


def filed_window(params):
    """The `filed_from`/`filed_to` window on the filing date, as filters."""
    dates = {k: v.isoformat() for k, v in (("gte", params.get("filed_from")), ("lte", params.get("filed_to"))) if v}
    return [{"range": {"created_at": dates}}] if dates else []


def build(params, actor, now_iso, languages=()):
    """The search body. `languages`: the language subfields the index has (index.indexed_languages):
    none on the local integ-test cluster, `bn`, `hi`, `en` where analysis-common is installed."""
    filters = list(scope_filter(actor) or [])
    for name, field in FACETS.items():
        if params[name]:
            filters.append({"terms": {field: params[name]}})
    if params["urgent"] is not None:
        filters.append({"term": {"urgent": params["urgent"]}})
    overdue = overdue_filter(now_iso)
    if params["breached"] is not None:
        filters.append(overdue if params["breached"] else {"bool": {"must_not": [overdue]}})
    filters += filed_window(params)
    text = params["q"].strip()
    must = []
    if text:
        # the clauses' scores add up (a bool, not a dis_max with a tie breaker: the same order on the
        # evaluation set, and Elasticsearch can skip cases that cannot reach the top: half the cost)
        must.append({"bool": {"minimum_should_match": 1, "should": [
            # every word, the last one also as a prefix (typing "drinking wat"); no phrase clause: it changed
            # nothing on the evaluation set and cost a tenth of the query. Not when every word is a concept
            # the phonetic clause names in one term: each case that has the words has the concept
            *([] if synonyms.all_concepts(text) else [
                {"multi_match": {"query": text, "fields": ["subject^2", "description"], "type": "bool_prefix",
                                 "operator": "and"}}]),
            # across scripts, spellings and languages: each word by phonetic key, each concept by the one
            # term cases that say it in any way carry (this also absorbs most typos: no fuzzy text clause)
            *across_languages(text),
            # each language's own analyzer (stemming, stop words), where the cluster has them
            *([{"multi_match": {"query": text, "operator": "and",
                                "fields": [f"subject.{suffix}^2" for suffix in languages]
                                + [f"description.{suffix}" for suffix in languages]}}] if languages else []),
        ]}})
    sort = SORTS[params["sort"] if text or params["sort"] != "relevance" else "newest"]
    body = {
        "query": {"bool": {"must": must or [{"match_all": {}}], "filter": filters}},
        "sort": sort,
        "size": params["size"],
        "aggs": {**{name: {"terms": {"field": field, "size": 50 if name in ("block", "municipality") else 30}}
                    for name, field in FACETS.items()},
                 "breached": {"filters": {"filters": {"true": overdue, "false": {"bool": {"must_not": [overdue]}}}}},
                 "urgent": {"terms": {"field": "urgent"}}},
        "highlight": {"fields": {"subject": {}, "description": {"fragment_size": 120, "number_of_fragments": 2}},
                      # misspelt words too: fuzzy costs little here, on the page of hits alone
                      **({"highlight_query": {"multi_match": {"query": text, "fields": ["subject", "description"],
                                                              "fuzziness": "AUTO"}}} if text else {})},
        "track_total_hits": True,
    }
    if params["after"]:
        body["search_after"] = decode_cursor(params["after"], sort)
    return body


def across_languages(text):
    """The query by phonetic key, each word or concept as any of its spellings, scripts and synonyms
    (synonyms.groups): one clause, or none for a query with no words left (punctuation, stop words).
    A concept is one term, the token cases that name it in any way are indexed with; another word is its
    keys (fuzzy for a word as typed: it may be misspelt)."""
    required, weak = [], []
    for group in synonyms.groups(text):
        (weak if synonyms.is_weak(group) else required).append(_group_clause(group))
    if not required:
        return []
    return [{"bool": {"must": [{"bool": {"should": required, "minimum_should_match": PHONETIC_MATCH}}],
                      "should": weak}}]


def _group_clause(group):
    """A concept: the one term cases that say it in any way are indexed with, or its words each so ("bijli
    nahi": power cut, or electricity and a negation), or a word written together with its neighbour ("nol
    kup": tap, or "nolkup"). Another word: any of its keys (fuzzily as typed: it may be misspelt), or
    written together with a neighbour."""
    if not group.concept:
        options = [_keys_clause(keys) for keys in group]
    else:
        options = [{"term": {PHONETIC_FIELD: group.concept}}]
        if group.parts:
            options.append({"bool": {"must": [_group_clause(part) for part in group.parts]}})
        options += [_keys_clause(keys) for keys in group.joined]
        options += [_keys_clause(keys) for keys in group if isinstance(keys, synonyms.Typed)]  # a typo's concept
    return options[0] if len(options) == 1 else {"dis_max": {"queries": options}}


def _keys_clause(keys):
    """Term-level: the keys are already what the field indexes, so no analysis, one postings list each."""
    if isinstance(keys, synonyms.Typed):
        terms = [{"fuzzy": {PHONETIC_FIELD: {"value": key, "fuzziness": "AUTO:4,7", "prefix_length": 1}}}
                 for key in keys]
    else:
        terms = [{"term": {PHONETIC_FIELD: key}} for key in keys]
    return terms[0] if len(terms) == 1 else {"bool": {"must": terms}}


def facet_counts(aggregation):
    """{value: count} of a terms or filters aggregation (booleans as "true"/"false")."""
    buckets = aggregation["buckets"]
    if isinstance(buckets, dict):
        return {key: bucket["doc_count"] for key, bucket in buckets.items()}
    return {bucket.get("key_as_string", bucket["key"]): bucket["doc_count"] for bucket in buckets}
