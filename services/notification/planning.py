"""From a grievance event to the delivery records it causes: who hears it (domain.recipients), the
message in their language (messages), when it may go (domain.schedule). No I/O: the complainant's
preferences and the subscriptions come in as data."""
import json
import logging

from services.notification import messages
from services.notification.channels import DELIVERED
from services.notification.channels.inbox import IN_THE_BOX
from services.notification.channels.sms import sms_message
from services.notification.domain import recipients, schedule
from services.notification.domain.recipients import INBOX, SMS, WEBHOOK
from shared.public_events import to_cloudevent

log = logging.getLogger(__name__)


def new_delivery(*, delivery_id, event_id, event_type, planned, message, now, tracking_id=None, scope=None,
                 quiet_hours=True, hours=schedule.QUIET_HOURS):
    not_before = schedule.send_after(now, planned.channel, planned.urgent, quiet_hours, hours)
    state = "queued" if not_before <= now else "deferred"
    detail = None if state == "queued" else f"quiet hours: held until {hours[1]:02d}:00 IST"
    return {
        "_id": delivery_id, "event_id": event_id, "event_type": event_type, "template": planned.template,
        "tracking_id": tracking_id, "scope": scope or {}, "channel": planned.channel,
        "recipient": {"kind": planned.recipient.kind, "key": planned.recipient.key,
                      "address": planned.recipient.address},
        "language": message.get("language", planned.language), "urgent": planned.urgent, "message": message,
        "state": state, "attempts": 0, "not_before": not_before, "created_at": now, "updated_at": now,
        "log": [{"at": now, "state": state, **({"detail": detail} if detail else {})}],
    }


def goes_at_once(delivery):
    """An in-app notice due now needs no provider, so no sender: the event's handler puts it in the box and
    records it delivered (no due mark, no claim, no second write)."""
    return delivery["channel"] == INBOX and delivery["state"] == "queued"


def delivered_at_once(delivery, now):
    """The delivery as recorded once its notice is in the box."""
    return {**delivery, "state": DELIVERED, "attempts": 1, "updated_at": now,
            "log": [*delivery["log"], {"at": now, "state": DELIVERED, "detail": IN_THE_BOX}]}


def message_for(planned, values, public_event=None):
    if planned.channel == WEBHOOK:
        # the public stream's CloudEvent: no complainant or filer, no free text, no exact location
        return {"body": json.dumps(public_event, ensure_ascii=False, separators=(",", ":")), "language": "en"}
    message = messages.render(planned.template, planned.channel, planned.language, values)
    if planned.channel == SMS:
        message.update(sms_message(message["text"]))
    return message


def deliveries_for(event, now, preferences=None, subscriptions=(), hours=schedule.QUIET_HOURS, schema_base_url="",
                   console_url="", staff=(), silenced=frozenset()):
    """`schema_base_url`: where the gateway serves the public events' JSON Schemas (the CloudEvent's
    `dataschema`); `console_url`: the web console's public address (the citizen's case page); `staff`: the
    staff's SMS and email (domain.staff_recipients); `silenced`: recipient keys that hear nothing (a retired
    officer's notice box)."""
    values = messages.values(event, console_url)
    scope = messages.scope(event)
    quiet = (preferences or {}).get("quiet_hours", True)
    public_event = _public(event, schema_base_url) if subscriptions else None
    out = []
    for planned in [*recipients.plan(event, preferences, subscriptions, public_event), *staff]:
        if planned.recipient.key in silenced:
            continue
        out.append(new_delivery(
            delivery_id=recipients.delivery_id(event["id"], planned.recipient.key, planned.channel),
            event_id=event["id"], event_type=event["type"], planned=planned,
            message=message_for(planned, values, public_event), now=now,
            tracking_id=values["tracking_id"] or None, scope=scope, quiet_hours=quiet, hours=hours))
    return out


def _public(event, schema_base_url):
    """The event's public CloudEvent; None when it is not published, or (logged) when it cannot be projected:
    the people the event concerns still hear of it."""
    try:
        return to_cloudevent(event, schema_base_url)
    except Exception as error:  # a projection bug must not silence the complainant's and officers' messages
        log.error("an event could not be projected for webhooks", extra={
            "event_id": event.get("id"), "type": event.get("type"), "error": f"{type(error).__name__}: {error}"})
        return None
