"""The routing service's store: one assignment (with its SLA clock) per case, and officers' open loads."""
import logging
from datetime import datetime, timedelta, timezone

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError, PyMongoError

from services.routing.domain.assignment import OPEN_CLOCKS
from services.routing.domain.officers import office_key
from services.routing.load_readings import LoadReadings
from shared.mongo import MongoDatabase
from shared.outbox import guarded_update, insert_with_events
from shared.vocabulary import StaffState

log = logging.getLogger(__name__)

CLAIMS_KEPT = timedelta(minutes=15)


class StaleAssignment(Exception):
    """The assignment changed between read and write; the caller reads again."""


class AlreadyAssigned(Exception):
    """The case has an assignment already (a duplicate delivery of its filing routed it a moment ago)."""


class AssignmentStore:
    """Assignments by tracking ID, and one small load document per officer: `{_id: officer id, open: <cases
    held>, claims: {<claim id>: applied at}}`. A write that moves a case between officers records its load
    claims in the assignment (`load_pending`, in the same guarded update); they are then applied to the
    counters, each at most once (its id is kept beside the counter for CLAIMS_KEPT), and cleared."""

    def __init__(self, database, readings=None):
        self.assignments = database.assignments
        self.loads = database.officer_loads
        self.staff = database.staff
        self.readings = readings or LoadReadings(fresh_seconds=0)  # none given: every load is read

    def get(self, tracking_id):
        return self.assignments.find_one({"_id": tracking_id}, {"outbox": 0})

    def insert(self, assignment, events):
        """The document written (for the outbox relay)."""
        document = insert_with_events(assignment, events)
        try:
            self.assignments.insert_one(document)
        except DuplicateKeyError:
            raise AlreadyAssigned(assignment["_id"]) from None
        return document

    def update(self, assignment, fields, events, history=None):
        """Guarded by `rev` (every write bumps it); `seq` counts the decisions published, so consumers
        can tell a late decision from a newer one. With events, the document's `_id` and `outbox` after the
        write (the same one operation answers them, for the relay); else None."""
        update = {"$set": fields, "$inc": {"rev": 1, "seq": len(events)}}
        if history:
            update["$push"] = {"history": history}
        return guarded_update(self.assignments, {"_id": assignment["_id"], "rev": assignment["rev"]}, update, events,
                              StaleAssignment(assignment["_id"]))

    def due_clocks(self, now, limit=500):
        """Active clocks due for a reminder or past their deadline, and assignments whose load claims a
        crash may have left unapplied."""
        return list(self.assignments.find(
            {"$or": [{"state": "active", "deadline": {"$lte": now}},
                     {"state": "active", "reminded": False, "reminder_at": {"$lte": now}},
                     {"load_pending": {"$exists": True}}]},
            {"outbox": 0, "history": 0}).limit(limit))

    def queue(self, officer_id):
        return list(self.assignments.find({"officer_id": officer_id, "state": {"$in": ["active", "paused"]}},
                                          {"outbox": 0, "history": 0}))

    def office_open(self, department, district):
        """Every open assignment of an office's cases (a scan of the assignments: the office page's count must
        be exact, and FerretDB looks up only `_id` without one), with what the office's load needs."""
        return self.assignments.find({"department": department, "district": district, "state": {"$in": list(OPEN_CLOCKS)}},
                                     {"officer_id": 1, "officer_name": 1, "level": 1, "state": 1, "deadline": 1})

    # --- the officer directory (identity's staff.changed, the highest seq per member) ----------------

    def record_staff(self, record):
        """Keep a member's record if it is newer than the one kept (one conditional upsert: a replayed or
        late event changes nothing). The record it replaced ({} for a new member), or None when it is not
        newer."""
        fields = {**record, "pool": office_key(record["office"])}
        try:
            before = self.staff.find_one_and_update({"_id": record["staff_id"], "seq": {"$lt": record["seq"]}},
                                                    {"$set": fields}, upsert=True)
        except DuplicateKeyError:  # kept already with this seq or a higher one
            return None
        return before or {}

    def staff_record(self, staff_id):
        return self.staff.find_one({"_id": staff_id})

    def pool_records(self, key):
        return list(self.staff.find({"pool": key}))

    def on_leave_records(self):
        return list(self.staff.find({"status.state": StaffState.ON_LEAVE}))

    def directory_records(self):
        return list(self.staff.find({}))

    # --- officers' loads ---------------------------------------------------------------------------

    def load(self, officer_id):
        """The officer's open cases, for picking (load_readings.py: it may be a moment old)."""
        known = self.readings.get(officer_id)
        if known is not None:
            return known
        stamp = self.readings.stamp()
        found = self.loads.find_one({"_id": officer_id}, {"open": 1})
        open_cases = (found or {}).get("open", 0)
        self.readings.read(officer_id, open_cases, stamp)
        return open_cases

    def apply_load(self, claims, now):
        """Apply each claim `{officer_id, delta, claim}` to the officer's counter once: the counter and the
        claim's id change in one conditional update, so a claim applied again does nothing."""
        for claim in claims:
            key = f"claims.{claim['claim']}"
            unseen = {"_id": claim["officer_id"], key: {"$exists": False}}
            update = {"$inc": {"open": claim["delta"]}, "$set": {key: now}}
            try:
                after = self.loads.find_one_and_update(unseen, update, upsert=True,
                                                       return_document=ReturnDocument.AFTER)
            except DuplicateKeyError:  # the document was made meanwhile (for this claim or another)
                after = self.loads.find_one_and_update(unseen, update, return_document=ReturnDocument.AFTER)
            if after is not None:
                self.readings.changed(after["_id"], after["open"])
                self._forget_claims(after, now)

    def _forget_claims(self, officer, now):
        """Drop the ids of claims applied long ago, so an officer's document stays small. A claim is applied
        again only by a settle that follows a crash (seconds later: the next delivery or clock check)."""
        old = [name for name, at in (officer.get("claims") or {}).items() if at < now - CLAIMS_KEPT]
        if old:
            self.loads.update_one({"_id": officer["_id"]}, {"$unset": {f"claims.{name}": "" for name in old}})

    def load_settled(self, tracking_id, rev):
        """The claims pending on the assignment at `rev` are applied (a newer write keeps the ones it has not
        seen applied and settles them itself)."""
        self.assignments.update_one({"_id": tracking_id, "rev": rev, "load_pending": {"$exists": True}},
                                    {"$unset": {"load_pending": ""}})

    def count_loads_once(self, now):
        """On a database with no load documents yet (new, or upgraded from the counters that a crash could
        leave drifting), count the holder of every open assignment. Returns how many it counted."""
        if self.loads.find_one({}, {"_id": 1}) is not None:
            return 0
        counted = 0
        for assignment in self.assignments.find({"state": {"$in": list(OPEN_CLOCKS)}}, {"officer_id": 1}):
            self.apply_load([{"officer_id": assignment["officer_id"], "delta": 1,
                              "claim": f"{assignment['_id']}~counted"}], now)
            counted += 1
        return counted


class AssignmentStorage(MongoDatabase):
    """Injects an AssignmentStore over the routing service's own database (the Outbox provider indexes
    `assignments` for its sweeps)."""
    indexes = {"assignments": [[("officer_id", 1), ("state", 1)], [("state", 1), ("deadline", 1)],  # vocabulary: field
                               [("state", 1), ("reminder_at", 1)], [("load_pending", 1)]],  # vocabulary: field
               "staff": [[("pool", 1)]]}

    def start(self):
        super().start()
        try:
            claimed = AssignmentStore(self.database).count_loads_once(datetime.now(timezone.utc))
        except PyMongoError as error:  # the store is not answering yet: the next start counts them
            log.warning("could not count officers' loads", extra={"error": type(error).__name__})
        else:
            if claimed:
                log.info("officers' loads counted from open assignments", extra={"assignments": claimed})

    def setup(self):
        super().setup()
        self.readings = LoadReadings()  # shared by the process's workers

    def get_dependency(self, worker_ctx):
        return AssignmentStore(self.database, self.readings)
