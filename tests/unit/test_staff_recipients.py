"""Who among the staff hears of a routing decision by SMS and email (domain/staff_recipients.py), and the staff
templates in Bengali, English and Hindi: short SMS, no complainant data, the person's language."""
from datetime import datetime, timedelta, timezone

import pytest

from services.notification import messages
from services.notification.domain import segments, staff_recipients
from services.notification.domain.recipients import LANGUAGES

NOW = datetime(2026, 12, 1, 6, 0, tzinfo=timezone.utc)


def person(staff_id, role="officer", mobile="9830000001", email=None, language="en", state="active",
           department="PWD", district="Bankura", leave=None):
    status = {"state": state}
    if leave:
        status.update(leave_from=leave[0].isoformat(), leave_until=leave[1].isoformat())
    return {"_id": staff_id, "role": role, "office": {"department": department, "district": district, "level": 1},
            "contacts": {"mobile": mobile, "email": email or f"{staff_id}@wb.gov.in", "language": language},
            "status": status}


def decision(officer_id, level=1):
    return {"tracking_id": "WB-2026-12345674", "officer_id": officer_id, "department": "PWD", "district": "Bankura",
            "level": level}


def planned(event_type, directory, previous=None, opt_outs=None, level=1, officer="rina"):
    return sorted((p.recipient.key, p.channel, p.template, p.language) for p in staff_recipients.plan(
        event_type, decision(officer, level), previous, directory, opt_outs or {}, NOW))


def test_an_assigned_officer_gets_sms_and_email_in_their_language():
    assert planned("grievance.assigned", {"officer": person("rina", language="bn")}) == [
        ("staff:rina", "email", "assigned", "bn"), ("staff:rina", "sms", "assigned", "bn")]


def test_on_leave_no_sms_retired_nothing_unknown_language_bengali():
    leave = (NOW - timedelta(days=1), NOW + timedelta(days=3))
    assert planned("grievance.sla_reminder", {"officer": person("rina", state="on_leave", leave=leave)}) == [
        ("staff:rina", "email", "sla_reminder", "en")]
    ended = (NOW - timedelta(days=5), NOW - timedelta(days=1))  # the leave is over: reachable again
    assert len(planned("grievance.assigned", {"officer": person("rina", state="on_leave", leave=ended)})) == 2
    assert planned("grievance.assigned", {"officer": person("rina", state="retired")}) == []
    assert planned("grievance.assigned", {"officer": None}) == []
    assert planned("grievance.assigned", {"officer": person("rina", language="ur")})[0][3] == "bn"


def test_opt_outs_and_missing_contacts_drop_only_that_channel():
    assert planned("grievance.assigned", {"officer": person("rina")}, opt_outs={"rina": ["sms"]}) == [
        ("staff:rina", "email", "assigned", "en")]
    assert planned("grievance.assigned", {"officer": person("rina", mobile=None)}, opt_outs={"rina": ["email"]}) == []


def test_a_reassignment_tells_the_officer_it_leaves_and_not_on_a_replay_naming_the_same_officer():
    directory = {"officer": person("amit"), "previous": person("rina", language="hi")}
    assert ("staff:rina", "sms", "moved_away", "hi") in planned("grievance.assigned", directory, "rina", officer="amit")
    assert [p for p in planned("grievance.assigned", directory, "amit", officer="amit") if p[2] == "moved_away"] == []


def test_escalations_reach_the_office_supervisors_or_the_cell_and_a_breach_the_cell():
    supervisors = [person("sup-b", role="supervisor"), person("sup-p", role="supervisor", district="Purulia"),
                   person("sup-state", role="supervisor", district="state"),
                   person("sup-other", role="supervisor", department="Health")]
    cell = [person("cell-1", role="cmo_cell"), person("cell-2", role="cmo_cell", mobile=None)]
    at_two = planned("grievance.escalated", {"officer": None, "supervisors": supervisors, "cell": cell}, level=2)
    assert {p[0] for p in at_two} == {"staff:sup-b", "staff:sup-state"}
    assert {p[2] for p in at_two} == {"escalated_group"}
    at_four = planned("grievance.escalated", {"officer": None, "supervisors": supervisors, "cell": cell}, level=4)
    assert at_four == [("staff:cell-1", "email", "escalated_group", "en"), ("staff:cell-1", "sms", "escalated_group", "en"),
                       ("staff:cell-2", "email", "escalated_group", "en")]
    breach = planned("grievance.sla_breached", {"officer": person("rina"), "cell": cell}, level=4)
    assert {(p[0], p[2]) for p in breach} == {("staff:rina", "breached"), ("staff:cell-1", "sla_breached"),
                                             ("staff:cell-2", "sla_breached")}


def test_a_person_in_two_roles_of_one_decision_hears_once():
    sup = person("sup-b", role="supervisor")
    assert planned("grievance.escalated", {"officer": sup, "supervisors": [sup]}, level=2, officer="sup-b") == [
        ("staff:sup-b", "email", "escalated", "en"), ("staff:sup-b", "sms", "escalated", "en")]


LONG = {"tracking_id": "WB-2026-12345674", "category": "drinking_water_supply_and_sanitation" * 2,
        "department": "public_health_engineering" * 3, "district": "Paschim Bardhaman", "level": 3,
        "officer_name": "Anindita Chattopadhyay" * 3, "reason": "the deadline passed", "subject": "",
        "deadline": "2026-12-09 10:00 UTC", "day": "2026-12-01", "office": "Public Health Engineering, " * 4,
        "overdue": 1234, "escalated": 567, "breached": 89, "cases": []}
STAFF_TEMPLATES = ("assigned", "sla_reminder", "escalated", "breached", "moved_away", "escalated_group",
                   "sla_breached", "digest")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", STAFF_TEMPLATES)
def test_staff_sms_fit_in_two_parts_in_each_language_and_are_in_it(name, language):
    message = messages.render(name, "sms", language, LONG)
    assert message["language"] == language
    assert segments.split(message["text"]).count <= 2, message["text"]
    assert name == "digest" or "WB-2026-12345674" in message["text"]
    script = {"bn": "\u0980", "hi": "\u0900"}.get(language)
    assert script is None or any(script <= ch <= chr(ord(script) + 0x7f) for ch in message["text"])


@pytest.mark.parametrize("language", LANGUAGES)
def test_staff_emails_have_their_own_subject_in_the_language(language):
    for name in STAFF_TEMPLATES:
        email = messages.render(name, "email", language, LONG)
        assert email["language"] == language and email["subject"] and email["text"].strip()
