"""Intake records routing's two first decisions (routed, assigned) on the case it has just written: no read
of the case when this process wrote it last, and the two decisions, which arrive at once on two queues, one
after the other instead of colliding on the version guard. The guard still decides: a copy another writer
made stale is refused and the case read again; a replay changes nothing."""
import uuid
from datetime import datetime, timedelta, timezone

import eventlet

from services.intake import routing_decisions
from services.intake.domain import grievance as g
from services.intake.domain import tracking
from services.intake.storage import GrievanceStore
from shared.config import database_name
from shared.outbox import OutboxRelay
from tests.integration.store_operations import counted_client, operations, spent

CITIZEN = {"sub": "citizen-1", "role": "citizen", "mobile": "9830012345"}


class Intake:
    """One intake process's view of the store (its own client, its own memory of what it wrote) and its
    outbox relay, which publishes to a list and removes what it sent from the case, as the service's does."""

    def __init__(self, platform_config):
        self.app_name, self.client = counted_client(platform_config)
        database = self.client[database_name(platform_config, "intake")]
        self.store = GrievanceStore(database)
        self.published = []
        self.relay = OutboxRelay(database.grievances, self.published.append)

    def file(self, now):
        grievance = {"kind": "complaint", "subject": "No water", "category": "drinking_water",
                     "description": "The tube well in our para has been broken for two weeks.",
                     "place": {"district": "Bankura"}, "channel": "web", "attachments": [],
                     "complainant": {"name": "Mita Das", "mobile": "9830012345", "language": "bn"}}
        case, events = g.new_case(tracking.new_tracking_id(now.year), grievance, CITIZEN, now)
        self.relay.relay_written(self.store.insert(case, envelopes(case, events)))
        return case["_id"]

    def record(self, tracking_id, kind, data):
        return routing_decisions.record(self.store, self.relay.relay_written, envelopes, tracking_id, kind, data,
                                        lambda: datetime.now(timezone.utc))

    def close(self):
        self.client.close()


def envelopes(case, events):
    return [{"id": uuid.uuid4().hex, "type": kind, "subject": case["_id"], "data": details}
            for kind, details in events]


def decision(seq, officer="off-phe-bankura-l1-1", level=1):
    deadline = datetime.now(timezone.utc) + timedelta(days=3 * seq)
    return {"seq": seq, "department": "phe", "district": "Bankura", "officer_id": officer, "level": level,
            "deadline": deadline.isoformat(), "reason": f"decision {seq}"}


def routed_and_assigned(case):
    return (case["status"], case["department"], case["officer_id"], case["routing_seq"],
            sum(1 for e in case["timeline"] if e["kind"] == "status" and e.get("status") == "routed"))


def test_the_first_decisions_on_a_case_this_process_filed_read_nothing(platform_config):
    intake = Intake(platform_config)
    try:
        tracking_id = intake.file(datetime.now(timezone.utc))
        before = operations(intake.app_name)
        intake.record(tracking_id, "routed", decision(1))
        intake.record(tracking_id, "assigned", decision(2))
        ops = spent(intake.app_name, before)
        assert "find grievances" not in ops, ops  # before: one read of the case per decision
        assert ops["findAndModify grievances"] == 2, ops  # one guarded write per decision
        case = intake.store.get(tracking_id)
        assert routed_and_assigned(case) == ("routed", "phe", "off-phe-bankura-l1-1", 2, 1)
        assert case["version"] == 3 and case["outbox_pending"] == 0
        assert [e["type"] for e in intake.published] == ["grievance.filed", "grievance.status_changed",
                                                         "grievance.assignment_recorded"]
        # a replay of both changes nothing (it may read the store to be sure, never writes)
        before = operations(intake.app_name)
        intake.record(tracking_id, "routed", decision(1))
        intake.record(tracking_id, "assigned", decision(2))
        assert "findAndModify grievances" not in spent(intake.app_name, before)
        assert intake.store.get(tracking_id)["version"] == 3 and len(intake.published) == 3
    finally:
        intake.close()


def test_twenty_five_cases_each_routed_and_assigned_at_once_never_collide(platform_config):
    intake = Intake(platform_config)
    try:
        now = datetime.now(timezone.utc)
        tracking_ids = [intake.file(now) for _ in range(25)]
        before = operations(intake.app_name)
        pool = eventlet.GreenPool(50)
        for tracking_id in tracking_ids:
            pool.spawn_n(intake.record, tracking_id, "assigned", decision(2))
            pool.spawn_n(intake.record, tracking_id, "routed", decision(1))
        pool.waitall()
        ops = spent(intake.app_name, before)
        for tracking_id in tracking_ids:
            case = intake.store.get(tracking_id)
            assert routed_and_assigned(case) == ("routed", "phe", "off-phe-bankura-l1-1", 2, 1), case
            assert case["version"] == 3 and case["outbox_pending"] == 0
        # before: the two decisions read the same version and one write was refused, read again, written
        assert ops["findAndModify grievances"] == 50 and "find grievances" not in ops, ops
    finally:
        intake.close()


def test_a_copy_another_writer_made_stale_is_refused_and_the_case_read_again(platform_config):
    """The memory is a hint: another replica's write (or an officer's) bumps the version, our write from the
    remembered copy is refused, and the decision is recorded on the case as stored, losing nothing."""
    ours, other = Intake(platform_config), Intake(platform_config)
    try:
        tracking_id = ours.file(datetime.now(timezone.utc))
        other.record(tracking_id, "routed", decision(1))  # a write this process did not see
        before = operations(ours.app_name)
        ours.record(tracking_id, "assigned", decision(2, officer="off-phe-bankura-l1-2"))
        ops = spent(ours.app_name, before)
        assert ops == {"findAndModify grievances": 2, "find grievances": 1,
                       "update grievances": 1}, ops  # refused, read, written; the relay's removal
        case = ours.store.get(tracking_id)
        assert routed_and_assigned(case) == ("routed", "phe", "off-phe-bankura-l1-2", 2, 1)
        assert case["version"] == 3
        # a late `routed` replayed at the process that remembers an old copy: confirmed against the store
        other.record(tracking_id, "routed", decision(1))
        assert other.store.get(tracking_id)["version"] == 3
    finally:
        ours.close()
        other.close()


def test_a_new_process_remembers_nothing_and_reads_the_case(platform_config):
    """A crash loses the memory, never the case: a fresh process reads what the store holds."""
    filer = Intake(platform_config)
    restarted = Intake(platform_config)
    try:
        tracking_id = filer.file(datetime.now(timezone.utc))
        filer.close()
        before = operations(restarted.app_name)
        restarted.record(tracking_id, "routed", decision(1))
        restarted.record(tracking_id, "assigned", decision(2))
        ops = spent(restarted.app_name, before)
        assert ops["find grievances"] == 1 and ops["findAndModify grievances"] == 2, ops
        assert routed_and_assigned(restarted.store.get(tracking_id)) == \
            ("routed", "phe", "off-phe-bankura-l1-1", 2, 1)
    finally:
        restarted.close()
