"""The public projection of events: what other state systems may see, field by field."""
import json
from datetime import datetime, timezone

import pytest
from marshmallow import ValidationError

from services.intake.domain import grievance as domain
from shared import public_events
from shared.contracts.events import EVENT_SCHEMAS, event_data
from shared.events import json_data, new_event
from tests.unit.test_contracts import NOW, a_case

PERSONAL = ("Mita Das", "9830012345", "citizen-1", "tube well", "No drinking water", "photo.jpg", "blob-1")


def filed_event(**case_changes):
    case, events = a_case()
    case = {**case, **case_changes}
    kind, details = events[0]
    data = event_data(kind, json_data({**details, "case": domain.snapshot(case)}))
    return new_event(kind, "intake", data, subject=case["_id"])


def test_a_filed_complaint_keeps_where_it_stands_and_nothing_about_who_raised_it():
    event = filed_event()
    cloud = public_events.to_cloudevent(event, "https://api.example.gov.in/")
    assert cloud["type"] == "in.gov.wb.sorasori.grievance.filed.v1"
    assert cloud["dataschema"] == ("https://api.example.gov.in/api/v1/events/schemas/"
                                   "in.gov.wb.sorasori.grievance.filed.v1.json")
    assert cloud["id"] == event["id"] and cloud["subject"] == "WB-2026-12345674"
    data = cloud["data"]
    assert data["category"] == "drinking_water" and data["department"] == "phe"  # from the category
    assert (data["district"], data["block"], data["status"], data["level"]) == ("Bankura", "Onda", "filed", 1)
    assert data["sla"] == {"due": None, "breached": False}
    text = json.dumps(cloud)
    for value in PERSONAL:
        assert value not in text, value


def test_routing_keys_carry_department_and_district_as_single_words():
    data = public_events.public_data(filed_event(place={"district": "Cooch Behar", "block": "Dinhata-I"}))
    assert public_events.routing_key(data, "grievance.filed") == "phe.cooch_behar.grievance.filed.v1"
    assert public_events.key_part(None) == public_events.NO_KEY


def test_a_routing_decision_names_the_office_level_and_deadline_but_not_the_officer():
    decision = event_data("grievance.escalated", {
        "tracking_id": "WB-2026-12345674", "kind": "complaint", "seq": 3, "department": "phe",
        "district": "Bankura", "category": "drinking_water", "officer_id": "off-phe-bankura-l2-1",
        "officer_name": "Anil Roy", "level": 2, "deadline": "2026-12-05T10:00:00+00:00",
        "reason": "SLA passed at level 1"})
    event = new_event("grievance.escalated", "routing", decision, time=datetime(2026, 12, 6, 10, tzinfo=timezone.utc))
    data = public_events.public_data(event)
    assert (data["level"], data["sla"]) == (2, {"due": "2026-12-05T10:00:00+00:00", "breached": True})
    assert "Anil Roy" not in json.dumps(data) and "off-phe" not in json.dumps(data)


def test_a_rating_is_public_its_comment_is_not():
    case, _ = a_case()
    case = {**case, "feedback": [{"at": NOW.isoformat(), "rating": 2, "comment": "Nobody came, call 9830012345"}]}
    data = event_data("grievance.feedback_received",
                      json_data({"rating": 2, "comment": "Nobody came", "case": domain.snapshot(case)}))
    cloud = public_events.to_cloudevent(new_event("grievance.feedback_received", "intake", data), "https://x")
    assert cloud["type"].endswith(".grievance.rated.v1") and cloud["data"]["rating"] == 2
    assert "Nobody came" not in json.dumps(cloud)


def test_notes_and_edits_are_not_published():
    for internal in ("grievance.note_added", "grievance.edited", "grievance.assignment_recorded",
                     "grievance.status_changed", "grievance.sla_reminder"):
        assert public_events.to_cloudevent({"type": internal, "data": {}}, "https://x") is None


def test_every_published_type_is_a_declared_internal_event():
    assert set(public_events.PUBLISHED) <= set(EVENT_SCHEMAS)
    assert len(set(public_events.PUBLIC_TYPES)) == len(public_events.PUBLISHED)


def test_a_field_outside_the_public_contract_cannot_be_dumped_in():
    with pytest.raises(ValidationError):
        public_events.PublicGrievance().load({**public_events.public_data(filed_event()), "mobile": "9830012345"})
