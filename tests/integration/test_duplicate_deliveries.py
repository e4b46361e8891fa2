"""Consumers that dropped a read before their write (routing's filing, notification's delivery records) still
write once, however many copies of one event arrive at once: 20 concurrent deliveries against the real store."""
from datetime import datetime, timedelta

import eventlet

from services.notification.storage import NotificationStore
from services.routing import handlers
from services.routing.domain import rules
from services.routing.domain.calendar import IST, WorkingCalendar
from services.routing.load_readings import LoadReadings
from services.routing.storage import AssignmentStore
from tests.unit.routing_memory import RecordingOutbox
from tests.unit.staff_pools import RECORDS

COPIES = 20
CALENDAR = WorkingCalendar.build(2026, 2027)


def concurrently(work):
    return list(eventlet.GreenPool(COPIES).imap(lambda _: work(), range(COPIES)))


def test_concurrent_copies_of_a_filing_route_it_once_and_count_its_officer_once(platform_config, mongo_client):
    database = mongo_client[platform_config["MONGO_DB_PREFIX"] + "routing"]
    store = AssignmentStore(database)
    for record in RECORDS:
        store.record_staff(record)
    routing = handlers.Routing(store, RecordingOutbox(), lambda kind, data, subject: {"type": kind, "data": data,
                                                                                     "subject": subject, "id": kind},
                               CALENDAR, rules.route)
    case = {"tracking_id": "WB-2026-00000042", "status": "filed", "category": "drinking_water", "level": 1,
            "subject": "No water", "place": {"district": "Bankura"}}
    now = datetime(2026, 12, 1, 11, tzinfo=IST)

    results = concurrently(lambda: handlers.assign_new(routing, case, now))

    assert results.count(True) == 1
    assert database.assignments.count_documents({}) == 1
    assignment = database.assignments.find_one({"_id": case["tracking_id"]})
    assert [e["type"] for e in assignment["outbox"]] == ["grievance.routed", "grievance.assigned"]
    assert routing.outbox.relayed == [case["tracking_id"]]
    loads = {d["_id"]: d["open"] for d in database.officer_loads.find({})}
    assert loads == {assignment["officer_id"]: 1}
    assert "load_pending" not in assignment


def delivery(now):
    return {"_id": "delivery-1", "event_id": "event-1", "tracking_id": "WB-2026-00000043", "channel": "sms",
            "state": "queued", "not_before": now, "created_at": now, "log": []}


def test_concurrent_copies_of_an_event_record_its_delivery_once(platform_config, mongo_client):
    database = mongo_client[platform_config["MONGO_DB_PREFIX"] + "notification"]
    store = NotificationStore(database)
    now = datetime.now(IST)

    created = concurrently(lambda: store.enqueue(delivery(now)))

    assert created.count(True) == 1
    assert database.deliveries.count_documents({}) == 1 and database.due.count_documents({}) == 1
    assert database.case_deliveries.find_one({"_id": "WB-2026-00000043"})["ids"] == ["delivery-1"]


def test_a_replayed_event_leaves_its_delivery_and_due_mark_as_they_are(platform_config, mongo_client):
    database = mongo_client[platform_config["MONGO_DB_PREFIX"] + "notification"]
    store = NotificationStore(database)
    now = datetime.now(IST)
    assert store.enqueue(delivery(now))
    later = (now + timedelta(minutes=5)).replace(microsecond=0)
    database.due.update_one({"_id": "delivery-1"}, {"$set": {"at": later}})  # the sender moved it (a retry)
    database.deliveries.update_one({"_id": "delivery-1"}, {"$set": {"state": "retry"}})

    assert store.enqueue(delivery(now)) is False
    assert database.due.find_one({"_id": "delivery-1"})["at"] == later
    assert database.deliveries.find_one({"_id": "delivery-1"})["state"] == "retry"


def test_picking_reuses_a_fresh_load_reading_and_the_counts_its_own_updates_return(platform_config, mongo_client):
    """Routing's picks read an officer's load document at most once a FRESH_SECONDS (it holds the recent claims'
    ids too), and take the count the process's own counter updates return; the counters stay exact."""
    database = mongo_client[platform_config["MONGO_DB_PREFIX"] + "routing"]
    clock = [0.0]
    store = AssignmentStore(database, LoadReadings(fresh_seconds=1.0, clock=lambda: clock[0]))
    now = datetime(2026, 12, 1, 11, tzinfo=IST)
    database.officer_loads.insert_one({"_id": "o-1", "open": 2, "claims": {}})
    assert store.load("o-1") == 2
    database.officer_loads.update_one({"_id": "o-1"}, {"$inc": {"open": 5}})  # another replica's update
    assert store.load("o-1") == 2
    clock[0] += 1.0
    assert store.load("o-1") == 7
    store.apply_load([{"officer_id": "o-1", "delta": 1, "claim": "WB-2026-00000042~1"}], now)
    database.officer_loads.update_one({"_id": "o-1"}, {"$inc": {"open": 10}})
    assert store.load("o-1") == 8  # what the update returned, not read again
    assert database.officer_loads.find_one({"_id": "o-1"})["open"] == 18
    assert AssignmentStore(database).load("o-1") == 18  # a store without readings reads every time
