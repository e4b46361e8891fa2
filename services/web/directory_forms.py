"""The officer directory's forms in the console, as plain data: a form's fields to the admin API's body, the
API's refusals back to the form's fields, leave dates typed in India time to aware timestamps, and a
member's office and status in the person's words. Pure: no I/O, no clock."""
from datetime import datetime, time
from zoneinfo import ZoneInfo

from shared.vocabulary import LANGUAGES, STATE_OFFICE, Role, StaffState

INDIA = ZoneInfo("Asia/Kolkata")
ROLES = (Role.OFFICER, Role.SUPERVISOR, Role.CMO_CELL)  # identity's DIRECTORY_ROLES
LEVELS = ("1", "2", "3", "4")
MEMBER_FIELDS = ("sub", "name", "role", "department", "district", "level", "mobile", "email", "language")
LEAVE_FIELDS = ("leave_from", "leave_until", "delegate")
TRANSFER_FIELDS = ("to_department", "to_district", "to_level")
STATUS_FORMS = {StaffState.ON_LEAVE: LEAVE_FIELDS, StaffState.ACTIVE: (), StaffState.TRANSFERRED: TRANSFER_FIELDS,
                StaffState.RETIRED: ("confirm",)}
FORM = "_form"  # an error about no one field
# The API's field (flattened a.b) -> the member form's field
MEMBER_API_FIELDS = {"sub": "sub", "name": "name", "role": "role", "office": "department",
                     "office.department": "department", "office.district": "district", "office.level": "level",
                     "contacts": "mobile", "contacts.mobile": "mobile", "contacts.email": "email",
                     "contacts.language": "language"}
STATUS_API_FIELDS = {"leave_from": "leave_from", "leave_until": "leave_until", "delegate": "delegate",
                     "office": "to_department", "office.department": "to_department",
                     "office.district": "to_district", "office.level": "to_level"}


def form_values(form, names):
    """What the person typed, each field kept as text (a refused form shows it again)."""
    return {name: (form.get(name) or "").strip() for name in names}


def _level(text):
    return int(text) if text.isdigit() else text  # anything else: the API names the field


def member_body(values):
    """The API's StaffMemberSchema from the member form (an empty email left out)."""
    contacts = {"mobile": values["mobile"], "language": values["language"] or LANGUAGES[0]}
    if values["email"]:
        contacts["email"] = values["email"]
    return {"sub": values["sub"], "name": values["name"], "role": values["role"],
            "office": {"department": values["department"], "district": values["district"],
                       "level": _level(values["level"])},
            "contacts": contacts}


def member_values(member):
    """The member form filled with a member as the API shows them (to change their details)."""
    office, contacts = member.get("office") or {}, member.get("contacts") or {}
    return {"sub": member["sub"], "name": member.get("name", ""), "role": member.get("role", ""),
            "department": office.get("department", ""), "district": office.get("district", ""),
            "level": str(office.get("level", "")), "mobile": contacts.get("mobile", ""),
            "email": contacts.get("email") or "", "language": contacts.get("language", "")}


def moment(text, end_of_day=False):
    """A date or date-time typed in India time (2026-12-01 09:30, 2026-12-01T09:30, or a plain date 2026-12-01;
    a text field: Chromium's datetime-local has no visible focus on its parts) as an aware ISO timestamp; a date alone is the start of that day, or its last
    second for the end of a leave. Empty: None. Anything else goes to the API as typed (it names the field)."""
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return text
    if len(text) == 10:  # a date alone
        parsed = datetime.combine(parsed.date(), time(23, 59, 59) if end_of_day else time(0, 0))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=INDIA)
    return parsed.isoformat()


def status_body(state, values):
    """The API's StaffStatusChangeSchema for one of the member page's status forms."""
    if state == StaffState.ON_LEAVE:
        body = {"state": state, "leave_from": moment(values["leave_from"]),
                "leave_until": moment(values["leave_until"], end_of_day=True)}
        if values["delegate"]:
            body["delegate"] = values["delegate"]
        return body
    if state == StaffState.TRANSFERRED:
        return {"state": state, "office": {"department": values["to_department"], "district": values["to_district"],
                                           "level": _level(values["to_level"])}}
    return {"state": state}


def form_errors(api_errors, fields):
    """The API's refusal ({field a.b: [message]}) as {form field: [message]}, by `fields` (the API's field ->
    the form's); what names no field of the form goes under `_form`."""
    errors = {}
    for api_field, messages in api_errors.items():
        errors.setdefault(fields.get(api_field, FORM), []).extend(messages)
    return errors


def office_words(office, t, names):
    """`Public Health Engineering, Bankura, level 1` in the person's language (`names`: code -> name)."""
    if not office:
        return "–"
    district = office.get("district")
    place = t("admin.staff.state_office") if district == STATE_OFFICE else names.get(district, district)
    return t("admin.staff.office_words", department=names.get(office.get("department"), office.get("department")),
             district=place, level=t.number(office.get("level", "")))


def status_words(member, t, names):
    """A member's status in the person's words: on leave with the dates (India time) and the delegate, or
    transferred with the office they left."""
    status = member.get("status") or {}
    state = status.get("state", "")
    if state == StaffState.ON_LEAVE:
        words = t("admin.staff.status.on_leave_dates", start=t.date(status.get("leave_from")),
                  end=t.date(status.get("leave_until")))
        if status.get("delegate"):
            words += " " + t("admin.staff.status.delegate", delegate=status["delegate"])
        return words
    if state == StaffState.TRANSFERRED and member.get("previous_office"):
        return t("admin.staff.status.transferred_from", office=office_words(member["previous_office"], t, names))
    key = f"admin.staff.status.{state}"
    return t(key) if t.has(key) else state


def delegates(members, member):
    """Who may stand in for `member` on leave: the other members of the same office who are not on leave
    nor retired (the API has the last word)."""
    office = member.get("office") or {}
    unavailable = (StaffState.ON_LEAVE, StaffState.RETIRED)
    return [m for m in members if m["sub"] != member["sub"] and m.get("office") == office
            and (m.get("status") or {}).get("state") not in unavailable]
