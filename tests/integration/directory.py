"""The officer directory in tests: members put through the gateway's admin API (identity publishes each change
as `staff.changed`), and a listener for those events."""
import uuid

from kombu import Connection, Exchange, Queue

from tests.integration.platform_client import ADMIN

_mobiles = iter(range(7100000001, 7199999999))


def member(sub, department, district, level, role="officer", name=None, **contacts):
    return {"sub": sub, "name": name or sub.replace("-", " ").title(), "role": role,
            "office": {"department": department, "district": district, "level": level},
            "contacts": {"mobile": contacts.get("mobile") or str(next(_mobiles)), "language": "en",
                         **({"email": contacts["email"]} if contacts.get("email") else {})}}


def put_member(gateway, body):
    return gateway.ok(gateway.request("POST", "/api/v1/admin/staff", ADMIN, json=body))


def set_status(gateway, sub, **change):
    return gateway.ok(gateway.request("POST", f"/api/v1/admin/staff/{sub}/status", ADMIN, json=change))


class StaffEvents:
    """Every `staff.changed` identity publishes from now on, in arrival order."""

    def __init__(self, amqp_uri):
        self.connection = Connection(amqp_uri)
        channel = self.connection.channel()
        self.queue = Queue(f"test-staff-{uuid.uuid4().hex[:8]}", exclusive=True)(channel)
        self.queue.declare()
        exchange = Exchange("identity.events", type="topic", durable=True)(channel)
        exchange.declare()
        self.queue.bind_to(exchange, routing_key="staff.changed")
        self.events = []

    def drain(self):
        while (message := self.queue.get(no_ack=True, accept=["json"])) is not None:
            self.events.append(message.payload)
        return self.events

    def of(self, sub):
        return [e["data"] for e in self.drain() if e["data"]["staff_id"] == sub]

    def close(self):
        self.connection.release()
