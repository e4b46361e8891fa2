"""The public relay publishes first and writes only when it must: a normal event costs notification's store
nothing (no `public_events` document); an event the public broker does not confirm is kept there, with its
CloudEvent in the outbox, and the sweep publishes it once the broker takes it again."""
import secrets
import time
import uuid
from urllib.parse import quote

import pytest
from prometheus_client import REGISTRY

from services.notification.public_stream import COLLECTION
from shared import broker_access
from shared.config import database_name
from tests.integration.platform_client import citizen, drinking_water
from tests.integration.waiting import wait_for

PREFIX = "in.gov.wb.sorasori.grievance."
MITA = citizen("9830012345", "Mita Das")
WRITES = ("insert", "update", "findAndModify", "delete")
HINTS = f"{COLLECTION}_outbox_hints"


def notification_writes():
    """Write commands notification's client has sent to `public_events` and its hints, by collection and command."""
    return {(collection, command): REGISTRY.get_sample_value(
        "sorasori_store_operations_total", {"service": "notification", "command": command, "collection": collection})
        or 0 for collection in (COLLECTION, HINTS) for command in WRITES}


def changed(before, after):
    return {key: after[key] - before[key] for key in after if after[key] != before[key]}


def wait_type(stream, tracking_id, name):
    return stream.wait_for(lambda r: r.type == PREFIX + name and r.event.get_subject() == tracking_id,
                           f"the public {name} event of {tracking_id}")[0]


def test_a_published_event_costs_the_store_no_write(platform, platform_config, public_reader, mongo_client):
    stored = mongo_client[database_name(platform_config, "notification")][COLLECTION]
    before = notification_writes()
    tracking_id = platform.ok(platform.file(drinking_water(), MITA), 201)["tracking_id"]
    filed = wait_type(public_reader, tracking_id, "filed.v1")
    routed = wait_type(public_reader, tracking_id, "routed.v1")
    assert filed.message_id == filed.event.get_id() and filed.delivery_mode == 2
    assert filed.routing_key == "phe.bankura.grievance.filed.v1" and routed.data["level"] == 1
    assert changed(before, notification_writes()) == {}
    assert stored.count_documents({}) == 0


KEPT = ("filed.v1", "routed.v1", "assigned.v1")


def kept_events(stored, tracking_id):
    """The filing's events waiting in the store, each with its CloudEvent pending, once all of KEPT are."""
    kept = [d for d in stored.find({"outbox_pending": 1}) if d["outbox"][0]["cloudevent"]["subject"] == tracking_id]
    return kept if {d["type"] for d in kept} >= {PREFIX + name for name in KEPT} else None


@pytest.fixture
def relay_login(request, public_stream):
    """A RabbitMQ user of the test's own for the relay on the public vhost (the reader stays on guest), so
    the test can take the relay's rights away for a moment. Removed afterwards (users are global)."""
    api = broker_access.ManagementApi(request.config.getoption("RABBIT_API_URI"))
    user, password = f"test-{uuid.uuid4().hex[:8]}-relay", secrets.token_urlsafe(16)
    api.put(f"/users/{quote(user, safe='')}", {"password": password, "tags": ""})
    broker_access.create_public_stream(api, public_stream["vhost"], publisher=user)
    permission = f"/permissions/{quote(public_stream['vhost'], safe='')}/{quote(user, safe='')}"
    yield {"uri": f"pyamqp://{quote(user, safe='')}:{quote(password, safe='')}@127.0.0.1:5672/"
                  f"{quote(public_stream['vhost'], safe='')}",
           "revoke": lambda: api.delete(permission),
           "grant": lambda: api.put(permission, broker_access.public_permissions())}
    api.delete(f"/users/{quote(user, safe='')}")


def test_an_event_the_public_broker_refuses_is_kept_and_the_sweep_publishes_it(platform_with, platform_config,
                                                                                public_reader, relay_login,
                                                                                mongo_client):
    platform = platform_with(PUBLIC_AMQP_URI=relay_login["uri"])
    stored = mongo_client[database_name(platform_config, "notification")][COLLECTION]
    time.sleep(1.5)  # past the relay's first sweep, which scans for anything pending (the marks are what is tested)
    relay_login["revoke"]()  # the broker closes the relay's connections and refuses new ones
    try:
        tracking_id = platform.ok(platform.file(drinking_water(), MITA), 201)["tracking_id"]
        kept = wait_for(lambda: kept_events(stored, tracking_id), timeout=20,
                        what="the filed, routed and assigned events kept in the store")
        assert public_reader.types_of(tracking_id) == []
    finally:
        relay_login["grant"]()
    published = [wait_type(public_reader, tracking_id, name) for name in KEPT]
    assert {r.event.get_id() for r in published} <= {d["_id"] for d in kept}  # the very events kept
    assert published[0].routing_key == "phe.bankura.grievance.filed.v1"
    wait_for(lambda: stored.count_documents({"outbox_pending": {"$gt": 0}}) == 0, timeout=15,
             what="the kept events popped after their publish")
