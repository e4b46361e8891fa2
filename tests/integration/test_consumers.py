"""Consumers process each event once, ack only after the work, and dead-letter what they cannot handle."""
import json

from kombu import Connection, Exchange

from shared.config import database_name
from shared.consumers import dead_letter_queue_name
from shared.outbox import EventPublisher
from tests.integration.messaging_services import CONSUMER_QUEUE, PRODUCER, CaseCounter, recorded_event
from tests.integration.waiting import wait_for


def queue_depth(rabbit_manager, vhost, name):
    queue = rabbit_manager.get_queue(vhost, name)
    return queue.get("messages", 0) + queue.get("messages_unacknowledged", 0), queue


def drained(rabbit_manager, vhost):
    depth, _ = queue_depth(rabbit_manager, vhost, CONSUMER_QUEUE)
    return depth == 0


def start_counter(runner_factory, config):
    runner = runner_factory(config, CaseCounter)
    runner.start()
    return runner


def test_a_duplicate_event_is_processed_once(platform_config, rabbit_config, rabbit_manager, runner_factory,
                                             mongo_client):
    start_counter(runner_factory, platform_config)
    publisher = EventPublisher(platform_config["AMQP_URI"], PRODUCER)
    event = recorded_event("WB-DUP-1")
    publisher.publish(event)
    publisher.publish(event)  # the outbox relay may send an event twice after a crash
    publisher.publish(recorded_event("WB-DUP-1"))  # same case, new event: counted

    counts = mongo_client[database_name(platform_config, "casecounter")].counts
    wait_for(lambda: (counts.find_one({"_id": "WB-DUP-1"}) or {}).get("seen") == 2, what="two distinct events")
    wait_for(lambda: drained(rabbit_manager, rabbit_config["vhost"]), what="the queue to drain")
    assert counts.find_one({"_id": "WB-DUP-1"})["seen"] == 2


def test_an_invalid_envelope_goes_straight_to_the_dead_letter_queue(platform_config, rabbit_config, rabbit_manager,
                                                                    runner_factory, get_message_from_queue):
    start_counter(runner_factory, platform_config)
    exchange = Exchange(f"{PRODUCER}.events", type="topic", durable=True)
    with Connection(platform_config["AMQP_URI"]) as connection:
        connection.Producer(serializer="json").publish(
            {"type": "case.recorded", "data": "no id, no source"}, exchange=exchange, routing_key="case.recorded")

    dead = wait_for(lambda: queue_depth(rabbit_manager, rabbit_config["vhost"],
                                        dead_letter_queue_name(CONSUMER_QUEUE))[0] == 1,
                    what="the invalid event in the dead-letter queue")
    assert dead
    message = get_message_from_queue(dead_letter_queue_name(CONSUMER_QUEUE))
    assert json.loads(message.body)["data"] == "no id, no source"
    assert drained(rabbit_manager, rabbit_config["vhost"])


def test_a_handler_that_keeps_failing_stops_after_the_delivery_limit(platform_config, rabbit_config,
                                                                     rabbit_manager, runner_factory,
                                                                     get_message_from_queue, mongo_client):
    platform_config["EVENT_DELIVERY_LIMIT"] = 2
    start_counter(runner_factory, platform_config)
    publisher = EventPublisher(platform_config["AMQP_URI"], PRODUCER)
    poison = recorded_event("WB-POISON-1", poison=True)
    publisher.publish(poison)
    publisher.publish(recorded_event("WB-FINE-1"))  # a good event behind it is not blocked

    dlq = dead_letter_queue_name(CONSUMER_QUEUE)
    wait_for(lambda: queue_depth(rabbit_manager, rabbit_config["vhost"], dlq)[0] == 1, timeout=30,
             what="the failing event in the dead-letter queue")
    message = get_message_from_queue(dlq)
    assert json.loads(message.body)["id"] == poison["id"]
    assert message.headers["x-death"][0]["reason"] == "delivery_limit"  # retried, then given up by the broker
    wait_for(lambda: drained(rabbit_manager, rabbit_config["vhost"]), what="the queue to drain")
    counts = mongo_client[database_name(platform_config, "casecounter")].counts
    assert counts.find_one({"_id": "WB-FINE-1"})["seen"] == 1
    assert counts.find_one({"_id": "WB-POISON-1"}) is None
    processed = mongo_client[database_name(platform_config, "casecounter")].processed_events
    assert processed.count_documents({"_id": {"$regex": poison["id"]}}) == 0  # a failed claim is released
