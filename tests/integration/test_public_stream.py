"""The public event stream, read as another state system reads it: a pika consumer of its own on the public
vhost (tests/integration/public_subscriber.py), the CloudEvents SDK's RabbitMQ binding, the JSON Schemas and
the AsyncAPI document the gateway serves (checked by @asyncapi/parser, tests/asyncapi)."""
import json
import subprocess
import time
from pathlib import Path

import jsonschema
import pytest
import requests
from kombu import Connection, Exchange

from services.notification.public_stream import COLLECTION, stream_document
from shared import broker_access, public_events
from shared.contracts.events import event_data
from shared.events import new_event
from shared.mongo import connect
from tests.integration.platform_client import CMO_CELL, citizen, drinking_water, officer
from tests.integration.public_subscriber import PublicSubscriber
from tests.integration.waiting import wait_for

PREFIX = "in.gov.wb.sorasori.grievance."
MITA = citizen("9830012345", "Mita Das")
PARSER = Path(__file__).parent.parent / "asyncapi"
PERSONAL = ("Mita Das", "9830012345", "mita@example.in", "tube well", "drinking water in Onda", "23.2417",
            "87.0721", "Which para", "Dakshin para", "mechanic fixed", "Thank you")


@pytest.fixture
def subscribe(public_stream):
    subscribers = []

    def open_subscriber(binding="#"):
        subscribers.append(PublicSubscriber(public_stream["AMQP_URI"], binding))
        return subscribers[-1]

    yield open_subscriber
    for subscriber in subscribers:
        subscriber.close()


def of_case(stream, tracking_id):
    return [r for r in stream.drain() if r.event.get_subject() == tracking_id]


def wait_type(stream, tracking_id, name):
    return stream.wait_for(lambda r: r.type == PREFIX + name and r.event.get_subject() == tracking_id,
                           f"the public {name} event of {tracking_id}")[0]


def served_schema(dataschema):
    response = requests.get(dataschema, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def payload_schema(asyncapi, kind):
    """The AsyncAPI message payload of `kind`, resolvable within the document."""
    key = next(key for key, message in asyncapi["components"]["messages"].items() if message["name"] == kind)
    return {"components": asyncapi["components"], "$ref": f"#/components/messages/{key}/payload"}


def check_against_contracts(received, asyncapi):
    """Each event's data against the JSON Schema its `dataschema` names, the whole CloudEvent against the
    AsyncAPI message of its type."""
    checker = jsonschema.FormatChecker()
    for message in received:
        schema = served_schema(message.event.get_dataschema())
        assert schema["$id"] == message.event.get_dataschema()
        jsonschema.Draft202012Validator(schema, format_checker=checker).validate(message.data)
        envelope = json.loads(message.body)
        jsonschema.Draft7Validator(payload_schema(asyncapi, message.type), format_checker=checker).validate(envelope)


def test_a_filing_reaches_the_public_stream_as_cloudevents_filed_then_routed(platform, subscribe):
    stream = subscribe("#")
    tracking_id = platform.ok(platform.file(drinking_water(), MITA), 201)["tracking_id"]
    wait_type(stream, tracking_id, "routed.v1")
    mine = of_case(stream, tracking_id)
    types = [r.type for r in mine]
    filed, routed = mine[types.index(PREFIX + "filed.v1")], mine[types.index(PREFIX + "routed.v1")]
    # intake's and routing's events come through two queues: their order is the events' `time`
    assert filed.event.get_time() < routed.event.get_time()
    assert filed.content_type == "application/cloudevents+json" and filed.delivery_mode == 2
    assert filed.message_id == filed.event.get_id()
    assert filed.routing_key == "phe.bankura.grievance.filed.v1"
    assert filed.event.get_source() == "/sorasori/grievances"
    assert filed.event.get_dataschema() == f"{platform.base}/api/v1/events/schemas/{PREFIX}filed.v1.json"
    assert filed.data["tracking_id"] == tracking_id and filed.data["department"] == "phe"
    assert filed.data["district"] == "Bankura" and filed.data["status"] == "filed"
    assert routed.data["level"] == 1 and routed.data["sla"]["due"] and routed.data["sla"]["breached"] is False
    asyncapi = platform.ok(platform.request("GET", "/api/v1/asyncapi.json"))
    check_against_contracts(mine, asyncapi)
    assert platform.ok(platform.get(tracking_id, CMO_CELL))["status"] == "routed"


def test_a_schema_for_every_public_type_and_a_problem_for_any_other(platform):
    for kind in public_events.PUBLIC_TYPES:
        schema = platform.ok(platform.request("GET", f"/api/v1/events/schemas/{kind}.json"))
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["$id"] == f"{platform.base}/api/v1/events/schemas/{kind}.json"
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["additionalProperties"] is False and "complainant" not in schema["properties"]
    for unknown in (f"{PREFIX}note_added.v1.json", f"{PREFIX}filed.v1", "x.json"):
        response = platform.request("GET", f"/api/v1/events/schemas/{unknown}")
        assert response.status_code == 404 and response.headers["Content-Type"] == "application/problem+json"
        assert response.json()["status"] == 404


def test_the_asyncapi_document_passes_the_asyncapi_parser(platform, public_stream):
    url = f"{platform.base}/api/v1/asyncapi.json"
    result = subprocess.run(["node", str(PARSER / "validate.mjs"), url], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    diagnostics = json.loads(result.stdout)
    assert diagnostics["parsed"] and diagnostics["errors"] == []
    document = platform.ok(platform.request("GET", "/api/v1/asyncapi.json"))
    server = document["servers"]["public"]
    assert (server["protocol"], server["pathname"]) == ("amqp", f"/{public_stream['vhost']}")
    assert "guest" not in json.dumps(document)  # the host, never the relay's login
    assert {m["name"] for m in document["components"]["messages"].values()} == set(public_events.PUBLIC_TYPES)
    filed = document["channels"]["grievanceFiledV1"]
    assert filed["address"] == "{department}.{district}.grievance.filed.v1"
    assert filed["bindings"]["amqp"]["exchange"]["name"] == "sorasori.public"
    assert {o["action"] for o in document["operations"].values()} == {"receive"}


def test_a_whole_life_cycle_publishes_no_personal_data(platform, subscribe):
    stream = subscribe("#")
    body = drinking_water(complainant={"name": "Mita Das", "mobile": "9830012345", "email": "mita@example.in",
                                       "language": "bn"},
                          place={"district": "Bankura", "block": "Onda", "geo": {"lat": 23.2417, "lon": 87.0721}})
    tracking_id = platform.ok(platform.file(body, MITA), 201)["tracking_id"]
    case = platform.wait_case(tracking_id, lambda c: c["status"] == "routed" and c.get("officer_id"), "routing")
    me = officer(case["officer_id"], case["department"], [case["place"]["district"]])
    platform.ok(platform.act(tracking_id, me, action="acknowledge"))
    platform.ok(platform.act(tracking_id, me, action="request_info", question="Which para is it exactly?"))
    platform.ok(platform.act(tracking_id, MITA, action="provide_info", text="Dakshin para, near the school"))
    platform.ok(platform.act(tracking_id, me, action="resolve", resolution="A mechanic fixed the pump today."))
    platform.ok(platform.feedback(tracking_id, MITA, rating=4, comment="Thank you"))
    rated = wait_type(stream, tracking_id, "rated.v1")
    assert rated.data["rating"] == 4
    for name in ("filed", "routed", "acknowledged", "info_requested", "info_provided", "resolved"):
        wait_type(stream, tracking_id, f"{name}.v1")
    mine = of_case(stream, tracking_id)
    for message in mine:
        for personal in PERSONAL:
            assert personal not in message.body.decode(), (message.type, personal)
    check_against_contracts(mine, platform.ok(platform.request("GET", "/api/v1/asyncapi.json")))


def test_a_binding_on_one_department_receives_only_that_department(platform, subscribe):
    phe, everything = subscribe("phe.*.#"), subscribe("#")
    water = platform.ok(platform.file(drinking_water(), MITA), 201)["tracking_id"]
    roads = platform.ok(platform.file(drinking_water(mobile="9830055555", category="road_repair",
                                                     subject="Potholes on the Onda road"),
                                      citizen("9830055555")), 201)["tracking_id"]
    wait_type(everything, roads, "routed.v1")
    wait_type(everything, water, "routed.v1")
    assert {r.data["department"] for r in of_case(everything, roads)} != {"phe"}
    wait_type(phe, water, "routed.v1")
    received = phe.drain()
    assert received and {r.routing_key.split(".")[0] for r in received} == {"phe"}
    assert {r.data["department"] for r in received} == {"phe"} and of_case(phe, roads) == []


def test_a_redelivered_internal_event_is_published_again_under_the_same_id(platform, platform_config, subscribe,
                                                                          event_log, mongo_client):
    """At-least-once: the relay keeps no record of what it published (the internal event in its queue is the
    source of truth), so each redelivery is published again, under the same CloudEvent id a consumer dedupes by."""
    stream = subscribe("#")
    tracking_id = platform.ok(platform.file(drinking_water(), MITA), 201)["tracking_id"]
    first = wait_type(stream, tracking_id, "filed.v1")
    internal = next(e for e in event_log.drain() if e["type"] == "grievance.filed" and e["subject"] == tracking_id)
    assert internal["id"] == first.event.get_id()
    exchange = Exchange("intake.events", type="topic", durable=True)
    with Connection(platform_config["AMQP_URI"], transport_options={"confirm_publish": True}) as connection:
        producer = connection.Producer(serializer="json")
        for _ in range(30):  # redeliveries after lost acks, handled by the consumer's workers at once
            producer.publish(internal, exchange=exchange, routing_key="grievance.filed")

    def copies():
        filed = [r for r in of_case(stream, tracking_id) if r.type == PREFIX + "filed.v1"]
        return filed if len(filed) >= 31 else None

    filed = wait_for(copies, timeout=30, what="the first publish and its 30 copies")
    assert {r.event.get_id() for r in filed} == {r.message_id for r in filed} == {internal["id"]}
    assert mongo_client[platform_config["MONGO_DB_PREFIX"] + "notification"][COLLECTION].count_documents({}) == 0


def test_an_event_written_but_not_yet_published_goes_out_after_a_restart(platform_config, platform_with,
                                                                         subscribe):
    """A crash between the outbox write and the publish leaves the CloudEvent in notification's store: the
    relay's first sweep after the start sends it."""
    stream = subscribe("#")
    decision = event_data("grievance.escalated", {
        "tracking_id": "WB-2026-12345674", "kind": "complaint", "seq": 3, "department": "phe",
        "district": "Bankura", "category": "drinking_water", "officer_id": "off-phe-bankura-l2-1",
        "officer_name": "Anil Roy", "level": 2, "deadline": "2026-12-05T10:00:00+00:00",
        "reason": "SLA passed at level 1"})
    event = new_event("grievance.escalated", "routing", decision)
    client = connect(platform_config["MONGO_URI"])
    try:
        client[platform_config["MONGO_DB_PREFIX"] + "notification"][COLLECTION].insert_one(
            stream_document(event, "http://127.0.0.1:8000"))
    finally:
        client.close()
    platform_with()
    escalated = wait_type(stream, "WB-2026-12345674", "escalated.v1")
    assert escalated.event.get_id() == event["id"] and escalated.routing_key == "phe.bankura.grievance.escalated.v1"
    assert "Anil Roy" not in escalated.body.decode()


def test_events_the_relay_could_not_publish_go_out_once_the_public_vhost_is_back(platform, request, public_stream,
                                                                                  subscribe):
    """The public side of the broker is away (its vhost gone) while a complaint is filed and routed: the
    events wait in notification's store, marked for the sweep, and go out once it is back."""
    api = broker_access.ManagementApi(request.config.getoption("RABBIT_API_URI"))
    time.sleep(1.5)  # past the relay's first sweep, which scans for anything pending (the marks are what is tested)
    api.delete(f"/vhosts/{public_stream['vhost']}")
    tracking_id = platform.ok(platform.file(drinking_water(), MITA), 201)["tracking_id"]
    platform.wait_case(tracking_id, lambda c: c["status"] == "routed" and c.get("officer_id"), "routing")
    # past the relay's own retries (about 2 s): every event of the filing now waits for the sweep, which takes
    # a mark once it is 5 s old, so the queue below is bound before anything can be published
    time.sleep(3)
    broker_access.create_public_stream(api, public_stream["vhost"])
    stream = subscribe("#")
    wait_type(stream, tracking_id, "routed.v1")
    wait_type(stream, tracking_id, "filed.v1")
