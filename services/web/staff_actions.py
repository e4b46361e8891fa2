"""Staff actions from the console's forms: which actions a case's status allows the person (the life cycle's
own rules, the same the API applies; the API's 409 `details.allowed` has the last word), each action's form
fields to the API's body, the API's refusals back to the form's fields, and the SLA time left in words.
Pure functions: no I/O."""
from datetime import timedelta

from babel.dates import format_timedelta
from markupsafe import Markup, escape

# The forms a staff case page shows, in this order (the others are the platform's or the citizen's).
FORM_ORDER = ("acknowledge", "start", "request_info", "resolve", "log_contact", "edit_on_behalf", "add_note",
              "transfer", "reject", "close", "special_close", "reopen_special_close")
# Each action's form fields (the API's names); `changes` of edit_on_behalf are built apart.
FIELDS = {"acknowledge": ("note",), "start": ("note",), "close": ("note",), "request_info": ("question",),
          "resolve": ("resolution",), "add_note": ("text", "visibility"), "log_contact": ("outcome", "channel", "notes"),
          "transfer": ("department", "reason"), "reject": ("reason", "explanation"),
          "special_close": ("reason", "text"), "reopen_special_close": ("reason",)}
EDITABLE = ("subject", "description", "district", "mobile")
# The actions an officer may attach evidence to, and what the files are for (the attachments route's purpose).
ATTACHING = ("resolve", "reject", "add_note")
CONSENTS = ("verbal_on_call", "written", "in_person")
CONTACT_OUTCOMES = ("answered", "no_answer", "busy", "switched_off", "unreachable", "wrong_number",
                    "callback_requested")
REJECTION_REASONS = ("sub_judice", "rti_matter", "personal_or_family_dispute", "religious_matter", "duplicate",
                     "not_a_grievance", "other")


def actions_for(case):
    """The forms to show: the actions the API says the person may take on the case now."""
    allowed = set(case.get("allowed_actions") or ())
    return [action for action in FORM_ORDER if action in allowed]


def attachment_purpose(action, form):
    """What files sent with `action` are for: the evidence of a resolution or rejection, or a note's (a public
    note's files the complainant sees too); None for an action that takes no files."""
    if action == "add_note":
        return "public_note" if form.get("visibility") == "public" else "note"
    return action if action in ATTACHING else None


def action_body(action, form, case):
    """The API's body for one action from its form (empty optional fields left out)."""
    body = {"action": action}
    if action == "edit_on_behalf":
        body["changes"] = edit_changes(form, case)
        body["consent"] = form.get("consent", "")
        return body
    for name in FIELDS.get(action, ()):
        value = (form.get(name) or "").strip()
        if value:
            body[name] = value
    return body


def edit_changes(form, case):
    """What the person changed on the edit-on-behalf form (the complainant as a whole: the API replaces it)."""
    changes = {}
    for name in ("subject", "description"):
        value = (form.get(name) or "").strip()
        if value and value != (case.get(name) or ""):
            changes[name] = value
    district = (form.get("district") or "").strip()
    place = case.get("place") or {}
    if district and district != place.get("district"):
        changes["place"] = {**{k: v for k, v in place.items() if k != "geo" or v}, "district": district}
    mobile = (form.get("mobile") or "").strip()
    complainant = case.get("complainant") or {}
    if mobile and mobile != complainant.get("mobile"):
        changes["complainant"] = {"name": complainant.get("name") or "-", "mobile": mobile,
                                  "language": complainant.get("language") or "bn"}
    return changes


def field_errors(api_errors):
    """{form field: [message]} from the API's flattened errors (`changes.place.district` -> `district`)."""
    refused = {}
    for name, messages in api_errors.items():
        field = name.split(".")[-1] if name else "_other"
        if name in ("changes", "changes._schema"):
            field = "changes"
        refused.setdefault(field, []).extend(messages)
    return refused


def time_left(seconds, language, locale):
    """An SLA clock's time left (or overdue by) in the person's language, e.g. "3 days", "২ ঘণ্টা"."""
    if seconds is None:
        return None
    words = format_timedelta(timedelta(seconds=abs(int(seconds))), threshold=1.5, locale=locale)
    return words.translate(str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")) if language == "bn" else words


def marked(fragments):
    """Elasticsearch's highlighted fragments as safe HTML: the text escaped, only its <em> made <mark>."""
    return Markup(" … ").join(
        Markup(str(escape(fragment)).replace("&lt;em&gt;", "<mark>").replace("&lt;/em&gt;", "</mark>"))
        for fragment in fragments or [])
