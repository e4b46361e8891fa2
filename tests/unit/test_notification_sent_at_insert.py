"""A message due now is claimed in its own insert and sent by the handler whose insert made it: no claim of its
own, no run to wait for. One deferred by quiet hours, or planned while the sender's pool is full or the process is
stopping, is written as planned for the runs; a replayed event, whose inserts are refused, sends nothing; the due
marks of what went out at once are dropped by the next run, together."""
from datetime import UTC, datetime

import eventlet
from nameko.testing.services import worker_factory

from services.notification import dispatch
from services.notification.channels import DELIVERED, SENT, Outcome
from services.notification.dispatch import Dispatcher, Sender, Settings
from services.notification.service import NotificationService
from services.notification.storage import STALE_REPLAY_SAFE_SEND, STALE_SEND
from shared.contracts import event_data
from shared.settings import settings_of

NOW = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


class SentStore:
    """The dispatcher's store, in memory: what was recorded, and the due marks each run dropped."""

    def __init__(self):
        self.finished, self.dropped, self.claims = [], [], 0

    def due_marks(self, now, limit):
        return []

    def claim(self, delivery_id, now):
        self.claims += 1

    def finish(self, delivery, state, now, mark=None, **details):
        self.finished.append((delivery["_id"], state))
        if mark is not None and mark.later is not None:
            mark.later.append(mark.id)

    def drop_due_marks(self, ids):
        self.dropped.append(list(ids))


class Channel:
    def __init__(self, answer=SENT, hold=None, replay_safe=False):
        self.answer, self.hold, self.sent, self.replay_safe = answer, hold, [], replay_safe

    def send(self, delivery):
        if self.hold is not None:
            self.hold.wait()
        self.sent.append(delivery["_id"])
        return Outcome(self.answer, "ok")


def delivery(delivery_id, channel="sms", state="queued"):
    return {"_id": delivery_id, "channel": channel, "state": state, "urgent": True, "attempts": 0,
            "template": "filed", "not_before": NOW, "log": [{"at": NOW, "state": state}],
            "recipient": {"kind": "complainant", "key": "k", "address": "9830012345"}}


def dispatcher(store, concurrency=10, **channels):
    settings = Settings({"NOTIFY_SEND_CONCURRENCY": concurrency})
    return Dispatcher(store, {"sms": Channel(), "inbox": Channel(DELIVERED, replay_safe=True), **channels}, settings, sealer=None)


def test_a_message_due_now_is_claimed_in_its_insert_and_its_mark_falls_due_when_the_claim_would_be_stale():
    sender = dispatcher(SentStore())
    deferred = delivery("d3", state="deferred")
    taken, notice, kept = sender.taken([delivery("d1"), delivery("d2", channel="inbox"), deferred], NOW)
    assert taken["state"] == "sending" and taken["claimed_at"] == NOW
    assert [s["state"] for s in taken["log"]] == ["queued", "sending"]
    assert sender.marks_at([taken, notice]) == {"d1": NOW + STALE_SEND, "d2": NOW + STALE_REPLAY_SAFE_SEND}
    assert kept is deferred and sender.marks_at([kept]) == {}


def test_sent_at_once_with_no_claim_and_the_marks_dropped_by_the_next_run_together():
    store = SentStore()
    sender = dispatcher(store)
    claimed = sender.taken([delivery(f"d{n}") for n in range(3)], NOW)
    assert sender.send_claimed(claimed, NOW, wait=True) == 3
    assert store.finished == [(f"d{n}", SENT) for n in range(3)] and store.claims == 0
    assert store.dropped == []  # not one command per message ...
    sender.run(NOW)
    assert store.dropped == [["d0", "d1", "d2"]]  # ... one for all of them, in the next run
    sender.run(NOW)
    assert store.dropped[-1] == []


class SlowDrops(SentStore):
    def drop_due_marks(self, ids):
        super().drop_due_marks(ids)
        eventlet.sleep(0.05)  # the command on its way: other green threads run


def test_a_send_that_ends_while_a_run_drops_marks_has_its_mark_dropped_by_the_next_run():
    hold, store = eventlet.Event(), SlowDrops()
    sender = dispatcher(store, sms=Channel(hold=hold))
    sender.send_claimed(sender.taken([delivery("d1")], NOW), NOW)
    eventlet.sleep(0)
    run = eventlet.spawn(sender.run, NOW)
    eventlet.sleep(0.01)  # the run is dropping its marks (none)
    hold.send()
    eventlet.sleep(0)  # d1 is sent now
    run.wait()
    sender.run(NOW)
    assert store.dropped[:2] == [[], ["d1"]]


def test_beyond_the_pools_room_or_with_the_process_stopping_a_message_is_left_for_the_runs(monkeypatch):
    hold = eventlet.Event()
    store = SentStore()
    slow = Channel(hold=hold)
    sender = dispatcher(store, concurrency=1, sms=slow)
    sender.send_claimed(sender.taken([delivery("d1")], NOW), NOW)
    eventlet.sleep(0)  # the provider is slow: the pool's one slot is taken
    assert [d["state"] for d in sender.taken([delivery("d2")], NOW)] == ["queued"]
    hold.send()
    eventlet.sleep(0)
    assert [d["state"] for d in sender.taken([delivery("d3"), delivery("d4")], NOW)] == ["sending", "queued"]
    monkeypatch.setattr(dispatch, "draining", lambda: True)
    assert [d["state"] for d in sender.taken([delivery("d5")], NOW)] == ["queued"]


def planner(new):
    worker = worker_factory(NotificationService)
    worker.config = {"SORASORI_ENV": "development", "NOTIFY_QUIET_START_HOUR": 0, "NOTIFY_QUIET_END_HOUR": 0}
    worker.settings = settings_of(worker.config)
    worker.store.preferences.return_value = None
    worker.store.subscriptions.return_value = []
    worker.store.enqueue_new.side_effect = lambda written, marks: [d["_id"] for d in written][:new]
    worker.sender.taken.side_effect = lambda written, now: [{**d, "state": "sending"} for d in written]
    worker.sender.marks_at.return_value = {}
    return worker


def filed():
    case = {"tracking_id": "WB-2026-12345674", "version": 1, "kind": "complaint", "channel": "web", "level": 1,
            "subject": "No water", "status": "filed", "department": "phe", "place": {"district": "Bankura"},
            "created_at": "2026-11-30T05:00:00+00:00", "updated_at": "2026-11-30T05:00:00+00:00",
            "complainant": {"name": "Mita Das", "mobile": "9830012345", "language": "bn"}}
    return {"id": "e1", "type": "grievance.filed", "subject": case["tracking_id"], "time": case["created_at"],
            "data": event_data("grievance.filed", {"case": case})}


def test_the_handler_sends_what_its_insert_made_and_a_replay_sends_nothing():
    worker = planner(new=1)
    worker._plan(filed())
    (sent, _now), _ = worker.sender.send_claimed.call_args
    assert [d["channel"] for d in sent] == ["sms"]  # the SMS, no quiet hours
    replay = planner(new=0)  # every delivery of the event existed already
    replay._plan(filed())
    (sent, _now), _ = replay.sender.send_claimed.call_args
    assert sent == []


def test_a_graceful_stop_lets_the_sends_under_way_end_and_a_kill_cuts_them():
    for stopping, outcome in (("stop", SENT), ("kill", "dead_letter")):
        hold, store = eventlet.Event(), SentStore()
        provider = Sender()
        provider.dispatcher = dispatcher(store, sms=Channel(hold=hold))
        provider.dispatcher.send_claimed(provider.dispatcher.taken([delivery("d1")], NOW), NOW)
        eventlet.sleep(0)  # the handler returned; its send waits on the provider
        eventlet.spawn_after(0.05, hold.send)
        getattr(provider, stopping)()
        assert store.finished == [("d1", outcome)]
