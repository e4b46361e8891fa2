"""The grievance index: an index template with explicit mappings, a versioned index behind an alias that
every write and search goes through (so a rebuild can swap it with no downtime), and order-safe writes.

Personal data (the complainant's name, mobile, email, address) is never indexed: search results are
shown to officers who may not see it, and the case of record stays in intake.
"""
from datetime import datetime

from anyascii import anyascii
from elasticsearch import ConflictError

from services.search import phonetic, synonyms
from shared.config import index_name
from shared.projections import free_text_for_staff
from shared.settings import settings_of
from shared.vocabulary import DONE_STATUSES, Status

ALIAS = "grievances"
BUILDING = "building"  # a rebuild's new index carries the alias <alias>-building until the swap
KEYWORDS = ("tracking_id", "kind", "status", "category", "department", "district", "channel", "officer_id")
PLACE_KEYWORDS = ("block", "municipality", "ward", "panchayat")
DONE = DONE_STATUSES

# What document() writes, as the index records it (_meta): 2 when the concepts a case names went into the
# `phonetic` field; 3 when keys kept a word's initial vowel and concepts sharing a key were told apart by
# spelling. An index of an older one answers, but its cases lack what queries now look for until a rebuild
# (`make reindex`); the bench reloads its index when this differs.
DOCUMENT_VERSION = 3

MAPPINGS = {
    "dynamic": "strict",
    "_meta": {"document": DOCUMENT_VERSION},
    "properties": {
        **{name: {"type": "keyword"} for name in KEYWORDS},
        "place": {"properties": {**{name: {"type": "keyword"} for name in PLACE_KEYWORDS},
                                 "district": {"type": "keyword"}, "geo": {"type": "geo_point"}}},
        "subject": {"type": "text", "analyzer": "standard", "fields": {"raw": {"type": "keyword", "ignore_above": 256}}},
        "description": {"type": "text", "analyzer": "standard"},  # language subfields: see mappings()
        # The same text in Latin letters, so "rasta kharap" finds "রাস্তা খারাপ" and "জল নেই" finds "jal nei".
        "subject_latin": {"type": "text", "analyzer": "standard"},
        "description_latin": {"type": "text", "analyzer": "standard"},
        # ...and as phonetic keys (services/search/phonetic.py), so "tubewell kharap", "tiubwel kharab" and
        # "টিউবওয়েল খারাপ" index the same words, with the catalogue's concepts the case names (synonyms.py:
        # "c_drinking_water" for পানীয় জল, पीने का पानी, drinking water...): subject and description in one
        # field, so a query looks up one term per word or concept. No positions (nothing is searched as a
        # phrase here) and no length norms (a long description says no less about its concepts); the
        # subject counted once (twice ranked a case that says it only in its description too low: dev
        # cross-script recall 0.898 against 0.905).
        "phonetic": {"type": "text", "analyzer": "whitespace", "index_options": "freqs", "norms": False},
        "level": {"type": "integer"},
        "urgent": {"type": "boolean"},
        # that the case has documents attached, never what they hold or are called
        "has_attachments": {"type": "boolean"},
        "supporters": {"type": "integer"},
        "transfers": {"type": "integer"},
        "reopenings": {"type": "integer"},
        "rating": {"type": "integer"},
        "escalation_levels": {"type": "integer"},
        "special_close_reason": {"type": "keyword"},  # only while the case stays special-closed
        # Derived when indexing (the local cluster has no scripting): for SLA compliance and resolution times.
        "sla_met": {"type": "boolean"},
        "resolution_hours": {"type": "float"},
        "created_at": {"type": "date"},
        "updated_at": {"type": "date"},
        "resolved_at": {"type": "date"},
        "sla_deadline": {"type": "date"},
        "version": {"type": "long"},
    },
}


# Language analyzers by subfield. They live in the full distribution's analysis-common module (bengali,
# hindi, english) and the analysis-icu plugin (icu_analyzer: Unicode word breaks for Bengali and Devanagari,
# normalisation and folding), which the integ-test zip (dev, CI) lacks: a subfield is mapped only when the
# cluster has its analyzer, and queries use only the subfields the index has (indexed_languages), so the
# same code runs on both.
LANGUAGES = {"bn": "bengali", "hi": "hindi", "en": "english", "icu": "icu_analyzer"}
TEXT_FIELDS = ("subject", "description")


def mappings(languages=()):
    """The explicit mapping, with `subject.<suffix>` and `description.<suffix>` for each language given."""
    properties = dict(MAPPINGS["properties"])
    for field in TEXT_FIELDS:
        spec = dict(properties[field])
        subfields = {**spec.get("fields", {}),
                     **{suffix: {"type": "text", "analyzer": LANGUAGES[suffix]} for suffix in languages}}
        if subfields:
            spec["fields"] = subfields
        properties[field] = spec
    return {**MAPPINGS, "properties": properties}


def available_languages(es):
    """The LANGUAGES suffixes whose analyzer this cluster has, asked with `_analyze` (exact, and cheap)."""
    found = []
    for suffix, analyzer in LANGUAGES.items():
        if "tokens" in es.options(ignore_status=400).indices.analyze(analyzer=analyzer, text="test"):
            found.append(suffix)
    return tuple(found)


def indexed_languages(mapping_response):
    """The language subfields every index in a `get_mapping` answer has on both text fields (pure)."""
    common = set(LANGUAGES)
    for index in mapping_response.values():
        properties = index["mappings"].get("properties", {})
        for field in TEXT_FIELDS:
            common &= set(properties.get(field, {}).get("fields", {}))
    return tuple(suffix for suffix in LANGUAGES if suffix in common) if mapping_response else ()


def latin(text):
    """Bengali, Hindi (any script) in Latin letters, lower case: how people type it on a phone."""
    return anyascii(text or "").lower()


def alias(config):
    return index_name(config, ALIAS)


def building_alias(config):
    return f"{alias(config)}-{BUILDING}"


def put_template(es, config, languages=None):
    """The index template every generation `<alias>-v<n>` is made from; returns the languages mapped."""
    name = alias(config)
    languages = available_languages(es) if languages is None else tuple(languages)
    settings = {"number_of_shards": settings_of(config).es_shards,
                "number_of_replicas": settings_of(config).es_replicas}  # 0 on the one-node dev cluster
    es.indices.put_index_template(name=name, index_patterns=[f"{name}-v*"], priority=100,
                                  template={"settings": settings, "mappings": mappings(languages)},
                                  meta={"languages": list(languages)})
    return languages


def ensure_index(es, config, generation=1, languages=None):
    """The template, and the first index with the alias on it, unless they exist."""
    name = alias(config)
    put_template(es, config, languages)
    if not es.indices.exists_alias(name=name):
        es.options(ignore_status=400).indices.create(index=f"{name}-v{generation}",
                                                     aliases={name: {"is_write_index": True}})
    add_missing_fields(es, name)
    es.cluster.health(index=name, wait_for_status="yellow", timeout="30s")  # its shard is ready for writes
    return name


def add_missing_fields(es, name):
    """Map the fields a newer release indexes (the phonetic ones) on an index made before it, since the
    mapping is strict: its writes would fail until a rebuild. Cases indexed before keep lacking them until
    the next rebuild (`make reindex`). Existing fields are left as they are."""
    for index, found in es.indices.get_mapping(index=name).items():
        missing = {field: spec for field, spec in MAPPINGS["properties"].items()
                   if field not in found["mappings"].get("properties", {})}
        if missing:
            es.indices.put_mapping(index=index, properties=missing)


def document(case):
    """What search keeps of an intake case snapshot."""
    doc = {key: case.get(key) for key in KEYWORDS + ("subject", "description", "level", "urgent", "supporters",
                                                      "transfers", "reopenings", "created_at", "updated_at",
                                                      "resolved_at", "sla_deadline", "version")}
    # staff who do not work a case search it too: numbers and addresses quoted in its text stay masked
    doc["subject"], doc["description"] = free_text_for_staff(case, doc.get("subject"), doc.get("description"))
    terms = []
    for field in ("subject", "description"):
        if doc.get(field):
            doc[f"{field}_latin"] = latin(doc[field])
            keyed = phonetic.keyed_words(doc[field])
            terms += [key for keys in keyed for key in keys] + synonyms.concepts_in(
                keyed, phonetic.keyed_spellings(doc[field]))
    doc["phonetic"] = " ".join(terms) or None
    place = case.get("place") or {}
    doc["place"] = {key: place.get(key) for key in PLACE_KEYWORDS + ("district",)}
    if place.get("geo"):
        doc["place"]["geo"] = {"lat": place["geo"]["lat"], "lon": place["geo"]["lon"]}
    feedback = case.get("feedback") or []
    doc["rating"] = feedback[-1]["rating"] if feedback else None
    doc["escalation_levels"] = case.get("escalation_levels") or None
    if case.get("status") == Status.SPECIAL_CLOSED:
        doc["special_close_reason"] = (case.get("special_close") or {}).get("reason")
    doc["has_attachments"] = bool(case.get("attachments"))
    doc.update(resolution_metrics(case))
    return {key: value for key, value in doc.items() if value is not None}


def resolution_metrics(case):
    """Hours from filing to resolution, and whether the first deadline was met (resolved in time at the
    level it was assigned to, never escalated). Nothing for a case not resolved (or reopened since)."""
    if case.get("status") not in DONE or not case.get("resolved_at"):
        return {}
    filed, resolved = _when(case["created_at"]), _when(case["resolved_at"])
    deadline = case.get("sla_deadline")
    met = not case.get("escalation_levels") and (not deadline or resolved <= _when(deadline))
    return {"resolution_hours": round((resolved - filed).total_seconds() / 3600, 3), "sla_met": met}


def _when(value):
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def index_case(es, config, case, refresh=False):
    """Write the case unless the index already has a newer version of it (late or replayed events).
    Returns False when the event was older than what is indexed."""
    try:
        es.index(index=alias(config), id=case["tracking_id"], document=document(case), version=case["version"],
                 version_type="external", refresh="wait_for" if refresh else None)
    except ConflictError:
        return False
    return True

