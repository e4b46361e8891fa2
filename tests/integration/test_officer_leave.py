"""The directory drives routing on the real servers: an officer's leave (with a delegate), retirement and
transfer move their open cases within the office with the reason on each timeline and the deadlines as they
were; new cases skip them; replayed and out-of-order staff.changed events leave the pools right."""
from datetime import datetime, timedelta, timezone

import eventlet
import pytest

from shared.contracts import event_data
from shared.events import new_event
from shared.outbox import EventPublisher
from shared.signed_rpc import SignedClusterRpcProxy
from tests.integration.directory import set_status
from tests.integration.platform_client import citizen, drinking_water
from tests.integration.waiting import wait_for

A, B = "off-phe-bankura-l1-1", "off-phe-bankura-l1-2"
BANKURA = (("phe", "Bankura"),)


def file(platform, n, district="Bankura"):
    mobile = f"98300{n:05d}"
    tracking_id = platform.ok(platform.file(drinking_water(mobile=mobile, district=district), citizen(mobile)),
                              201)["tracking_id"]
    return platform.wait_case(tracking_id, lambda c: c.get("officer_id"), "an assignment")


def holder(platform, tracking_id):
    return platform.case(tracking_id)["officer_id"]


def iso(moment):
    return moment.isoformat()


@pytest.fixture
def bankura(platform_with):
    return platform_with(directory=BANKURA)


def test_an_officer_on_leave_hands_their_open_cases_to_the_delegate(bankura, platform_config):
    platform = bankura
    cases = [file(platform, n) for n in range(6)]
    mine = [c for c in cases if c["officer_id"] == A]
    assert len(mine) == 3  # the most free officer each time: the two field officers alternate
    until = datetime.now(timezone.utc) + timedelta(days=14)
    set_status(platform, A, state="on_leave", leave_from=iso(datetime.now(timezone.utc) - timedelta(hours=1)),
               leave_until=iso(until), delegate=B)

    expected = f"officer {A} on leave until {until.date().isoformat()}; delegated to {B}"
    for case in mine:
        moved = platform.wait_case(case["tracking_id"], lambda c: c["officer_id"] == B, "the case with the delegate")
        assert moved["sla_deadline"] == case["sla_deadline"] and moved["level"] == 1  # the clock untouched
        assert [e["reason"] for e in moved["timeline"] if e["kind"] == "assigned"][-1] == expected
    assert file(platform, 10)["officer_id"] == B  # new cases skip the officer on leave

    set_status(platform, A, state="active")  # back from leave: the most free again
    with SignedClusterRpcProxy(platform_config, issuer="test") as cluster:
        wait_for(lambda: A in {o["id"] for o in cluster.routing.directory("phe", "Bankura")}, what="A back")
    assert file(platform, 11)["officer_id"] == A


def test_a_retired_officer_receives_no_new_case_and_hands_over_what_they_held(bankura):
    platform = bankura
    held = [c for c in (file(platform, n) for n in range(20, 22)) if c["officer_id"] == A]
    set_status(platform, A, state="retired")
    for case in held:
        moved = platform.wait_case(case["tracking_id"], lambda c: c["officer_id"] == B, "the case with B")
        assert moved["sla_deadline"] == case["sla_deadline"]
        assert f"officer {A} retired; reassigned to {B}" in [e.get("reason") for e in moved["timeline"]]
    assert {file(platform, n)["officer_id"] for n in range(22, 26)} == {B}


def test_a_transfer_moves_the_persons_future_work_to_the_new_office(platform_with, platform_config):
    platform = platform_with(directory=(("phe", "Bankura"), ("phe", "Nadia")))
    held = [c for c in (file(platform, n) for n in range(30, 32)) if c["officer_id"] == A]
    set_status(platform, A, state="transferred", office={"department": "phe", "district": "Nadia", "level": 1})
    for case in held:  # the cases stay with the office A left
        moved = platform.wait_case(case["tracking_id"], lambda c: c["officer_id"] == B, "the case with B")
        assert f"officer {A} transferred to phe, Nadia; reassigned to {B}" in [e.get("reason")
                                                                               for e in moved["timeline"]]
    with SignedClusterRpcProxy(platform_config, issuer="test") as cluster:
        wait_for(lambda: A in {o["id"] for o in cluster.routing.directory("phe", "Nadia")}, what="A in Nadia")
    assert file(platform, 33, district="Nadia")["officer_id"] == A  # the most free of Nadia's pool (ties by id)
    assert file(platform, 34)["officer_id"] == B  # Bankura's work no longer reaches A


def test_replayed_and_out_of_order_staff_changes_leave_the_pools_right(bankura, platform_config):
    publisher = EventPublisher(platform_config["AMQP_URI"], "identity")

    def publish(seq, **status):
        data = {"staff_id": A, "seq": seq, "name": "Field Officer", "role": "officer",
                "office": {"department": "phe", "district": "Bankura", "level": 1},
                "contacts": {"mobile": "7100000099", "language": "en"}, "status": {"state": "active", **status}}
        event = new_event("staff.changed", "identity", event_data("staff.changed", data), subject=A)
        publisher.publish(event)
        return event

    retired = publish(5, state="retired")
    publish(4)  # late: older than what routing keeps
    publisher.publish(retired)  # the same event again
    publish(3)
    with SignedClusterRpcProxy(platform_config, issuer="test") as cluster:
        wait_for(lambda: A not in {o["id"] for o in cluster.routing.directory("phe", "Bankura")}, what="A retired")
        eventlet.sleep(1.0)  # let the late events arrive: they must change nothing
        assert A not in {o["id"] for o in cluster.routing.directory("phe", "Bankura")}
    assert {file(bankura, n)["officer_id"] for n in range(40, 43)} == {B}
