"""Publishes the events notification hears, as their producers would: identity's `staff.changed` (until the
directory's producer exists on this branch) and routing's decisions, on the test's vhost."""
import uuid
from datetime import datetime, timedelta, timezone

from shared.events import new_event
from shared.outbox import EventPublisher


def staff(staff_id, seq=1, role="officer", department="PWD", district="Bankura", level=1, mobile=None, email=None,
          language="en", state="active", delegate=None, name=None):
    status = {"state": state, "leave_from": None, "leave_until": None, "delegate": delegate}
    if state == "on_leave":
        now = datetime.now(timezone.utc)
        status.update(leave_from=(now - timedelta(days=1)).isoformat(), leave_until=(now + timedelta(days=6)).isoformat())
    return {"staff_id": staff_id, "seq": seq, "name": name or staff_id.replace("-", " ").title(), "role": role,
            "office": {"department": department, "district": district, "level": level},
            "contacts": {"mobile": mobile, "email": email, "language": language}, "status": status}


def decision(tracking_id, officer_id, seq=1, kind="assigned", department="PWD", district="Bankura", level=1,
             category="Roads", deadline=None, reason="Matched the category's office", previous=None):
    deadline = deadline or (datetime.now(timezone.utc) + timedelta(days=7))
    return {"tracking_id": tracking_id, "kind": kind, "seq": seq, "department": department, "district": district,
            "category": category, "officer_id": officer_id, "officer_name": officer_id, "level": level,
            "deadline": deadline.isoformat(), "reason": reason, "previous_officer_id": previous}


class Publisher:
    def __init__(self, config):
        self.config = config
        self.publishers = {}

    def _publisher(self, service):
        if service not in self.publishers:
            self.publishers[service] = EventPublisher(self.config["AMQP_URI"], service, self.config)
        return self.publishers[service]

    def staff_changed(self, data):
        event = new_event("staff.changed", "identity", data, subject=data["staff_id"], event_id=uuid.uuid4().hex)
        self._publisher("identity").publish(event)
        return event

    def routing(self, event_type, data):
        event = new_event(event_type, "routing", data, subject=data["tracking_id"], event_id=uuid.uuid4().hex)
        self._publisher("routing").publish(event)
        return event
