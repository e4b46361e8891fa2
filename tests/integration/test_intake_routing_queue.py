"""intake takes routing's decisions from one queue, in the order routing published them: a filing's `routed`
(which names its `assigned`) comes first, and the pair costs the case one write. The queues each decision had
before are drained into the same handler when intake starts, then deleted."""
import json

import pytest
from kombu import Connection, Exchange, Queue

from services.intake.service import RETIRED_ROUTING_QUEUES
from shared.consumers import DEAD_LETTER_EXCHANGE, declare_dead_letter_queue
from shared.events import json_data, new_event
from shared.outbox import EventPublisher
from tests.integration.platform_client import citizen, drinking_water
from tests.integration.waiting import wait_for

CASES = 40


def decisions(tracking_id, seq=1):
    """What routing publishes for a new case: `routed` naming its `assigned`, then the `assigned`."""
    base = {"schema_version": 1, "tracking_id": tracking_id, "department": "phe", "district": "Nadia",
            "category": "drinking_water", "officer_id": "off-phe-nadia-l1-1", "officer_name": "Anita Roy",
            "level": 1, "deadline": "2026-12-09T06:00:00+00:00", "reason": "rule", "previous_officer_id": None,
            "breached": False}
    return [new_event("grievance.routed", "routing", {**base, "kind": "routed", "seq": seq, "assigned_seq": seq + 1},
                      subject=tracking_id),
            new_event("grievance.assigned", "routing", {**base, "kind": "assigned", "seq": seq + 1},
                      subject=tracking_id)]


def leave_in_retired_queues(amqp_uri, events):
    """The old code's queues, one per decision, as an upgrade finds them: bound, holding what was not taken."""
    by_type = {queue.routing_key: queue for queue in RETIRED_ROUTING_QUEUES}
    with Connection(amqp_uri) as connection:
        for queue in RETIRED_ROUTING_QUEUES:
            declare_dead_letter_queue(amqp_uri, queue.name)
            Queue(queue.name, exchange=Exchange(queue.exchange, type="topic", durable=True),
                  routing_key=queue.routing_key, durable=True,
                  queue_arguments={"x-queue-type": "quorum", "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
                                   "x-dead-letter-routing-key": queue.name})(connection.default_channel).declare()
        producer = connection.Producer(connection.default_channel)
        for event in events:
            producer.publish(json.dumps(json_data(event)), routing_key=by_type[event["type"]].name, exchange="",
                             content_type="application/json")


def queue_exists(amqp_uri, name):
    with Connection(amqp_uri) as connection:
        try:
            connection.channel().queue_declare(name, passive=True)
            return True
        except Exception:
            return False


@pytest.fixture
def gateway(platform_config, runner_factory):
    from services.gateway.service import GatewayService
    from tests.integration.platform_client import Gateway

    platform_config.update(AUTH_MODE="development", OIDC_ISSUER=f"http://{platform_config['WEB_SERVER_ADDRESS']}")
    runner_factory(platform_config, GatewayService).start()
    return Gateway(f"http://{platform_config['WEB_SERVER_ADDRESS']}")


def test_a_backlog_of_decisions_is_taken_in_order_and_the_old_queues_are_drained(
        gateway, platform_config, runner_factory, event_log):
    from services.intake.service import IntakeService

    intake = runner_factory(platform_config, IntakeService)
    intake.start()
    mobiles = [f"98300{n:05d}" for n in range(CASES + 1)]
    filed = [gateway.ok(gateway.file(drinking_water(m), citizen(m)), 201)["tracking_id"] for m in mobiles]
    intake.stop()  # routing's decisions pile up while intake is away, as they do behind a busy one

    amqp_uri = platform_config["AMQP_URI"]
    upgraded, backlog = filed[0], filed[1:]
    leave_in_retired_queues(amqp_uri, decisions(upgraded))
    publisher = EventPublisher(amqp_uri, "routing")
    for tracking_id in backlog:
        for event in decisions(tracking_id):
            publisher.publish(event)
    already = len(event_log.drain())

    runner_factory(platform_config, IntakeService).start()
    for tracking_id in backlog + [upgraded]:
        gateway.wait_case(tracking_id, lambda c: c["status"] == "routed" and c.get("officer_id"),
                          f"{tracking_id} routed and assigned")
    for queue in RETIRED_ROUTING_QUEUES:
        wait_for(lambda q=queue: not queue_exists(amqp_uri, q.name), what=f"{queue.name} deleted")

    # one write per filing for the pair: the case goes from version 1 (filed) to 2, with one event of each kind
    assert {t: gateway.case(t)["version"] for t in backlog} == {t: 2 for t in backlog}
    recorded = [e for e in event_log.drain()[already:] if e["source"].endswith("intake")]
    assert {t: sorted(e["type"] for e in recorded if e["subject"] == t) for t in filed} == {
        t: ["grievance.assignment_recorded", "grievance.status_changed"] for t in filed}
