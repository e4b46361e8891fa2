"""The console's officer directory forms (services/web/directory_forms.py): a form to the admin API's body,
leave dates typed in India time to aware timestamps, the API's refusals back to the form's fields, and a
member's office and status in the person's words."""
from services.web import directory_forms as forms
from services.web.i18n import Translator

NAMES = {"phe": "Public Health Engineering", "Bankura": "Bankura", "Nadia": "Nadia"}


def member_form(**changes):
    return {"sub": "off-phe-bankura-l1-9", "name": "Rina Pal", "role": "officer", "department": "phe",
            "district": "Bankura", "level": "1", "mobile": "9830066104", "email": "", "language": "en", **changes}


def test_the_member_form_becomes_the_apis_body():
    assert forms.member_body(member_form()) == {
        "sub": "off-phe-bankura-l1-9", "name": "Rina Pal", "role": "officer",
        "office": {"department": "phe", "district": "Bankura", "level": 1},
        "contacts": {"mobile": "9830066104", "language": "en"}}
    body = forms.member_body(member_form(email="rina@wb.gov.in", level="x", language=""))
    assert body["contacts"] == {"mobile": "9830066104", "language": "bn", "email": "rina@wb.gov.in"}
    assert body["office"]["level"] == "x"  # not a number: the API names office.level


def test_a_member_fills_the_form_to_change_them():
    member = {"sub": "s-1", "name": "N", "role": "supervisor", "office": {"department": "phe", "district": "Nadia",
              "level": 2}, "contacts": {"mobile": "9830066104", "language": "hi"}, "status": {"state": "active"}}
    assert forms.member_values(member) == {"sub": "s-1", "name": "N", "role": "supervisor", "department": "phe",
                                           "district": "Nadia", "level": "2", "mobile": "9830066104",
                                           "email": "", "language": "hi"}
    assert forms.member_body(forms.member_values(member))["office"] == member["office"]


def test_leave_dates_typed_in_india_time_become_aware_timestamps():
    assert forms.moment("2026-12-01T09:30") == "2026-12-01T09:30:00+05:30"
    assert forms.moment("2026-12-01") == "2026-12-01T00:00:00+05:30"
    assert forms.moment("2026-12-15", end_of_day=True) == "2026-12-15T23:59:59+05:30"
    assert forms.moment("2026-12-01T09:30:00+00:00") == "2026-12-01T09:30:00+00:00"  # a zone given is kept
    assert forms.moment("") is None and forms.moment("next week") == "next week"  # the API names the field
    assert forms.status_body("on_leave", {"leave_from": "2026-12-01", "leave_until": "2026-12-15T18:00",
                                          "delegate": ""}) == {
        "state": "on_leave", "leave_from": "2026-12-01T00:00:00+05:30", "leave_until": "2026-12-15T18:00:00+05:30"}
    assert forms.status_body("on_leave", {"leave_from": "", "leave_until": "", "delegate": "d-1"})["delegate"] == "d-1"


def test_each_status_form_sends_only_its_own_fields():
    assert forms.status_body("transferred", {"to_department": "phe", "to_district": "Nadia", "to_level": "1"}) == {
        "state": "transferred", "office": {"department": "phe", "district": "Nadia", "level": 1}}
    assert forms.status_body("active", {}) == {"state": "active"}
    assert forms.status_body("retired", {"confirm": "yes"}) == {"state": "retired"}


def test_the_apis_refusals_go_back_to_the_forms_fields():
    refused = {"contacts.mobile": ["Not a 10-digit Indian mobile number."], "office.district": ["Use 'state'."],
               "office": ["Level 4 is the CMO cell's."], "seq": ["?"]}
    assert forms.form_errors(refused, forms.MEMBER_API_FIELDS) == {
        "mobile": ["Not a 10-digit Indian mobile number."], "district": ["Use 'state'."],
        "department": ["Level 4 is the CMO cell's."], "_form": ["?"]}
    assert forms.form_errors({"office.level": ["x"], "state": ["final"], "leave_until": ["after"]},
                             forms.STATUS_API_FIELDS) == {"to_level": ["x"], "_form": ["final"],
                                                          "leave_until": ["after"]}


def test_status_and_office_in_the_persons_words():
    en, bn = Translator("en"), Translator("bn")
    office = {"department": "phe", "district": "Bankura", "level": 1}
    assert forms.office_words(office, en, NAMES) == "Public Health Engineering, Bankura, level 1"
    assert forms.office_words({**office, "district": "state", "level": 3}, en, NAMES) == (
        "Public Health Engineering, state office, level 3")
    assert forms.office_words(office, bn, {}) == "phe, Bankura, স্তর ১"  # codes when the catalogue is down
    leave = {"state": "on_leave", "leave_from": "2026-12-01T00:00:00+05:30",
             "leave_until": "2026-12-15T23:59:59+05:30", "delegate": "off-phe-bankura-l1-2"}
    words = forms.status_words({"status": leave}, en, NAMES)
    assert words.startswith("On leave from 1 Dec 2026") and "15 Dec 2026" in words
    assert words.endswith("Delegate: off-phe-bankura-l1-2.")
    assert "ছুটিতে" in forms.status_words({"status": leave}, bn, NAMES)
    assert forms.status_words({"status": {"state": "active"}}, en, NAMES) == "Active"
    assert forms.status_words({"status": {"state": "retired"}}, bn, NAMES) == "অবসরপ্রাপ্ত"
    assert forms.status_words({"status": {"state": "transferred"}, "previous_office": office}, en, NAMES) == (
        "Transferred from Public Health Engineering, Bankura, level 1; active in the new office.")


def test_delegates_are_the_available_members_of_the_same_office():
    office = {"department": "phe", "district": "Bankura", "level": 1}

    def member(sub, state="active", **where):
        return {"sub": sub, "office": {**office, **where}, "status": {"state": state}}
    me = member("me")
    colleagues = [me, member("a"), member("b", "on_leave"), member("c", "retired"), member("d", level=2),
                  member("e", "transferred")]
    assert [m["sub"] for m in forms.delegates(colleagues, me)] == ["a", "e"]


def test_a_leave_typed_with_a_space_between_date_and_time_is_read_in_india_time():
    from services.web import directory_forms as forms

    assert forms.moment("2026-12-01 09:30") == "2026-12-01T09:30:00+05:30"
    assert forms.moment("2026-12-15", end_of_day=True) == "2026-12-15T23:59:59+05:30"
