"""shared.projections: each audience against each place where the complainant's data can sit in a case
and in an event's data."""
import json
from datetime import UTC, datetime

import pytest

from shared import projections
from shared.projections import (
    COMPLAINANT,
    OTHER_STAFF,
    SUBSCRIBER,
    WORKING,
    project_case,
    project_event,
)

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
OLD_MOBILE, NEW_MOBILE = "9830012345", "+919831099887"
OLD_EMAIL, NEW_EMAIL = "mita.das@example.org", "mita.work@example.in"
OLD_ADDRESS, NEW_ADDRESS = "12 Rabindra Sarani, Onda", "45 Netaji Subhas Road, Bishnupur"
CLEAR = (OLD_MOBILE, "9831099887", OLD_EMAIL, NEW_EMAIL, OLD_ADDRESS, NEW_ADDRESS)
GEO = {"lat": 23.0714, "lon": 87.3241}
CITIZEN_ID = "citizen-9830012345"


def person(mobile, email, address):
    return {"name": "Mita Das", "mobile": mobile, "email": email, "language": "bn",
            "residence": {"state": "West Bengal", "district": "Bankura", "address": address}}


def case():
    """A case with the complainant's data in every place it can sit."""
    return {
        "tracking_id": "WB-2026-12345674", "status": "resolved", "category": "drinking_water", "department": "phe",
        "subject": f"No water; call {NEW_MOBILE}", "description": f"Write to {NEW_EMAIL} or come to {NEW_ADDRESS}",
        "place": {"district": "Bankura", "block": "Onda", "geo": GEO},
        "complainant": person(NEW_MOBILE, NEW_EMAIL, NEW_ADDRESS),
        "filed_by": {"id": CITIZEN_ID, "role": "citizen"}, "officer_id": "off-phe-bankura-l1-1",
        "contact_attempts": 1, "resolution": f"Repaired; told her on {OLD_MOBILE}",
        "rejection": {"reason": "other", "explanation": f"Mailed {OLD_EMAIL}"},
        "feedback": [{"at": NOW, "rating": 2, "comment": f"Call me on {NEW_MOBILE[-10:]}"}],
        "attachments": [{"ref": "att-1", "name": f"letter from {OLD_ADDRESS}.pdf"}],
        "timeline": [
            {"at": NOW, "kind": "status", "public": True, "status": "filed", "by": {"id": CITIZEN_ID, "role": "citizen"}},
            {"at": NOW, "kind": "edit_on_behalf", "public": True, "consent": "verbal_on_call",
             "by": {"id": "off-phe-bankura-l1-1", "role": "officer"},
             "changes": {"description": f"She lives at {NEW_ADDRESS}", "place": {"district": "Bankura", "geo": GEO},
                         "complainant": person(NEW_MOBILE, NEW_EMAIL, NEW_ADDRESS)}},
            {"at": NOW, "kind": "log_contact", "public": True, "outcome": "answered",
             "by": {"id": "off-phe-bankura-l1-1", "role": "officer"}, "notes": f"Called 0{NEW_MOBILE[-10:]}"},
            {"at": NOW, "kind": "add_note", "public": False, "by": {"id": "off-phe-bankura-l1-1", "role": "officer"},
             "text": f"Her old mail {OLD_EMAIL}"},
        ],
        "versions": [{"at": NOW, "by": "off-phe-bankura-l1-1", "consent": "verbal_on_call",
                      "before": {"description": f"Call {OLD_MOBILE}", "place": {"district": "Bankura", "geo": GEO},
                                 "complainant": person(OLD_MOBILE, OLD_EMAIL, OLD_ADDRESS)},
                      "after": {"complainant": person(NEW_MOBILE, NEW_EMAIL, NEW_ADDRESS)}}],
    }


def at(document, path):
    for step in path.split(".") if path else ():
        document = document[int(step)] if step.isdigit() else document[step]
    return document


def absent(document, path):
    try:
        at(document, path)
    except (KeyError, IndexError):
        return True
    return False


MASKED_NEW = {"mobile": "+9198******87", "email": "m***@example.in", "address": "(withheld)"}
MASKED_OLD = {"mobile": "98******45", "email": "m***@example.org", "address": "(withheld)"}

# Each place a complainant record sits: (path, its clear values, their masked form).
PEOPLE = [("complainant", person(NEW_MOBILE, NEW_EMAIL, NEW_ADDRESS), MASKED_NEW),
          ("timeline.1.changes.complainant", person(NEW_MOBILE, NEW_EMAIL, NEW_ADDRESS), MASKED_NEW),
          ("versions.0.before.complainant", person(OLD_MOBILE, OLD_EMAIL, OLD_ADDRESS), MASKED_OLD),
          ("versions.0.after.complainant", person(NEW_MOBILE, NEW_EMAIL, NEW_ADDRESS), MASKED_NEW)]


@pytest.mark.parametrize("path,clear,masked", PEOPLE, ids=[p[0] for p in PEOPLE])
class TestComplainantRecords:
    def test_working_staff_see_it_in_clear(self, path, clear, masked):
        assert at(project_case(case(), WORKING), path) == clear

    def test_other_staff_see_the_name_with_contact_masked_and_address_withheld(self, path, clear, masked):
        shown = at(project_case(case(), OTHER_STAFF), path)
        assert shown["name"] == "Mita Das" and shown["residence"]["district"] == "Bankura"
        assert (shown["mobile"], shown["email"], shown["residence"]["address"]) == \
            (masked["mobile"], masked["email"], masked["address"])

    def test_subscribers_get_the_language_only(self, path, clear, masked):
        assert at(project_case(case(), SUBSCRIBER), path) == {"language": "bn"}


def test_the_complainant_sees_her_own_record_and_public_entries_only():
    shown = project_case(case(), COMPLAINANT)
    assert shown["complainant"] == person(NEW_MOBILE, NEW_EMAIL, NEW_ADDRESS)
    assert shown["timeline"][1]["changes"]["complainant"]["mobile"] == NEW_MOBILE
    assert [e["kind"] for e in shown["timeline"]] == ["status", "edit_on_behalf", "log_contact"]  # no internal note
    assert "notes" not in shown["timeline"][2] and shown["timeline"][2]["by"] == {"role": "officer"}
    assert shown["timeline"][0]["by"]["id"] == CITIZEN_ID  # her own entries keep her
    for internal in ("versions", "filed_by", "officer_id", "contact_attempts"):
        assert internal not in shown


FREE_TEXT = ["subject", "description", "resolution", "rejection.explanation", "feedback.0.comment",
             "attachments.0.name", "timeline.1.changes.description", "timeline.2.notes", "timeline.3.text",
             "versions.0.before.description"]


@pytest.mark.parametrize("path", FREE_TEXT)
def test_free_text_is_kept_for_working_staff_masked_for_other_staff_and_withheld_from_subscribers(path):
    original = at(case(), path)
    assert at(project_case(case(), WORKING), path) == original
    for_staff = at(project_case(case(), OTHER_STAFF), path)
    assert not [value for value in CLEAR if value in for_staff], for_staff
    assert for_staff != original and ("******" in for_staff or "***@" in for_staff or "(withheld)" in for_staff)
    assert absent(project_case(case(), SUBSCRIBER), path)


@pytest.mark.parametrize("path", ["place", "timeline.1.changes.place", "versions.0.before.place"])
def test_exact_location_is_for_staff_not_for_subscribers(path):
    assert at(project_case(case(), OTHER_STAFF), path)["geo"] == GEO
    shown = at(project_case(case(), SUBSCRIBER), path)
    assert "geo" not in shown and shown["district"] == "Bankura"


def test_other_staff_see_that_a_document_exists_not_its_name_and_subscribers_nothing():
    assert project_case(case(), OTHER_STAFF)["attachments"] == [{"ref": "att-1", "name": "(withheld)"}]
    assert "attachments" not in project_case(case(), SUBSCRIBER)


def test_the_complainant_sees_public_attachments_and_which_office_attached_them():
    shown = case()
    shown["attachments"] = [
        {"ref": "a" * 32, "name": "road.jpg", "public": True, "by": {"id": "citizen-1", "role": "citizen"}},
        {"ref": "b" * 32, "name": "site visit.jpg", "public": True, "by": {"id": "officer-7", "role": "officer"}},
        {"ref": "c" * 32, "name": "internal.pdf", "public": False, "by": {"id": "officer-7", "role": "officer"}}]
    seen = project_case(shown, COMPLAINANT)["attachments"]
    assert [a["ref"] for a in seen] == ["a" * 32, "b" * 32]
    assert seen[1]["by"] == {"role": "officer"}


def test_a_citizens_account_id_is_withheld_from_other_staff_and_subscribers():
    staff = project_case(case(), OTHER_STAFF)
    assert staff["filed_by"] == {"role": "citizen"} and staff["timeline"][0]["by"] == {"role": "citizen"}
    assert staff["timeline"][1]["by"]["id"] == "off-phe-bankura-l1-1"  # which officer acted stays
    subscriber = project_case(case(), SUBSCRIBER)
    assert "filed_by" not in subscriber and "by" not in subscriber["timeline"][0]


@pytest.mark.parametrize("audience", [OTHER_STAFF, SUBSCRIBER])
def test_no_clear_contact_detail_is_left_anywhere(audience):
    text = json.dumps(project_case(case(), audience), default=str)
    assert [value for value in CLEAR if value in text] == [] and CITIZEN_ID not in text
    assert ("Mita Das" in text) is (audience == OTHER_STAFF)


def test_the_working_view_is_the_case_and_no_projection_changes_its_input():
    original = case()
    assert project_case(original, WORKING) == case()
    for audience in projections.AUDIENCES:
        project_case(original, audience)
    assert original == case()


def edited_event():
    snapshot = {k: v for k, v in case().items() if k not in ("timeline", "versions")}
    return {"id": "e1", "type": "grievance.edited", "subject": "WB-2026-12345674", "data": {
        "consent": "verbal_on_call", "case": snapshot,
        "changes": {"subject": "Water", "description": f"Lives at {NEW_ADDRESS}",
                    "place": {"district": "Bankura", "geo": GEO},
                    "complainant": person(NEW_MOBILE, NEW_EMAIL, NEW_ADDRESS)}}}


def test_a_subscriber_gets_an_edit_without_personal_data():
    event = project_event(edited_event(), SUBSCRIBER)
    assert event["id"] == "e1" and event["type"] == "grievance.edited"
    data = event["data"]
    assert data["changes"] == {"place": {"district": "Bankura"}, "complainant": {"language": "bn"}}
    assert data["consent"] == "verbal_on_call" and data["case"]["status"] == "resolved"
    assert data["case"]["complainant"] == {"language": "bn"} and "filed_by" not in data["case"]
    for withheld in ("subject", "description", "resolution", "attachments"):
        assert withheld not in data["case"]
    text = json.dumps(event, default=str)
    assert [value for value in CLEAR if value in text] == [] and "Mita Das" not in text and "23.07" not in text


@pytest.mark.parametrize("details", [{"text": f"Call {OLD_MOBILE}", "visibility": "public"},
                                     {"rating": 2, "comment": f"Mail {OLD_EMAIL}"},
                                     {"department": "power", "reason": f"She moved to {OLD_ADDRESS}"},
                                     {"resolution": f"Told her on {OLD_MOBILE}", "together_with": []},
                                     {"reason": "other", "explanation": f"Mailed {OLD_EMAIL}"},
                                     {"question": f"Is {OLD_MOBILE} yours?"}, {"note": f"Rang {OLD_MOBILE}"}])
def test_an_actions_free_text_never_reaches_a_subscriber(details):
    event = project_event({"id": "e2", "type": "grievance.x", "data": {**details, "case": {"status": "routed"}}})
    text = json.dumps(event)
    assert not [value for value in CLEAR if value in text], text
    written = {"text", "comment", "reason", "resolution", "explanation", "question", "note"}
    assert not written & set(event["data"]) and event["data"]["case"] == {"status": "routed"}


def test_other_staff_get_an_event_masked():
    data = project_event(edited_event(), OTHER_STAFF)["data"]
    assert data["changes"]["complainant"]["mobile"] == "+9198******87"
    assert data["changes"]["description"] == "Lives at (withheld)"


def test_unknown_audiences_are_refused():
    with pytest.raises(ValueError):
        project_case(case(), "public")
    with pytest.raises(ValueError):
        project_event(edited_event(), WORKING)


def test_the_declared_paths_cover_the_case_and_the_event():
    assert "versions[].before.complainant" in projections.CASE_PATHS[projections.PERSON]
    assert "changes.complainant" in projections.EVENT_DATA_PATHS[projections.PERSON]
    assert "case.place.geo" in projections.EVENT_DATA_PATHS[projections.LOCATION]
    assert "case.attachments" in projections.EVENT_DATA_PATHS[projections.DOCUMENTS]


def test_the_complainants_own_number_is_masked_even_run_into_other_text():
    written = case()
    written["description"] = f"ph:{OLD_MOBILE}x, alt {NEW_MOBILE[-10:]}/home"
    assert project_case(written, OTHER_STAFF)["description"] == "ph:98******45x, alt 98******87/home"
