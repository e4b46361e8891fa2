"""Routing's handlers over an in-memory stand-in of its store: decisions written with their events,
officers' loads equal to the cases they hold after crashes, replays and escalations (milliseconds, no servers)."""
from datetime import datetime, timedelta

import pytest

from services.routing import handlers
from services.routing.domain import rules
from services.routing.domain.calendar import IST, WorkingCalendar
from services.routing.storage import StaleAssignment
from shared.errors import NotFound, ValidationFailed
from tests.unit.routing_memory import RecordingOutbox
from tests.unit.staff_pools import pool, seeded_store

CAL = WorkingCalendar.build(2026, 2027)
NOW = datetime(2026, 12, 1, 11, tzinfo=IST)
FIELD = [o.id for o in pool("phe", "Bankura", 1)]
EVERYONE = FIELD + [o.id for d in ("phe", "power") for lvl in (1, 2, 3, 4) for o in pool(d, "Bankura", lvl)]


def envelope(kind, data, subject):
    return {"type": kind, "data": data, "subject": subject}


@pytest.fixture
def store():
    return seeded_store()


@pytest.fixture
def routing(store):
    return handlers.Routing(store, RecordingOutbox(), envelope, CAL, rules.route)


def case(n, **extra):
    return {"tracking_id": f"WB-2026-{n:08d}", "status": "filed", "category": "drinking_water", "level": 1,
            "subject": "No water", "place": {"district": "Bankura"}, **extra}


def consistent(store):
    return {o: (store.load(o), store.open_cases(o)) for o in set(EVERYONE)
            if store.load(o) != store.open_cases(o)} == {}


def test_a_filed_case_is_routed_once_to_the_most_free_officer(routing, store):
    for n in range(4):
        assert handlers.assign_new(routing, case(n), NOW)
    assert [store.load(o) for o in FIELD] == [2, 2]  # most free first: the two field officers alternate
    assert not handlers.assign_new(routing, case(0), NOW)  # a replayed filing
    assert store.events(case(0)["tracking_id"]) == ["grievance.routed", "grievance.assigned"]
    assert routing.outbox.relayed == [case(n)["tracking_id"] for n in range(4)]
    assert consistent(store) and not any(a.get("load_pending") for a in store.assignments.values())


def test_a_crash_after_the_filing_write_is_healed_by_the_replay(routing, store):
    store.fail_next_load = True
    with pytest.raises(RuntimeError):
        handlers.assign_new(routing, case(1), NOW)
    assert store.get(case(1)["tracking_id"])["load_pending"] and not consistent(store)
    assert not handlers.assign_new(routing, case(1), NOW)  # the event comes again
    assert consistent(store) and sum(store.load(o) for o in FIELD) == 1


def test_claims_applied_before_a_crash_are_not_counted_again(routing, store):
    store.fail_next_settled = True
    with pytest.raises(RuntimeError):
        handlers.assign_new(routing, case(1), NOW)  # the load is counted, the claims not yet cleared
    assert store.get(case(1)["tracking_id"])["load_pending"]
    assert not handlers.assign_new(routing, case(1), NOW)
    handlers.check_clocks(routing, NOW)
    assert consistent(store) and sum(store.load(o) for o in FIELD) == 1
    assert "load_pending" not in store.get(case(1)["tracking_id"])


def test_a_crashed_transfer_run_twice_releases_every_earlier_officer(routing, store):
    handlers.assign_new(routing, case(1), NOW)
    first = store.get(case(1)["tracking_id"])["officer_id"]
    store.fail_next_load = True
    with pytest.raises(RuntimeError):
        handlers.transfer(routing, case(1), "power", "the pump has no power", NOW)
    handlers.transfer(routing, case(1), "power", "the pump has no power", NOW)  # the inbox runs it again
    assignment = store.get(case(1)["tracking_id"])
    assert assignment["department"] == "power" and store.load(first) == 0
    assert store.load(assignment["officer_id"]) == 1 and consistent(store)
    assert store.events(case(1)["tracking_id"]).count("grievance.assigned") == 3


def test_the_clock_check_heals_a_crash_nothing_replays(routing, store):
    handlers.assign_new(routing, case(1), NOW)
    officer_id = store.get(case(1)["tracking_id"])["officer_id"]
    store.fail_next_load = True
    with pytest.raises(RuntimeError):
        handlers.follow_status(routing, case(1)["tracking_id"], 5, "in_progress", "resolved", NOW)
    assert store.load(officer_id) == 1 and store.open_cases(officer_id) == 0
    assert handlers.check_clocks(routing, NOW) == {"escalated": 0, "reminded": 0, "breached": 0}
    assert store.load(officer_id) == 0 and consistent(store)
    assert "load_pending" not in store.get(case(1)["tracking_id"])


def test_status_news_pauses_resumes_and_stops_once(routing, store):
    handlers.assign_new(routing, case(1), NOW)
    tracking_id = case(1)["tracking_id"]
    handlers.follow_status(routing, tracking_id, 3, "acknowledged", "info_requested", NOW + timedelta(hours=1))
    assert store.get(tracking_id)["state"] == "paused" and consistent(store)
    assert handlers.check_clocks(routing, NOW + timedelta(days=60))["escalated"] == 0  # a paused clock waits
    handlers.follow_status(routing, tracking_id, 4, "info_requested", "in_progress", NOW + timedelta(days=60))
    assert store.get(tracking_id)["state"] == "active"
    for _ in range(2):  # the same news twice
        handlers.follow_status(routing, tracking_id, 5, "in_progress", "resolved", NOW + timedelta(days=61))
    assert store.get(tracking_id)["state"] == "stopped" and consistent(store)
    assert [h["kind"] for h in store.get(tracking_id)["history"]] == ["routed", "clock_paused", "clock_active",
                                                                       "clock_stopped"]


def test_escalation_through_the_levels_moves_the_load_up(routing, store):
    handlers.assign_new(routing, case(1), NOW)
    tracking_id = case(1)["tracking_id"]
    levels = []
    for _ in range(3):
        late = store.get(tracking_id)["deadline"] + timedelta(seconds=1)
        assert handlers.check_clocks(routing, late) == {"escalated": 1, "reminded": 0, "breached": 0}
        levels.append(store.get(tracking_id)["level"])
        assert consistent(store)
    late = store.get(tracking_id)["deadline"] + timedelta(days=30)
    assert handlers.check_clocks(routing, late) == {"escalated": 0, "reminded": 0, "breached": 1}
    assert handlers.check_clocks(routing, late) == {"escalated": 0, "reminded": 0, "breached": 0}
    assert levels == [2, 3, 4] and "-cmo_cell-state-l4-" in store.get(tracking_id)["officer_id"]
    assert store.events(tracking_id).count("grievance.escalated") == 3
    assert sum(store.load(o) for o in set(EVERYONE)) == 1


def test_a_supervisor_hands_a_case_over_within_the_office(routing, store):
    handlers.assign_new(routing, case(1), NOW)
    tracking_id = case(1)["tracking_id"]
    current = store.get(tracking_id)["officer_id"]
    other = next(o for o in FIELD if o != current)
    with pytest.raises(NotFound):
        handlers.hand_over(routing, tracking_id, other, "sup-1", "balancing", NOW, may_see=lambda a: False)
    with pytest.raises(ValidationFailed) as refused:
        handlers.hand_over(routing, tracking_id, "off-nobody", "sup-1", "balancing", NOW, may_see=lambda a: True)
    assert "officer_id" in refused.value.details
    assert handlers.hand_over(routing, tracking_id, other, "sup-1", "balancing", NOW, lambda a: True).id == other
    assert (store.load(current), store.load(other)) == (0, 1) and consistent(store)
    assert [i["tracking_id"] for i in handlers.queue(routing, other, NOW)] == [tracking_id]


def test_a_write_that_loses_a_race_reads_again(routing, store):
    handlers.assign_new(routing, case(1), NOW)
    tracking_id = case(1)["tracking_id"]
    real_update = store.update
    raced = []

    def update_after_a_rival(assignment, fields, events, history=None):
        if not raced:  # a rival write lands between our read and our write: ours is refused
            raced.append(True)
            real_update(store.get(tracking_id), {"reminded": True}, [], None)
        return real_update(assignment, fields, events, history)

    store.update = update_after_a_rival
    with pytest.raises(StaleAssignment):  # the stand-in refuses a stale write as the real store does
        real_update({**store.get(tracking_id), "rev": -1}, {}, [], None)
    handlers.transfer(routing, case(1), "power", "the pump has no power", NOW)
    assert raced and store.get(tracking_id)["department"] == "power" and consistent(store)


def test_the_queue_lists_open_cases_most_urgent_first(routing, store):
    for n in range(4):
        handlers.assign_new(routing, case(n), NOW + timedelta(hours=n))
    officer_id = FIELD[0]
    handlers.follow_status(routing, case(2)["tracking_id"], 9, "in_progress", "closed", NOW)
    items = handlers.queue(routing, officer_id, NOW)
    assert [i["sla_seconds_left"] for i in items] == sorted(i["sla_seconds_left"] for i in items)
    assert all(i["clock"] == "active" for i in items) and case(2)["tracking_id"] not in {i["tracking_id"] for i in items}
