"""The public event stream, read as another state system reads it: a pika consumer of its own on the public
vhost (tests/integration/public_subscriber.py), the CloudEvents SDK, the JSON Schemas and the AsyncAPI
document the gateway serves."""
import json

import pytest

from tests.integration.platform_client import CMO_CELL, citizen, drinking_water
from tests.integration.public_subscriber import PublicSubscriber

PREFIX = "in.gov.wb.sorasori.grievance."
MITA = citizen("9830012345", "Mita Das")


@pytest.fixture
def subscribe(public_stream):
    subscribers = []

    def open_subscriber(binding="#"):
        subscribers.append(PublicSubscriber(public_stream["AMQP_URI"], binding))
        return subscribers[-1]

    yield open_subscriber
    for subscriber in subscribers:
        subscriber.close()


def test_a_filing_reaches_the_public_stream_as_cloudevents_filed_then_routed(platform, subscribe):
    stream = subscribe("#")
    tracking_id = platform.ok(platform.file(drinking_water(), MITA), 201)["tracking_id"]
    stream.wait_for(lambda r: r.type == PREFIX + "routed.v1" and r.event.get_subject() == tracking_id,
                    "the public routed event")
    mine = [r for r in stream.received if r.event.get_subject() == tracking_id]
    types = [r.type for r in mine]
    assert types.index(PREFIX + "filed.v1") < types.index(PREFIX + "routed.v1"), types
    filed = mine[types.index(PREFIX + "filed.v1")]
    assert filed.content_type == "application/cloudevents+json" and filed.delivery_mode == 2
    assert filed.message_id == filed.event.get_id()
    assert filed.routing_key == "phe.bankura.grievance.filed.v1"
    assert filed.event.get_source() == "/sorasori/grievances"
    assert filed.event.get_dataschema() == f"{platform.base}/api/v1/events/schemas/{PREFIX}filed.v1.json"
    assert filed.data["tracking_id"] == tracking_id and filed.data["department"] == "phe"
    assert filed.data["district"] == "Bankura" and filed.data["status"] == "filed"
    text = json.dumps([r.data for r in mine])
    for personal in ("Mita Das", "9830012345", "tube well", "drinking water in Onda"):
        assert personal not in text
    assert platform.ok(platform.get(tracking_id, CMO_CELL))["status"] == "routed"
