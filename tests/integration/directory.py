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


# The offices most tests file in: a case of another office goes up to the CMO cell (seeded always).
DEFAULT_OFFICES = (("phe", "Bankura"), ("phe", "Nadia"), ("power", "Bankura"), ("power", "Nadia"),
                   ("panchayat_rd", "Bankura"), ("home_cyber_cell", "Kolkata"))


def seed_directory(config, offices=DEFAULT_OFFICES, timeout=30):
    """Put the demo directory's members of `offices` (synthetic/staff.py, the CMO cell included) into identity
    and wait until routing has them all from the staff.changed events. The members, as put."""
    from synthetic.staff import seed

    return seed(config, offices, _mobiles, timeout)


def pool_ids(department, district, level):
    """The seeded members who work this department's cases in a district at a level (ids only)."""
    from synthetic.staff import POOL_SIZES, officer_id, seats

    office = {1: 0, 2: 1, 3: 2}.get(level)
    seat_department, seat_district, _ = seats(department, district)[office] if office is not None \
        else ("cmo_cell", "state", 4)
    return [officer_id(seat_department, seat_district, level, n) for n in range(1, POOL_SIZES[level] + 1)]


def publish_directory(config, database, offices=DEFAULT_OFFICES, timeout=20):
    """For tests that run routing without identity: publish the demo members of `offices` as identity would
    (staff.changed on identity.events, seq 1) and wait until routing's store (`database`) keeps them all."""
    from shared.contracts import event_data
    from shared.events import new_event
    from shared.outbox import EventPublisher
    from synthetic.staff import directory
    from tests.integration.waiting import wait_for

    publisher = EventPublisher(config["AMQP_URI"], "identity")
    members = directory(offices, _mobiles)
    for body in members:
        data = {"staff_id": body["sub"], "seq": 1, "name": body["name"], "role": body["role"],
                "office": body["office"], "contacts": body["contacts"], "status": {"state": "active"}}
        publisher.publish(new_event("staff.changed", "identity", event_data("staff.changed", data),
                                    subject=body["sub"]))
    wait_for(lambda: database.staff.count_documents({}) >= len(members), timeout=timeout, interval=0.1,
             what="routing to keep the published directory")
    return members
