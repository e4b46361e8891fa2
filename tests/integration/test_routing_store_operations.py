"""Routing's first assignment of a filing on the real store: the officers' load claims are applied before the
decisions go out, and cleared in the same update that removes the sent decisions from the assignment (one
update, where there were two). Each claim still counts once: twenty filings at once, a crash between the load
write and the clearing, a document that changed before the clearing."""
import uuid
from datetime import datetime, timezone

import eventlet
import pytest

from services.routing import handlers, storage
from services.routing.domain import rules
from services.routing.domain.calendar import WorkingCalendar
from shared.config import database_name
from shared.outbox import OutboxRelay
from tests.integration.store_operations import counted_client, operations, spent
from tests.unit.staff_pools import RECORDS

CALENDAR = WorkingCalendar.load()


@pytest.fixture
def routing(platform_config):
    app_name, client = counted_client(platform_config)
    database = client[database_name(platform_config, "routing")]
    store = storage.AssignmentStore(database)
    for record in RECORDS:
        store.record_staff(record)
    published = []
    relay = OutboxRelay(database.assignments, published.append)
    r = handlers.Routing(store, relay, envelope, CALENDAR, rules.route)
    r.app_name, r.published, r.database = app_name, published, database
    yield r
    client.close()


def envelope(kind, data, subject):
    return {"id": uuid.uuid4().hex, "type": kind, "data": data, "subject": subject}


def filed(n=None):
    tracking_id = f"WB-2026-{uuid.uuid4().int % 10**8:08d}" if n is None else f"WB-2026-{n:08d}"
    return {"tracking_id": tracking_id, "status": "filed", "category": "drinking_water", "level": 1,
            "subject": "No water", "place": {"district": "Bankura"}}


def loads_match_open_cases(r):
    officers = {a["officer_id"] for a in r.database.assignments.find({}, {"officer_id": 1})}
    return {o: (r.store.load(o), r.database.assignments.count_documents({"officer_id": o, "state": "active"}))
            for o in officers
            if r.store.load(o) != r.database.assignments.count_documents({"officer_id": o, "state": "active"})}


def test_a_first_assignment_clears_its_claims_with_its_sent_decisions_in_one_update(routing):
    case = filed()
    before = operations(routing.app_name)
    assert handlers.assign_new(routing, case, datetime.now(timezone.utc))
    ops = spent(routing.app_name, before)
    assert ops.get("update assignments") == 1, ops  # before: the relay's removal, then the claims' clearing
    stored = routing.database.assignments.find_one({"_id": case["tracking_id"]})
    assert stored["outbox"] == [] and stored["outbox_pending"] == 0 and "load_pending" not in stored
    assert [e["type"] for e in routing.published] == ["grievance.routed", "grievance.assigned"]
    assert routing.store.load(stored["officer_id"]) == 1 and loads_match_open_cases(routing) == {}


def test_twenty_filings_at_once_count_each_officer_once_and_leave_nothing_pending(routing):
    cases = [filed() for _ in range(20)]
    before = operations(routing.app_name)
    pool = eventlet.GreenPool(20)
    assert all(pool.imap(lambda c: handlers.assign_new(routing, c, datetime.now(timezone.utc)), cases))
    ops = spent(routing.app_name, before)
    assert loads_match_open_cases(routing) == {}
    assert sum(routing.store.load(o["staff_id"]) for o in RECORDS) == 20
    assert routing.database.assignments.count_documents({"outbox_pending": {"$gt": 0}}) == 0
    assert routing.database.assignments.count_documents({"load_pending": {"$exists": True}}) == 0
    assert ops["update assignments"] == 20, ops
    assert len(routing.published) == 40


def test_a_crash_after_the_load_write_before_the_clearing_counts_once(routing, monkeypatch):
    """The process dies right after the officers' loads are written: the decisions still go out, the claims
    stay on the assignment, and the replay (or the clock check) clears them without counting again."""
    real_apply = storage.AssignmentStore.apply_load
    crashes = []

    def apply_then_die(store, claims, now):
        real_apply(store, claims, now)
        if not crashes:
            crashes.append(True)
            raise RuntimeError("killed after the load write")

    monkeypatch.setattr(storage.AssignmentStore, "apply_load", apply_then_die)
    case = filed()
    with pytest.raises(RuntimeError):
        handlers.assign_new(routing, case, datetime.now(timezone.utc))
    stored = routing.database.assignments.find_one({"_id": case["tracking_id"]})
    assert stored["load_pending"] and routing.store.load(stored["officer_id"]) == 1
    assert [e["type"] for e in routing.published] == ["grievance.routed", "grievance.assigned"]
    assert stored["outbox"] == []  # sent and removed although the handler failed
    assert not handlers.assign_new(routing, case, datetime.now(timezone.utc))  # the event comes again
    stored = routing.database.assignments.find_one({"_id": case["tracking_id"]})
    assert "load_pending" not in stored and routing.store.load(stored["officer_id"]) == 1


def test_an_assignment_written_again_before_the_clearing_keeps_its_newer_claims(routing, monkeypatch):
    """Another write bumps the revision between our write and our clearing: the combined update is refused,
    the sent decisions are removed on their own and the claims stay for the newer write to settle."""
    case = filed()
    real_apply = storage.AssignmentStore.apply_load

    def apply_then_another_write(store, claims, now):
        real_apply(store, claims, now)
        routing.database.assignments.update_one({"_id": case["tracking_id"]}, {"$inc": {"rev": 1}})

    monkeypatch.setattr(storage.AssignmentStore, "apply_load", apply_then_another_write)
    assert handlers.assign_new(routing, case, datetime.now(timezone.utc))
    stored = routing.database.assignments.find_one({"_id": case["tracking_id"]})
    assert stored["outbox"] == [] and stored["outbox_pending"] == 0
    assert stored["load_pending"]  # not ours to clear at this revision
    assert routing.store.load(stored["officer_id"]) == 1


def test_an_event_added_while_the_relay_publishes_stays_and_the_callers_change_waits(platform_config, mongo_client):
    """Outbox.relay_written_and on its own: another writer appends an event between our write and our clearing;
    the combined update is refused (the outbox no longer holds exactly what was sent), the sent event alone is
    removed, the new one stays pending, and the caller is told to make its change itself."""
    collection = mongo_client[database_name(platform_config, "routing")].relay_and_change
    first = envelope("grievance.routed", {}, "WB-2026-00000001")
    later = envelope("grievance.assigned", {}, "WB-2026-00000001")
    written = {"_id": "WB-2026-00000001", "rev": 1, "load_pending": [{"claim": "x"}], "outbox": [first],
               "outbox_pending": 1}
    collection.insert_one(dict(written))
    published = []

    def publish(event):
        published.append(event["id"])
        if event["id"] == first["id"]:
            collection.update_one({"_id": written["_id"]}, {"$push": {"outbox": later}, "$inc": {"outbox_pending": 1}})

    relay = OutboxRelay(collection, publish)
    assert not relay.relay_written_and(written, {"rev": 1}, {"$unset": {"load_pending": ""}})
    stored = collection.find_one({"_id": written["_id"]})
    assert [e["id"] for e in stored["outbox"]] == [later["id"]] and stored["outbox_pending"] == 1
    assert stored["load_pending"] and published == [first["id"]]
    # with nothing added meanwhile, the change and the removal are one update
    assert relay.relay_written_and(stored, {"rev": 1}, {"$unset": {"load_pending": ""}})
    stored = collection.find_one({"_id": written["_id"]})
    assert stored["outbox"] == [] and stored["outbox_pending"] == 0 and "load_pending" not in stored
