"""A message just queued goes in a run SOON_SECONDS later, not at the sender's next tick: the runs asked for
meanwhile are one, a run asked for while another is under way follows it, and an event that queued
nothing to send (a replay, or only notices put in the box at once) asks for none."""
import eventlet
from nameko.testing.services import worker_factory

from services.notification.channels import DELIVERED, Outcome
from services.notification.dispatch import SOON_SECONDS, Dispatcher, Settings
from services.notification.service import NotificationService
from shared.contracts import event_data
from shared.settings import settings_of


class DueStore:
    """The dispatcher's store, in memory: the due ids, and what each run claimed and recorded."""

    def __init__(self):
        self.due, self.runs, self.sent = [], 0, []

    def due_ids(self, now, limit):
        self.runs += 1
        due, self.due = self.due[:limit], self.due[limit:]
        return due

    def claim(self, delivery_id, now):
        return {"_id": delivery_id, "channel": "inbox", "urgent": True, "attempts": 0, "template": "filed",
                "recipient": {"kind": "officer", "key": "k", "address": "off-1"}}

    def finish(self, delivery, state, now, **details):
        self.sent.append((delivery["_id"], state))

    def drop_due_marks(self, settled):
        pass


class Inbox:
    def send(self, delivery):
        return Outcome(DELIVERED, "in the box")


def dispatcher(store, spawned):
    def spawn(fn):
        spawned.append(fn)
        return eventlet.spawn(fn)
    return Dispatcher(store, {"inbox": Inbox()}, Settings({}), sealer=None, spawn=spawn)


def test_runs_asked_for_before_one_begins_are_one_run():
    store, spawned = DueStore(), []
    sender = dispatcher(store, spawned)
    store.due = ["d1", "d2"]
    for _ in range(3):
        sender.run_soon()
    assert len(spawned) == 1 and store.runs == 0  # not yet: it waits SOON_SECONDS for more to gather
    eventlet.sleep(SOON_SECONDS * 3)
    assert store.runs == 1 and store.sent == [("d1", DELIVERED), ("d2", DELIVERED)]
    sender.run_soon()  # the run began: a new ask is a new run
    eventlet.sleep(SOON_SECONDS * 3)
    assert len(spawned) == 2 and store.runs == 2


def test_a_run_asked_for_during_another_follows_it():
    store, spawned = DueStore(), []
    sender = dispatcher(store, spawned)
    sender.running.acquire()  # a run under way (the timer's)
    store.due = ["d3"]
    sender.run_soon()
    eventlet.sleep(SOON_SECONDS * 3)
    assert store.runs == 0
    assert sender.run() == 0  # the timer's next tick is skipped while one runs
    sender.running.release()
    eventlet.sleep(SOON_SECONDS)
    assert store.runs == 1 and store.sent == [("d3", DELIVERED)]


def planner(queued):
    worker = worker_factory(NotificationService)
    worker.config = {"SORASORI_ENV": "development", "NOTIFY_QUIET_START_HOUR": 0, "NOTIFY_QUIET_END_HOUR": 0}
    worker.settings = settings_of(worker.config)
    worker.store.preferences.return_value = None
    worker.store.subscriptions.return_value = []
    worker.store.enqueue_all.return_value = queued
    return worker


def filed():
    case = {"tracking_id": "WB-2026-12345674", "version": 1, "kind": "complaint", "channel": "web", "level": 1,
            "subject": "No water", "status": "filed", "department": "phe", "place": {"district": "Bankura"},
            "created_at": "2026-11-30T05:00:00+00:00", "updated_at": "2026-11-30T05:00:00+00:00",
            "complainant": {"name": "Mita Das", "mobile": "9830012345", "language": "bn"}}
    return {"id": "e1", "type": "grievance.filed", "subject": case["tracking_id"], "time": case["created_at"],
            "data": event_data("grievance.filed", {"case": case})}


def test_an_event_that_queued_a_message_asks_for_a_run_a_replay_does_not():
    worker = planner(queued=1)
    worker._plan(filed())
    assert worker.sender.run_soon.call_count == 1
    assert [d["state"] for d in worker.store.enqueue_all.call_args.args[0]] == ["queued"]  # the SMS, no quiet hours
    replay = planner(queued=0)  # every delivery of the event existed already
    replay._plan(filed())
    assert not replay.sender.run_soon.called
