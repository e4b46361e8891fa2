"""Which staff hear of a routing decision by SMS and email, besides the in-app notices of recipients.py. Pure:
the directory's records, the staff's opt-outs and the case as notification last knew it come in as data.

- The officer a decision names: a new case (`assigned`), three quarters of its time gone (`sla_reminder`),
  an escalation onto their desk (`escalated`), the top level's deadline passed (`breached`).
- The officer a decision takes the case away from (a reassignment or an escalation changing the handler):
  `moved_away`.
- The office's supervisors (an escalation to level 2 or 3) and every member of the CMO cell (an escalation
  to level 4, a breach): `escalated_group`, `sla_breached`.

Routing's decisions carry no complainant data (tracking ID, category, office, level, deadline, reason), so a
staff SMS holds nothing beyond what any officer of the office may see. Who is reachable: a retired person
gets nothing; one on leave gets no SMS (their delegate hears when routing moves the case to them); each
channel needs the contact on record and no opt-out of it.
"""
from datetime import datetime

from services.notification.domain.recipients import DEFAULT_LANGUAGE, EMAIL, SMS, Planned, Recipient
from shared.authz import allowed
from shared.vocabulary import ALL_DISTRICTS, LANGUAGES, STATE_OFFICE, TOP_LEVEL, Level, StaffState

STAFF_CHANNELS = (SMS, EMAIL)
ON_LEAVE, RETIRED = StaffState.ON_LEAVE, StaffState.RETIRED
STATE_WIDE_DISTRICTS = (STATE_OFFICE, ALL_DISTRICTS)  # a level-3 office's district: the whole department


def staff_key(staff_id):
    return f"staff:{staff_id}"


def on_leave(record, now):
    status = record.get("status") or {}
    if status.get("state") != ON_LEAVE:
        return False
    start, until = _when(status.get("leave_from")), _when(status.get("leave_until"))
    return (start is None or start <= now) and (until is None or now < until)


def retired(record):
    return (record.get("status") or {}).get("state") == RETIRED


def channels_for(record, opt_outs, now):
    """The channels a staff member may be reached on now."""
    if record is None or retired(record):
        return []
    contacts = record.get("contacts") or {}
    out = []
    if contacts.get("mobile") and SMS not in opt_outs and not on_leave(record, now):
        out.append(SMS)
    if contacts.get("email") and EMAIL not in opt_outs:
        out.append(EMAIL)
    return out


def language_of(record):
    language = (record.get("contacts") or {}).get("language")
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


# the routing decisions staff hear of by SMS and email (a `routed` decision comes with its `assigned` one)
DECISION_TEMPLATES = {"grievance.assigned": "assigned", "grievance.sla_reminder": "sla_reminder",
                      "grievance.escalated": "escalated", "grievance.sla_breached": "breached"}


def heard_by_staff(event_type):
    """Whether any staff member hears of this routing decision (by SMS, email or notice): if not, the
    directory need not be read for it."""
    return event_type in DECISION_TEMPLATES


def to_staff(record, template, opt_outs, now):
    """The messages one staff member gets for one template: one per channel they may be reached on."""
    channels = channels_for(record, opt_outs, now)
    if not channels:
        return []
    contacts = record.get("contacts") or {}
    address = {SMS: (contacts.get("mobile") or "")[-10:], EMAIL: contacts.get("email")}
    return [Planned(Recipient(record["role"], staff_key(record["_id"]), address[channel]), channel, template,
                    language_of(record)) for channel in channels]


def plan(event_type, decision, previous_officer, directory, opt_outs, now):
    """Every staff SMS and email one routing decision causes.

    `directory`: {"officer": record or None, "previous": record or None, "supervisors": [records],
    "cell": [records]}; `opt_outs`: staff id -> the channels they turned off."""
    templates = DECISION_TEMPLATES
    if event_type not in templates:
        return []
    people = []
    if directory.get("officer"):
        people.append((directory["officer"], templates[event_type]))
    moved = previous_officer and previous_officer != decision["officer_id"]
    if moved and event_type in ("grievance.assigned", "grievance.escalated") and directory.get("previous"):
        people.append((directory["previous"], "moved_away"))
    level = decision.get("level") or 1
    if event_type == "grievance.sla_breached" or (event_type == "grievance.escalated" and level >= TOP_LEVEL):
        group = "sla_breached" if event_type == "grievance.sla_breached" else "escalated_group"
        people += [(r, group) for r in directory.get("cell", []) if allowed(r, "notices.read_cell_box")]
    elif event_type == "grievance.escalated" and level in (Level.DISTRICT, Level.DEPARTMENT):
        people += [(r, "escalated_group") for r in directory.get("supervisors", [])
                   if supervises(r, decision.get("department"), decision.get("district"))]
    out, seen = [], set()
    for record, template in people:
        if record["_id"] in seen:  # a supervisor who is also the new handler hears once
            continue
        seen.add(record["_id"])
        out += to_staff(record, template, set(opt_outs.get(record["_id"], ())), now)
    return out


def supervises(record, department, district):
    """A supervisor of this department, of this district or of the whole state."""
    office = record.get("office") or {}
    return (allowed(record, "notices.read_supervisors_boxes") and office.get("department") == department
            and (office.get("district") == district or office.get("district") in STATE_WIDE_DISTRICTS))


def _when(value):
    if not value:
        return None
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)
