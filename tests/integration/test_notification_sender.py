"""The sender on the real store, without the services: concurrent workers never send one delivery twice,
a night's deferred SMS goes at its time, a send a crash interrupted is given up to the administrators."""
from datetime import timedelta

import eventlet
import pytest

from services.notification import planning
from services.notification.channels import FAILED, Outcome
from services.notification.channels.inbox import InboxChannel
from services.notification.channels.sms import SmsSink
from services.notification.dispatch import Dispatcher, Settings
from services.notification.domain import schedule
from services.notification.secrets_at_rest import Sealer
from services.notification.storage import NotificationStore, utcnow
from shared.config import database_name
from shared.contracts import event_data


@pytest.fixture
def store(mongo_client, platform_config):
    return NotificationStore(mongo_client[database_name(platform_config, "notification")])


def dispatcher(store, **settings):
    return Dispatcher(store, {"sms": SmsSink(store, {}), "inbox": InboxChannel(store)},
                      Settings({"NOTIFY_RATE_LIMIT": 100, **settings}), Sealer(None))


def filed_event(event_id, mobile, now, tracking_id="WB-2026-12345674"):
    return {"id": event_id, "type": "grievance.filed", "subject": tracking_id, "time": now.isoformat(),
            "data": event_data("grievance.filed", {"case": {
                "tracking_id": tracking_id, "version": 1, "kind": "complaint", "channel": "web", "level": 1,
                "subject": "No water", "status": "filed", "missing": [], "place": {"district": "Bankura"},
                "created_at": now.isoformat(), "updated_at": now.isoformat(),
                "complainant": {"name": "Mita", "mobile": mobile, "language": "bn"}}})}


def filed(mobile, now, hours=(0, 0)):
    return planning.deliveries_for(filed_event(f"ev-{mobile}", mobile, now), now, None, (), hours)[0]


def test_ten_workers_racing_for_one_delivery_send_it_once(store):
    delivery = filed("9830012345", utcnow())
    assert store.enqueue(delivery) and not store.enqueue(delivery)  # the second write of it is refused
    workers = [dispatcher(store) for _ in range(10)]
    results = [eventlet.spawn(w.deliver, delivery["_id"]) for w in workers]
    assert sorted(r.wait() for r in results) == [False] * 9 + [True]
    assert len(store.sms_sent("9830012345")) == 1
    assert store.get(delivery["_id"])["state"] == "delivered"
    assert store.due.count_documents({}) == 0


def test_a_deferred_sms_waits_for_the_end_of_quiet_hours(store):
    now = utcnow()
    delivery = filed("9830012346", now, hours=(0, 24))  # quiet all day
    store.enqueue(delivery)
    morning = schedule.quiet_hours_end(now, (0, 24))
    assert delivery["state"] == "deferred" and delivery["not_before"] == morning
    sender = dispatcher(store)
    assert sender.run(now) == 0 and sender.run(morning - timedelta(seconds=1)) == 0
    assert sender.run(morning) == 1
    assert [s["state"] for s in store.get(delivery["_id"])["log"]] == ["deferred", "sending", "delivered"]


def test_a_send_interrupted_by_a_crash_is_dead_lettered_not_sent_again(store):
    now = utcnow()
    delivery = filed("9830012347", now)
    store.enqueue(delivery)
    assert store.claim(delivery["_id"], now)["state"] == "sending"  # ... and the worker dies here
    sender = dispatcher(store)
    assert sender.run(now + timedelta(minutes=1)) == 0
    assert store.get(delivery["_id"])["state"] == "sending"  # not stale yet: maybe still on its way
    assert sender.run(now + timedelta(minutes=6)) == 0
    assert store.get(delivery["_id"])["state"] == "dead_letter"
    assert store.dead_letters()[0]["last_answer"].startswith("interrupted while sending")
    assert store.sms_sent("9830012347") == []
    assert store.replay(delivery["_id"], now + timedelta(minutes=7), "admin-1")
    assert sender.run(now + timedelta(minutes=7)) == 1 and len(store.sms_sent("9830012347")) == 1


class RefusesFirst:
    def __init__(self, channel):
        self.channel, self.refused = channel, False

    def send(self, delivery):
        if self.refused:
            return self.channel.send(delivery)
        self.refused = True
        return Outcome(FAILED, "550 number barred")


def test_a_dead_letter_replayed_before_its_sender_dropped_the_mark_still_goes_out(store):
    """A message refused at the send its claiming insert began is a dead letter whose due mark the next run drops.
    An administrator who replays it before that run must not see the replay's mark go with the old one."""
    now = utcnow()
    sender = dispatcher(store)
    sender.channels["sms"] = RefusesFirst(sender.channels["sms"])
    (delivery,) = sender.taken([filed("9830012351", now)], now)
    store.enqueue_new([delivery], sender.marks_at([delivery]))
    assert sender.send_claimed([delivery], now, wait=True) == 0
    assert store.get(delivery["_id"])["state"] == "dead_letter"
    replayed_at = now + timedelta(seconds=1)
    assert store.replay(delivery["_id"], replayed_at, "admin-1")
    assert sender.run(now) == 0  # a run that began before the replay: it drops the dead letter's mark
    assert sender.run(replayed_at) == 1 and len(store.sms_sent("9830012351")) == 1
    assert store.get(delivery["_id"])["state"] == "delivered" and store.due.count_documents({}) == 0


class DiesOnUpdate:
    """The store's `due` collection in a process killed at its next update_one."""

    def __init__(self, collection):
        self.collection = collection

    def update_one(self, *args, **kwargs):
        raise SystemExit("killed")

    def __getattr__(self, name):
        return getattr(self.collection, name)


def test_twenty_replays_at_once_requeue_a_dead_letter_once_and_one_killed_midway_still_sends_it(store):
    now = utcnow()
    delivery = filed("9830012352", now)
    store.enqueue(delivery)
    store.claim(delivery["_id"], now)
    store.finish(delivery, "dead_letter", now, detail="550 number barred")
    replays = [eventlet.spawn(store.replay, delivery["_id"], now, f"admin-{n}") for n in range(20)]
    assert sorted(r.wait() for r in replays) == [False] * 19 + [True]
    assert store.due.count_documents({}) == 1 and store.due.count_documents({"at": {"$lte": now}}) == 1  # due now
    assert dispatcher(store).run(now) == 1

    again = filed("9830012353", now)
    store.enqueue(again)
    store.claim(again["_id"], now)
    store.finish(again, "dead_letter", now, detail="550 number barred")
    healthy, store.due = store.due, DiesOnUpdate(store.due)
    with pytest.raises(SystemExit):
        store.replay(again["_id"], now, "admin-1")  # requeued, and killed before its mark was moved to now
    store.due = healthy
    sender = dispatcher(store)
    assert sender.run(now + timedelta(seconds=29)) == 0 and sender.run(now + timedelta(seconds=30)) == 1
    assert len(store.sms_sent("9830012353")) == 1 and store.due.count_documents({}) == 0


def test_a_handler_killed_between_its_claiming_insert_and_the_send_leaves_it_to_the_administrators(store):
    """A message due now is inserted claimed, to be sent by the handler that wrote it; that process dies before
    sending: its mark falls due when the claim goes stale, and the sender gives it up (dead letter), never sends
    it blind: it may have gone out."""
    now = utcnow()
    sender = dispatcher(store)
    (delivery,) = sender.taken([filed("9830012350", now)], now)
    assert store.enqueue_new([delivery], sender.marks_at([delivery])) == [delivery["_id"]]  # ... and it dies here
    assert sender.run(now + timedelta(minutes=1)) == 0  # the mark is not due: nothing looks at it
    assert store.get(delivery["_id"])["state"] == "sending"
    assert sender.run(now + timedelta(minutes=5, seconds=1)) == 0
    assert store.get(delivery["_id"])["state"] == "dead_letter" and store.sms_sent("9830012350") == []
    assert store.due.find_one({"_id": delivery["_id"]}) is None


def test_a_one_time_code_leaves_the_delivery_log_once_sent(store):
    from services.notification.domain.recipients import Planned, Recipient

    planned = Planned(Recipient("mobile", "k-otp", "9830012348"), "sms", "otp", "en", urgent=True)
    delivery = planning.new_delivery(delivery_id="f" * 32, event_id="otp:1", event_type="identity.otp",
                                     planned=planned, now=utcnow(),
                                     message=planning.message_for(planned, {"code": "424242", "minutes": 5}))
    store.enqueue(delivery)
    assert dispatcher(store).deliver(delivery["_id"])
    assert "424242" in store.sms_sent("9830012348")[0]["text"]       # the development sink: the phone
    logged = store.get(delivery["_id"])
    assert "424242" not in str(logged) and logged["message"]["text"].startswith("(one-time code")


def test_a_crash_between_the_delivery_and_its_case_log_entry_is_repaired_by_the_replay(store):
    """The notification service was killed after inserting a delivery and before adding it to the case's
    log; the event came back (never acked) and must leave the log complete, still sending nothing twice."""
    delivery = filed("9830012349", utcnow())
    store.due.replace_one({"_id": delivery["_id"]}, {"_id": delivery["_id"], "at": delivery["not_before"]},
                          upsert=True)
    store.deliveries.insert_one(dict(delivery))  # ... and the process dies here
    assert store.for_case("WB-2026-12345674") == []
    assert store.enqueue(delivery) is False  # the replay: nothing new to send
    assert [d["_id"] for d in store.for_case("WB-2026-12345674")] == [delivery["_id"]]
    assert store.enqueue(delivery) is False  # and again: still one entry
    assert store.db.case_deliveries.find_one({"_id": "WB-2026-12345674"})["ids"] == [delivery["_id"]]


def test_an_in_app_notice_a_crash_interrupted_is_sent_again_not_dead_lettered(store):
    """A notice goes into the officer's box keyed by its id: sending it twice cannot show it twice, so a send
    a killed worker left half-done is simply sent again (an SMS or an email may have gone out: dead letter)."""
    from services.notification.domain.recipients import Planned, Recipient

    now = utcnow()
    planned = Planned(Recipient("officer", "officer:off-1", "officer:off-1"), "inbox", "filed_officer", "en")
    delivery = planning.new_delivery(delivery_id="e" * 32, event_id="ev-inbox", event_type="grievance.assigned",
                                     planned=planned, message={"text": "A new case", "language": "en"}, now=now,
                                     tracking_id="WB-2026-12345674")
    store.enqueue(delivery)
    assert store.claim(delivery["_id"], now)["state"] == "sending"  # ... and the worker dies here
    sender = dispatcher(store)
    assert sender.run(now + timedelta(seconds=5)) == 0  # maybe still on its way
    assert store.get(delivery["_id"])["state"] == "sending"
    assert sender.run(now + timedelta(seconds=40)) == 0  # a dead worker's claim: queued again at once
    assert sender.run(now + timedelta(seconds=41)) == 1
    assert store.get(delivery["_id"])["state"] == "delivered"
    assert [n["id"] for n in store.notices(["officer:off-1"], 10)] == [delivery["_id"]]
    assert store.dead_letters() == []


def test_a_burst_to_one_recipient_is_held_a_windows_worth_at_a_time_not_tried_in_every_window(store):
    """Seven SMS to one number with a limit of two an hour: two go, and the rest wait each for the first
    window with room for it, so the next window tries only the two it can send."""
    now = utcnow()
    deliveries = [{**filed("9830012345", now), "_id": f"burst-{n}"} for n in range(7)]
    for delivery in deliveries:
        assert store.enqueue(delivery)
    sender = dispatcher(store, NOTIFY_RATE_LIMIT=2, NOTIFY_RATE_WINDOW_SECONDS=3600)
    assert sender.run(now) == 2
    _, end = schedule.rate_window(now, 3600)
    kept = [store.get(d["_id"]) for d in deliveries]
    held = sorted(d["not_before"].replace(tzinfo=end.tzinfo) for d in kept if d["state"] == "deferred")
    hour = timedelta(hours=1)
    assert held == [end, end, end + hour, end + hour, end + 2 * hour]
    assert sender.run(end) == 2
    claims = sum(1 for d in deliveries for step in store.get(d["_id"])["log"] if step["state"] == "sending")
    assert claims == 7 + 2  # each tried once at first, then only the two the window has room for
    assert len(store.sms_sent("9830012345")) == 4


def test_a_slow_send_taken_over_as_a_dead_ones_keeps_the_requeued_mark_when_it_ends(store):
    """A worker slower than the stale limit, not dead: its notice is queued again, and when its own send ends, its
    drop of the mark it was claimed from leaves the requeued one, which sends the notice again (shown once)."""
    from services.notification.domain.recipients import Planned, Recipient

    now = utcnow()
    planned = Planned(Recipient("officer", "officer:off-2", "officer:off-2"), "inbox", "filed_officer", "en")
    delivery = planning.new_delivery(delivery_id="d" * 32, event_id="ev-slow", event_type="grievance.assigned",
                                     planned=planned, message={"text": "A new case", "language": "en"}, now=now)
    store.enqueue(delivery)
    slow = store.claim(delivery["_id"], now)
    sender = dispatcher(store)
    assert sender.run(now + timedelta(seconds=40)) == 0 and store.get(delivery["_id"])["state"] == "retry"
    store.finish(slow, "delivered", now + timedelta(seconds=41))  # the slow worker's send ends
    assert sender.run(now + timedelta(seconds=42)) == 1
    assert store.get(delivery["_id"])["state"] == "delivered" and store.due.count_documents({}) == 0
    assert [n["id"] for n in store.notices(["officer:off-2"], 10)] == [delivery["_id"]]
