"""The intake service's store: cases of record (`grievances`), repeat-submission keys and filing counters."""
from datetime import datetime, timezone

from pymongo.errors import DuplicateKeyError

from services.intake.recent_writes import FromRecentWrites, RecentWrites
from shared import counters
from shared.mongo import MongoDatabase
from shared.outbox import guarded_update, insert_with_events


class ConcurrentUpdate(Exception):
    """The case changed between read and write; the caller reads again and retries."""


class GrievanceStore(FromRecentWrites):
    def __init__(self, database, recent=None):
        """`recent`: the process's memory of the cases it wrote (services/intake/recent_writes.py)."""
        self.recent = recent if recent is not None else RecentWrites()
        self.cases = database.grievances
        self.repeats = database.repeat_keys
        self.counters = database.filing_counters
        self.access_log = database.personal_data_reads
        self.idempotency = database.idempotency_keys
        self.own_cases = database.complainant_cases

    def insert(self, case, events):
        """Insert a new case with its first events; the document written (for the outbox relay). Raises
        DuplicateKeyError on a tracking-ID collision."""
        document = insert_with_events(case, events)
        self.cases.insert_one(document)
        self.recent.remember(document, self.cases.codec_options)
        return document

    def get(self, tracking_id):
        return self.cases.find_one({"_id": tracking_id}, {"outbox": 0})

    def apply(self, case, change, events, now):
        """Write one step: fields, timeline, versions and events in one atomic, version-guarded update.
        With events, the document's `_id` and `outbox` after the write (for the relay); else None."""
        update = {"$set": {**change.set, "updated_at": now}, "$inc": {"version": 1}}
        push = {}
        if change.timeline:
            push["timeline"] = {"$each": change.timeline}
        if change.versions:
            push["versions"] = {"$each": change.versions}
        if push:
            update["$push"] = push
        try:
            written = guarded_update(self.cases, {"_id": case["_id"], "version": case["version"]}, update, events,
                                     ConcurrentUpdate(case["_id"]))
        except ConcurrentUpdate:
            self.recent.forget(case["_id"])
            raise
        if written is None:
            self.recent.forget(case["_id"])  # written without events: no document back to remember
        else:
            self.recent.remember(written)
        return written

    # Left out of an export page: what snapshot() drops anyway, and the complainant's personal data.
    EXPORT_PROJECTION = {name: 0 for name in ("timeline", "versions", "outbox", "supporter_keys", "duplicate_key",
                                              "idempotency_key", "complainant", "complainant_key")}

    def export_page(self, after_id, limit):
        """Cases in `_id` order after `after_id`. On MongoDB the `_id` index serves this; FerretDB v1
        scans and sorts the collection for every page (see README, search: rebuild)."""
        query = {"_id": {"$gt": after_id}} if after_id else {}
        return list(self.cases.find(query, self.EXPORT_PROJECTION).sort("_id", 1).limit(limit))

    # A complainant's own cases: {_id: complainant key, cases: [{tracking_id, at}]} (domain/my_cases.py).
    def list_own_case(self, complainant_key, tracking_id, now):
        """Put a case on its complainant's list (before the case is inserted; one upsert)."""
        update = {"$addToSet": {"cases": {"tracking_id": tracking_id, "at": now}}}
        try:
            self.own_cases.update_one({"_id": complainant_key}, update, upsert=True)
        except DuplicateKeyError:  # two first filings raced to create the list: it exists now
            self.own_cases.update_one({"_id": complainant_key}, update)

    def list_existing_cases(self, key_of, page_size=500):
        """Put the cases filed before complainants' lists existed on their lists (idempotent: run again, it
        adds nothing). `key_of(case)` gives a case's complainant key. Returns how many were listed."""
        listed, after = 0, None
        while True:
            page = list(self.cases.find({"_id": {"$gt": after}} if after else {},
                                        {"complainant": 1, "complainant_key": 1, "created_at": 1})
                        .sort("_id", 1).limit(page_size))
            for case in page:
                key = key_of(case)
                if key is None or "complainant_key" in case:
                    continue
                self.list_own_case(key, case["_id"], case["created_at"])
                self.cases.update_one({"_id": case["_id"], "complainant_key": {"$exists": False}},
                                      {"$set": {"complainant_key": key}})
                listed += 1
            if len(page) < page_size:
                return listed
            after = page[-1]["_id"]

    def own_case_entries(self, complainant_key):
        found = self.own_cases.find_one({"_id": complainant_key})
        return found["cases"] if found else []

    def estimated_count(self):
        return self.cases.estimated_document_count()

    def log_personal_data_read(self, tracking_id, reader, now):
        self.access_log.insert_one({"tracking_id": tracking_id, "reader": reader["sub"], "role": reader["role"],
                                    "at": now, "what": "case"})

    def personal_data_reads(self, tracking_id):
        return list(self.access_log.find({"tracking_id": tracking_id}, {"_id": 0}).sort("at", 1))

    # Repeat keys: {_id: key, tracking_id, at}. A filing claims its key with a unique insert before it
    # inserts the case, so of two identical filings at once exactly one goes on to file.
    def claim_repeat(self, key, tracking_id, now):
        """Try to claim `key` for `tracking_id`: the claim in force afterwards (ours if it names our
        tracking ID), or None if another filing released it in between (then simply try again)."""
        return _claim(self.repeats, {"_id": key, "tracking_id": tracking_id, "at": now})

    def move_repeat(self, key, from_tracking_id, to_tracking_id, now):
        """Take over a stale claim, or point our own at a newly drawn tracking ID; True if it was ours to
        take (still naming `from_tracking_id`)."""
        return self.repeats.update_one({"_id": key, "tracking_id": from_tracking_id},
                                       {"$set": {"tracking_id": to_tracking_id, "at": now}}).matched_count == 1

    def release_repeat(self, key, tracking_id):
        """A filing that claimed the key and then did not file gives it back."""
        self.repeats.delete_one({"_id": key, "tracking_id": tracking_id})

    # Filing counters: {_id: month key, count}, bounded atomically (shared.counters).
    def reserve_filing(self, month_key, limit):
        return counters.take_slot(self.counters, month_key, limit)

    def count_filing(self, month_key):
        return counters.count_anyway(self.counters, month_key)

    def release_filing(self, month_key):
        counters.give_back(self.counters, month_key)

    # Idempotency keys: {_id: key id, fingerprint, tracking_id, owner, claimed_at, expires_at, answer}.
    def claim_idempotency_key(self, key, fingerprint, tracking_id, owner, now, keep_for):
        """Claim `key` for this request (one unique insert), or the claim in force already."""
        return _claim(self.idempotency, {"_id": key, "fingerprint": fingerprint, "tracking_id": tracking_id,
                                         "owner": owner, "claimed_at": now, "expires_at": now + keep_for,
                                         "answer": None})

    def take_over_idempotency_key(self, key, from_owner, to_owner, now):
        """A stale claim passes to a retry; True for exactly one of racing retries."""
        return self.idempotency.update_one(
            {"_id": key, "owner": from_owner, "answer": None},
            {"$set": {"owner": to_owner, "claimed_at": now}}).matched_count == 1

    def move_idempotency_key(self, key, owner, tracking_id):
        """Our claim names a newly drawn tracking ID (the first collided with another case)."""
        return self.idempotency.update_one({"_id": key, "owner": owner, "answer": None},
                                           {"$set": {"tracking_id": tracking_id}}).matched_count == 1

    def answer_idempotency_key(self, key, answer):
        self.idempotency.update_one({"_id": key, "answer": None}, {"$set": {"answer": answer}})

    def release_idempotency_key(self, key, owner):
        """A request that claimed its key and then filed nothing (refused) gives it back."""
        self.idempotency.delete_one({"_id": key, "owner": owner, "answer": None})

    def forget_idempotency_keys(self, now):
        return self.idempotency.delete_many({"expires_at": {"$lt": now}}).deleted_count


def _claim(collection, claim):
    """One unique insert: `claim` if it was ours to make, else the claim already in force (None if that
    was released in between)."""
    try:
        collection.insert_one(claim)
        return claim
    except DuplicateKeyError:
        return collection.find_one({"_id": claim["_id"]})


class GrievanceStorage(MongoDatabase):
    """Injects a GrievanceStore over the intake service's own database."""
    indexes = {"personal_data_reads": [[("tracking_id", 1), ("at", 1)]],
               "idempotency_keys": [[("expires_at", 1)]]}

    def setup(self):
        super().setup()
        self.recent = RecentWrites()  # one per process, shared by its workers

    def get_dependency(self, worker_ctx):
        return GrievanceStore(self.database, self.recent)


def utcnow():
    return datetime.now(timezone.utc)


__all__ = ["GrievanceStore", "GrievanceStorage", "ConcurrentUpdate", "DuplicateKeyError", "utcnow"]
