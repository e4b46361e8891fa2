"""The intake service's store: cases of record (`grievances`), repeat-submission keys and filing counters."""
from datetime import datetime, timezone

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from shared.mongo import MongoDatabase
from shared.outbox import insert_with_events, update_with_events


class ConcurrentUpdate(Exception):
    """The case changed between read and write; the caller reads again and retries."""


class GrievanceStore:
    def __init__(self, database):
        self.cases = database.grievances
        self.repeats = database.repeat_keys
        self.counters = database.filing_counters
        self.access_log = database.personal_data_reads

    def insert(self, case, events):
        """Insert a new case with its first events. Raises DuplicateKeyError on a tracking-ID collision."""
        self.cases.insert_one(insert_with_events(case, events))

    def get(self, tracking_id):
        return self.cases.find_one({"_id": tracking_id}, {"outbox": 0})

    def apply(self, case, change, events, now):
        """Write one step: fields, timeline, versions and events in one atomic, version-guarded update."""
        update = {"$set": {**change.set, "updated_at": now}, "$inc": {"version": 1}}
        push = {}
        if change.timeline:
            push["timeline"] = {"$each": change.timeline}
        if change.versions:
            push["versions"] = {"$each": change.versions}
        if push:
            update["$push"] = push
        result = self.cases.update_one({"_id": case["_id"], "version": case["version"]},
                                       update_with_events(update, events))
        if result.matched_count == 0:
            raise ConcurrentUpdate(case["_id"])

    # Left out of an export page: what snapshot() drops anyway, and the complainant's personal data.
    EXPORT_PROJECTION = {name: 0 for name in ("timeline", "versions", "outbox", "supporter_keys", "duplicate_key",
                                              "complainant")}

    def export_page(self, after_id, limit):
        """Cases in `_id` order after `after_id`. On MongoDB the `_id` index serves this; FerretDB v1
        scans and sorts the collection for every page (see README, search: rebuild)."""
        query = {"_id": {"$gt": after_id}} if after_id else {}
        return list(self.cases.find(query, self.EXPORT_PROJECTION).sort("_id", 1).limit(limit))

    def estimated_count(self):
        return self.cases.estimated_document_count()

    def log_personal_data_read(self, tracking_id, reader, now):
        self.access_log.insert_one({"tracking_id": tracking_id, "reader": reader["sub"], "role": reader["role"],
                                    "at": now, "what": "case"})

    def personal_data_reads(self, tracking_id):
        return list(self.access_log.find({"tracking_id": tracking_id}, {"_id": 0}).sort("at", 1))

    def recent_repeat(self, key, since):
        found = self.repeats.find_one({"_id": key})
        if found and found["at"] >= since:
            return found["tracking_id"]
        return None

    def remember_repeat(self, key, tracking_id, now):
        self.repeats.replace_one({"_id": key}, {"_id": key, "tracking_id": tracking_id, "at": now}, upsert=True)

    def filings_this_month(self, month_key):
        found = self.counters.find_one({"_id": month_key})
        return found["count"] if found else 0

    def count_filing(self, month_key):
        return self.counters.find_one_and_update({"_id": month_key}, {"$inc": {"count": 1}}, upsert=True,
                                                 return_document=ReturnDocument.AFTER)["count"]


class GrievanceStorage(MongoDatabase):
    """Injects a GrievanceStore over the intake service's own database."""

    def get_dependency(self, worker_ctx):
        return GrievanceStore(self.database)


def utcnow():
    return datetime.now(timezone.utc)


__all__ = ["GrievanceStore", "GrievanceStorage", "ConcurrentUpdate", "DuplicateKeyError", "utcnow"]
