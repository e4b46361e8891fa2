"""The routing service's store: one assignment (with its SLA clock) per case, and officers' open loads."""
import logging

from pymongo.errors import DuplicateKeyError, PyMongoError

from services.routing.domain.assignment import OPEN_CLOCKS, load_claims
from shared.mongo import MongoDatabase
from shared.outbox import insert_with_events, update_with_events

log = logging.getLogger(__name__)


class StaleAssignment(Exception):
    """The assignment changed between read and write; the caller reads again."""


class AlreadyAssigned(Exception):
    """The case has an assignment already (a duplicate delivery of its filing routed it a moment ago)."""


class AssignmentStore:
    """Assignments by tracking ID, and one load document per officer:
    `{_id: officer id, open: <cases held>, cases: {<tracking id>: {rev, open}}}`. Each case's entry keeps the
    assignment `rev` of the last claim applied to it, so a claim applied again, late or out of order is a
    no-op: `open` always equals the number of entries with `open: true`."""

    def __init__(self, database):
        self.assignments = database.assignments
        self.loads = database.officer_loads

    def get(self, tracking_id):
        return self.assignments.find_one({"_id": tracking_id}, {"outbox": 0})

    def insert(self, assignment, events):
        try:
            self.assignments.insert_one(insert_with_events(assignment, events))
        except DuplicateKeyError:
            raise AlreadyAssigned(assignment["_id"]) from None

    def update(self, assignment, fields, events, history=None):
        """Guarded by `rev` (every write bumps it); `seq` counts the decisions published, so consumers
        can tell a late decision from a newer one."""
        update = {"$set": fields, "$inc": {"rev": 1, "seq": len(events)}}
        if history:
            update["$push"] = {"history": history}
        result = self.assignments.update_one({"_id": assignment["_id"], "rev": assignment["rev"]},
                                             update_with_events(update, events))
        if result.matched_count == 0:
            raise StaleAssignment(assignment["_id"])

    def due_clocks(self, now, limit=500):
        """Active clocks due for a reminder or past their deadline, and assignments whose load claims a
        crash may have left unapplied."""
        return list(self.assignments.find(
            {"$or": [{"state": "active", "deadline": {"$lte": now}},
                     {"state": "active", "reminded": False, "reminder_at": {"$lte": now}},
                     {"load_pending": True}]},
            {"outbox": 0, "history": 0}).limit(limit))

    def queue(self, officer_id):
        return list(self.assignments.find({"officer_id": officer_id, "state": {"$in": ["active", "paused"]}},
                                          {"outbox": 0, "history": 0}))

    # --- officers' loads ---------------------------------------------------------------------------

    def load(self, officer_id):
        found = self.loads.find_one({"_id": officer_id}, {"open": 1})
        return (found or {}).get("open", 0)

    def apply_load(self, tracking_id, rev, claims):
        """Apply the case's load claims as of assignment `rev`: +1 the officer holds it, -1 does not."""
        for officer_id, claim in claims.items():
            if claim > 0:
                self._hold(officer_id, tracking_id, rev)
            else:
                self._release(officer_id, tracking_id, rev)

    def load_settled(self, tracking_id, rev):
        """The claims of `rev` are applied (a newer write sets the flag again and settles its own)."""
        self.assignments.update_one({"_id": tracking_id, "rev": rev, "load_pending": True},
                                    {"$unset": {"load_pending": ""}})

    def count_loads_once(self):
        """On a database with no load documents yet (new, or upgraded from the per-officer counters that a
        crash could leave drifting), claim the holder of every open assignment. Safe to run twice or beside
        live writes: each claim carries its assignment's rev. Returns how many assignments it claimed."""
        if self.loads.find_one({}, {"_id": 1}) is not None:
            return 0
        claimed = 0
        for assignment in self.assignments.find({"state": {"$in": list(OPEN_CLOCKS)}},
                                                {"rev": 1, "officer_id": 1, "state": 1, "held_by": 1}):
            self.apply_load(assignment["_id"], assignment["rev"], load_claims(assignment))
            claimed += 1
        return claimed

    # Each step is one conditional single-document update; the first that matches does the work.
    def _hold(self, officer_id, tracking_id, rev):
        key = f"cases.{tracking_id}"
        entry = {"$set": {key: {"rev": rev, "open": True}}}
        if self._first_seen(officer_id, key, {**entry, "$inc": {"open": 1}}):
            return
        if self.loads.update_one({"_id": officer_id, f"{key}.rev": {"$lt": rev}, f"{key}.open": False},
                                 {**entry, "$inc": {"open": 1}}).matched_count:
            return
        self.loads.update_one({"_id": officer_id, f"{key}.rev": {"$lt": rev}}, entry)

    def _release(self, officer_id, tracking_id, rev):
        key = f"cases.{tracking_id}"
        entry = {"$set": {key: {"rev": rev, "open": False}}}
        if self.loads.update_one({"_id": officer_id, f"{key}.rev": {"$lt": rev}, f"{key}.open": True},
                                 {**entry, "$inc": {"open": -1}}).matched_count:
            return
        # Never counted here (its hold is late or never comes): a closed entry, so a late hold is ignored.
        if not self._first_seen(officer_id, key, entry):
            self.loads.update_one({"_id": officer_id, f"{key}.rev": {"$lt": rev}}, entry)

    def _first_seen(self, officer_id, key, update):
        """Apply `update` if the officer's document has no entry for the case (making the document if need
        be); False if it has one."""
        unseen = {"_id": officer_id, key: {"$exists": False}}
        try:
            result = self.loads.update_one(unseen, update, upsert=True)
        except DuplicateKeyError:  # the document was made meanwhile (for this case or another): no upsert now
            return self.loads.update_one(unseen, update).matched_count == 1
        return bool(result.matched_count or result.upserted_id is not None)


class AssignmentStorage(MongoDatabase):
    """Injects an AssignmentStore over the routing service's own database (the Outbox provider indexes
    `assignments` for its sweeps)."""
    indexes = {"assignments": [[("officer_id", 1), ("state", 1)], [("state", 1), ("deadline", 1)],
                               [("state", 1), ("reminder_at", 1)], [("load_pending", 1)]]}

    def start(self):
        super().start()
        try:
            claimed = AssignmentStore(self.database).count_loads_once()
        except PyMongoError as error:  # the store is not answering yet: the next start counts them
            log.warning("could not count officers' loads", extra={"error": type(error).__name__})
        else:
            if claimed:
                log.info("officers' loads counted from open assignments", extra={"assignments": claimed})

    def get_dependency(self, worker_ctx):
        return AssignmentStore(self.database)
