"""The staff pages' pure parts: which forms a case offers, each form to the API's body, refusals back to the
form's fields, the SLA time left in words, highlights made safe."""

from services.web import staff_actions
from services.web.phone_filing import phone_errors, phone_grievance, phone_values

CASE = {"status": "incomplete", "subject": "No water", "description": "", "place": {"district": "Bankura", "geo": None},
        "complainant": {"name": "Mita Das", "mobile": None, "language": "bn"}}


def test_the_forms_are_the_actions_the_api_allows_in_the_pages_order():
    case = {"status": "acknowledged", "allowed_actions": ["resolve", "add_note", "bogus", "start", "request_info"]}
    shown = staff_actions.actions_for(case)
    assert {"resolve", "request_info", "start", "add_note"} == set(shown) and "bogus" not in shown
    assert shown == [action for action in staff_actions.FORM_ORDER if action in shown]
    assert staff_actions.actions_for({"status": "routed"}) == []  # an answer without the list offers nothing


def test_a_form_becomes_the_actions_body_without_empty_optional_fields():
    assert staff_actions.action_body("acknowledge", {"note": "  "}, CASE) == {"action": "acknowledge"}
    assert staff_actions.action_body("log_contact", {"outcome": "busy", "channel": "phone", "csrf_token": "x"}, CASE) \
        == {"action": "log_contact", "outcome": "busy", "channel": "phone"}


def test_edit_on_behalf_sends_only_what_changed_and_the_complainant_whole():
    body = staff_actions.action_body("edit_on_behalf", {"subject": "No water", "description": "Tube well broken",
                                                        "district": "Bankura", "mobile": "9830011122",
                                                        "consent": "verbal_on_call"}, CASE)
    assert body == {"action": "edit_on_behalf", "consent": "verbal_on_call", "changes": {
        "description": "Tube well broken",
        "complainant": {"name": "Mita Das", "mobile": "9830011122", "language": "bn"}}}
    moved = staff_actions.edit_changes({"district": "Purulia"}, CASE)
    assert moved == {"place": {"district": "Purulia"}}


def test_refusals_land_on_the_forms_fields():
    assert staff_actions.field_errors({"changes.complainant.mobile": ["bad"], "consent": ["missing"],
                                       "changes._schema": ["empty"]}) == \
        {"mobile": ["bad"], "consent": ["missing"], "changes": ["empty"]}
    assert phone_errors({"complainant.mobile": ["bad"], "subject": ["short"]}) == {"mobile": True, "subject": True}


def test_time_left_in_the_persons_language():
    assert staff_actions.time_left(3 * 86400 + 60, "en", "en_IN") == "3 days"
    assert staff_actions.time_left(-2 * 3600, "en", "en_IN") == "2 hours"
    assert staff_actions.time_left(2 * 3600, "bn", "bn_IN") == "২ ঘণ্টা"
    assert staff_actions.time_left(None, "en", "en_IN") is None


def test_highlights_keep_only_the_search_marks():
    html = str(staff_actions.marked(["<script>x</script> <em>tube</em> well"]))
    assert html == "&lt;script&gt;x&lt;/script&gt; <mark>tube</mark> well"


def test_a_phone_filing_is_phone_assisted_in_the_callers_language():
    values = phone_values({"subject": "No water", "district": "Bankura", "mobile": "9830011122",
                           "caller_language": "hi", "name": ""})
    body = phone_grievance(values)
    assert body["channel"] == "phone_assisted" and body["complainant"] == {"name": "-", "language": "hi",
                                                                           "mobile": "9830011122"}
    assert phone_values({"caller_language": "fr"})["caller_language"] == "bn"
