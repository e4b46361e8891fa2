"""Intake records routing's decisions in order by routing's sequence numbers, whatever order the broker
delivers them in, over an in-memory stand-in of intake's store (version-guarded `apply`)."""
import copy
import itertools
from datetime import datetime, timedelta, timezone

import pytest

from services.intake import routing_decisions
from services.intake.domain import grievance as g
from services.intake.recent_writes import FromRecentWrites, RecentWrites
from services.intake.storage import ConcurrentUpdate

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc)
CITIZEN = {"sub": "citizen-1", "role": "citizen", "mobile": "9830012345"}
TRACKING_ID = "WB-2026-12345674"


class MemoryGrievanceStore(FromRecentWrites):
    """Intake's `get`, `latest` and `apply` (GrievanceStore's contract: one version-guarded write of a
    Change; the process's memory of what it wrote, the real RecentWrites)."""

    def __init__(self, *cases):
        self.cases = {case["_id"]: copy.deepcopy(case) for case in cases}
        self.outbox = []
        self.recent = RecentWrites()

    def get(self, tracking_id):
        found = self.cases.get(tracking_id)
        return copy.deepcopy(found) if found else None

    def apply(self, case, change, events, now):
        stored = self.cases[case["_id"]]
        if stored["version"] != case["version"]:
            self.recent.forget(case["_id"])
            raise ConcurrentUpdate(case["_id"])
        stored.update(copy.deepcopy(change.set), updated_at=now)
        stored["version"] += 1
        stored["timeline"] += change.timeline
        self.outbox += events
        self.recent.remember(copy.deepcopy(stored))
        return {"_id": case["_id"], "outbox": list(events)} if events else None


class Outbox:
    def relay_written(self, document):
        pass


def envelopes(case, events):
    return [{"type": kind, "subject": case["_id"], "data": details} for kind, details in events]


def filed_case(**fields):
    grievance = {"kind": "complaint", "subject": "No water", "category": "drinking_water",
                 "description": "The tube well in our para has been broken for two weeks.",
                 "place": {"district": "Bankura"}, "channel": "web", "attachments": [],
                 "complainant": {"name": "Mita Das", "mobile": "9830012345", "language": "bn"}}
    case, _ = g.new_case(TRACKING_ID, grievance, CITIZEN, NOW)
    assert case["status"] == "filed", case["missing"]
    case.update(fields)
    return case


def decision(seq, department="phe", officer="off-phe-bankura-l1-1", level=1, **extra):
    return {"seq": seq, "department": department, "district": "Bankura", "officer_id": officer, "level": level,
            "deadline": (NOW + timedelta(days=3 * seq)).isoformat(), "reason": f"decision {seq}", **extra}


def deliver(store, *decisions):
    for kind, data in decisions:
        routing_decisions.record(store, Outbox().relay_written, envelopes, TRACKING_ID, kind, data, lambda: NOW)
    return copy.deepcopy(store.cases[TRACKING_ID])


FIRST_ROUTING = [("routed", decision(1)), ("assigned", decision(2))]
PAIRED_ROUTING = [("routed", decision(1, assigned_seq=2)), ("assigned", decision(2, routed_seq=1))]  # as routing publishes


@pytest.mark.parametrize("order", list(itertools.permutations(FIRST_ROUTING)) + list(itertools.permutations(PAIRED_ROUTING)))
def test_routed_and_assigned_in_either_order_leave_the_same_case(order):
    case = deliver(MemoryGrievanceStore(filed_case()), *order)
    assert (case["status"], case["department"], case["officer_id"], case["routing_seq"]) == \
        ("routed", "phe", "off-phe-bankura-l1-1", 2)
    assert sum(1 for e in case["timeline"] if e["kind"] == "status" and e.get("status") == "routed") == 1


def test_a_replayed_decision_changes_nothing():
    store = MemoryGrievanceStore(filed_case())
    once = deliver(store, *FIRST_ROUTING)
    again = deliver(store, *FIRST_ROUTING, *FIRST_ROUTING)
    assert again["version"] == once["version"] and again["timeline"] == once["timeline"]
    assert [e["type"] for e in store.outbox].count("grievance.assignment_recorded") == 1


def test_escalations_in_any_order_end_at_the_newest_level_counted_once():
    escalations = [("escalated", decision(3, officer="off-phe-bankura-l2-1", level=2)),
                   ("escalated", decision(4, department="phe", officer="off-phe-state-l3-1", level=3))]
    for order in itertools.permutations(FIRST_ROUTING + escalations):
        case = deliver(MemoryGrievanceStore(filed_case()), *order, *order)
        assert case["status"] == "routed" and case["routing_seq"] == 4
        assert (case["level"], case["officer_id"]) == (3, "off-phe-state-l3-1"), order
        assert case.get("escalation_levels", []) in ([2, 3], [3])  # a late, older escalation is not recorded


def test_a_late_routed_from_before_a_transfer_does_not_move_the_transferred_case():
    case = deliver(MemoryGrievanceStore(filed_case()), *FIRST_ROUTING)
    transferred = {**case, "status": "transferred", "rerouted_after_seq": 2, "version": case["version"]}
    store = MemoryGrievanceStore(transferred)
    after_late = deliver(store, ("routed", decision(1)))  # the old office's `routed`, delivered again
    assert after_late["status"] == "transferred"
    rerouted = deliver(store, ("assigned", decision(4, department="power", officer="off-power-bankura-l1-1")),
                       ("routed", decision(3, department="power")))
    assert (rerouted["status"], rerouted["department"], rerouted["officer_id"]) == \
        ("routed", "power", "off-power-bankura-l1-1")


def test_a_write_that_loses_a_race_reads_the_case_again():
    store = MemoryGrievanceStore(filed_case())
    real_apply, raced = store.apply, []

    def apply_after_a_rival(case, change, events, now):
        if not raced:  # an officer's action lands between our read and our write
            raced.append(True)
            rival = store.get(TRACKING_ID)
            real_apply(rival, g.Change(set={"contact_attempts": 1}), [], now)
        real_apply(case, change, events, now)

    store.apply = apply_after_a_rival
    case = deliver(store, *FIRST_ROUTING)
    assert raced and case["status"] == "routed" and case["contact_attempts"] == 1


def test_a_guessed_category_is_recorded_once():
    guess = {"category": "drinking_water", "method": "keyword", "confidence": 0.9, "reason": "keyword 'jol'"}
    store = MemoryGrievanceStore(filed_case(category=None))
    case = deliver(store, ("routed", decision(1, guess=guess)), ("assigned", decision(2, guess=guess)),
                   ("routed", decision(1, guess=guess)))
    assert case["category"] == "drinking_water" and case["routing_guess"] == guess
    assert [e["type"] for e in store.outbox].count("grievance.category_guessed") == 1


def test_a_remembered_copy_that_says_nothing_to_do_is_checked_against_the_store():
    """A late `routed` after a transfer that this process did not write: its stale copy would move the case
    back to routed; the store's copy (transferred, rerouted after seq 2) keeps it where it is."""
    store = MemoryGrievanceStore(filed_case())
    deliver(store, *FIRST_ROUTING)
    store.cases[TRACKING_ID].update(status="transferred", rerouted_after_seq=2)  # another replica's write
    store.cases[TRACKING_ID]["version"] += 1
    assert deliver(store, ("routed", decision(1)))["status"] == "transferred"
    assert deliver(store, ("assigned", decision(2)))["version"] == store.cases[TRACKING_ID]["version"]


def test_the_memory_keeps_the_newest_cases_and_hands_out_copies():
    recent = RecentWrites(size=2)
    for n in range(3):
        recent.remember({"_id": f"case-{n}", "version": n, "outbox": [{"id": "e"}], "timeline": []})
    assert recent.recall("case-0") is None and recent.recall("case-2") == {"_id": "case-2", "version": 2,
                                                                          "timeline": []}
    recent.recall("case-2")["timeline"].append("changed by a caller")
    assert recent.recall("case-2")["timeline"] == []
    recent.forget("case-2")
    assert recent.recall("case-2") is None and recent.recall("case-1")["version"] == 1


def test_writers_of_one_case_take_turns_and_other_cases_do_not_wait():
    import eventlet

    recent, order = RecentWrites(), []

    def write(tracking_id, name):
        with recent.one_writer(tracking_id):
            order.append(f"{name} in")
            eventlet.sleep(0.01)
            order.append(f"{name} out")

    pool = eventlet.GreenPool()
    pool.spawn(write, "a", "first")
    pool.spawn(write, "a", "second")
    pool.spawn(write, "b", "other")
    pool.waitall()
    assert order.index("first out") < order.index("second in")
    assert order.index("other in") < order.index("first out")
    assert recent.writers == {}


class CountingStore(MemoryGrievanceStore):
    def __init__(self, *cases):
        super().__init__(*cases)
        self.reads = self.writes = 0

    def get(self, tracking_id):
        self.reads += 1
        return super().get(tracking_id)

    def apply(self, case, change, events, now):
        self.writes += 1
        return super().apply(case, change, events, now)


@pytest.mark.parametrize("order, reads", [(PAIRED_ROUTING, 0), (PAIRED_ROUTING[::-1], 1)],
                         ids=["routed first", "assigned first"])
def test_a_routed_and_its_assigned_are_recorded_in_one_write_whichever_comes_first(order, reads):
    """Each names the other (`assigned_seq`, `routed_seq`): the first records both, the second changes nothing
    (a late `routed` costs one read: its effect depends on the status, which a copy may not know). On two
    queues, behind a backlog, the `assigned` may come first."""
    store = CountingStore(filed_case())
    store.recent.remember(store.get(TRACKING_ID))  # as after intake filed it
    store.reads = 0
    case = deliver(store, *order)
    assert (store.writes, store.reads) == (1, reads)
    assert (case["status"], case["officer_id"], case["routing_seq"], case["version"]) == \
        ("routed", "off-phe-bankura-l1-1", 2, 2)
    assert [kind for kind in (e["kind"] for e in case["timeline"]) if kind != "filed"][-3:] == \
        ["routed", "status", "assigned"]
    assert [e["type"] for e in store.outbox] == ["grievance.status_changed", "grievance.assignment_recorded"]
    assert store.outbox[1]["data"]["handler_changed"] is False
    assert deliver(store, *order)["version"] == 2 and store.writes == 1  # replays: nothing


def test_an_assigned_whose_routed_was_recorded_records_only_itself():
    """The routed it names (`routed_seq`) was recorded on its own (published before routing paired them):
    the assigned is recorded as itself, with no second routed entry."""
    store = MemoryGrievanceStore(filed_case())
    deliver(store, ("routed", decision(1)))
    case = deliver(store, ("assigned", decision(2, routed_seq=1)))
    assert sum(1 for e in case["timeline"] if e["kind"] == "routed") == 1 and case["routing_seq"] == 2
    assert case["version"] == 3


def test_a_stale_copy_is_read_again_only_when_the_decision_could_still_change_the_case():
    store = CountingStore(filed_case())
    deliver(store, *FIRST_ROUTING)
    store.reads = 0
    deliver(store, ("assigned", decision(2)))  # behind the recorded seq: no copy can be wrong about that
    assert store.reads == 0
    deliver(store, ("routed", decision(1)))  # a late `routed` depends on the status: the store is asked
    assert store.reads == 1
