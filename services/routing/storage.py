"""The routing service's store: one assignment (with its SLA clock) per case, and officers' open loads."""
from shared.mongo import MongoDatabase
from shared.outbox import insert_with_events, update_with_events


class StaleAssignment(Exception):
    """The assignment changed between read and write; the caller reads again."""


class AssignmentStore:
    def __init__(self, database):
        self.assignments = database.assignments
        self.loads = database.officer_load

    def get(self, tracking_id):
        return self.assignments.find_one({"_id": tracking_id}, {"outbox": 0})

    def insert(self, assignment, events):
        self.assignments.insert_one(insert_with_events(assignment, events))

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
        return list(self.assignments.find(
            {"state": "active", "$or": [{"deadline": {"$lte": now}},
                                        {"reminded": False, "reminder_at": {"$lte": now}}]},
            {"outbox": 0, "history": 0}).limit(limit))

    def queue(self, officer_id):
        return list(self.assignments.find({"officer_id": officer_id, "state": {"$in": ["active", "paused"]}},
                                          {"outbox": 0, "history": 0}))

    def load(self, officer_id):
        found = self.loads.find_one({"_id": officer_id})
        return found["open"] if found else 0

    def change_load(self, officer_id, delta):
        if officer_id:
            self.loads.update_one({"_id": officer_id}, {"$inc": {"open": delta}}, upsert=True)


class AssignmentStorage(MongoDatabase):
    """Injects an AssignmentStore over the routing service's own database (the Outbox provider indexes
    `assignments` for its sweeps)."""
    indexes = {"assignments": [[("officer_id", 1), ("state", 1)], [("state", 1), ("deadline", 1)],  # vocabulary: field
                               [("state", 1), ("reminder_at", 1)]]}  # vocabulary: field

    def get_dependency(self, worker_ctx):
        return AssignmentStore(self.database)
