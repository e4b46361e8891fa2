"""The two views of a case are told apart by the document: a complainant's answers never carry the internal
fields (CaseForComplainant), staff's always name who filed (CaseForStaff); an action is answered with the
acting caller's own view."""
import jsonschema
import requests

from tests.integration.platform_client import citizen, drinking_water, officer

MITA = citizen("9830033333")


def validator(document, name):
    schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
    return jsonschema.Draft202012Validator(schema)


def errors(validator, body):
    return [(list(error.absolute_path), error.message) for error in validator.iter_errors(body)]


def test_a_citizens_action_is_answered_with_their_own_view_of_the_case(platform):
    document = requests.get(platform.base + "/api/v1/openapi.json", timeout=20).json()
    for_complainant, for_staff = validator(document, "CaseForComplainant"), validator(document, "CaseForStaff")
    tracking_id = platform.ok(platform.file(drinking_water(mobile=MITA["mobile"]), MITA), 201)["tracking_id"]
    case = platform.wait_case(tracking_id, lambda c: c.get("officer_id"), "assignment")
    assigned = officer(case["officer_id"], "phe", ["Bankura"])
    platform.ok(platform.act(tracking_id, assigned, action="acknowledge"))
    asked = platform.ok(platform.act(tracking_id, assigned, action="request_info", question="Which para?"))
    assert for_staff.is_valid(asked) and not for_complainant.is_valid(asked), errors(for_staff, asked)

    answered = platform.ok(platform.act(tracking_id, MITA, action="provide_info", text="Dakshin para"))
    assert not {"filed_by", "officer_id", "versions", "contact_attempts"} & set(answered), answered
    assert for_complainant.is_valid(answered) and not for_staff.is_valid(answered), errors(for_complainant, answered)
    assert set(answered) == set(platform.get(tracking_id, MITA).json())  # the same view as reading it
