"""What a change in the officer directory does to the cases an officer holds. Pure.

A member's open cases leave them when they can no longer work them: a leave that has begun (to the
delegate named for it when the delegate is available in the same pool, else the most free available officer
of the case's office), a retirement, a transfer (the cases stay with the office the officer left). An
office with nobody left sends its cases up a level (officers.seat). The clock is never touched.
"""
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from services.routing.domain import officers
from services.routing.domain.officers import Officer, Seat
from shared.vocabulary import StaffState

Record = Mapping[str, Any]


def record_of(data: Mapping[str, Any]) -> dict[str, Any]:
    """A `staff.changed` event's data as routing keeps it: the leave's bounds as datetimes."""
    record = {key: value for key, value in data.items() if key != "version"}
    status = dict(data["status"])
    for bound in ("leave_from", "leave_until"):
        if status.get(bound):
            status[bound] = datetime.fromisoformat(status[bound])
    record["status"] = status
    return record


def case_pool(assignment: Mapping[str, Any]) -> str:
    return officers.pool_key(assignment["department"], assignment["district"], assignment["level"])


def why_away(record: Record, assignment: Mapping[str, Any], now: datetime) -> str | None:
    """Why the member may no longer hold this case (None: they may). Ids, not names: the reason is on the
    case's timeline, which the complainant reads too (officer ids are on its entries already, names never)."""
    status = record["status"]
    if status["state"] == StaffState.RETIRED:
        return f"officer {record['staff_id']} retired"
    if officers.on_leave(record, now):
        return f"officer {record['staff_id']} on leave until {status['leave_until'].date().isoformat()}"
    if officers.office_key(record["office"]) != case_pool(assignment):
        office = record["office"]
        return f"officer {record['staff_id']} transferred to {office['department']}, {office['district']}"
    return None


def replacement(record: Record, assignment: Mapping[str, Any], delegate: Record | None, now: datetime,
                pool: Callable[[str, str, int], Sequence[Officer]], load: Callable[[str], int]) -> tuple[Seat, str]:
    """Who takes the case and the words for the timeline: the leave's delegate when available in the case's
    pool ("delegated to <id>"), else the most free officer of the office other than the member, up a level
    when there is nobody ("reassigned to <id>")."""
    if (delegate is not None and record["status"]["state"] == StaffState.ON_LEAVE and officers.available(delegate, now)
            and officers.office_key(delegate["office"]) == case_pool(assignment)):
        return Seat(officers.officer(delegate), assignment["level"]), f"delegated to {delegate['staff_id']}"

    def others(department: str, district: str, level: int) -> list[Officer]:
        return [o for o in pool(department, district, level) if o.id != record["staff_id"]]

    seat = officers.seat(assignment["department"], assignment["district"], assignment["level"], others, load)
    return seat, f"reassigned to {seat.officer.id}"
