"""Bad input on every endpoint gets a clear 4xx naming the field; access is checked on the server."""
import json

import pytest

from tests.integration.platform_client import CMO_CELL, citizen, drinking_water, officer

MITA = citizen("9830012345")


@pytest.fixture
def routed_case(platform):
    tracking_id = platform.ok(platform.file(drinking_water(), MITA), 201)["tracking_id"]
    case = platform.wait_case(tracking_id, lambda c: c.get("officer_id"), "assignment")
    return tracking_id, officer(case["officer_id"], "phe", ["Bankura"])


@pytest.mark.parametrize("change, field", [
    ({"subject": None}, "subject"),
    ({"subject": "x" * 201}, "subject"),
    ({"kind": "rant"}, "kind"),
    ({"category": "ufo_sighting"}, "category"),
    ({"channel": "pigeon"}, "channel"),
    ({"place": {"district": "Atlantis"}}, "place"),
    ({"place": {"district": "Nadia", "geo": {"lat": 123, "lon": 88}}}, "place"),
    ({"complainant": {"name": "A", "mobile": "12345"}}, "complainant"),
    ({"complainant": {"name": "A", "mobile": "9830012345", "email": "not-an-email"}}, "complainant"),
    ({"complainant": {"name": "A", "mobile": "9830012345", "language": "fr"}}, "complainant"),
    ({"attachments": [{"ref": "a"}] * 6}, "attachments"),
    ({"surprise": True}, "surprise"),
    ({"description": "x" * 5001}, "description"),
])
def test_filing_rejects_each_bad_field_by_name(platform, change, field):
    body = drinking_water()
    body.update(change)
    if change.get("subject") is None and "subject" in change:
        del body["subject"]
    response = platform.file(body, MITA)
    assert response.status_code == 400, response.text
    assert field in response.json()["errors"]


def test_every_bad_field_is_named_at_once(platform):
    response = platform.file({"subject": "", "channel": "fax", "place": {}, "complainant": {}}, MITA)
    assert response.status_code == 400
    assert {"subject", "channel", "complainant"} <= set(response.json()["errors"])


def test_bodies_that_are_not_json_objects(platform):
    assert platform.request("POST", "/api/v1/grievances", MITA, data="{not json",
                            headers={"Content-Type": "application/json"}).status_code == 400
    assert platform.request("POST", "/api/v1/grievances", MITA, data="subject=x",
                            headers={"Content-Type": "application/x-www-form-urlencoded"}).status_code == 415
    assert platform.request("POST", "/api/v1/grievances", MITA, json=["a list"]).status_code == 400
    huge = json.dumps(drinking_water(description="x" * 70000))
    assert platform.request("POST", "/api/v1/grievances", MITA, data=huge,
                            headers={"Content-Type": "application/json"}).status_code == 413


def test_who_is_asking_is_checked(platform):
    assert platform.request("POST", "/api/v1/grievances", None, json=drinking_water()).status_code == 401
    forged = platform.request("POST", "/api/v1/grievances", None, json=drinking_water(),
                              headers={"Authorization": "Bearer eyJhbGciOiJub25lIn0.e30."})
    assert forged.status_code == 401
    bad_claims = platform.request("GET", "/api/v1/officer/queue", {"sub": "x", "role": "emperor"})
    assert bad_claims.status_code == 401


def test_unknown_and_malformed_tracking_ids_are_404(platform):
    assert platform.get("WB-2026-00000000", CMO_CELL).status_code == 404
    assert platform.get("WB-2026-12345674", CMO_CELL).status_code == 404  # well-formed, never issued
    assert platform.get("nonsense", CMO_CELL).status_code == 404
    assert platform.act("WB-2026-12345674", CMO_CELL, action="add_note", text="x").status_code == 404


def test_actions_name_bad_fields_and_illegal_transitions_list_the_allowed(platform, routed_case):
    tracking_id, me = routed_case
    unknown = platform.act(tracking_id, me, action="teleport")
    assert unknown.status_code == 400 and "action" in unknown.json()["errors"]
    assert "resolution" in platform.act(tracking_id, me, action="resolve").json()["errors"]
    assert "reason" in platform.act(tracking_id, me, action="reject", explanation="x" * 20).json()["errors"]
    assert "reason" in platform.act(tracking_id, me, action="reject", reason="bored",
                                    explanation="x" * 20).json()["errors"]
    assert "department" in platform.act(tracking_id, me, action="transfer", department="mars",
                                        reason="wrong office").json()["errors"]
    illegal = platform.act(tracking_id, me, action="resolve", resolution="Fixed it all, honestly.")
    assert illegal.status_code == 409
    body = illegal.json()
    assert body["details"]["status"] == "routed" and "acknowledge" in body["details"]["allowed"]


def test_feedback_is_validated_and_only_after_resolution(platform, routed_case):
    tracking_id, _ = routed_case
    assert "rating" in platform.feedback(tracking_id, MITA, rating=7).json()["errors"]
    assert "rating" in platform.feedback(tracking_id, MITA, rating="5").json()["errors"]
    assert platform.feedback(tracking_id, MITA, rating=4).status_code == 409   # not resolved yet
    stranger = citizen("9000000001")
    assert platform.feedback(tracking_id, stranger, rating=1).status_code == 404


def test_citizens_and_officers_see_only_what_is_theirs(platform, routed_case):
    tracking_id, me = routed_case
    assert platform.get(tracking_id, citizen("9000000001")).status_code == 404
    other_district = officer("off-phe-nadia-l1-1", "phe", ["Nadia"])
    other_department = officer("off-power-bankura-l1-1", "power", ["Bankura"])
    assert platform.get(tracking_id, other_district).status_code == 404
    assert platform.get(tracking_id, other_department).status_code == 404
    assert platform.act(tracking_id, other_department, action="acknowledge").status_code == 404
    assert platform.act(tracking_id, MITA, action="acknowledge").status_code == 409  # not a citizen's action
    colleague = officer("off-phe-bankura-l1-99", "phe", ["Bankura"])
    masked = platform.ok(platform.get(tracking_id, colleague))
    assert masked["complainant"]["mobile"] == "98******45"
    assert platform.ok(platform.get(tracking_id, me))["complainant"]["mobile"] == "9830012345"
    assert platform.queue(MITA).status_code == 403


def test_repeat_submission_returns_the_existing_case(platform):
    first = platform.ok(platform.file(drinking_water(mobile="9830044444"), citizen("9830044444")), 201)
    again = platform.file(drinking_water(mobile="9830044444", subject="no drinking water in onda for two weeks!"),
                          citizen("9830044444"))
    assert again.status_code == 200
    assert again.json() == {"tracking_id": first["tracking_id"], "status": again.json()["status"], "duplicate": True}


def test_me_too_counts_supporters_once_each(platform, routed_case):
    tracking_id, _ = routed_case
    assert platform.ok(platform.support(tracking_id, citizen("9000000002")))["supporters"] == 1
    assert platform.ok(platform.support(tracking_id, citizen("9000000002")))["supporters"] == 1
    assert platform.ok(platform.support(tracking_id, citizen("9000000003")))["supporters"] == 2
    assert platform.support(tracking_id, CMO_CELL).status_code == 403
    assert platform.case(tracking_id)["supporters"] == 2


def test_monthly_filing_limit_with_an_officer_override(platform, platform_config):
    mobile, person = "9830055555", citizen("9830055555")
    limit = platform_config["FILINGS_PER_MOBILE_PER_MONTH"]
    for n in range(limit):
        platform.ok(platform.file(drinking_water(mobile=mobile, subject=f"Complaint number {n}"), person), 201)
    limited = platform.file(drinking_water(mobile=mobile, subject="One more"), person)
    assert limited.status_code == 429
    assert platform.file(drinking_water(mobile=mobile, subject="One more", override_filing_limit=True),
                         person).status_code == 403
    by_phone = drinking_water(mobile=mobile, subject="One more", channel="phone_assisted",
                              override_filing_limit=True)
    assert platform.file(by_phone, CMO_CELL).status_code == 201
