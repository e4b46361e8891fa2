"""In-memory stand-ins of the routing service's store and outbox, with the same contract as AssignmentStore
(version-guarded writes; each load claim counted once)."""
import copy

from services.routing.domain.assignment import OPEN_CLOCKS
from services.routing.domain.officers import office_key
from services.routing.storage import AlreadyAssigned, StaleAssignment


class MemoryAssignmentStore:
    def __init__(self):
        self.assignments = {}
        self.outboxes = {}
        self.loads = {}  # officer id -> open cases
        self.claims = {}  # officer id -> ids of the claims applied
        self.fail_next_load = False
        self.fail_next_settled = False
        self.staff = {}  # staff id -> the directory record kept (the highest seq)

    def get(self, tracking_id):
        found = self.assignments.get(tracking_id)
        return copy.deepcopy(found) if found else None

    def insert(self, assignment, events):
        if assignment["_id"] in self.assignments:
            raise AlreadyAssigned(assignment["_id"])
        self.assignments[assignment["_id"]] = copy.deepcopy(assignment)
        self.outboxes[assignment["_id"]] = list(events)
        return {"_id": assignment["_id"], "outbox": list(events)}

    def update(self, assignment, fields, events, history=None):
        stored = self.assignments[assignment["_id"]]
        if stored["rev"] != assignment["rev"]:
            raise StaleAssignment(assignment["_id"])
        stored.update(copy.deepcopy(fields))
        stored["rev"] += 1
        stored["seq"] += len(events)
        if history:
            stored.setdefault("history", []).append(history)
        self.outboxes.setdefault(assignment["_id"], []).extend(events)
        return {"_id": assignment["_id"], "outbox": list(self.outboxes[assignment["_id"]])} if events else None

    def due_clocks(self, now, limit=500):
        due = [a for a in self.assignments.values()
               if (a["state"] == "active" and (a["deadline"] <= now or (not a["reminded"] and a["reminder_at"] <= now)))
               or a.get("load_pending")]
        return copy.deepcopy(due[:limit])

    def queue(self, officer_id):
        return [copy.deepcopy(a) for a in self.assignments.values()
                if a["officer_id"] == officer_id and a["state"] in OPEN_CLOCKS]

    def load(self, officer_id):
        return self.loads.get(officer_id, 0)

    def apply_load(self, claims, now):
        if self.fail_next_load:
            self.fail_next_load = False
            raise RuntimeError("crashed between the assignment write and the load write")
        for claim in claims:
            applied = self.claims.setdefault(claim["officer_id"], set())
            if claim["claim"] not in applied:
                applied.add(claim["claim"])
                self.loads[claim["officer_id"]] = self.load(claim["officer_id"]) + claim["delta"]

    def load_settled(self, tracking_id, rev):
        if self.fail_next_settled:
            self.fail_next_settled = False
            raise RuntimeError("crashed after the load write, before the claims were cleared")
        stored = self.assignments[tracking_id]
        if stored["rev"] == rev:
            stored.pop("load_pending", None)

    # what tests check
    def record_staff(self, record):
        kept = self.staff.get(record["staff_id"])
        if kept is not None and kept["seq"] >= record["seq"]:
            return None
        self.staff[record["staff_id"]] = copy.deepcopy(record)
        return kept or {}

    def staff_record(self, staff_id):
        return copy.deepcopy(self.staff.get(staff_id))

    def pool_records(self, key):
        return [copy.deepcopy(r) for r in self.staff.values() if office_key(r["office"]) == key]

    def on_leave_records(self):
        return [copy.deepcopy(r) for r in self.staff.values() if r["status"]["state"] == "on_leave"]

    def open_cases(self, officer_id):
        return len(self.queue(officer_id))

    def events(self, tracking_id):
        return [event["type"] for event in self.outboxes.get(tracking_id, [])]


class RecordingOutbox:
    def __init__(self):
        self.relayed = []

    def relay_written(self, document):
        self.relayed.append(document["_id"])

    def relay_written_and(self, document, guard, update):
        """Relays, never makes the caller's change (the store stand-in clears its claims itself)."""
        self.relayed.append(document["_id"])
        return False
