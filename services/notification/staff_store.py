"""What notification keeps of the staff and of the cases it heard about (its own records: it reads no other
service's store).

- `staff`: identity's officer directory as `staff.changed` told it, one document per staff id, the record
  with the highest `seq` (an older or replayed event changes nothing: one conditional upsert).
- `staff_preferences`: a staff member's opt-outs (`sms`, `email`; in-app notices always stay).
- `case_watch`: per tracking ID, where the case stands as routing's decisions and intake's events said: its
  office, officer (and the one before), level, deadline, whether it breached, its status. Two guarded
  updates, each on its own sequence (routing's `seq`, intake's case `version`). The daily digest counts
  from it.
- `digest_claims`: one document per person and day (`<staff id>:<date>`): its insert is the claim, so
  several replicas send one digest per person a day.
"""
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from shared.vocabulary import STOPPED_STATUSES


class StaffStore:
    def __init__(self, database):
        self.db = database

    # --- the directory ---------------------------------------------------------------------------

    def put_staff(self, record):
        """Keep `record` unless a newer (or the same) seq is kept already. True when it was kept."""
        fields = {k: v for k, v in record.items() if k != "_id"}
        try:
            done = self.db.staff.update_one({"_id": record["_id"], "seq": {"$lt": record["seq"]}},
                                            {"$set": fields}, upsert=True)
        except DuplicateKeyError:  # it exists with this seq or a higher one
            return False
        return bool(done.modified_count or done.upserted_id)

    def staff(self, staff_id):
        return self.db.staff.find_one({"_id": staff_id}) if staff_id else None

    def staff_with_role(self, role):
        """A scan (FerretDB uses no secondary index): the directory is small, a few thousand people."""
        return list(self.db.staff.find({"role": role}))

    def staff_preferences(self, staff_id):
        return self.db.staff_preferences.find_one({"_id": staff_id}, {"_id": 0})

    def put_staff_preferences(self, staff_id, preferences, now):
        self.db.staff_preferences.replace_one({"_id": staff_id}, {"_id": staff_id, **preferences, "updated_at": now},
                                              upsert=True)

    # --- the cases notification heard about --------------------------------------------------------

    def record_decision(self, decision, breached):
        """Routing's decision, kept when its seq is newer; the officer it replaces becomes `previous_officer`
        (a compare-and-set on the seq read, or the insert of a case not seen before). Returns the case as kept
        after this decision: on a replay of the same decision, the same answer (its previous officer included);
        None for a decision older than the one kept."""
        tracking_id, seq = decision["tracking_id"], decision["seq"]
        for _ in range(20):
            current = self.db.case_watch.find_one({"_id": tracking_id})
            if current is not None and current.get("seq", 0) >= seq:
                return current if current["seq"] == seq else None
            fields = {"seq": seq, "officer_id": decision["officer_id"], "department": decision["department"],
                      "district": decision["district"], "category": decision["category"],
                      "level": decision["level"], "deadline": decision["deadline"],
                      "previous_officer": (current or {}).get("officer_id")}
            if breached:
                fields["breached"] = True
            if current is None:
                try:
                    self.db.case_watch.insert_one({"_id": tracking_id, "version": 0, **fields})
                    return {"_id": tracking_id, **fields}
                except DuplicateKeyError:  # an event of the same case came first: read it again
                    continue
            kept = self.db.case_watch.find_one_and_update({"_id": tracking_id, "seq": current.get("seq", 0)},
                                                          {"$set": fields}, return_document=ReturnDocument.AFTER)
            if kept is not None:
                return kept
        return None

    def record_case_status(self, case):
        """Intake's case status, kept when its version is newer (a case routing has not placed yet is
        inserted with seq 0: the digest leaves it out until routing's first decision)."""
        status = {"version": case["version"], "status": case["status"],
                  "open": case["status"] not in STOPPED_STATUSES}
        # One conditional upsert: it updates an older record or inserts a new one; a record as new or newer
        # makes its insert hit the taken _id (E11000). The first refusal may instead be a racing first insert
        # (another event of the case, or routing's decision): tried once more, the guard then decides.
        for _ in range(2):
            try:
                self.db.case_watch.update_one({"_id": case["tracking_id"], "version": {"$lt": case["version"]}},
                                              {"$set": status, "$setOnInsert": {"seq": 0}}, upsert=True)
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
