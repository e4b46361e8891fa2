"""The notification service's pure rules: SMS parts, quiet hours, backoff, rate limits, webhook
signatures, who hears what."""
import base64
import time
from datetime import datetime, timedelta, timezone

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from services.notification.domain import recipients, schedule, segments, signing, staff_recipients
from services.notification.domain.recipients import EMAIL, INBOX, SMS, WEBHOOK
from shared import public_events

UTC = timezone.utc


# --- SMS parts ------------------------------------------------------------------------------------

def test_plain_english_is_gsm7_and_fits_160_in_one_part():
    text = "a" * 160
    assert segments.split(text).encoding == segments.GSM7
    assert segments.split(text).parts == [text]


def test_a_long_gsm7_text_is_cut_in_153_character_parts():
    text = "b" * 400
    split = segments.split(text)
    assert [len(p) for p in split.parts] == [153, 153, 94]
    assert "".join(split.parts) == text


def test_gsm_extension_characters_cost_two_and_are_never_cut_from_their_escape():
    text = "x" * 152 + "€" + "y" * 10  # 152 + 2 + 10 = 164 septets: two parts
    split = segments.split(text)
    assert split.encoding == segments.GSM7
    assert split.parts[0] == "x" * 152  # the euro would need 2 septets, only 1 is left in part one
    assert split.parts[1].startswith("€")
    assert segments.units("€") == 2


def test_bengali_is_ucs2_70_in_one_part_67_per_part_of_a_longer_one():
    one = "আ" * 70
    assert segments.split(one).encoding == segments.UCS2
    assert segments.split(one).count == 1
    long = "সরাসরি মুখ্যমন্ত্রী: আপনার অভিযোগ নথিভুক্ত হয়েছে। ট্র্যাকিং আইডি WB-2026-12345674। সেল আপনাকে ফোন করবে।"
    split = segments.split(long)
    assert len(long) > 70 and split.encoding == segments.UCS2
    assert all(len(p) <= 67 for p in split.parts)
    assert [len(p) for p in split.parts[:-1]] == [67] * (split.count - 1)
    assert "".join(split.parts) == long


def test_one_non_gsm_character_makes_the_whole_text_ucs2():
    assert segments.encoding("Tracking ID WB-2026-1 ₹") == segments.UCS2


def test_a_surrogate_pair_counts_two_and_stays_whole():
    text = "a" * 66 + "😀" + "b" * 10
    split = segments.split(text)
    assert split.parts[0] == "a" * 66 and split.parts[1].startswith("😀")


# --- quiet hours ----------------------------------------------------------------------------------

def ist(hour, minute=0, day=2):
    return datetime(2026, 12, day, hour, minute, tzinfo=schedule.IST).astimezone(UTC)


@pytest.mark.parametrize("hour,quiet", [(7, True), (8, False), (12, False), (20, False), (21, True), (23, True),
                                        (0, True)])
def test_quiet_hours_are_21_to_08_ist(hour, quiet):
    assert schedule.in_quiet_hours(ist(hour, 30 if hour == 20 else 0)) is quiet


def test_a_non_urgent_sms_at_night_waits_until_eight_not_dropped():
    assert schedule.send_after(ist(22), SMS, urgent=False) == ist(8, day=3)
    assert schedule.send_after(ist(3), SMS, urgent=False) == ist(8, day=2)


def test_urgent_sms_email_and_opted_out_citizens_are_not_held():
    night = ist(23)
    assert schedule.send_after(night, SMS, urgent=True) == night
    assert schedule.send_after(night, EMAIL, urgent=False) == night
    assert schedule.send_after(night, SMS, urgent=False, quiet_hours_on=False) == night


# --- backoff and rate limits -------------------------------------------------------------------------

def test_backoff_doubles_is_capped_and_jittered_within_half_to_full():
    assert schedule.backoff(1, 30, 3600, rand=lambda: 0.0) == 15
    assert schedule.backoff(1, 30, 3600, rand=lambda: 1.0) == 30
    assert schedule.backoff(3, 30, 3600, rand=lambda: 1.0) == 120
    assert schedule.backoff(20, 30, 3600, rand=lambda: 1.0) == 3600
    delays = {schedule.backoff(2, 30, 3600) for _ in range(50)}
    assert all(30 <= d <= 60 for d in delays) and len(delays) > 1


def test_retry_until_the_last_attempt_then_dead_letter():
    assert [schedule.retry_or_give_up(n, 3) for n in (1, 2, 3)] == ["retry", "retry", "dead_letter"]


def test_rate_windows_and_limits():
    now = datetime(2026, 12, 2, 10, 17, tzinfo=UTC)
    start, end = schedule.rate_window(now, 3600)
    assert start == datetime(2026, 12, 2, 10, 0, tzinfo=UTC) and end - start == timedelta(hours=1)
    assert not schedule.rate_limited(10, 10, urgent=False)
    assert schedule.rate_limited(11, 10, urgent=False)
    assert not schedule.rate_limited(99, 10, urgent=True)


def test_a_burst_over_the_limit_is_held_a_windows_worth_at_a_time():
    end, hour = datetime(2026, 12, 2, 11, 0, tzinfo=UTC), 3600
    held = [schedule.held_until(count, 10, end, hour) for count in range(11, 36)]
    assert held[:10] == [end] * 10  # the 11th to the 20th: the next window
    assert held[10:20] == [end + timedelta(hours=1)] * 10
    assert held[20:] == [end + timedelta(hours=2)] * 5
    assert schedule.held_until(2, 1, end, hour) == end


# --- webhook signatures ---------------------------------------------------------------------------

def test_signatures_follow_standard_webhooks_and_verify_with_its_library():
    secret = signing.new_secret()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    body = '{"type":"in.gov.wb.sorasori.grievance.resolved.v1"}'
    now = int(time.time())
    headers = signing.headers([secret], "msg_1", now, body)
    assert headers["webhook-id"] == "msg_1" and headers["webhook-timestamp"] == str(now)
    assert headers["webhook-signature"].startswith("v1,") and " " not in headers["webhook-signature"]
    assert Webhook(secret).verify(body, headers) == {"type": "in.gov.wb.sorasori.grievance.resolved.v1"}
    for tampered in ({**headers, "webhook-id": "msg_2"}, {**headers, "webhook-timestamp": str(now - 1)}):
        with pytest.raises(WebhookVerificationError):
            Webhook(secret).verify(body, tampered)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body + " ", headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.new_secret()).verify(body, headers)
    late = signing.headers([secret], "msg_1", now - 301, body)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, late)


def test_during_a_rotation_both_secrets_sign():
    new, old = signing.new_secret(), signing.new_secret()
    headers = signing.headers([new, old], "msg_1", int(time.time()), "{}")
    assert headers["webhook-signature"].count("v1,") == 2 and len(headers["webhook-signature"].split(" ")) == 2
    assert Webhook(old).verify("{}", headers) == {} and Webhook(new).verify("{}", headers) == {}


# --- who hears what --------------------------------------------------------------------------------

def intake_event(kind, complainant=None, **data):
    case = {"tracking_id": "WB-2026-12345674", "status": "filed", "subject": "No water",
            "complainant": complainant or {"name": "Mita", "mobile": "9830012345", "email": "mita@example.org",
                                           "language": "bn"}}
    return {"id": "e1", "type": kind, "subject": "WB-2026-12345674", "data": {**data, "case": case}}


def routing_event(kind, level=1, officer="off-phe-bankura-l1-1"):
    return {"id": "e2", "type": kind, "subject": "WB-2026-12345674",
            "data": {"tracking_id": "WB-2026-12345674", "department": "phe", "district": "Bankura",
                     "officer_id": officer, "level": level, "seq": 2}}


def what(planned):
    return sorted((p.recipient.kind, p.channel, p.template, p.language, p.urgent) for p in planned)


def test_the_complainant_hears_of_the_filing_by_sms_and_email_in_their_language():
    assert what(recipients.plan(intake_event("grievance.filed"))) == [
        ("complainant", EMAIL, "filed", "bn", False), ("complainant", SMS, "filed", "bn", False)]


@pytest.mark.parametrize("kind", ["grievance.info_requested", "grievance.resolved", "grievance.closed",
                                  "grievance.reopened", "grievance.rejected"])
def test_the_complainant_hears_each_turn_of_their_case(kind):
    assert {p.template for p in recipients.plan(intake_event(kind))} == {kind.split(".")[1]}


@pytest.mark.parametrize("kind", ["grievance.acknowledged", "grievance.status_changed",
                                  "grievance.assignment_recorded", "grievance.supported"])
def test_other_intake_events_tell_nobody(kind):
    assert recipients.plan(intake_event(kind)) == []


@pytest.mark.parametrize("kind, details, template", [
    ("grievance.transferred", {}, "transferred"),
    ("grievance.note_added", {}, "public_note"),  # intake emits it for public notes only
    ("grievance.special_closed", {}, "special_closed"),
    ("grievance.reopened", {"special_close": True}, "special_close_reopened"),
    ("grievance.assignment_recorded", {"kind": "escalated", "handler_changed": True}, "handler_changed"),
])
def test_the_complainant_hears_what_changes_who_handles_their_case(kind, details, template):
    event = intake_event(kind)
    event["data"].update(details)
    assert {p.template for p in recipients.plan(event)} == {template}


@pytest.mark.parametrize("details", [{"kind": "assigned", "handler_changed": True},
                                     {"kind": "escalated", "handler_changed": False}])
def test_an_assignment_that_does_not_change_the_handler_by_escalation_tells_nobody(details):
    event = intake_event("grievance.assignment_recorded")
    event["data"].update(details)
    assert recipients.plan(event) == []


def test_a_completed_filing_is_not_announced_twice():
    assert recipients.plan(intake_event("grievance.filed", completed=True)) == []


def test_preferences_choose_channels_and_language():
    planned = recipients.plan(intake_event("grievance.resolved"), {"channels": ["email"], "language": "hi"})
    assert what(planned) == [("complainant", EMAIL, "resolved", "hi", False)]
    assert recipients.plan(intake_event("grievance.resolved"), {"channels": []}) == []


def test_no_mobile_no_sms_no_email_no_email():
    planned = recipients.plan(intake_event("grievance.filed", complainant={"name": "A", "mobile": None,
                                                                           "language": "en"}))
    assert planned == []


def test_the_assigned_officer_hears_of_a_new_case_and_of_reminders():
    assert what(recipients.plan(routing_event("grievance.assigned"))) == [
        ("officer", INBOX, "assigned", "en", False)]
    assert what(recipients.plan(routing_event("grievance.sla_reminder"))) == [
        ("officer", INBOX, "sla_reminder", "en", True)]


def test_escalations_reach_the_new_officer_and_the_supervisors_or_the_cmo_cell():
    to_two = recipients.plan(routing_event("grievance.escalated", level=2, officer="off-phe-bankura-l2-1"))
    assert {p.recipient.address for p in to_two} == {"officer:off-phe-bankura-l2-1", "supervisors:phe:Bankura"}
    to_four = recipients.plan(routing_event("grievance.escalated", level=4, officer="off-cmo_cell-state-l4-1"))
    assert {p.recipient.address for p in to_four} == {"officer:off-cmo_cell-state-l4-1", "cmo_cell"}
    breached = recipients.plan(routing_event("grievance.sla_breached", level=4))
    assert [(p.recipient.address, p.template) for p in breached] == [("cmo_cell", "sla_breached")]


def test_subscribers_get_the_public_events_of_the_types_departments_and_districts_they_asked_for():
    event = intake_event("grievance.filed")
    event["time"] = "2026-12-01T05:00:00+00:00"
    event["data"]["case"].update(department="phe", category="drinking_water", place={"district": "Bankura"})
    filed = public_events.to_cloudevent(event, "https://api.example.org")
    assert filed["data"]["department"] == "phe" and filed["data"]["district"] == "Bankura"
    subs = [{"_id": "all", "events": ["*"]},
            {"_id": "filed", "events": ["in.gov.wb.sorasori.grievance.filed.v1"]},
            {"_id": "resolved", "events": ["in.gov.wb.sorasori.grievance.resolved.v1"]},
            {"_id": "phe-bankura", "events": ["*"], "departments": ["phe"], "districts": ["Bankura"]},
            {"_id": "phe-purulia", "events": ["*"], "departments": ["phe"], "districts": ["Purulia"]},
            {"_id": "power", "events": ["*"], "departments": ["power"], "districts": ["*"]},
            {"_id": "paused", "events": ["*"], "active": False}]
    hooks = [p for p in recipients.plan(event, None, subs, filed) if p.channel == WEBHOOK]
    assert [p.recipient.address for p in hooks] == ["all", "filed", "phe-bankura"]
    # an event the public stream does not carry reaches no webhook
    assert not [p for p in recipients.plan(intake_event("grievance.edited"), None, subs, None) if p.channel == WEBHOOK]


def test_delivery_ids_are_one_per_event_recipient_and_channel():
    a = recipients.delivery_id("e1", "k", SMS)
    assert a == recipients.delivery_id("e1", "k", SMS)
    assert len({a, recipients.delivery_id("e1", "k", EMAIL), recipients.delivery_id("e2", "k", SMS),
                recipients.delivery_id("e1", "j", SMS)}) == 4


def test_contact_keys_ignore_the_country_code_and_case():
    assert recipients.contact_key("+919830012345") == recipients.contact_key("9830012345")
    assert recipients.contact_key("Mita@Example.org") == recipients.contact_key("mita@example.org")


def test_staff_read_their_own_box_and_their_groups():
    assert recipients.inbox_keys_for({"sub": "o1", "role": "officer"}) == ["officer:o1"]
    assert recipients.inbox_keys_for({"sub": "s1", "role": "supervisor", "department": "phe",
                                      "districts": ["Bankura", "Nadia"]}) == [
        "officer:s1", "supervisors:phe:Bankura", "supervisors:phe:Nadia"]
    assert recipients.inbox_keys_for({"sub": "c1", "role": "cmo_cell"}) == ["officer:c1", "cmo_cell"]
    statewide = {"sub": "s2", "role": "supervisor", "department": "home_cyber_cell", "districts": ["*"]}
    assert recipients.inbox_keys_for(statewide, ["Kolkata", "state"]) == [
        "officer:s2", "supervisors:home_cyber_cell:Kolkata", "supervisors:home_cyber_cell:state"]


def test_quiet_hours_can_be_moved_or_switched_off():
    assert schedule.in_quiet_hours(ist(12), (0, 24)) and schedule.quiet_hours_end(ist(12), (0, 24)) == ist(0, day=3)
    assert not schedule.in_quiet_hours(ist(23), (0, 0))
    assert schedule.in_quiet_hours(ist(14), (13, 15)) and not schedule.in_quiet_hours(ist(15), (13, 15))


def test_the_directory_is_read_for_every_decision_someone_hears_of_and_only_those():
    heard = {t for t in ("grievance.routed", "grievance.assigned", "grievance.sla_reminder", "grievance.escalated",
                         "grievance.sla_breached") if staff_recipients.heard_by_staff(t)}
    assert heard == {"grievance.assigned", "grievance.sla_reminder", "grievance.escalated", "grievance.sla_breached"}
    assert set(recipients.OFFICER_TEMPLATES) <= heard  # the officer's notices too (a retired one's box is silenced)
    decision = {"tracking_id": "WB-2026-00000001", "officer_id": "o-1", "level": 4, "department": "PHE",
                "district": "Bankura"}
    assert not recipients.plan({"id": "e", "type": "grievance.routed", "data": decision})
