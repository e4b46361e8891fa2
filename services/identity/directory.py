"""The officer directory (a part of the identity service): staff members' offices, contacts and status,
each change published as `staff.changed` through the accounts' outbox (routing builds its pools from it,
notification reaches staff with it). The rules are directory_records'; this part reads, writes and relays."""
from services.identity import directory_records as records
from services.identity.common import admin_only, utcnow
from services.identity.schemas import StaffDirectoryQuerySchema, StaffMemberSchema, StaffStatusChangeSchema
from services.identity.storage import IdentityStorage
from shared.contracts import event_data
from shared.errors import EXPECTED, Conflict, NotFound, ValidationFailed, validated
from shared.events import json_data, new_event
from shared.masking import mask_email, mask_mobile
from shared.outbox import Outbox
from shared.resilient_rpc import rpc

STAFF_CHANGED = "staff.changed"
MAX_ATTEMPTS = 5  # a change racing another one on the same record reads it again

_member_schema = StaffMemberSchema()
_status_schema = StaffStatusChangeSchema()
_query_schema = StaffDirectoryQuerySchema()


class Directory:
    store = IdentityStorage()
    outbox = Outbox("accounts")

    @rpc(expected_exceptions=EXPECTED)
    def put_staff_member(self, payload, actor):
        """Add a member to the directory (active), or change their name, role, contacts (same office)."""
        actor = admin_only(actor)
        member = validated(_member_schema, payload)
        sub = member.pop("sub")
        record, created = self._change(sub, lambda previous: records.member_fields(previous, member), actor)
        self.store.link_mobile(sub, record["mobile"])
        return {**view(record), "created": created}

    @rpc(expected_exceptions=EXPECTED)
    def set_staff_status(self, sub, payload, actor):
        """Put a member on leave (with a delegate), back to active, transfer them, or retire them."""
        actor = admin_only(actor)
        change = validated(_status_schema, payload)

        def fields(previous):
            delegate = self.store.account(change["delegate"]) if change.get("delegate") else None
            return records.status_fields(previous, change, delegate)

        record, _ = self._change(sub, fields, actor, must_exist=True)
        return view(record)

    @rpc(expected_exceptions=EXPECTED)
    def staff_member(self, sub, actor):
        admin_only(actor)
        record = self.store.account(sub)
        if record is None or not record.get("office"):
            raise NotFound(f"no member {sub} in the directory")
        return view(record)

    @rpc(expected_exceptions=EXPECTED)
    def staff_directory(self, actor, query=None):
        """The directory (an office's members with `department` and `district`), contacts masked."""
        admin_only(actor)
        query = validated(_query_schema, query or {})
        return [masked(view(record)) for record in self.store.directory(query["department"], query["district"])]

    def _change(self, sub, fields_for, actor, must_exist=False):
        """Read the record, ask the rules for the fields, write them with their event guarded by the record's
        seq, relay. The record as written and whether the member is new."""
        for _ in range(MAX_ATTEMPTS):
            previous = self.store.account(sub)
            if must_exist and (previous is None or not previous.get("office")):
                raise NotFound(f"no member {sub} in the directory")
            in_directory = previous is not None and previous.get("office") is not None
            try:
                fields = fields_for(previous if in_directory else None)
            except records.DirectoryError as error:
                raise (Conflict(error.message, {"fields": error.fields}) if error.conflict
                       else ValidationFailed(error.message, error.fields)) from None
            seq_before = previous.get(records.SEQ) if previous else None
            record = {**(previous or {}), **fields, "_id": sub}
            seq = (seq_before or 0) + 1
            event = new_event(STAFF_CHANGED, self.name, event_data(STAFF_CHANGED, json_data(
                records.staff_changed(record, seq))), subject=sub, correlation_id=self.correlation_id)
            self.outbox.mark(sub)
            if self.store.save_directory_record(sub, seq_before, fields, [event], utcnow()):
                self.outbox.relay(sub)
                self.store.audit("staff_changed", utcnow(), by=actor["sub"], sub=sub, seq=seq,
                                 state=record["status"]["state"], office=record["office"])
                return {**record, records.SEQ: seq}, not in_directory
        raise Conflict(f"{sub} is being changed by someone else; try again", {})


def view(record):
    """A member as the admin API shows them."""
    shown = {"sub": record["_id"], "name": record["name"], "role": record["role"], "office": record["office"],
             "contacts": record["contacts"], "status": json_data(record["status"]),
             "seq": record.get(records.SEQ)}
    if record.get("previous_office") and record["status"]["state"] == records.TRANSFERRED:
        shown["previous_office"] = record["previous_office"]
    return shown


def masked(member):
    contacts = dict(member["contacts"])
    contacts["mobile"] = mask_mobile(contacts["mobile"])
    if contacts.get("email"):
        contacts["email"] = mask_email(contacts["email"])
    return {**member, "contacts": contacts}
