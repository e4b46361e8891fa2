"""notification takes each grievance event once, from one queue per source (planning and the public stream in
one handler), only the intake events it acts on (a queue a deployment bound to all of them is narrowed when
notification starts), and a queue the former public-stream consumer left behind is drained into the public stream and
deleted when notification starts: its events are published, not lost."""
import json

import pytest
from kombu import Connection, Exchange, Queue
from prometheus_client import REGISTRY

from services.notification.grievance_events import HEARD_FROM_INTAKE, RETIRED_QUEUES
from shared.consumers import DEAD_LETTER_EXCHANGE, declare_dead_letter_queue, quorum_queue_arguments
from shared.events import json_data, new_event
from shared.retired_queues import nameko_handler_queue
from shared.settings import settings_of
from tests.integration.platform_client import citizen, drinking_water
from tests.integration.waiting import wait_for

PREFIX = "in.gov.wb.sorasori.grievance."
LEFT_OVER = "WB-2026-80000077"


def handled(event_type, service="notification"):
    return REGISTRY.get_sample_value("sorasori_event_handled_total", {
        "service": service, "event_type": event_type, "outcome": "ok"}) or 0


@pytest.fixture
def left_over_queue(rabbit_config):
    """routing's former public-stream queue as the old code left it, holding one decision nobody published yet."""
    amqp_uri, retired = rabbit_config["AMQP_URI"], RETIRED_QUEUES[1]
    declare_dead_letter_queue(amqp_uri, retired.name)
    decision = {"schema_version": 1, "tracking_id": LEFT_OVER, "kind": "grievance.assigned", "seq": 2,
                "department": "PHE", "district": "Bankura", "category": "drinking_water", "officer_id": "o-1",
                "officer_name": "Anita Roy", "level": 1, "deadline": "2026-12-09T06:00:00+00:00", "reason": "rule"}
    with Connection(amqp_uri) as connection:
        Queue(retired.name, exchange=Exchange(retired.exchange, type="topic", durable=True),
              routing_key=retired.routing_key, durable=True,
              queue_arguments={"x-queue-type": "quorum", "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
                               "x-dead-letter-routing-key": retired.name})(connection.default_channel).declare()
        connection.Producer(connection.default_channel).publish(
            json.dumps(json_data(new_event("grievance.assigned", "routing", decision, subject=LEFT_OVER))),
            routing_key=retired.name, exchange="", content_type="application/json")
    return retired


@pytest.fixture
def pattern_bound_intake_queue(platform_config):
    """notification's intake queue as a deployment made before it narrowed its bindings: bound to every intake
    event (`grievance.#`)."""
    queue = nameko_handler_queue("intake", "grievance.#", "notification", "on_intake_event")
    with Connection(platform_config["AMQP_URI"]) as connection:
        Queue(queue.name, exchange=Exchange(queue.exchange, type="topic", durable=True), routing_key=queue.routing_key,
              durable=True, queue_arguments=quorum_queue_arguments(
                  queue.name, settings_of(platform_config).event_delivery_limit))(connection.default_channel).declare()
    return queue.name


def queue_exists(amqp_uri, name):
    with Connection(amqp_uri) as connection:
        try:
            connection.channel().queue_declare(name, passive=True)
            return True
        except Exception:
            return False


def test_each_event_is_taken_once_and_the_left_over_queue_is_published_and_deleted(
        public_reader, left_over_queue, pattern_bound_intake_queue, platform, rabbit_config, rabbit_manager):
    public_reader.wait_for(lambda r: r.type == PREFIX + "assigned.v1" and r.event.get_subject() == LEFT_OVER,
                        "the left-over decision on the public stream")
    wait_for(lambda: not queue_exists(rabbit_config["AMQP_URI"], left_over_queue.name), what="the queue deleted")

    bindings = rabbit_manager.get_queue_bindings(rabbit_config["vhost"], pattern_bound_intake_queue)
    assert {b["routing_key"] for b in bindings if b["source"] == "intake.events"} == HEARD_FROM_INTAKE

    kinds = ("grievance.filed", "grievance.routed", "grievance.assignment_recorded", "grievance.status_changed")
    before = {t: handled(t) for t in kinds}
    searched = handled("grievance.status_changed", "search")
    tracking_id = platform.ok(platform.file(drinking_water(), citizen("9830012345", "Mita Das")), 201)["tracking_id"]
    public_reader.wait_for(lambda r: r.type == PREFIX + "routed.v1" and r.event.get_subject() == tracking_id,
                        "the public routed event")
    wait_for(lambda: handled("grievance.routed") > before["grievance.routed"], what="notification's routed")
    wait_for(lambda: handled("grievance.assignment_recorded") > before["grievance.assignment_recorded"],
             what="notification's assignment_recorded")
    wait_for(lambda: handled("grievance.status_changed", "search") > searched, what="search's status_changed")
    assert {t: handled(t) - before[t] for t in before} == {
        "grievance.filed": 1, "grievance.routed": 1, "grievance.assignment_recorded": 1,
        "grievance.status_changed": 0}
