"""The officer directory as plain data: which offices exist, what a status change does to a staff member's
record, and the `staff.changed` data that describes it.

Pure: no I/O, no clock. Each function takes the stored record (a dict, as in identity's `accounts`) and
what was asked, and returns the fields to set or raises DirectoryError naming the field at fault.

An office is a seat where cases are worked: a department in a district at levels 1 and 2, the department's
state office at level 3 (and at every level for a statewide department such as the cyber cell), the CMO
cell at level 4. Statuses: active; on_leave from-until with an optional delegate (an active member of the
same office); transferred (`office` is the new one, `previous_office` the old one); retired (final).
"""
from typing import Any, Mapping

from services.routing.domain.rules import STATEWIDE_DEPARTMENTS
from shared.authz import allowed
from shared.vocabulary import (
    ALL_DISTRICTS,
    CMO_CELL_DEPARTMENT,
    STAFF_STATES,
    STATE_OFFICE,
    TOP_LEVEL,
    Role,
    StaffState,
)

ACTIVE, ON_LEAVE, TRANSFERRED, RETIRED = StaffState
STATES = STAFF_STATES
DIRECTORY_ROLES = (Role.OFFICER, Role.SUPERVISOR, Role.CMO_CELL)
SEQ = "directory_seq"  # counts the record's changes: each one is published with it (`seq` per staff id)

Record = Mapping[str, Any]


class DirectoryError(Exception):
    """A change the directory refuses; `fields` names what is at fault (marshmallow's shape)."""

    def __init__(self, message: str, fields: dict[str, list[str]], conflict: bool = False):
        super().__init__(message)
        self.message, self.fields, self.conflict = message, fields, conflict


def office_errors(office: Mapping[str, Any], role: str, prefix: str = "office") -> dict[str, list[str]]:
    """What is wrong with an office for a staff member of `role` (empty: nothing). Departments and districts
    are already known ones (the schema checks them)."""
    department, district, level = office["department"], office["district"], office["level"]
    cell = department == CMO_CELL_DEPARTMENT
    if allowed({"role": role}, "directory.sits_in_cmo_cell") and not cell:
        return {prefix: ["The CMO cell's staff work in the cmo_cell office (cmo_cell, state, level 4)."]}
    if cell != (level == TOP_LEVEL):
        return {prefix: ["Level 4 is the CMO cell's (cmo_cell, state) and the CMO cell works at level 4 only."]}
    if (cell or level == 3 or department in STATEWIDE_DEPARTMENTS) and district != STATE_OFFICE:
        return {f"{prefix}.district": [f"{department} works level {level} from its state office: district "
                                       f"'{STATE_OFFICE}'."]}
    if not (cell or level == 3 or department in STATEWIDE_DEPARTMENTS) and district == STATE_OFFICE:
        return {f"{prefix}.district": [f"Level {level} of {department} works in a district, not '{STATE_OFFICE}'."]}
    return {}


def same_office(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return all(a[k] == b[k] for k in ("department", "district", "level"))


def account_scope(office: Mapping[str, Any]) -> dict[str, Any]:
    """The account's department and districts (what authorisation reads) for its office."""
    whole_state = office["district"] == STATE_OFFICE
    return {"department": office["department"], "districts": [ALL_DISTRICTS] if whole_state else [office["district"]]}


def member_fields(previous: Record | None, member: Mapping[str, Any]) -> dict[str, Any]:
    """Create a member, or change a member's name, role, contacts and office. Moving an existing member to
    another office is a transfer (the status change says why); a retired member is not changed."""
    errors = office_errors(member["office"], member["role"])
    if errors:
        raise DirectoryError("the office does not fit", errors)
    fields = {"name": member["name"], "role": member["role"], "office": dict(member["office"]),
              "contacts": dict(member["contacts"]), "mobile": member["contacts"]["mobile"],
              **account_scope(member["office"])}
    if previous is None or not previous.get("office"):
        return {**fields, "status": {"state": ACTIVE}}
    if previous["status"]["state"] == RETIRED:
        raise DirectoryError(f"{previous['_id']} has retired", {"status": ["A retired member is not changed."]},
                             conflict=True)
    if not same_office(previous["office"], member["office"]):
        raise DirectoryError("a move to another office is a transfer",
                             {"office": ["Transfer the member (POST .../status with state 'transferred')."]})
    return fields


def status_fields(record: Record, change: Mapping[str, Any], delegate: Record | None) -> dict[str, Any]:
    """The fields a status change sets. `delegate` is the named delegate's record (None if unknown)."""
    if not record.get("office"):
        raise DirectoryError(f"{record['_id']} is not in the directory", {"staff_id": ["Not in the directory."]})
    state = change["state"]
    if record["status"]["state"] == RETIRED:
        raise DirectoryError(f"{record['_id']} has retired", {"state": ["A retired member's status is final."]},
                             conflict=True)
    if state == ON_LEAVE:
        return {"status": {"state": ON_LEAVE, "leave_from": change["leave_from"],
                           "leave_until": change["leave_until"],
                           **({"delegate": _delegate(record, change["delegate"], delegate)}
                              if change.get("delegate") else {})}}
    if state == TRANSFERRED:
        office = change["office"]
        errors = office_errors(office, record["role"])
        if errors:
            raise DirectoryError("the new office does not fit", errors)
        if same_office(record["office"], office):
            raise DirectoryError("a transfer needs another office", {"office": ["This is the member's office."]})
        return {"status": {"state": TRANSFERRED}, "office": dict(office), "previous_office": dict(record["office"]),
                **account_scope(office)}
    return {"status": {"state": state}}  # active (back from leave, say) or retired


def _delegate(record: Record, delegate_id: str, delegate: Record | None) -> str:
    if delegate_id == record["_id"]:
        raise DirectoryError("nobody delegates to themselves", {"delegate": ["Name another member of the office."]})
    if delegate is None or not delegate.get("office"):
        raise DirectoryError(f"no member {delegate_id}", {"delegate": [f"{delegate_id} is not in the directory."]})
    if not same_office(record["office"], delegate["office"]):
        raise DirectoryError(f"{delegate_id} works in another office",
                             {"delegate": [f"{delegate_id} is not in this office."]})
    if delegate["status"]["state"] in (ON_LEAVE, RETIRED):
        raise DirectoryError(f"{delegate_id} is not available",
                             {"delegate": [f"{delegate_id} is {delegate['status']['state'].replace('_', ' ')}."]})
    return delegate_id


def staff_changed(record: Record, seq: int) -> dict[str, Any]:
    """The `staff.changed` data for a record as it is after a change (the whole record)."""
    data = {"staff_id": record["_id"], "seq": seq, "name": record["name"], "role": record["role"],
            "office": record["office"], "contacts": record["contacts"], "status": record["status"]}
    if record["status"]["state"] == TRANSFERRED and record.get("previous_office"):
        data["previous_office"] = record["previous_office"]
    return data

