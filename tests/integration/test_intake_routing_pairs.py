"""A filing's `routed` and `assigned` reach intake on two queues, each handed out on its own, so behind a
backlog either may come first. Each names the other's seq, so whichever comes first records both in one write,
and the pair costs the case one write and one event of each kind in either order."""
from shared.events import new_event
from shared.outbox import EventPublisher
from tests.integration.platform_client import citizen, drinking_water

CASES = 40


def decisions(tracking_id, seq=1):
    """What routing publishes for a new case: `routed` naming its `assigned`, then the `assigned`."""
    base = {"schema_version": 1, "tracking_id": tracking_id, "department": "phe", "district": "Nadia",
            "category": "drinking_water", "officer_id": "off-phe-nadia-l1-1", "officer_name": "Anita Roy",
            "level": 1, "deadline": "2026-12-09T06:00:00+00:00", "reason": "rule", "previous_officer_id": None,
            "breached": False}
    return [new_event("grievance.routed", "routing", {**base, "kind": "routed", "seq": seq, "assigned_seq": seq + 1},
                      subject=tracking_id),
            new_event("grievance.assigned", "routing", {**base, "kind": "assigned", "seq": seq + 1, "routed_seq": seq},
                      subject=tracking_id)]


def test_a_backlog_of_decisions_costs_each_case_one_write_whatever_order_they_come_in(
        platform_with, platform_config, runner_factory, event_log):
    from services.gateway.service import GatewayService
    from services.intake.service import IntakeService

    gateway = platform_with(directory=(), services=(GatewayService,))

    intake = runner_factory(platform_config, IntakeService)
    intake.start()
    mobiles = [f"98300{n:05d}" for n in range(CASES)]
    filed = [gateway.ok(gateway.file(drinking_water(m), citizen(m)), 201)["tracking_id"] for m in mobiles]
    intake.stop()  # routing's decisions pile up while intake is away, as they do behind a busy one

    publisher = EventPublisher(platform_config["AMQP_URI"], "routing")
    for tracking_id in filed:
        for event in decisions(tracking_id):  # as routing publishes them: routed, then assigned
            publisher.publish(event)
    already = len(event_log.drain())

    runner_factory(platform_config, IntakeService).start()
    for tracking_id in filed:
        gateway.wait_case(tracking_id, lambda c: c["status"] == "routed" and c.get("officer_id"),
                          f"{tracking_id} routed and assigned")

    # one write per filing for the pair: the case goes from version 1 (filed) to 2, with one event of each kind
    assert {t: gateway.case(t)["version"] for t in filed} == {t: 2 for t in filed}
    recorded = [e for e in event_log.drain()[already:] if e["source"].endswith("intake")]
    assert {t: sorted(e["type"] for e in recorded if e["subject"] == t) for t in filed} == {
        t: ["grievance.assignment_recorded", "grievance.status_changed"] for t in filed}
