"""What notification keeps of the staff and of the cases it heard about (its own records: it reads no other
service's store).

- `staff`: identity's officer directory as `staff.changed` told it, one document per staff id, the record
  with the highest `seq` (an older or replayed event changes nothing: one conditional upsert).
  Its `opt_out` field holds the person's opt-outs (`sms`, `email`; in-app notices always stay), set by
  themselves, so a decision reads one document per person; an opt-out set before the directory told of the
  person makes a document of seq 0 that the directory's first record fills. (Kept in `staff_preferences`
  before; moved here at start-up.)
- `case_watch`: per tracking ID, where the case stands as routing's decisions and intake's events said: its
  office, officer, level, deadline, whether it breached, its status. Two guarded upserts, each on its own
  sequence (routing's `seq`, intake's case `version`). The daily digest counts from it.
- `digest_claims`: one document per person and day (`<staff id>:<date>`): its insert is the claim, so
  several replicas send one digest per person a day.
"""
from pymongo.errors import DuplicateKeyError

from shared.vocabulary import STOPPED_STATUSES


class StaffStore:
    def __init__(self, database):
        self.db = database

    # --- the directory ---------------------------------------------------------------------------

    def put_staff(self, record):
        """Keep `record` unless a newer (or the same) seq is kept already (the person's opt-outs stay). True
        when it was kept."""
        fields = {k: v for k, v in record.items() if k != "_id"}
        # One conditional upsert; its insert hits the taken _id (E11000) when a record as new or newer is kept.
        # The first refusal may instead be a racing first insert (an opt-out's): tried once more, the guard decides.
        for _ in range(2):
            try:
                done = self.db.staff.update_one({"_id": record["_id"], "seq": {"$lt": record["seq"]}},
                                                {"$set": fields}, upsert=True)
                return bool(done.modified_count or done.upserted_id)
            except DuplicateKeyError:
                continue
        return False

    def staff(self, staff_id):
        """The directory's record (its `opt_out` included); None for a person the directory has not told of."""
        found = self.db.staff.find_one({"_id": staff_id}) if staff_id else None
        return found if found and found.get("seq", 0) > 0 else None

    def staff_with_role(self, role):
        """A scan (FerretDB uses no secondary index): the directory is small, a few thousand people."""
        return list(self.db.staff.find({"role": role}))

    def staff_preferences(self, staff_id):
        found = self.db.staff.find_one({"_id": staff_id})
        return {"opt_out": found["opt_out"]} if found and "opt_out" in found else None

    def put_staff_preferences(self, staff_id, preferences, now):
        """One upsert of the person's document (a seq-0 one when the directory has not told of them yet)."""
        change = {"$set": {**preferences, "preferences_updated_at": now}, "$setOnInsert": {"seq": 0}}
        try:
            self.db.staff.update_one({"_id": staff_id}, change, upsert=True)
        except DuplicateKeyError:  # a racing first insert (the directory's or another opt-out's) made it
            self.db.staff.update_one({"_id": staff_id}, change)

    def move_preferences_into_staff(self, now):
        """Opt-outs kept in the old `staff_preferences` collection move onto the person's document (idempotent:
        each is deleted once moved)."""
        for old in list(self.db.staff_preferences.find()):
            self.put_staff_preferences(old["_id"], {"opt_out": old.get("opt_out", [])}, old.get("updated_at", now))
            self.db.staff_preferences.delete_one({"_id": old["_id"]})

    # --- the cases notification heard about --------------------------------------------------------

    def record_decision(self, decision, breached=False):
        """Routing's decision, kept when its seq is newer than the one kept. The officer it took the case from
        is the decision's own word (`previous_officer_id`), so nothing is read first. Whether the case breached
        is too (a fresh clock clears it); a decision published before routing said so can only set it
        (`breached`: an `sla_breached` one)."""
        fields = {"seq": decision["seq"], "officer_id": decision["officer_id"], "department": decision["department"],
                  "district": decision["district"], "category": decision["category"], "level": decision["level"],
                  "deadline": decision["deadline"]}
        if "breached" in decision or breached:
            fields["breached"] = decision.get("breached", breached)
        self._keep_if_newer(decision["tracking_id"], "seq", fields, {"version": 0})

    def record_case_status(self, case):
        """Intake's case status, kept when its version is newer (a case routing has not placed yet is
        inserted with seq 0: the digest leaves it out until routing's first decision)."""
        status = {"version": case["version"], "status": case["status"],
                  "open": case["status"] not in STOPPED_STATUSES}
        self._keep_if_newer(case["tracking_id"], "version", status, {"seq": 0})

    def _keep_if_newer(self, tracking_id, sequence, fields, on_insert):
        """Routing's decisions and intake's statuses each move the case's record on their own sequence. One
        conditional upsert: it updates an older record or inserts a new one; a record as new or newer makes its
        insert hit the taken _id (E11000). The first refusal may instead be a racing first insert (another event
        of the case): tried once more, the guard then decides."""
        for _ in range(2):
            try:
                self.db.case_watch.update_one({"_id": tracking_id, sequence: {"$lt": fields[sequence]}},
                                              {"$set": fields, "$setOnInsert": on_insert}, upsert=True)
                return
            except DuplicateKeyError:
                continue

    def watched_cases(self):
        """Every case routing placed (a scan, once a day for the digest)."""
        return list(self.db.case_watch.find({"seq": {"$gt": 0}}))

    # --- the daily digest ----------------------------------------------------------------------------

    def claim_digest(self, staff_id, day, now):
        """One atomic insert: True for the one caller that takes (person, day)."""
        try:
            self.db.digest_claims.insert_one({"_id": f"{staff_id}:{day}", "at": now})
        except DuplicateKeyError:
            return False
        return True
