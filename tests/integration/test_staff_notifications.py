"""Staff notifications on the real broker and store: notification keeps identity's officer directory from
`staff.changed` (the newest seq wins), officers hear of their cases by SMS and email in their language, one on
leave gets no SMS, a retired one nothing, and the daily digest goes out once per person a day."""
from datetime import datetime, timedelta, timezone

import eventlet
import pytest

from services.notification.digest import DigestRun
from services.notification.service import NotificationService
from services.notification.staff_store import StaffStore
from services.notification.storage import NotificationStore
from shared.config import database_name
from shared.settings import settings_of
from shared.signed_rpc import SignedClusterRpcProxy
from tests.integration.staff_events import Publisher, decision, staff
from tests.integration.waiting import wait_for

SUPERVISOR = {"sub": "sup-bankura", "role": "supervisor", "department": "PWD", "districts": ["Bankura"]}


@pytest.fixture
def notification(platform_config, runner_factory, mail_sink):
    """The notification service alone, its SMTP at the test's sink, no quiet hours, quick retries."""
    def start(**settings):
        platform_config.update({"SMTP_PORT": mail_sink.port, "NOTIFY_QUIET_START_HOUR": 0,
                                "NOTIFY_QUIET_END_HOUR": 0, "NOTIFY_RETRY_BASE_SECONDS": 0.2,
                                "NOTIFY_RETRY_MAX_SECONDS": 0.5, **settings})
        runner = runner_factory(dict(platform_config), NotificationService)
        runner.start()
        return runner
    return start


@pytest.fixture
def staff_store(mongo_client, platform_config):
    return StaffStore(mongo_client[database_name(platform_config, "notification")])


@pytest.fixture
def publish(platform_config):
    return Publisher(platform_config)


def test_the_directory_keeps_the_newest_record_of_each_staff_member(notification, publish, staff_store):
    notification()
    publish.staff_changed(staff("officer-rina", seq=2, mobile="9830000002", email="rina@wb.gov.in", language="bn"))
    wait_for(lambda: staff_store.staff("officer-rina"), what="the directory entry")
    late = publish.staff_changed(staff("officer-rina", seq=1, mobile="9830000001", language="en"))
    publish.staff_changed(staff("officer-amit", seq=1, email="amit@wb.gov.in", language="hi"))
    wait_for(lambda: staff_store.staff("officer-amit"), what="the second entry")
    publish._publisher("identity").publish(late)  # a replay of the older one
    publish.staff_changed(staff("officer-amit", seq=3, email="amit@wb.gov.in", language="hi", state="retired"))
    amit = wait_for(lambda: (lambda s: s if s and s["seq"] == 3 else None)(staff_store.staff("officer-amit")),
                    what="the retirement")
    assert amit["status"]["state"] == "retired"
    rina = staff_store.staff("officer-rina")
    assert rina["seq"] == 2 and rina["contacts"] == {"mobile": "9830000002", "email": "rina@wb.gov.in",
                                                     "language": "bn"}


@pytest.fixture
def store(mongo_client, platform_config):
    return NotificationStore(mongo_client[database_name(platform_config, "notification")])


def test_an_officer_hears_of_a_new_case_by_sms_and_email_in_their_language_one_on_leave_by_email_only(
        notification, publish, staff_store, store, mail_sink):
    notification()
    publish.staff_changed(staff("officer-rina", mobile="9830000011", email="rina@wb.gov.in", language="bn"))
    publish.staff_changed(staff("officer-amit", mobile="9830000012", email="amit@wb.gov.in", language="hi",
                                state="on_leave", delegate="officer-rina"))
    publish.staff_changed(staff("officer-old", mobile="9830000013", email="old@wb.gov.in", state="retired"))
    wait_for(lambda: all(staff_store.staff(s) for s in ("officer-rina", "officer-amit", "officer-old")),
             what="the directory")

    publish.routing("grievance.assigned", decision("WB-2026-00000011", "officer-rina", category="drinking_water"))
    sms = wait_for(lambda: store.sms_sent("9830000011"), what="the officer's SMS")[0]
    assert sms["template"] == "assigned" and sms["language"] == "bn" and sms["encoding"] == "ucs2"
    assert "WB-2026-00000011" in sms["text"] and "নতুন কেস" in sms["text"] and "drinking_water" in sms["text"]
    assert len(sms["parts"]) <= 2
    mail = wait_for(lambda: mail_sink.messages("rina@wb.gov.in"), what="the officer's email")[0]
    assert mail["Subject"] == "আপনার কাছে নতুন কেস: WB-2026-00000011" and mail["Content-Language"] == "bn"
    assert "Bankura" in mail.get_content()

    # on leave: the email waits in the mailbox, no SMS reaches the phone
    publish.routing("grievance.assigned", decision("WB-2026-00000012", "officer-amit"))
    mail = wait_for(lambda: mail_sink.messages("amit@wb.gov.in"), what="the email of the officer on leave")[0]
    assert mail["Subject"] == "आपके पास नया केस: WB-2026-00000012" and mail["Content-Language"] == "hi"
    # retired: nothing at all, not even the in-app notice
    publish.routing("grievance.assigned", decision("WB-2026-00000013", "officer-old"))
    # a reassignment: the officer the case leaves hears it has gone, the new one that it came
    publish.routing("grievance.assigned", decision("WB-2026-00000011", "officer-amit", seq=2,
                                                   reason="reassigned within the office", previous="officer-rina"))
    moved = wait_for(lambda: [m for m in store.sms_sent("9830000011") if m["template"] == "moved_away"],
                     what="the SMS of the case moving away")[0]
    assert "WB-2026-00000011" in moved["text"] and "আর আপনার কাছে নেই" in moved["text"]
    wait_for(lambda: len(mail_sink.messages("amit@wb.gov.in")) == 2, what="the second email to the officer on leave")
    # routing moves the case of the officer on leave to the delegate: the delegate hears by SMS
    publish.routing("grievance.assigned", decision("WB-2026-00000012", "officer-rina", seq=2,
                                                   reason="officer-amit is on leave: to the delegate",
                                                   previous="officer-amit"))
    wait_for(lambda: [m for m in store.sms_sent("9830000011") if "WB-2026-00000012" in m["text"]],
             what="the delegate's SMS")
    wait_for(lambda: len(mail_sink.messages("amit@wb.gov.in")) == 3, what="the email that the case left")
    assert store.sms_sent("9830000012") == []
    assert store.sms_sent("9830000013") == [] and mail_sink.messages("old@wb.gov.in") == []
    assert store.notices(["officer:officer-old"], 10) == []
    assert len(store.notices(["officer:officer-rina"], 10)) == 2  # the in-app notices stay (two new cases)


def test_an_escalation_reaches_the_office_supervisors_and_a_staff_member_may_opt_out_of_sms(
        notification, publish, staff_store, store, mail_sink, platform_config):
    notification()
    publish.staff_changed(staff("sup-bankura", role="supervisor", level=2, mobile="9830000021",
                                email="sup@wb.gov.in", language="en"))
    publish.staff_changed(staff("sup-purulia", role="supervisor", district="Purulia", level=2, mobile="9830000022"))
    publish.staff_changed(staff("officer-l2", level=2, mobile="9830000023", email="l2@wb.gov.in"))
    wait_for(lambda: all(staff_store.staff(s) for s in ("sup-bankura", "sup-purulia", "officer-l2")),
             what="the directory")
    with SignedClusterRpcProxy(platform_config, caller=SUPERVISOR, issuer="test") as rpc:
        bad = None
        try:
            rpc.notification.set_staff_preferences({"opt_out": ["fax"]}, SUPERVISOR)
        except Exception as error:  # a ValidationFailed naming the field
            bad = error
        assert bad is not None and "opt_out" in str(bad)
        assert rpc.notification.set_staff_preferences({"opt_out": ["sms"]}, SUPERVISOR) == {"opt_out": ["sms"]}
        assert rpc.notification.staff_preferences(SUPERVISOR) == {"opt_out": ["sms"]}

    publish.routing("grievance.assigned", decision("WB-2026-00000021", "officer-x"))
    publish.routing("grievance.escalated", decision("WB-2026-00000021", "officer-l2", seq=2, level=2,
                                                    kind="escalated", reason="the deadline passed at level 1"))
    wait_for(lambda: store.sms_sent("9830000023"), what="the new handler's SMS")
    mail = wait_for(lambda: mail_sink.messages("sup@wb.gov.in"), what="the supervisor's email")[0]
    assert mail["Subject"] == "Escalated in your office: case WB-2026-00000021 (level 2)"
    assert "the deadline passed at level 1" in mail.get_content()
    # (a digest may go to the supervisors too if the test runs after the digest hour)
    assert [m for m in store.sms_sent("9830000021") if m["template"] != "digest"] == []  # opted out of SMS
    assert [m for m in store.sms_sent("9830000022") if m["template"] != "digest"] == []  # another district


def test_the_daily_digest_goes_once_per_person_with_two_replicas_and_twenty_racing_runs(
        notification, staff_store, store, mail_sink, platform_config):
    now = datetime.now(timezone.utc)
    people = [staff("sup-bankura", role="supervisor", level=2, mobile="9830000031", email="sup-b@wb.gov.in",
                    language="bn"),
              staff("sup-pwd", role="supervisor", district="state", level=3, mobile="9830000032",
                    email="sup-pwd@wb.gov.in", language="hi"),
              staff("cell-1", role="cmo_cell", department="cmo_cell", district="state", level=4,
                    mobile="9830000033", email="cell@wb.gov.in", language="en"),
              staff("sup-retired", role="supervisor", mobile="9830000034", email="old@wb.gov.in", state="retired")]
    for person in people:
        assert staff_store.put_staff({"_id": person.pop("staff_id"), **person})
    # what routing and intake told notification: in Bankura 12 overdue cases (3 escalated, 1 of them breached),
    # 1 not yet due, 1 overdue but resolved; in Purulia (same department) 2 overdue; in Health 1 overdue
    for n in range(12):
        late = decision(f"WB-2026-1000{n:04d}", "officer-a", level=2 if n < 3 else 1,
                        deadline=now - timedelta(hours=10 * (n + 1)))
        staff_store.record_decision(late, breached=n == 0)
    staff_store.record_decision(decision("WB-2026-20000001", "officer-a"), breached=False)
    staff_store.record_decision(decision("WB-2026-20000002", "officer-a", deadline=now - timedelta(days=30)), False)
    staff_store.record_case_status({"tracking_id": "WB-2026-20000002", "version": 5, "status": "resolved"})
    for n in range(2):
        staff_store.record_decision(decision(f"WB-2026-3000{n:04d}", "officer-p", district="Purulia",
                                             deadline=now - timedelta(hours=1)), False)
    staff_store.record_decision(decision("WB-2026-40000001", "officer-h", department="Health",
                                         deadline=now - timedelta(hours=1)), False)

    hour = settings_of(platform_config).digest_hour_ist
    early = DigestRun(store, staff_store, 23, (0, 0))
    assert early(datetime(2026, 12, 1, 17, 0, tzinfo=timezone.utc)) == 0  # 22:30 IST: before the hour
    # two replicas whose timers find the hour reached (0: any time of day), and 20 runs racing them
    notification(DIGEST_HOUR_IST=0)
    notification(DIGEST_HOUR_IST=0)
    runs = [eventlet.spawn(DigestRun(store, staff_store, 0, (0, 0))) for _ in range(20)]
    assert sum(r.wait() for r in runs) <= 3 and hour == 9

    wanted = {"sup-b@wb.gov.in", "sup-pwd@wb.gov.in", "cell@wb.gov.in"}
    wait_for(lambda: {m["To"] for m in mail_sink.messages()} >= wanted, what="the digests by email")
    wait_for(lambda: all(store.sms_sent(m) for m in ("9830000031", "9830000032", "9830000033")),
             what="the digests by SMS")
    eventlet.sleep(2)  # time for a second copy, if any, to arrive
    mails = {to: [m for m in mail_sink.messages(to)] for to in wanted}
    assert {to: len(found) for to, found in mails.items()} == {to: 1 for to in wanted}
    assert [len(store.sms_sent(m)) for m in ("9830000031", "9830000032", "9830000033")] == [1, 1, 1]
    assert mail_sink.messages("old@wb.gov.in") == [] and store.sms_sent("9830000034") == []
    assert staff_store.db.digest_claims.count_documents({}) == 3

    bankura = mails["sup-b@wb.gov.in"][0]
    assert bankura["Content-Language"] == "bn" and bankura["Subject"].endswith("PWD, Bankura")
    text = bankura.get_content()
    assert "মেয়াদোত্তীর্ণ: 12" in text and "উচ্চস্তরে পাঠানো: 3" in text and "সীমা পেরিয়েছে: 1" in text
    listed = [line for line in text.splitlines() if line.strip().startswith("- WB-2026-")]
    # the 10 most overdue, the most overdue first: 120 hours (5.0 days) down to 30 hours
    assert [line.split()[1] for line in listed] == [f"WB-2026-1000{n:04d}" for n in range(11, 1, -1)]
    assert "5.0" in listed[0]
    department = mails["sup-pwd@wb.gov.in"][0].get_content()  # the whole department: Bankura and Purulia
    assert "विलंबित: 14" in department and "आगे भेजे गए: 3" in department
    cell = mails["cell@wb.gov.in"][0]
    assert cell["Subject"].endswith("West Bengal") and "Overdue: 15" in cell.get_content()
    sms = store.sms_sent("9830000033")[0]
    assert sms["template"] == "digest" and "15 overdue, 3 escalated, 1 breached" in sms["text"]


def test_staff_set_their_opt_outs_through_the_gateway_and_citizens_may_not(platform):
    supervisor = {"sub": "sup-phe-bankura", "role": "supervisor", "department": "phe", "districts": ["Bankura"]}
    path = "/api/v1/notifications/staff-preferences"
    assert platform.ok(platform.request("GET", path, supervisor)) == {"opt_out": []}
    bad = platform.request("PUT", path, supervisor, json={"opt_out": ["pigeon"]})
    assert bad.status_code == 400 and "opt_out" in bad.json()["errors"]
    assert platform.ok(platform.request("PUT", path, supervisor, json={"opt_out": ["sms", "sms"]})) == {
        "opt_out": ["sms"]}
    assert platform.ok(platform.request("GET", path, supervisor)) == {"opt_out": ["sms"]}
    assert platform.request("PUT", path, {"sub": "citizen-1", "role": "citizen", "mobile": "9830012345"},
                            json={"opt_out": []}).status_code == 403


def test_the_case_record_keeps_the_newest_decision_under_racing_writers(staff_store):
    def kept(tracking_id):
        found = staff_store.db.case_watch.find_one({"_id": tracking_id})
        return found["seq"], found["officer_id"]

    staff_store.record_decision(decision("WB-2026-50000001", "officer-a", seq=1))
    staff_store.record_decision(decision("WB-2026-50000001", "officer-b", seq=2))
    assert kept("WB-2026-50000001") == (2, "officer-b")
    staff_store.record_decision(decision("WB-2026-50000001", "officer-z", seq=1))  # late: changes nothing
    staff_store.record_decision(decision("WB-2026-50000001", "officer-b", seq=2))  # replayed
    assert kept("WB-2026-50000001") == (2, "officer-b")

    def breached():
        return staff_store.db.case_watch.find_one({"_id": "WB-2026-50000003"}).get("breached")

    staff_store.record_decision({**decision("WB-2026-50000003", "officer-a", seq=1), "breached": True})
    staff_store.record_decision(decision("WB-2026-50000003", "officer-b", seq=2))  # says nothing of it: stays
    assert breached() is True
    staff_store.record_decision({**decision("WB-2026-50000003", "officer-c", seq=3), "breached": False})  # reopened
    assert breached() is False
    staff_store.record_decision(decision("WB-2026-50000003", "officer-c", seq=4), breached=True)  # published before
    assert breached() is True  # routing said it: an sla_breached decision still sets it
    # 30 decisions racing (intake's status changes among them): the newest seq wins, whatever the interleaving
    writers = [eventlet.spawn(staff_store.record_decision,
                              decision("WB-2026-50000002", f"officer-{n}", seq=n), False) for n in range(1, 31)]
    writers += [eventlet.spawn(staff_store.record_case_status,
                               {"tracking_id": "WB-2026-50000002", "version": v, "status": "in_progress"})
                for v in range(1, 11)]
    [w.wait() for w in writers]
    record = staff_store.db.case_watch.find_one({"_id": "WB-2026-50000002"})
    assert (record["seq"], record["officer_id"], record["version"], record["open"]) == (30, "officer-30", 10, True)
    staff_store.record_case_status({"tracking_id": "WB-2026-50000002", "version": 11, "status": "resolved"})
    assert staff_store.db.case_watch.find_one({"_id": "WB-2026-50000002"})["open"] is False
