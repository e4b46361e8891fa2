"""The public stream's contract built from shared/public_events.py: each type's JSON Schema accepts what the
projection publishes and nothing more; the AsyncAPI document names every type, key part and schema."""
import json

import jsonschema
import pytest

from shared import asyncapi, catalog, public_events
from tests.unit.test_public_events import filed_event

BASE = "https://api.example.gov.in"


@pytest.fixture(scope="module")
def document():
    return asyncapi.build(BASE, "rabbit.example.gov.in:5671", "sorasori-public")


def test_the_data_schema_is_json_schema_2020_12_that_takes_the_projection_and_refuses_more():
    kind = public_events.public_type("grievance.filed")
    schema = public_events.data_schema(kind, BASE + "/")
    assert schema["$id"] == f"{BASE}/api/v1/events/schemas/{kind}.json"
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    data = public_events.to_cloudevent(filed_event(), BASE)["data"]
    validator.validate(data)
    for wrong in ({**data, "mobile": "9830012345"}, {**data, "occurred_at": "yesterday"},
                  {k: v for k, v in data.items() if k != "district"}, {**data, "sla": {"due": None}}):
        assert not validator.is_valid(wrong)
    with pytest.raises(KeyError):
        public_events.data_schema("in.gov.wb.sorasori.grievance.note_added.v1", BASE)


def test_every_public_type_has_a_channel_a_message_and_a_receive_operation(document):
    messages = document["components"]["messages"]
    assert sorted(m["name"] for m in messages.values()) == sorted(public_events.PUBLIC_TYPES)
    for internal in public_events.PUBLISHED:
        name = public_events.public_name(internal)
        channel = next(c for c in document["channels"].values() if c["title"] == name)
        assert channel["address"] == "{department}.{district}." + name
        assert channel["bindings"]["amqp"]["exchange"]["name"] == public_events.EXCHANGE
    assert len(document["operations"]) == len(public_events.PUBLISHED)
    assert {o["action"] for o in document["operations"].values()} == {"receive"}
    server = document["servers"]["public"]
    assert (server["host"], server["pathname"], server["protocol"]) == (
        "rabbit.example.gov.in:5671", "/sorasori-public", "amqp")
    assert document["components"]["securitySchemes"]["subscriber"]["type"] == "userPassword"


def test_the_routing_key_parameters_list_every_key_the_relay_can_make(document):
    parameters = document["components"]["parameters"]
    for name in catalog.districts():
        assert public_events.key_part(name) in parameters["district"]["enum"]
    for code in catalog.departments():
        assert public_events.key_part(code) in parameters["department"]["enum"]
    assert public_events.NO_KEY in parameters["district"]["enum"]


def test_a_published_cloudevent_is_valid_against_its_asyncapi_message(document):
    cloud = public_events.to_cloudevent(filed_event(), BASE)
    key = next(k for k, m in document["components"]["messages"].items() if m["name"] == cloud["type"])
    schema = {"components": document["components"], "$ref": f"#/components/messages/{key}/payload"}
    jsonschema.Draft7Validator(schema).validate(json.loads(json.dumps(cloud)))
    assert not jsonschema.Draft7Validator(schema).is_valid({**cloud, "type": "in.gov.wb.sorasori.grievance.closed.v1"})
