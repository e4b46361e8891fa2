"""The daily digest of supervisors (their office) and the CMO cell (the state): open cases overdue, escalated
and past the top level's deadline, and the 10 most overdue. Pure: the cases come in as notification recorded
them from routing's decisions and intake's events (staff_store.case_watch), the time is passed in."""
from datetime import datetime

from services.notification.domain.schedule import IST
from services.notification.domain.staff_recipients import STATE_WIDE_DISTRICTS
from shared.authz import allowed
from shared.vocabulary import STOPPED_STATUSES, Role, Status

WORST = 10
# the statuses a case's `open` flag can change at: a case stops at one of STOPPED_STATUSES and leaves one only
# to be reopened (intake's lifecycle; tests/unit hold the two together)
OPEN_FLAG_STATUSES = frozenset(STOPPED_STATUSES) | {Status.REOPENED}
DIGEST_ROLES = (Role.SUPERVISOR, Role.CMO_CELL)
STATE = "West Bengal"


def moves_open_flag(status):
    """Whether a case event at this status may change what the digest knows of the case (a case not recorded
    counts as open)."""
    return status in OPEN_FLAG_STATUSES


def digest_day(now, hour):
    """The day (IST, `YYYY-MM-DD`) whose digest is due at `now`, or None before the day's hour. A service
    down at the hour sends that day's digest when it comes back, later that day."""
    local = now.astimezone(IST)
    return local.date().isoformat() if local.hour >= hour else None


def covers(record, case):
    """Whether a case belongs in this person's digest: the cell sees the state, a supervisor their office."""
    if allowed(record, "notices.read_cell_box"):
        return True
    office = record.get("office") or {}
    return (case.get("department") == office.get("department")
            and (office.get("district") in STATE_WIDE_DISTRICTS or case.get("district") == office.get("district")))


def office_label(record):
    if allowed(record, "notices.read_cell_box"):
        return STATE
    office = record.get("office") or {}
    district = office.get("district")
    return office.get("department", "") + ("" if district in STATE_WIDE_DISTRICTS else f", {district}")


def summary(record, cases, now, day):
    """The digest's values for the templates."""
    mine = [c for c in cases if c.get("open", True) and covers(record, c)]
    overdue = sorted((c for c in mine if _deadline(c) and _deadline(c) < now), key=_deadline)
    return {
        "day": day, "office": office_label(record), "overdue": len(overdue),
        "escalated": sum(1 for c in mine if (c.get("level") or 1) > 1),
        "breached": sum(1 for c in mine if c.get("breached")),
        "cases": [{"tracking_id": c["_id"], "category": c.get("category") or "-", "district": c.get("district") or "-",
                   "level": c.get("level") or 1,
                   "days_overdue": round((now - _deadline(c)).total_seconds() / 86400, 1)} for c in overdue[:WORST]],
    }


def _deadline(case):
    value = case.get("deadline")
    if not value:
        return None
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)
