"""The grievance index: an index template with explicit mappings, a versioned index behind an alias that
every write and search goes through (so a rebuild can swap it with no downtime), and order-safe writes.

Personal data (the complainant's name, mobile, email, address) is never indexed: search results are
shown to officers who may not see it, and the case of record stays in intake.
"""
import re
from datetime import datetime

from anyascii import anyascii
from elasticsearch import ConflictError, helpers

from shared.config import index_name

ALIAS = "grievances"
KEYWORDS = ("tracking_id", "kind", "status", "category", "department", "district", "channel", "officer_id")
PLACE_KEYWORDS = ("block", "municipality", "ward", "panchayat")
DONE = ("resolved", "closed")

MAPPINGS = {
    "dynamic": "strict",
    "properties": {
        **{name: {"type": "keyword"} for name in KEYWORDS},
        "place": {"properties": {**{name: {"type": "keyword"} for name in PLACE_KEYWORDS},
                                 "district": {"type": "keyword"}, "geo": {"type": "geo_point"}}},
        "subject": {"type": "text", "analyzer": "standard", "fields": {"raw": {"type": "keyword", "ignore_above": 256}}},
        "description": {"type": "text", "analyzer": "standard"},
        # The same text in Latin letters, so "rasta kharap" finds "রাস্তা খারাপ" and "জল নেই" finds "jal nei".
        "subject_latin": {"type": "text", "analyzer": "standard"},
        "description_latin": {"type": "text", "analyzer": "standard"},
        # ...and its consonants only, since people spell vowels as they like ("nahi", "nahin", "nhim").
        "subject_skeleton": {"type": "text", "analyzer": "standard"},
        "description_skeleton": {"type": "text", "analyzer": "standard"},
        "level": {"type": "integer"},
        "urgent": {"type": "boolean"},
        "supporters": {"type": "integer"},
        "transfers": {"type": "integer"},
        "reopenings": {"type": "integer"},
        "rating": {"type": "integer"},
        "escalation_levels": {"type": "integer"},
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


def latin(text):
    """Bengali, Hindi (any script) in Latin letters, lower case: how people type it on a phone."""
    return anyascii(text or "").lower()


def skeleton(text):
    """The Latin text without vowels, word by word (a word of vowels only stays as it is)."""
    return " ".join(re.sub(r"[aeiouy'`]", "", word) or word for word in re.findall(r"\w+", latin(text)))


def alias(config):
    return index_name(config, ALIAS)


def ensure_index(es, config, generation=1):
    """The template, and the first index with the alias on it, unless they exist."""
    name = alias(config)
    settings = {"number_of_shards": int(config.get("ES_SHARDS", 1)),
                "number_of_replicas": int(config.get("ES_REPLICAS", 0))}  # 0 on the one-node dev cluster
    es.indices.put_index_template(name=name, index_patterns=[f"{name}-v*"], priority=100,
                                  template={"settings": settings, "mappings": MAPPINGS})
    if not es.indices.exists_alias(name=name):
        es.options(ignore_status=400).indices.create(index=f"{name}-v{generation}",
                                                     aliases={name: {"is_write_index": True}})
    es.cluster.health(index=name, wait_for_status="yellow", timeout="30s")  # its shard is ready for writes
    return name


def document(case):
    """What search keeps of an intake case snapshot."""
    doc = {key: case.get(key) for key in KEYWORDS + ("subject", "description", "level", "urgent", "supporters",
                                                      "transfers", "reopenings", "created_at", "updated_at",
                                                      "resolved_at", "sla_deadline", "version")}
    for field in ("subject", "description"):
        if doc.get(field):
            doc[f"{field}_latin"] = latin(doc[field])
            doc[f"{field}_skeleton"] = skeleton(doc[field])
    place = case.get("place") or {}
    doc["place"] = {key: place.get(key) for key in PLACE_KEYWORDS + ("district",)}
    if place.get("geo"):
        doc["place"]["geo"] = {"lat": place["geo"]["lat"], "lon": place["geo"]["lon"]}
    feedback = case.get("feedback") or []
    doc["rating"] = feedback[-1]["rating"] if feedback else None
    doc["escalation_levels"] = case.get("escalation_levels") or None
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


def bulk_index(es, config, cases, chunk_size=1000, on_chunk=None):
    """Index many cases with the `_bulk` API, order-safe as `index_case`; returns (written, older).
    `on_chunk(n)` is called after each chunk (progress)."""
    actions = ({"_index": alias(config), "_id": case["tracking_id"], "_version": case["version"],
                "_version_type": "external", "_source": document(case)} for case in cases)
    written = older = pending = 0
    for ok, item in helpers.streaming_bulk(es, actions, chunk_size=chunk_size, raise_on_error=False,
                                           max_retries=3, initial_backoff=1):
        if ok:
            written += 1
        elif item["index"].get("status") == 409:
            older += 1
        else:
            raise RuntimeError(f"indexing {item['index'].get('_id')} failed: {item['index'].get('error')}")
        pending += 1
        if on_chunk and pending == chunk_size:
            on_chunk(pending)
            pending = 0
    if on_chunk and pending:
        on_chunk(pending)
    return written, older
