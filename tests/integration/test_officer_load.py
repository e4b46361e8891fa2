"""Officers' open loads stay equal to the cases they hold, on the real broker and store, whatever happens
between routing's version-guarded assignment write and its load writes: a crash there (the handler raises,
the event is delivered again), the same event delivered twice, twenty filings at once."""
import uuid
from datetime import datetime, timezone

import eventlet
import pytest

from services.routing import storage
from services.routing.service import RoutingService
from shared.config import database_name
from shared.contracts import event_data
from shared.events import new_event
from shared.outbox import EventPublisher
from tests.integration.directory import pool_ids, publish_directory
from tests.integration.waiting import wait_for

LOAD_WRITE = "apply_load"  # the store method that writes officers' loads after the assignment is written


@pytest.fixture
def crash(monkeypatch):
    """`crash.arm(n)`: the next n load writes raise, as a process killed between the two writes would stop."""
    return crash_in(monkeypatch, LOAD_WRITE)


@pytest.fixture
def crash_after(monkeypatch):
    """`crash_after.arm(n)`: the next n times the loads are written, the process dies right after, before it
    clears the claims on the assignment (so they are applied again)."""
    return crash_in(monkeypatch, LOAD_WRITE, after=True)


def crash_in(monkeypatch, method, after=False):
    original = getattr(storage.AssignmentStore, method)

    class Crash:
        armed = 0
        fired = 0

        def arm(self, times=1):
            self.armed = times

    state = Crash()

    def flaky(store, *args, **kwargs):
        if state.armed > 0:
            state.armed -= 1
            state.fired += 1
            if after:
                original(store, *args, **kwargs)
                raise RuntimeError("killed right after the load write")
            raise RuntimeError("killed between the assignment write and the load write")
        return original(store, *args, **kwargs)

    monkeypatch.setattr(storage.AssignmentStore, method, flaky)
    return state


@pytest.fixture
def routing(platform_config, runner_factory, mongo_client):
    runner_factory(platform_config, RoutingService).start()
    database = mongo_client[database_name(platform_config, "routing")]
    publish_directory(platform_config, database)
    publisher = EventPublisher(platform_config["AMQP_URI"], "intake")

    class Routing:
        store = storage.AssignmentStore(database)
        assignments = database.assignments

        def publish(self, kind, data, tracking_id, event=None):
            event = event or new_event(kind, "intake", data, subject=tracking_id)
            publisher.publish(event)
            return event

        def file(self, tracking_id, district="Bankura"):
            case = snapshot(tracking_id, "filed", 1, district)
            return self.publish("grievance.filed", event_data("grievance.filed", {"case": case}), tracking_id)

        def status(self, tracking_id, before, after, version):
            self.publish("grievance.status_changed", event_data("grievance.status_changed", {
                "from": before, "to": after, "action": "x", "case": snapshot(tracking_id, after, version)}),
                tracking_id)

        def transfer(self, tracking_id, department):
            case = snapshot(tracking_id, "transferred", 3)
            self.publish("grievance.transferred", event_data("grievance.transferred", {
                "case": case, "department": department, "reason": "not ours"}), tracking_id)

        def open_cases(self, officer_id):
            return self.assignments.count_documents({"officer_id": officer_id, "state": {"$in": ["active", "paused"]}})

        def mismatches(self, officers):
            return {o: (self.store.load(o), self.open_cases(o)) for o in officers
                    if self.store.load(o) != self.open_cases(o)}

    return Routing()


def snapshot(tracking_id, status, version, district="Bankura"):
    """The case as intake's events carry it (shared/contracts/events.py CaseSnapshot)."""
    now = datetime.now(timezone.utc).isoformat()
    return {"tracking_id": tracking_id, "status": status, "version": version, "kind": "complaint",
            "channel": "web", "level": 1, "category": "drinking_water", "subject": "No water for a week",
            "place": {"district": district}, "complainant": {"name": "Mita Das", "mobile": "9830000001"},
            "created_at": now, "updated_at": now}


def new_id():
    return f"WB-2026-{uuid.uuid4().int % 10**8:08d}"


OFFICERS = [o for department in ("phe", "power") for level in (1, 2) for o in pool_ids(department, "Bankura", level)]


def settled(routing, what):
    """Wait until every load equals the officer's open cases; fail showing (load, open cases) per officer."""
    try:
        wait_for(lambda: not routing.mismatches(OFFICERS), timeout=20, interval=0.2, what=what)
    except AssertionError:
        raise AssertionError(f"{what}: (load, open cases) {routing.mismatches(OFFICERS)}") from None


def test_a_crash_between_the_assignment_and_the_load_write_leaves_no_drift(routing, crash):
    first, second = new_id(), new_id()
    crash.arm()
    routing.file(first)  # written, then the load write fails: the event comes again
    wait_for(lambda: routing.store.get(first) and crash.fired == 1, what="the first filing routed")
    routing.file(second)
    wait_for(lambda: routing.store.get(second), what="the second filing routed")
    settled(routing, "loads after a crash mid-filing")

    crash.arm()
    routing.transfer(first, "power")  # rerouted to power; the old officer's release is lost to the crash
    wait_for(lambda: routing.store.get(first)["department"] == "power", what="the transfer")
    settled(routing, "loads after a crash mid-transfer")

    crash.arm()
    routing.status(second, "in_progress", "resolved", version=5)  # the clock stops; its release crashes
    wait_for(lambda: routing.store.get(second)["state"] == "stopped", what="the clock stopped")
    settled(routing, "loads after a crash mid-resolution")
    assert crash.fired == 3


def test_loads_written_before_a_crash_are_not_counted_again(routing, crash_after):
    first, second = new_id(), new_id()
    crash_after.arm()
    routing.file(first)  # loads written, then the crash: the event comes again and the claims are re-applied
    wait_for(lambda: routing.store.get(first) and crash_after.fired == 1, what="the first filing routed")
    crash_after.arm()
    routing.file(second)
    wait_for(lambda: routing.store.get(second) and crash_after.fired == 2, what="the second filing routed")
    crash_after.arm()
    routing.transfer(first, "power")
    wait_for(lambda: routing.store.get(first)["department"] == "power" and crash_after.fired == 3,
             what="the transfer")
    wait_for(lambda: not any(routing.store.get(t).get("load_pending") for t in (first, second)),
             what="the claims cleared")
    settled(routing, "loads after crashes that followed the load writes")


def test_the_same_event_delivered_again_counts_once(routing):
    tracking_id = new_id()
    filed = routing.file(tracking_id)
    wait_for(lambda: routing.store.get(tracking_id), what="routed")
    for _ in range(3):
        routing.publish(None, None, tracking_id, event=filed)  # the outbox relay may send an event again
    routing.status(tracking_id, "acknowledged", "rejected", version=4)
    routing.status(tracking_id, "acknowledged", "rejected", version=4)
    wait_for(lambda: routing.store.get(tracking_id)["state"] == "stopped", what="the clock stopped")
    eventlet.sleep(1.5)  # let the replays land
    settled(routing, "loads after replays")
    assert all(routing.store.load(o) == 0 for o in OFFICERS)


def test_twenty_filings_at_once_spread_and_count_exactly(routing):
    ids = [new_id() for _ in range(20)]
    pool_ = eventlet.GreenPool(20)
    for tracking_id in ids:
        pool_.spawn_n(routing.file, tracking_id)
    pool_.waitall()
    wait_for(lambda: all(routing.store.get(t) for t in ids), timeout=30, what="twenty cases routed")
    settled(routing, "loads after twenty filings at once")
    field_officers = pool_ids("phe", "Bankura", 1)
    assert sum(routing.store.load(o) for o in field_officers) == 20


def test_the_first_start_counts_loads_from_the_open_assignments(platform_config, runner_factory, mongo_client):
    """An upgraded database has open assignments and no load documents: the first start counts them."""
    from datetime import datetime, timedelta, timezone

    database = mongo_client[database_name(platform_config, "routing")]
    holder, other = pool_ids("phe", "Bankura", 1)
    later = datetime.now(timezone.utc) + timedelta(days=5)
    database.assignments.insert_many([
        {"_id": new_id(), "officer_id": officer, "state": state, "rev": 4, "deadline": later, "reminder_at": later,
         "reminded": False, "level": 1} for officer, state in
        ((holder, "active"), (holder, "paused"), (holder, "stopped"), (other, "active"))])
    runner_factory(platform_config, RoutingService).start()
    store = storage.AssignmentStore(database)
    assert (store.load(holder), store.load(other)) == (2, 1)
    assert store.count_loads_once(datetime.now(timezone.utc)) == 0  # once only


def test_claims_racing_on_one_officer_count_each_once(platform_config, mongo_client):
    """Thirty distinct claims and thirty copies of one claim at once, on officers with no document yet: each
    distinct claim counts once, the thirty copies once (FerretDB serialises the upserts; on MongoDB a racing
    upsert's DuplicateKeyError is retried without the upsert)."""
    from datetime import datetime, timezone

    store = storage.AssignmentStore(mongo_client[database_name(platform_config, "routing")])
    now = datetime.now(timezone.utc)
    claims = [[{"officer_id": "off-race-1", "delta": 1, "claim": f"{new_id()}~1"}] for _ in range(30)]
    copies = [[{"officer_id": "off-race-2", "delta": 1, "claim": "WB-2026-00000001~3"}]] * 30
    threads = eventlet.GreenPool(60)
    for claim in claims + copies:
        threads.spawn_n(store.apply_load, claim, now)
    threads.waitall()
    assert (store.load("off-race-1"), store.load("off-race-2")) == (30, 1)
