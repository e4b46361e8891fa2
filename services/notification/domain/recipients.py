"""Who hears what: from one grievance event to the messages it causes, each (recipient, channel,
template, language). Pure: the complainant's stored preferences and the webhook subscriptions are
passed in.

- The complainant (intake's events carry the case, complainant contact included): filed (with the
  tracking ID), info requested (with the link to answer it), resolved (with the resolution), rejected,
  closed, reopened, transferred (the new department's name), an officer's public note, an escalation that
  gives the case to another officer, a special close (why, and how to ask for a review) and the cell's
  reopening of one; by SMS when they gave a mobile, by email when they gave an address, as their
  preferences allow, in their language.
- The assigned officer: a new assignment, an SLA reminder, an escalation that lands on their desk; in
  their in-app notices (their SMS and email, from the officer directory: staff_recipients.py).
- Supervisors of the office (escalation to level 2 or 3) and the CMO cell (escalation to level 4, a
  breach at the top) in the notices of their group.
- Webhook subscribers: every public event (shared/public_events.py: the stream's CloudEvent) whose type
  matches one of their patterns, of their departments and districts (`*`: all). Events not published on
  the stream reach no webhook.
"""
import fnmatch
import hashlib
from dataclasses import dataclass

from shared.authz import allowed
from shared.public_events import key_part
from shared.vocabulary import ALL_DISTRICTS, LANGUAGES, TOP_LEVEL, Language, Level, Role, Status

DEFAULT_LANGUAGE = Language.BENGALI
ALL = "*"
SMS, EMAIL, WEBHOOK, INBOX = "sms", "email", "webhook", "inbox"
CHANNELS = (SMS, EMAIL, WEBHOOK, INBOX)
CITIZEN_CHANNELS = (SMS, EMAIL)

# event type -> template the complainant hears (named after the status the case moved to)
COMPLAINANT_TEMPLATES = {f"grievance.{status}": status for status in (
    Status.FILED, Status.INFO_REQUESTED, Status.RESOLVED, Status.REJECTED, Status.CLOSED, Status.REOPENED,
    Status.TRANSFERRED, Status.SPECIAL_CLOSED)}
COMPLAINANT_TEMPLATES["grievance.note_added"] = "public_note"  # intake emits it for public notes only
OFFICER_TEMPLATES = {
    "grievance.assigned": "assigned",
    "grievance.sla_reminder": "sla_reminder",
    "grievance.escalated": "escalated",
}
URGENT_TEMPLATES = {"otp"}  # never deferred by quiet hours, never rate-limited


@dataclass(frozen=True)
class Recipient:
    kind: str      # complainant | officer | supervisors | cmo_cell | subscriber | mobile
    key: str       # stable identity of the recipient, part of the delivery id
    address: str   # mobile number, email address, inbox key or subscription id


@dataclass(frozen=True)
class Planned:
    recipient: Recipient
    channel: str
    template: str
    language: str
    urgent: bool = False


def contact_key(value):
    """A one-way key for a mobile number or an email address (preferences and rate limits are kept
    under it, so those stores hold no contact details)."""
    value = (value or "").strip().lower()
    if value.lstrip("+").isdigit():
        value = value[-10:]
    return hashlib.sha256(f"contact\x1f{value}".encode()).hexdigest()[:32]


def delivery_id(event_id, recipient_key, channel):
    """At most one message per (event, recipient, channel): the delivery's _id."""
    return hashlib.sha256(f"{event_id}\x1f{recipient_key}\x1f{channel}".encode()).hexdigest()[:32]


def inbox_key(kind, *parts):
    return ":".join((kind,) + tuple(str(p) for p in parts if p))


def plan(event, preferences=None, subscriptions=(), public_event=None):
    """Every message one event causes (`public_event`: its CloudEvent on the public stream, if published)."""
    planned = []
    data = event.get("data") or {}
    template = complainant_template(event["type"], data)
    if template and "case" in data and not (event["type"] == "grievance.filed" and data.get("completed")):
        planned += _complainant(data["case"], template, preferences or {})
    if event["type"] in OFFICER_TEMPLATES or event["type"] == "grievance.sla_breached":
        planned += _staff(event["type"], data)
    if public_event is not None:
        planned += [Planned(Recipient("subscriber", s["_id"], s["_id"]), WEBHOOK, event["type"], "en")
                    for s in subscriptions if s.get("active", True) and wants(s, public_event)]
    return planned


def complainant_template(event_type, data):
    """The template the complainant hears an event with, or None."""
    if event_type == "grievance.reopened" and data.get("special_close"):
        return "special_close_reopened"
    if event_type == "grievance.assignment_recorded":
        # an escalation gives the case to another officer; a first assignment or a reassignment they are not told
        return "handler_changed" if data.get("kind") == "escalated" and data.get("handler_changed") else None
    return COMPLAINANT_TEMPLATES.get(event_type)


def wants(subscription, public_event):
    """Whether a webhook subscription takes this public event: its type, department and district."""
    data = public_event["data"]
    return (any(fnmatch.fnmatchcase(public_event["type"], p) for p in subscription.get("events", [ALL]))
            and _within(subscription.get("departments"), data.get("department"))
            and _within(subscription.get("districts"), data.get("district")))


def _within(chosen, value):
    chosen = chosen or [ALL]
    return ALL in chosen or key_part(value) in {key_part(c) for c in chosen}


def _complainant(case, template, preferences):
    person = case.get("complainant") or {}
    language = preferences.get("language") or person.get("language") or DEFAULT_LANGUAGE
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    wanted = preferences.get("channels")
    if wanted is None:
        wanted = CITIZEN_CHANNELS  # no preference stored: every channel they gave details for
    out = []
    if SMS in wanted and person.get("mobile"):
        mobile = person["mobile"][-10:]
        out.append(Planned(Recipient("complainant", contact_key(mobile), mobile), SMS, template, language))
    if EMAIL in wanted and person.get("email"):
        email = person["email"]
        out.append(Planned(Recipient("complainant", contact_key(email), email), EMAIL, template, language))
    return out


def _staff(event_type, decision):
    out = []
    officer = decision.get("officer_id")
    if event_type in OFFICER_TEMPLATES and officer:
        key = inbox_key(Role.OFFICER, officer)
        out.append(Planned(Recipient(Role.OFFICER, key, key), INBOX, OFFICER_TEMPLATES[event_type], Language.ENGLISH,
                           urgent=event_type != "grievance.assigned"))
    level = decision.get("level") or 1
    group = None
    if event_type == "grievance.sla_breached" or (event_type == "grievance.escalated" and level >= TOP_LEVEL):
        group = inbox_key(Role.CMO_CELL)
    elif event_type == "grievance.escalated" and level in (Level.DISTRICT, Level.DEPARTMENT):
        group = inbox_key("supervisors", decision.get("department"), decision.get("district"))
    if group:
        template = "sla_breached" if event_type == "grievance.sla_breached" else "escalated_group"
        out.append(Planned(Recipient(group.split(":")[0], group, group), INBOX, template, "en", urgent=True))
    return out


def inbox_keys_for(actor, all_districts=()):
    """Which notice boxes a signed-in staff member reads (a supervisor of every district, "*", reads the
    boxes of all of them, `all_districts`)."""
    keys = [inbox_key(Role.OFFICER, actor["sub"])]
    if allowed(actor, "notices.read_supervisors_boxes"):
        districts = actor.get("districts") or []
        if ALL_DISTRICTS in districts:
            districts = list(all_districts)
        keys += [inbox_key("supervisors", actor.get("department"), d) for d in districts]
    if allowed(actor, "notices.read_cell_box"):
        keys.append(inbox_key(Role.CMO_CELL))
    return keys
