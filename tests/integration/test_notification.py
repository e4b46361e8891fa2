"""Notifications end to end, on the real broker, store, an SMTP server, an HTTP SMS provider and a
webhook receiver: citizens hear what happened in their language, officers find their notices, subscribed
systems get signed events, failures are retried and dead-lettered and can be replayed, and nothing is
sent twice."""
import re
from datetime import datetime, timedelta

import pytest
import requests
from kombu import Connection, Exchange, Producer
from standardwebhooks.webhooks import Webhook

from services.notification.channels.email import SmtpEmail
from shared.masking import mask_mobile
from shared.signed_rpc import SignedClusterRpcProxy
from tests.integration.platform_client import CMO_CELL, citizen, drinking_water, officer
from tests.integration.receivers import MailSink, SmsProvider, WebhookReceiver, self_signed_certificate
from tests.integration.waiting import wait_for

ADMIN = {"sub": "admin-1", "role": "admin"}
MITA = citizen("9830012345", "Mita Das")


@pytest.fixture
def start_platform(platform_config, mail_sink, request):
    """Starts the platform with quick retries, no quiet hours (tests run at any hour), the test's SMTP
    sink, and whatever a test changes on top."""
    def start(**overrides):
        platform_config.update({"SMTP_PORT": mail_sink.port, "NOTIFY_RETRY_BASE_SECONDS": 0.2,
                                "NOTIFY_RETRY_MAX_SECONDS": 0.5, "NOTIFY_MAX_ATTEMPTS": 3,
                                "NOTIFY_QUIET_START_HOUR": 0, "NOTIFY_QUIET_END_HOUR": 0, **overrides})
        return request.getfixturevalue("platform")
    return start


@pytest.fixture
def notify(start_platform):
    return start_platform()


def sms_sink(gateway, mobile):
    return gateway.ok(gateway.request("GET", f"/api/v1/dev/sms?mobile={mobile}", ADMIN))["messages"]


def deliveries(gateway, tracking_id, actor=CMO_CELL):
    response = gateway.request("GET", f"/api/v1/grievances/{tracking_id}/notifications", actor)
    return response.json()["deliveries"] if response.status_code == 200 else []


def wait_deliveries(gateway, tracking_id, predicate, what, actor=CMO_CELL, timeout=20):
    return wait_for(lambda: (lambda d: d if predicate(d) else None)(deliveries(gateway, tracking_id, actor)),
                    timeout=timeout, interval=0.2, what=what)


def assigned_officer(gateway, tracking_id):
    case = gateway.wait_case(tracking_id, lambda c: c["status"] == "routed" and c.get("officer_id"), "routing")
    return officer(case["officer_id"], case["department"], [case["place"]["district"]])


def test_a_citizen_hears_by_sms_and_email_in_bengali_and_the_officer_finds_the_case(notify, mail_sink):
    body = drinking_water()
    body["complainant"]["email"] = "mita@example.org"
    tracking_id = notify.ok(notify.file(body, MITA), 201)["tracking_id"]

    mail = wait_for(lambda: mail_sink.messages("mita@example.org"), what="the filing email")[0]
    assert mail["Subject"] == f"অভিযোগ নথিভুক্ত: {tracking_id}"
    assert mail["Content-Language"] == "bn" and "প্রিয় Mita Das" in mail.get_content()

    sms = wait_for(lambda: sms_sink(notify, "9830012345"), what="the filing SMS")[0]
    assert tracking_id in sms["text"] and "নথিভুক্ত" in sms["text"] and sms["encoding"] == "ucs2"
    # longer than one UCS-2 part (70): sent as parts of at most 67, cut nowhere else
    assert len(sms["text"]) > 70 and len(sms["parts"]) == 2
    assert all(len(p) <= 67 for p in sms["parts"]) and "".join(sms["parts"]) == sms["text"]

    field_officer = assigned_officer(notify, tracking_id)
    notices = wait_for(lambda: notify.ok(notify.request("GET", "/api/v1/notifications", field_officer))["notices"],
                       what="the officer's notice")
    assert notices[0]["tracking_id"] == tracking_id and notices[0]["text"].startswith(f"New case {tracking_id}")

    notify.ok(notify.act(tracking_id, field_officer, action="acknowledge"))
    notify.ok(notify.act(tracking_id, field_officer, action="resolve",
                         resolution="The tube well was repaired on 30 November; water is flowing again."))
    resolved = wait_for(lambda: [m for m in mail_sink.messages("mita@example.org") if "সমাধান" in m["Subject"]],
                        what="the resolution email")[0]
    assert "The tube well was repaired on 30 November" in resolved.get_content()

    log = wait_deliveries(notify, tracking_id, lambda d: len(d) >= 6 and all(x["state"] in ("sent", "delivered")
                                                                              for x in d), "the delivery log")
    assert {(d["template"], d["channel"]) for d in log} == {("filed", "sms"), ("filed", "email"),
                                                            ("assigned", "inbox"), ("assigned", "sms"),
                                                            ("resolved", "sms"), ("resolved", "email")}
    email_entry = next(d for d in log if d["channel"] == "email")
    assert [s["state"] for s in email_entry["log"]] == ["queued", "sending", "sent"]
    assert "250" in email_entry["log"][-1]["detail"]
    assert email_entry["recipient"]["address"] == "mita@example.org"      # the CMO cell sees it
    masked = deliveries(notify, tracking_id, field_officer)                 # the officer does not
    officer_mobile = notify.ok(notify.request("GET", f"/api/v1/admin/staff/{field_officer['sub']}",
                                              ADMIN))["contacts"]["mobile"]
    assert {d["recipient"]["address"] for d in masked} == {"98******45", "m***@example.org",
                                                           mask_mobile(officer_mobile),
                                                           f"officer:{field_officer['sub']}"}  # staff's too
    assert notify.request("GET", f"/api/v1/grievances/{tracking_id}/notifications", MITA).status_code == 403


def test_the_officer_a_transfer_takes_the_case_from_hears_it_has_gone(notify):
    """A transfer makes routing's `routed` and `assigned`, which notification may take in either order: the
    officer before is named by the decisions themselves, so they hear "no longer with you" every time."""
    tracking_id = notify.ok(notify.file(drinking_water(mobile="9830012399"), citizen("9830012399")), 201)[
        "tracking_id"]
    before = assigned_officer(notify, tracking_id)
    notify.ok(notify.act(tracking_id, before, action="transfer", department="power",
                         reason="The pump has no electricity"))
    log = wait_deliveries(notify, tracking_id, lambda d: any(x["template"] == "moved_away" for x in d),
                          "the SMS that the case moved away")
    mobile = notify.ok(notify.request("GET", f"/api/v1/admin/staff/{before['sub']}", ADMIN))["contacts"]["mobile"]
    assert [(d["channel"], d["recipient"]["address"]) for d in log if d["template"] == "moved_away"] == [
        ("sms", mobile)]
    text = wait_for(lambda: [m for m in sms_sink(notify, mobile) if m["template"] == "moved_away"],
                    what="the SMS in the sink")[0]["text"]
    assert tracking_id in text and "আর আপনার কাছে নেই" in text  # the officer reads Bengali


def test_hindi_falls_back_to_english_where_a_translation_is_missing_and_preferences_are_honoured(notify, mail_sink):
    ravi = citizen("9830055555", "Ravi Kumar")
    bad = notify.request("PUT", "/api/v1/notifications/preferences", ravi, json={"channels": ["fax"]})
    assert bad.status_code == 400 and "channels" in bad.json()["errors"]
    assert notify.request("PUT", "/api/v1/notifications/preferences", ravi,
                          json={"channels": ["email"], "colour": "red"}).json()["errors"] == {
        "colour": ["Unknown field."]}
    notify.ok(notify.request("PUT", "/api/v1/notifications/preferences", ravi,
                             json={"channels": ["email"], "language": "hi"}))
    assert notify.ok(notify.request("GET", "/api/v1/notifications/preferences", ravi)) == {
        "channels": ["email"], "language": "hi", "quiet_hours": True}

    body = drinking_water(mobile="9830055555")
    body["complainant"].update(email="ravi@example.org", language="en")
    tracking_id = notify.ok(notify.file(body, ravi), 201)["tracking_id"]
    filed = wait_for(lambda: mail_sink.messages("ravi@example.org"), what="the filing email")[0]
    assert filed["Subject"] == f"शिकायत दर्ज: {tracking_id}" and filed["Content-Language"] == "hi"

    field_officer = assigned_officer(notify, tracking_id)
    notify.ok(notify.act(tracking_id, field_officer, action="reject", reason="sub_judice",
                         explanation="The matter is before the Calcutta High Court."))
    rejected = wait_for(lambda: [m for m in mail_sink.messages("ravi@example.org") if "not taken up" in m["Subject"]],
                        what="the rejection email (English: hi.yaml has no rejection)")[0]
    assert rejected["Content-Language"] == "en" and "Calcutta High Court" in rejected.get_content()
    assert sms_sink(notify, "9830055555") == []  # email only, as he chose


def test_replayed_events_send_nothing_twice(notify, mail_sink, event_log, platform_config):
    body = drinking_water(mobile="9830066666")
    body["complainant"]["email"] = "once@example.org"
    tracking_id = notify.ok(notify.file(body, citizen("9830066666")), 201)["tracking_id"]
    wait_for(lambda: mail_sink.messages("once@example.org") and sms_sink(notify, "9830066666"), what="first sends")
    field_officer = assigned_officer(notify, tracking_id)
    wait_for(lambda: notify.ok(notify.request("GET", "/api/v1/notifications", field_officer))["notices"],
             what="the officer's notice")

    events = [e for e in event_log.drain() if e["subject"] == tracking_id
              and e["type"] in ("grievance.filed", "grievance.assigned")]
    assert len(events) == 2
    with Connection(platform_config["AMQP_URI"]) as connection:
        for _ in range(3):
            for event in events:
                source = event["source"].rsplit("/", 1)[-1]
                Producer(connection.channel()).publish(event, exchange=Exchange(f"{source}.events", type="topic"),
                                                       routing_key=event["type"], serializer="json")
    # the replays were consumed: a later event's notice arrives after them on the same queues
    notify.ok(notify.act(tracking_id, field_officer, action="acknowledge"))
    notify.ok(notify.act(tracking_id, field_officer, action="resolve", resolution="Repaired the tube well today."))
    wait_for(lambda: len(mail_sink.messages("once@example.org")) >= 2, what="the resolution email")
    assert len(mail_sink.messages("once@example.org")) == 2
    assert len(sms_sink(notify, "9830066666")) == 2
    notices = notify.ok(notify.request("GET", "/api/v1/notifications", field_officer))["notices"]
    assert len([n for n in notices if n["tracking_id"] == tracking_id]) == 1
    # filed sms+email, the assigned officer's notice and SMS (the seeded directory gives their mobile), resolved
    # sms+email: each once
    assert len(deliveries(notify, tracking_id)) == 6


FILED, RESOLVED = "in.gov.wb.sorasori.grievance.filed.v1", "in.gov.wb.sorasori.grievance.resolved.v1"


def test_webhooks_follow_standard_webhooks_replays_are_refused_and_secrets_rotate(notify):
    receiver = WebhookReceiver()
    try:
        assert notify.request("POST", "/api/v1/admin/webhooks", MITA, json={}).status_code == 403
        insecure = notify.request("POST", "/api/v1/admin/webhooks", ADMIN,
                                  json={"id": "dashboard", "url": "http://dashboard.example.org/hook"})
        assert insecure.status_code == 400 and "url" in insecure.json()["errors"]
        internal_name = notify.request("POST", "/api/v1/admin/webhooks", ADMIN, json={
            "id": "dashboard", "url": receiver.url + "/hook", "events": ["grievance.filed"]})
        assert internal_name.status_code == 400 and "events" in internal_name.json()["errors"]
        created = notify.ok(notify.request("POST", "/api/v1/admin/webhooks", ADMIN, json={
            "id": "state-dashboard", "url": receiver.url + "/hook", "events": [FILED, RESOLVED]}), 201)
        receiver.secret = created["secret"]
        assert re.fullmatch(r"whsec_[A-Za-z0-9+/]{43}=", created["secret"])
        listed = notify.ok(notify.request("GET", "/api/v1/admin/webhooks", ADMIN))["subscriptions"]
        assert listed[0]["id"] == "state-dashboard" and "secret" not in listed[0]

        tracking_id = notify.ok(notify.file(drinking_water(mobile="9830077777"), citizen("9830077777")),
                                201)["tracking_id"]
        event = wait_for(lambda: receiver.accepted, what="the signed filed event")[0]
        # the public stream's CloudEvent, as application/json
        assert event["type"] == FILED and event["subject"] == tracking_id and event["specversion"] == "1.0"
        assert event["data"]["tracking_id"] == tracking_id and event["data"]["department"] == "phe"
        first = receiver.raw[0]
        assert first["headers"]["Content-Type"] == "application/json"
        for private in (b"9830077777", b"Mita", b"tube well", b"drinking water in"):  # the block is public
            assert private not in first["body"]

        # the same request again, as an attacker who captured it would send it: refused
        replay = requests.post(receiver.url + "/hook", data=first["body"], timeout=5, headers={
            k: v for k, v in first["headers"].items() if k.lower().startswith(("webhook-", "content-type"))})
        assert replay.status_code == 409
        forged = requests.post(receiver.url + "/hook", data=first["body"].replace(b"phe", b"PHE"), timeout=5,
                               headers={k: v for k, v in first["headers"].items() if k.lower().startswith("webhook-")})
        assert forged.status_code == 401

        rotated = notify.ok(notify.request("POST", "/api/v1/admin/webhooks/state-dashboard/rotate-secret", ADMIN))
        assert rotated["secret"] != created["secret"] and rotated["secrets_in_force"] == 2
        receiver.secret = rotated["secret"]
        field_officer = assigned_officer(notify, tracking_id)
        notify.ok(notify.act(tracking_id, field_officer, action="acknowledge"))
        notify.ok(notify.act(tracking_id, field_officer, action="resolve", resolution="Fixed the tube well today."))
        resolved = wait_for(lambda: [e for e in receiver.accepted if e["type"] == RESOLVED],
                            what="the resolved event signed with the new secret")[0]
        assert resolved["subject"] == tracking_id
        last = receiver.raw[-1]
        assert len(last["headers"]["Webhook-Signature"].split(" ")) == 2  # both secrets sign during a rotation
        assert Webhook(created["secret"]).verify(last["body"], last["headers"])["type"] == RESOLVED  # the old one too
        assert [e["type"] for e in receiver.accepted] == [FILED, RESOLVED]

        notify.ok(notify.request("PATCH", "/api/v1/admin/webhooks/state-dashboard", ADMIN, json={"active": False}))
        assert notify.request("PATCH", "/api/v1/admin/webhooks/nope", ADMIN, json={"active": False}).status_code == 404
        notify.ok(notify.request("DELETE", "/api/v1/admin/webhooks/state-dashboard", ADMIN))
        assert notify.ok(notify.request("GET", "/api/v1/admin/webhooks", ADMIN))["subscriptions"] == []
    finally:
        receiver.stop()


def test_a_failing_sms_provider_is_retried_then_dead_lettered_and_replay_delivers(start_platform, platform_config,
                                                                                   mail_sink):
    provider = SmsProvider(failures=3)
    try:
        gateway = start_platform(SMS_PROVIDER_URL=provider.url + "/sms", SMS_PROVIDER_USER="sorasori",
                                 SMS_PROVIDER_KEY="test-key", SMS_SENDER_ID="WBCMOS",
                                 SMS_DLT_TEMPLATE_IDS="otp=1107000000000000001,filed.bn=1107000000000000002",
                                 SMS_REPORT_TOKEN="dlr-token")
        gateway.ok(gateway.request("POST", "/oauth/otp", json={"mobile": "9830088888", "language": "en"}))
        dead = wait_for(lambda: gateway.ok(gateway.request("GET", "/api/v1/admin/dead-letters", ADMIN))["dead_letters"],
                        what="the OTP to be dead-lettered after 3 tries")
        assert len(provider.requests) == 3 and dead[0]["attempts"] == 3 and "503" in dead[0]["last_answer"]
        assert set(dead[0]) == {"id", "at", "channel", "template", "event_type", "tracking_id", "attempts",
                                "last_answer"} and dead[0]["template"] == "otp"
        assert gateway.request("GET", "/api/v1/admin/dead-letters", CMO_CELL).status_code == 403

        # the outage blocks no consumer: a filing meanwhile still reaches its email at once
        body = drinking_water(mobile="9830088888")
        body["complainant"]["email"] = "outage@example.org"
        tracking_id = gateway.ok(gateway.file(body, citizen("9830088888")), 201)["tracking_id"]
        wait_for(lambda: mail_sink.messages("outage@example.org"), what="the email during the SMS outage")

        replayed = gateway.ok(gateway.request("POST", f"/api/v1/admin/dead-letters/{dead[0]['id']}/replay", ADMIN))
        assert replayed == {"replayed": [dead[0]["id"]]}
        otp = wait_for(lambda: [r["json"] for r in provider.requests[3:] if r["json"]["dlt_template_id"] ==
                                "1107000000000000001"], what="the replayed OTP to reach the provider")[0]
        assert otp["to"] == "+919830088888" and otp["sender"] == "WBCMOS" and otp["encoding"] == "gsm7"
        assert re.search(r"\d{6}", otp["text"]) and provider.requests[3]["auth"].username == "sorasori"
        filed = wait_for(lambda: [r["json"] for r in provider.requests if r["json"]["dlt_template_id"] ==
                                  "1107000000000000002"], what="the filing SMS with its DLT template")[0]
        assert filed["encoding"] == "ucs2" and filed["parts"] == 2
        assert gateway.ok(gateway.request("GET", "/api/v1/admin/dead-letters", ADMIN))["dead_letters"] == []
        again = gateway.request("POST", f"/api/v1/admin/dead-letters/{dead[0]['id']}/replay", ADMIN)
        assert again.status_code == 404
        with SignedClusterRpcProxy(platform_config, issuer="test") as cluster:
            assert cluster.notification.sms_sent("9830088888") == []  # a real provider: the sink stays empty

        # the provider's delivery report completes the log entry
        report = {"reference": otp["reference"], "status": "delivered", "answer": "DELIVRD at handset"}
        assert gateway.request("POST", "/api/v1/notifications/sms/reports", json=report,
                               headers={"X-Report-Token": "wrong"}).status_code == 401
        bad = gateway.request("POST", "/api/v1/notifications/sms/reports", json={**report, "status": "lost"},
                              headers={"X-Report-Token": "dlr-token"})
        assert bad.status_code == 400 and "status" in bad.json()["errors"]
        wait_for(lambda: gateway.request("POST", "/api/v1/notifications/sms/reports", json=report,
                                         headers={"X-Report-Token": "dlr-token"}).status_code == 200,
                 what="the report to be accepted once the replayed send is recorded")
        again = gateway.request("POST", "/api/v1/notifications/sms/reports", json=report,
                                headers={"X-Report-Token": "dlr-token"})
        assert again.status_code == 404  # reported already
        gateway.ok(gateway.request("POST", "/api/v1/notifications/sms/reports", headers={"X-Report-Token": "dlr-token"},
                                   json={"reference": filed["reference"], "status": "failed", "answer": "UNDELIV"}))
        sms = next(d for d in deliveries(gateway, tracking_id) if d["channel"] == "sms")
        assert sms["state"] == "failed" and [s["state"] for s in sms["log"]][-2:] == ["sent", "failed"]
        assert sms["log"][-2]["detail"].startswith("HTTP 202") and "UNDELIV" in sms["log"][-1]["detail"]
    finally:
        provider.stop()


def test_in_quiet_hours_the_sms_waits_and_the_email_goes(start_platform):
    gateway = start_platform(NOTIFY_QUIET_START_HOUR=0, NOTIFY_QUIET_END_HOUR=24)  # quiet all day
    body = drinking_water(mobile="9830099999")
    body["complainant"]["email"] = "night@example.org"
    tracking_id = gateway.ok(gateway.file(body, citizen("9830099999")), 201)["tracking_id"]
    log = wait_deliveries(gateway, tracking_id, lambda d: any(x["channel"] == "email" and x["state"] == "sent"
                                                              for x in d), "the email")
    sms = next(d for d in log if d["channel"] == "sms")
    assert sms["state"] == "deferred" and "quiet hours" in sms["log"][0]["detail"]
    assert sms_sink(gateway, "9830099999") == []


def test_escalations_reach_supervisors_and_the_cmo_cell(notify, platform_config):
    tracking_id = notify.ok(notify.file(drinking_water(mobile="9830011111"), citizen("9830011111")), 201)[
        "tracking_id"]
    assigned_officer(notify, tracking_id)
    supervisor = officer("sup-phe-bankura", "phe", ["Bankura"], role="supervisor")
    with SignedClusterRpcProxy(platform_config, issuer="test") as cluster:
        for level in (2, 3, 4):
            deadline = datetime.fromisoformat(notify.case(tracking_id)["sla_deadline"])
            cluster.routing.check_clocks({"now": (deadline + timedelta(seconds=1)).isoformat()})
            notify.wait_case(tracking_id, lambda c, n=level: c["level"] == n, f"level {level}")

    def notices(actor):
        found = notify.ok(notify.request("GET", "/api/v1/notifications", actor))["notices"]
        return [n for n in found if n["tracking_id"] == tracking_id]

    to_supervisors = wait_for(lambda: len(notices(supervisor)) == 2 and notices(supervisor),
                              what="the supervisors' notices (levels 2 and 3)")
    assert sorted(n["text"].split("escalated to ")[1][:7] for n in to_supervisors) == ["level 2", "level 3"]
    to_cell = wait_for(lambda: notices(CMO_CELL), what="the CMO cell's notice")
    assert "escalated to level 4" in to_cell[0]["text"] and to_cell[0]["urgent"]
    assert notify.request("GET", "/api/v1/notifications", MITA).status_code == 403


def test_a_recipient_over_the_rate_limit_waits_for_the_next_window(start_platform):
    gateway = start_platform(NOTIFY_RATE_LIMIT=1)
    asha = citizen("9830044444")
    first = gateway.ok(gateway.file(drinking_water(mobile="9830044444"), asha), 201)["tracking_id"]
    wait_for(lambda: sms_sink(gateway, "9830044444"), what="the first SMS")
    second = gateway.ok(gateway.file(drinking_water(mobile="9830044444", subject="Street light broken for a month"),
                                     asha), 201)["tracking_id"]
    held = wait_deliveries(gateway, second, lambda d: d and d[0]["state"] == "deferred", "the second SMS held")
    assert held[0]["log"][-1]["detail"] == "more than 1 messages to this recipient in 60 minutes: held for the next window"
    assert [m["text"] for m in sms_sink(gateway, "9830044444")] == [
        m["text"] for m in sms_sink(gateway, "9830044444") if first in m["text"]]
    # an OTP is urgent: the limit does not hold it
    gateway.ok(gateway.request("POST", "/oauth/otp", json={"mobile": "9830044444", "language": "bn"}))
    assert "কোড" in sms_sink(gateway, "9830044444")[0]["text"]


def test_email_through_a_relay_that_demands_starttls_and_a_login(start_platform, tmp_path):
    cert, key = self_signed_certificate(tmp_path)
    relay = MailSink(tmp_path / "relay", tls=(cert, key), login="sorasori:relay-pass")
    try:
        gateway = start_platform(SMTP_PORT=relay.port, SMTP_STARTTLS=True, SMTP_USER="sorasori",
                                 SMTP_PASSWORD="relay-pass", SMTP_CA_FILE=str(cert))
        body = drinking_water(mobile="9830012121")
        body["complainant"].update(email="tls@example.org", language="en")
        tracking_id = gateway.ok(gateway.file(body, citizen("9830012121")), 201)["tracking_id"]
        mail = wait_for(lambda: relay.messages("tls@example.org"), what="the email through STARTTLS and a login")[0]
        assert mail["Subject"] == f"Grievance registered: {tracking_id}" and mail["Content-Language"] == "en"

        # the relay really demands both: the same channel without STARTTLS, or with a wrong password, is refused
        message = {"_id": "0" * 32, "recipient": {"address": "tls@example.org"},
                   "message": {"subject": "s", "text": "t", "language": "en"}}
        plain = SmtpEmail("127.0.0.1", relay.port, "no-reply@sorasori.invalid", "sorasori", "relay-pass")
        assert plain.send(message).status == "failed"  # 530: must issue STARTTLS first
        wrong = SmtpEmail("127.0.0.1", relay.port, "no-reply@sorasori.invalid", "sorasori", "nope", starttls=True,
                          ca_file=str(cert))
        refused = wrong.send(message)
        assert refused.status == "failed" and "535" in refused.answer
        assert len(relay.messages()) == 1
    finally:
        relay.stop()
