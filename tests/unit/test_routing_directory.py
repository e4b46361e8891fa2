"""Routing's pools from the officer directory (domain/officers.py, domain/directory.py, handlers.staff_changed)
over an in-memory store: the highest seq per member wins whatever order events arrive in, and a leave,
a transfer or a retirement moves the member's open cases within their office with the reason, clocks
untouched."""
from datetime import datetime, timedelta

import pytest

from services.routing import handlers
from services.routing.domain import directory, officers, rules
from services.routing.domain.calendar import IST, WorkingCalendar
from tests.unit.routing_memory import RecordingOutbox
from tests.unit.staff_pools import RECORDS, seeded_store

CAL = WorkingCalendar.build(2026, 2027)
NOW = datetime(2026, 12, 1, 11, tzinfo=IST)
A, B = "off-phe-bankura-l1-1", "off-phe-bankura-l1-2"


def event(staff_id, seq, **status):
    record = next(r for r in RECORDS if r["staff_id"] == staff_id)
    data = {**record, "seq": seq, "status": {"state": "active", **status}}
    return {key: (value.isoformat() if isinstance(value, datetime) else value) for key, value in data.items()} | {
        "status": {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in data["status"].items()}}


@pytest.fixture
def store():
    return seeded_store()


@pytest.fixture
def routing(store):
    return handlers.Routing(store, RecordingOutbox(), lambda kind, data, subject: {"type": kind, "data": data},
                            CAL, rules.route)


def file(routing, n):
    case = {"tracking_id": f"WB-2026-{n:08d}", "status": "filed", "category": "drinking_water", "level": 1,
            "subject": "No water", "place": {"district": "Bankura"}}
    handlers.assign_new(routing, case, NOW)
    return case["tracking_id"]


def held_by(store, officer_id):
    return sorted(a["_id"] for a in store.queue(officer_id))


def test_the_highest_seq_wins_whatever_the_order(routing, store):
    handlers.staff_changed(routing, event(A, 3, state="retired"), NOW)
    handlers.staff_changed(routing, event(A, 2), NOW)  # late
    handlers.staff_changed(routing, event(A, 3, state="retired"), NOW)  # replayed
    assert store.staff_record(A)["seq"] == 3 and store.staff_record(A)["status"]["state"] == "retired"
    assert [o.id for o in routing.pool(NOW)("phe", "Bankura", 1)] == [B]


def test_a_leave_moves_the_cases_to_the_delegate_with_the_reason_and_the_same_deadline(routing, store):
    cases = [file(routing, n) for n in range(6)]
    mine = held_by(store, A)
    deadlines = {t: store.get(t)["deadline"] for t in cases}
    until = NOW + timedelta(days=14)
    # the delegate must be in the case's pool: the district officer is not, so B (the other field officer) is
    # asked to delegate to A's colleague in the same pool
    moved = handlers.staff_changed(routing, event(A, 2, state="on_leave", leave_from=NOW - timedelta(hours=1),
                                                  leave_until=until, delegate=B), NOW)
    assert moved == len(mine) == 3 and held_by(store, A) == [] and held_by(store, B) == cases
    for tracking_id in mine:
        assignment = store.get(tracking_id)
        assert assignment["deadline"] == deadlines[tracking_id]  # the SLA clock is untouched
        assert assignment["history"][-1]["reason"] == \
            f"officer {A} on leave until {until.date().isoformat()}; delegated to {B}"
    assert store.load(A) == 0 and store.load(B) == 6
    new = file(routing, 99)
    assert store.get(new)["officer_id"] == B  # new cases skip the officer on leave
    handlers.staff_changed(routing, event(A, 3), NOW)  # back
    assert store.get(file(routing, 100))["officer_id"] == A  # the most free again


def test_a_leave_that_starts_later_moves_the_cases_when_it_starts(routing, store):
    file(routing, 1), file(routing, 2)
    start = NOW + timedelta(days=2)
    assert handlers.staff_changed(routing, event(A, 2, state="on_leave", leave_from=start,
                                                 leave_until=start + timedelta(days=3)), NOW) == 0
    assert handlers.leaves_begun(routing, NOW) == 0 and len(held_by(store, A)) == 1
    assert handlers.leaves_begun(routing, start) == 1 and held_by(store, A) == []
    assert "on leave until" in store.get(held_by(store, B)[0])["history"][-1]["reason"]


def test_without_a_delegate_the_most_free_colleague_and_with_nobody_a_level_up(routing, store):
    for n in range(4):
        file(routing, n)
    handlers.staff_changed(routing, event(A, 2, state="retired"), NOW)
    assert held_by(store, A) == [] and len(held_by(store, B)) == 4
    assert f"officer {A} retired; reassigned to {B}" in store.get(held_by(store, B)[0])["history"][-1]["reason"]
    handlers.staff_changed(routing, event(B, 2, state="retired"), NOW)
    district = "off-phe-bankura-l2-1"
    assert len(held_by(store, district)) == 4
    moved = store.get(held_by(store, district)[0])
    assert moved["level"] == 2 and "taken up to level 2" in moved["history"][-1]["reason"]


def test_a_transfer_keeps_the_cases_with_the_office_left(routing, store):
    file(routing, 1), file(routing, 2)
    transfer = event(A, 2, state="transferred")
    transfer["office"] = {"department": "phe", "district": "Nadia", "level": 1}
    transfer["previous_office"] = {"department": "phe", "district": "Bankura", "level": 1}
    handlers.staff_changed(routing, transfer, NOW)
    assert held_by(store, A) == [] and len(held_by(store, B)) == 2
    assert "transferred to phe, Nadia" in store.get(held_by(store, B)[0])["history"][-1]["reason"]
    assert A in [o.id for o in routing.pool(NOW)("phe", "Nadia", 1)]
    assert A not in [o.id for o in routing.pool(NOW)("phe", "Bankura", 1)]


def test_why_away_and_records():
    record = directory.record_of(event(A, 2, state="on_leave", leave_from=NOW, leave_until=NOW + timedelta(days=1)))
    assert record["status"]["leave_from"] == NOW and "version" not in record
    case = {"department": "phe", "district": "Bankura", "level": 1}
    assert directory.why_away(record, case, NOW - timedelta(seconds=1)) is None  # not begun
    assert directory.why_away(record, case, NOW).startswith(f"officer {A} on leave until")
    assert directory.why_away(record, case, NOW + timedelta(days=1)) is None  # over: back at work
    assert not officers.available({**record, "role": "supervisor", "status": {"state": "active"}}, NOW)
