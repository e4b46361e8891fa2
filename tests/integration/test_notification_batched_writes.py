"""notification writes an event's deliveries with one command per collection, sends a message due now from the
handler whose insert made it (no claim, no run), drops the due marks of finished deliveries in one command per
run, and keeps a staff member's opt-outs on their directory record (one read per person a decision concerns);
each still at most once, against the real store, under concurrency."""
from datetime import timedelta
from types import SimpleNamespace

import eventlet
from nameko.testing.services import worker_factory
from pymongo.errors import OperationFailure

from services.notification.channels.inbox import InboxChannel
from services.notification.dispatch import Dispatcher
from services.notification.domain.recipients import INBOX
from services.notification.service import NotificationService
from services.notification.staff_store import StaffStore
from services.notification.storage import Mark, NotificationStore, finished, utcnow
from shared.batching import Batcher
from shared.contracts import load_event_data
from shared.events import new_event
from shared.settings import settings_of
from tests.integration import store_operations
from tests.integration.test_notification_sender import dispatcher, filed_event


def counted_client(platform_config):
    """A client whose store operations are counted apart from any other's, and notification's database."""
    name, client = store_operations.counted_client(platform_config)
    return name, client, client[platform_config["MONGO_DB_PREFIX"] + "notification"]


def operations(name, command, collection):
    return store_operations.operations(name).get(f"{command} {collection}", 0)


def delivery(delivery_id, tracking_id="WB-2026-70000001", box="officer:o-7", not_before=None):
    now = utcnow()
    return {"_id": delivery_id, "event_id": "e-1", "event_type": "grievance.assigned", "template": "assigned",
            "tracking_id": tracking_id, "scope": {}, "channel": INBOX,
            "recipient": {"kind": "officer", "key": box, "address": box}, "language": "en", "urgent": False,
            "message": {"text": f"notice {delivery_id}"}, "state": "queued", "attempts": 0,
            "not_before": not_before or now, "created_at": now, "updated_at": now, "log": []}


def test_an_events_deliveries_are_written_with_one_command_per_collection_and_once(platform_config):
    name, client, database = counted_client(platform_config)
    store = NotificationStore(database)
    try:
        first = [delivery(f"d-{n}") for n in range(3)]
        assert store.enqueue_all(first) == 3
        assert [operations(name, c, k) for c, k in (("update", "due"), ("insert", "deliveries"),
                                                      ("update", "case_deliveries"))] == [1, 1, 1]
        # a replay that meets one new delivery among those written: only the new one is kept, nothing moves
        database.due.update_one({"_id": "d-0"}, {"$set": {"at": utcnow() + timedelta(hours=1)}})
        moved = database.due.find_one({"_id": "d-0"})["at"]
        assert store.enqueue_all([delivery("d-0"), delivery("d-1"), delivery("d-3")]) == 1
        assert database.due.find_one({"_id": "d-0"})["at"] == moved
        assert sorted(d["_id"] for d in database.deliveries.find()) == ["d-0", "d-1", "d-2", "d-3"]
        assert sorted(database.case_deliveries.find_one({"_id": "WB-2026-70000001"})["ids"]) == [
            "d-0", "d-1", "d-2", "d-3"]
    finally:
        client.close()


def test_twenty_replays_of_one_event_at_once_keep_each_delivery_once(platform_config, mongo_client):
    database = mongo_client[platform_config["MONGO_DB_PREFIX"] + "notification"]
    store = NotificationStore(database)
    planned = [delivery(f"r-{n}", tracking_id="WB-2026-70000002") for n in range(4)]
    created = [t.wait() for t in [eventlet.spawn(store.enqueue_all, [dict(d) for d in planned]) for _ in range(20)]]
    assert sum(created) == 4  # each delivery new to exactly one of the twenty
    assert sorted(d["_id"] for d in database.deliveries.find({"tracking_id": "WB-2026-70000002"})) == [
        f"r-{n}" for n in range(4)]
    assert all(database.due.find_one({"_id": d["_id"]}) is not None for d in planned)
    assert sorted(database.case_deliveries.find_one({"_id": "WB-2026-70000002"})["ids"]) == [
        f"r-{n}" for n in range(4)]


def test_what_several_handlers_record_at_once_goes_in_one_command_per_collection(platform_config):
    """enqueue_together: three events' deliveries, one of them planned again by a replay in the same batch,
    and one call whose delivery the store refuses (a key it takes for an operator): that call alone fails."""
    name, client, database = counted_client(platform_config)
    store = NotificationStore(database)
    try:
        refused = {**delivery("b-bad", tracking_id="WB-2026-70000031"), "$bad": 1}
        calls = [([delivery("b-1", tracking_id="WB-2026-70000031"), delivery("b-2", tracking_id="WB-2026-70000031")], {}),
                 ([delivery("b-3", tracking_id="WB-2026-70000032")], {"b-3": utcnow() + timedelta(minutes=5)}),
                 ([delivery("b-2", tracking_id="WB-2026-70000031")], {}),  # the first call's event, replayed
                 ([refused, delivery("b-4", tracking_id="WB-2026-70000031")], {})]
        outcomes = store.enqueue_together(calls)
        assert outcomes[:3] == [["b-1", "b-2"], ["b-3"], []]  # b-2 is new to the first call only
        assert isinstance(outcomes[3], OperationFailure)
        assert [operations(name, c, k) for c, k in (("update", "due"), ("insert", "deliveries"),
                                                      ("update", "case_deliveries"))] == [1, 1, 1]
        assert sorted(d["_id"] for d in database.deliveries.find()) == ["b-1", "b-2", "b-3", "b-4"]
        assert database.due.find_one({"_id": "b-3"})["at"] > utcnow() + timedelta(minutes=4)
        assert sorted(database.case_deliveries.find_one({"_id": "WB-2026-70000031"})["ids"]) == ["b-1", "b-2"]
        assert database.case_deliveries.find_one({"_id": "WB-2026-70000032"})["ids"] == ["b-3"]
        # the failed call's event comes back without the refused document: b-4 was written, so nothing is new;
        # its case log is repaired
        assert store.enqueue_together([([delivery("b-4", tracking_id="WB-2026-70000031")], {})]) == [[]]
        assert sorted(database.case_deliveries.find_one({"_id": "WB-2026-70000031"})["ids"]) == ["b-1", "b-2", "b-4"]
    finally:
        client.close()


def test_handlers_recording_at_the_same_time_share_commands_and_each_delivery_is_new_once(platform_config):
    """Twenty handlers through the process's batcher: ten events and a replay of each, at once."""
    name, client, database = counted_client(platform_config)
    batcher = Batcher(NotificationStore(database).enqueue_together, max_items=10)
    flusher = eventlet.spawn(batcher.run)
    try:
        events = [[delivery(f"g-{n}-{k}", tracking_id=f"WB-2026-7000004{n}") for k in range(2)] for n in range(10)]
        stores = [NotificationStore(database, batcher=batcher) for _ in range(20)]
        threads = [eventlet.spawn(store.enqueue_new, [dict(d) for d in events[n % 10]])
                   for n, store in enumerate(stores)]
        made = [thread.wait() for thread in threads]
        assert sorted(i for ids in made for i in ids) == sorted(d["_id"] for planned in events for d in planned)
        assert all(made[n] == [] or made[n + 10] == [] for n in range(10))  # an event or its replay, never both
        assert database.deliveries.count_documents({}) == 20 and database.due.count_documents({}) == 20
        assert batcher.batches < 20
        assert operations(name, "insert", "deliveries") == batcher.batches
    finally:
        flusher.kill()
        client.close()


def test_a_sender_run_drops_its_finished_deliveries_due_marks_in_one_command(platform_config):
    name, client, database = counted_client(platform_config)
    store = NotificationStore(database)
    try:
        later = utcnow() + timedelta(hours=2)
        store.enqueue_all([delivery(f"s-{n}", box=f"officer:o-{n}") for n in range(5)] + [
            delivery("s-later", not_before=later)])
        settings = SimpleNamespace(batch=50, concurrency=4, rate_limit=5, rate_window=3600, max_attempts=3,
                                   retry_base=1, retry_cap=10)
        dispatcher = Dispatcher(store, {INBOX: InboxChannel(store)}, settings, sealer=None)
        assert dispatcher.run() == 5
        assert operations(name, "delete", "due") == 1
        assert [m["_id"] for m in database.due.find()] == ["s-later"]  # not due yet: its mark stays
        assert {d["_id"]: d["state"] for d in database.deliveries.find()} == {
            **{f"s-{n}": "delivered" for n in range(5)}, "s-later": "queued"}
        assert dispatcher.run() == 0  # nothing sent twice
    finally:
        client.close()


def handler(platform_config, store, staff=None):
    """The notification service's event handling over `store`, with a sender of its own (the SMS sink)."""
    worker = worker_factory(NotificationService, store=store, sender=dispatcher(store),
                            **({"staff_store": staff} if staff else {}))
    worker.settings = settings_of({**platform_config, "SORASORI_ENV": "development",
                                   "NOTIFY_QUIET_START_HOUR": 0, "NOTIFY_QUIET_END_HOUR": 0})
    return worker


def test_an_sms_due_now_goes_from_the_handler_whose_insert_made_it_once_with_no_claim(platform_config):
    """Twenty deliveries of one `filed` event at once: the one handler whose insert made the SMS sends it, with
    no claim and no run; its due mark stays (for a crash) until the sender's next run drops it."""
    name, client, database = counted_client(platform_config)
    store = NotificationStore(database)
    worker = handler(platform_config, store)
    try:
        handlers = [eventlet.spawn(worker._plan, filed_event("ev-filed-21", "9830012355", utcnow(), "WB-2026-70000021")) for _ in range(20)]
        for thread in handlers:
            thread.wait()
        worker.sender.pool.waitall()
        assert len(store.sms_sent("9830012355")) == 1
        (sms,) = database.deliveries.find({"tracking_id": "WB-2026-70000021"})
        assert [s["state"] for s in sms["log"]] == ["queued", "sending", "delivered"]
        assert [operations(name, c, k) for c, k in (("findAndModify", "deliveries"), ("find", "due"),
                                                      ("update", "deliveries"))] == [0, 0, 1]
        assert database.due.find_one({"_id": sms["_id"]})["at"] > utcnow() + timedelta(minutes=4)
        assert worker.sender.run() == 0
        assert database.due.find_one({"_id": sms["_id"]}) is None
        assert operations(name, "delete", "due") == 1
    finally:
        client.close()


def record(staff_id, seq, mobile="9830011111"):
    return {"_id": staff_id, "seq": seq, "name": "Anita Roy", "role": "officer",
            "office": {"department": "PHE", "district": "Bankura", "level": 1},
            "contacts": {"mobile": mobile, "email": None, "language": "bn"}, "status": {"state": "active"}}


def test_an_opt_out_lives_on_the_directory_record_whichever_comes_first(platform_config, mongo_client):
    staff = StaffStore(mongo_client[platform_config["MONGO_DB_PREFIX"] + "notification"])
    now = utcnow()
    staff.put_staff_preferences("early", {"opt_out": ["sms"]}, now)  # before the directory told of them
    assert staff.staff("early") is None and staff.staff_with_role("officer") == []
    assert staff.put_staff(record("early", 1))
    assert staff.staff("early")["opt_out"] == ["sms"] and staff.staff("early")["name"] == "Anita Roy"
    assert staff.put_staff(record("early", 2, mobile="9830022222"))  # the directory's next record keeps it
    assert staff.staff("early")["opt_out"] == ["sms"] and staff.staff("early")["contacts"]["mobile"] == "9830022222"
    staff.put_staff_preferences("early", {"opt_out": []}, now)
    assert staff.staff_preferences("early") == {"opt_out": []}
    assert staff.staff_preferences("nobody") is None


def test_an_opt_out_and_the_first_directory_record_racing_both_stay(platform_config, mongo_client):
    staff = StaffStore(mongo_client[platform_config["MONGO_DB_PREFIX"] + "notification"])
    now = utcnow()
    ids = [f"race-{n}" for n in range(20)]
    threads = [eventlet.spawn(staff.put_staff, record(i, 3)) for i in ids]
    threads += [eventlet.spawn(staff.put_staff_preferences, i, {"opt_out": ["email"]}, now) for i in ids]
    answers = [t.wait() for t in threads]
    assert answers[:20] == [True] * 20  # every directory record kept, whether it came first or second
    for staff_id in ids:
        kept = staff.staff(staff_id)
        assert (kept["seq"], kept["name"], kept["opt_out"]) == (3, "Anita Roy", ["email"])


def test_opt_outs_kept_in_the_old_collection_move_onto_the_directory_records(platform_config, mongo_client):
    database = mongo_client[platform_config["MONGO_DB_PREFIX"] + "notification"]
    staff = StaffStore(database)
    staff.put_staff(record("moved", 1))
    database.staff_preferences.insert_many([{"_id": "moved", "opt_out": ["sms"], "updated_at": utcnow()},
                                            {"_id": "not-yet-known", "opt_out": ["email"], "updated_at": utcnow()}])
    staff.move_preferences_into_staff(utcnow())
    staff.move_preferences_into_staff(utcnow())  # again: nothing left to move
    assert staff.staff("moved")["opt_out"] == ["sms"]
    assert staff.staff_preferences("not-yet-known") == {"opt_out": ["email"]}
    assert database.staff_preferences.count_documents({}) == 0


def routing_event(event_id, officer_id, kind="grievance.assigned", seq=2, tracking_id="WB-2026-70000009", **more):
    event = new_event(kind, "routing", {
        "schema_version": 1, "tracking_id": tracking_id, "kind": kind, "seq": seq,
        "department": "PHE", "district": "Bankura", "category": "drinking_water", "officer_id": officer_id,
        "officer_name": "Anita Roy", "level": 1, "deadline": "2026-12-09T06:00:00+00:00", "reason": "rule", **more},
        subject=tracking_id, event_id=event_id)
    event["data"] = load_event_data(event["type"], event["data"])
    return event


def test_an_officers_notice_is_put_while_the_event_is_handled_and_recorded_delivered_once(platform_config):
    name, client, database = counted_client(platform_config)
    store, staff = NotificationStore(database), StaffStore(database)
    staff.put_staff(record("o-9", 1))
    worker = handler(platform_config, store, staff)
    try:
        worker.on_routing_event(routing_event("ev-assigned-1", "o-9"))
        assert [n["tracking_id"] for n in store.notices(["officer:o-9"], 10)] == ["WB-2026-70000009"]
        kept = {d["channel"]: d for d in database.deliveries.find({"tracking_id": "WB-2026-70000009"})}
        assert kept["inbox"]["state"] == "delivered" and [s["state"] for s in kept["inbox"]["log"]] == [
            "queued", "delivered"]
        assert database.due.find_one({"_id": kept["inbox"]["_id"]}) is None  # nothing left to send
        assert database.due.find_one({"_id": kept["sms"]["_id"]}) is not None  # the officer's SMS: sent at once,
        assert operations(name, "findAndModify", "deliveries") == 0  # claimed by its insert, its mark kept for a crash

        database.deliveries.delete_one({"_id": kept["inbox"]["_id"]})  # a crash after the notice, before its record
        worker.on_routing_event(routing_event("ev-assigned-1", "o-9"))  # the event comes back
        worker.on_routing_event(routing_event("ev-assigned-1", "o-9"))  # and once more
        assert len(store.notices(["officer:o-9"], 10)) == 1
        assert database.deliveries.find_one({"_id": kept["inbox"]["_id"]})["state"] == "delivered"
        assert database.deliveries.count_documents({"tracking_id": "WB-2026-70000009"}) == 2
    finally:
        client.close()


def test_a_transfer_tells_the_officer_it_leaves_whichever_of_its_two_decisions_comes_first(platform_config):
    """routing's `routed` and `assigned` of a transfer carry the same assignment and name the officer the case
    leaves: the `routed` costs the case's record nothing, the `assigned` one write and no read, and the
    officer before hears "moved away" in either order, once."""
    name, client, database = counted_client(platform_config)
    store, staff = NotificationStore(database), StaffStore(database)
    for officer, mobile in (("o-a", "9830011111"), ("o-b", "9830011112")):
        staff.put_staff(record(officer, 1, mobile))
    worker = handler(platform_config, store, staff)

    def case_watch_operations():
        return sum(operations(name, c, "case_watch") for c in ("find", "update", "insert", "findAndModify"))

    def moved_away(tracking_id):
        return [(d["recipient"]["address"], d["channel"]) for d in database.deliveries.find(
            {"tracking_id": tracking_id, "template": "moved_away"})]

    try:
        for tracking_id, routed_first in (("WB-2026-70000011", True), ("WB-2026-70000012", False)):
            worker.on_routing_event(routing_event(f"{tracking_id}-1", "o-a", seq=2, tracking_id=tracking_id))
            routed = routing_event(f"{tracking_id}-3", "o-b", "grievance.routed", seq=3, tracking_id=tracking_id,
                                   assigned_seq=4, previous_officer_id="o-a")
            assigned = routing_event(f"{tracking_id}-4", "o-b", seq=4, tracking_id=tracking_id,
                                     previous_officer_id="o-a")
            before = case_watch_operations()
            for event in (routed, assigned) if routed_first else (assigned, routed):
                worker.on_routing_event(event)
            assert case_watch_operations() == before + 1
            assert moved_away(tracking_id) == [("9830011111", "sms")]
            worker.on_routing_event(assigned)  # replayed
            worker.on_routing_event(routing_event(f"{tracking_id}-2", "o-c", seq=2, tracking_id=tracking_id))  # late
            assert moved_away(tracking_id) == [("9830011111", "sms")]
            kept = database.case_watch.find_one({"_id": tracking_id})
            assert (kept["officer_id"], kept["seq"]) == ("o-b", 4)
    finally:
        client.close()


def claimed(store, ids):
    store.enqueue_all([delivery(i, box=f"officer:o-{i}") for i in ids])
    return {i: store.claim(i, utcnow()) for i in ids}


def test_sends_finishing_at_once_are_recorded_with_one_command_per_collection(platform_config):
    """finish_together: a send whose mark the run drops later, one whose mark goes now, a dead letter and one
    deferred (its mark moved), each recorded as one finish alone records it. (A statement the store refuses is
    not tried here: FerretDB's answer to an update command with a write error lacks `nModified`, which pymongo
    reads, so the whole command raises there.)"""
    name, client, database = counted_client(platform_config)
    store = NotificationStore(database)
    try:
        sending = claimed(store, ["f-later", "f-now", "f-dead", "f-held", "f-other"])
        now, held, later = utcnow(), utcnow() + timedelta(hours=1), []
        finishing = [(sending["f-later"], "delivered", {"mark": Mark("f-later", later)}),
                     (sending["f-now"], "sent", {}),
                     (sending["f-dead"], "dead_letter", {"detail": "550 barred", "attempts": 1}),
                     (sending["f-held"], "deferred", {"not_before": held})]
        before = {c: operations(name, *c) for c in (("update", "deliveries"), ("update", "dead_letters"),
                                                     ("update", "due"), ("delete", "due"))}
        outcomes = store.finish_together([finished(d, state, now, **fields) for d, state, fields in finishing])
        assert outcomes == [None] * 4
        # one command per collection and kind: the deliveries, the dead letters, the due marks (pymongo sends the
        # replaces and the deletes of one bulk write as a command each)
        assert {c: operations(name, *c) - n for c, n in before.items()} == {
            ("update", "deliveries"): 1, ("update", "dead_letters"): 1, ("update", "due"): 1, ("delete", "due"): 1}
        states = {d["_id"]: d["state"] for d in database.deliveries.find()}
        assert states == {"f-later": "delivered", "f-now": "sent", "f-dead": "dead_letter", "f-held": "deferred",
                          "f-other": "sending"}
        assert later == ["f-later"]  # for the run to drop
        assert sorted(m["_id"] for m in database.due.find()) == ["f-held", "f-later", "f-other"]
        assert database.due.find_one({"_id": "f-held"})["at"] == held.replace(microsecond=held.microsecond // 1000 * 1000)
        assert database.dead_letters.find_one({"_id": "f-dead"})["last_answer"] == "550 barred"
    finally:
        client.close()


def test_sends_finishing_through_the_senders_batcher_share_commands(platform_config):
    name, client, database = counted_client(platform_config)
    finishes = Batcher(NotificationStore(database).finish_together, max_items=10, linger=0.2)
    flusher = eventlet.spawn(finishes.run)
    store = NotificationStore(database, finishes=finishes)
    try:
        sending = claimed(store, [f"t-{n}" for n in range(6)])
        before = operations(name, "update", "deliveries")
        threads = [eventlet.spawn(store.finish, d, "delivered", utcnow()) for d in sending.values()]
        for thread in threads:
            thread.wait()
        assert finishes.batches == 1 and operations(name, "update", "deliveries") - before == 1
        assert {d["state"] for d in database.deliveries.find()} == {"delivered"}
        assert database.due.count_documents({}) == 0
        # a process being killed records alone (its batcher may be gone)
        (last,) = claimed(store, ["t-last"]).values()
        store.finish(last, "sent", utcnow(), alone=True)
        assert finishes.batches == 1 and database.deliveries.find_one({"_id": "t-last"})["state"] == "sent"
    finally:
        flusher.kill()
        client.close()
