import pytest

from shared.events import InvalidEvent, new_event, parse_event


def valid_envelope(**overrides):
    event = new_event("grievance.filed", "intake", {"tracking_id": "WB-2026-00012345"},
                      subject="WB-2026-00012345", correlation_id="abc123")
    event.update(overrides)
    return event


def test_new_event_carries_cloudevents_attributes():
    event = valid_envelope()
    assert event["specversion"] == "1.0"
    assert event["source"] == "/sorasori/intake"
    assert event["type"] == "grievance.filed"
    assert event["datacontenttype"] == "application/json"
    assert event["subject"] == "WB-2026-00012345"
    assert event["correlationid"] == "abc123"
    assert len(event["id"]) == 32
    assert event["time"].endswith("+00:00")


def test_each_event_gets_its_own_id():
    assert valid_envelope()["id"] != valid_envelope()["id"]


def test_a_valid_envelope_round_trips():
    event = valid_envelope()
    assert parse_event(dict(event)) == event


@pytest.mark.parametrize("field", ["id", "source", "type", "specversion", "time", "data"])
def test_missing_required_attribute_is_named(field):
    event = valid_envelope()
    del event[field]
    with pytest.raises(InvalidEvent) as error:
        parse_event(event)
    assert field in error.value.errors


@pytest.mark.parametrize("field, value", [
    ("specversion", "0.3"),
    ("type", "Grievance Filed"),
    ("type", "grievance"),
    ("time", "yesterday"),
    ("time", "2026-11-28T10:00:00"),  # no offset
    ("datacontenttype", "text/xml"),
    ("data", "not an object"),
    ("id", ""),
])
def test_bad_attribute_is_named(field, value):
    with pytest.raises(InvalidEvent) as error:
        parse_event(valid_envelope(**{field: value}))
    assert field in error.value.errors


def test_unknown_attributes_are_rejected():
    with pytest.raises(InvalidEvent) as error:
        parse_event(valid_envelope(surprise=1))
    assert "surprise" in error.value.errors


@pytest.mark.parametrize("payload", [None, "text", 42, ["a"]])
def test_non_objects_are_invalid(payload):
    with pytest.raises(InvalidEvent):
        parse_event(payload)
