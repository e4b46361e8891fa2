"""A queue no consumer reads any more (a handler merged into another) is drained through the new handler and
deleted, on the real broker: its events are not lost, its invalid ones wait in its dead-letter queue, and a
handler that fails leaves the rest for the next try."""
import json

import eventlet
import pytest
from kombu import Connection, Exchange, Queue

from shared.consumers import DEAD_LETTER_EXCHANGE, dead_letter_queue_name, declare_dead_letter_queue
from shared.events import json_data, new_event
from shared.retired_queues import RetiredQueue, drain, nameko_handler_queue
from tests.integration.waiting import wait_for

RETIRED = nameko_handler_queue("routing", "grievance.#", "notification", "publish_routing_event")
NAME = RETIRED.name


def decision(seq):
    return {"schema_version": 1, "tracking_id": "WB-2026-80000001", "kind": "grievance.assigned", "seq": seq,
            "department": "PHE", "district": "Bankura", "category": "drinking_water", "officer_id": "o-1",
            "officer_name": "Anita Roy", "level": 1, "deadline": "2026-12-09T06:00:00+00:00", "reason": "rule"}


def retired_queue_with(amqp_uri, bodies):
    """The queue as nameko's old handler left it (a quorum queue with its dead-letter queue), holding `bodies`."""
    declare_dead_letter_queue(amqp_uri, NAME)
    with Connection(amqp_uri) as connection:
        channel = connection.default_channel
        Queue(NAME, exchange=Exchange("routing.events", type="topic", durable=True), routing_key="grievance.#",
              durable=True, queue_arguments={"x-queue-type": "quorum", "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
                                             "x-dead-letter-routing-key": NAME})(channel).declare()
        producer = connection.Producer(channel)
        for body in bodies:
            producer.publish(json.dumps(body), routing_key=NAME, exchange="", content_type="application/json")


def exists(amqp_uri, name):
    with Connection(amqp_uri) as connection:
        try:
            return connection.channel().queue_declare(name, passive=True).message_count
        except Exception:
            return None


def event(seq):
    return json_data(new_event("grievance.assigned", "routing", decision(seq), subject="WB-2026-80000001"))


def test_a_retired_queue_is_drained_through_the_new_handler_and_deleted(rabbit_config):
    amqp_uri = rabbit_config["AMQP_URI"]
    retired_queue_with(amqp_uri, [event(1), {"not": "an event"}, event(2)])
    seen = []
    never = RetiredQueue("evt-never-declared--x.y", "x.events", "y")
    assert drain(amqp_uri, [RETIRED, never], lambda e: seen.append(e["data"]["seq"])) == 2
    assert seen == [1, 2]
    assert exists(amqp_uri, NAME) is None
    assert exists(amqp_uri, dead_letter_queue_name(NAME)) == 1  # the invalid one, kept for an administrator
    assert drain(amqp_uri, [RETIRED], seen.append) == 0  # nothing left: a second start does nothing


def test_a_failing_handler_leaves_the_queue_and_its_messages_for_the_next_try(rabbit_config):
    amqp_uri = rabbit_config["AMQP_URI"]
    retired_queue_with(amqp_uri, [event(1), event(2)])
    seen = []

    def broken(e):
        if e["data"]["seq"] == 2:
            raise ConnectionError("the public broker is away")
        seen.append(e["data"]["seq"])

    with pytest.raises(ConnectionError):
        drain(amqp_uri, [RETIRED], broken)
    assert seen == [1]
    wait_for(lambda: exists(amqp_uri, NAME) == 1, what="the failed message back in its queue")
    with Connection(amqp_uri) as connection:  # unbound already: what the exchange gets now does not reach it
        connection.Producer(connection.default_channel).publish(json.dumps(event(3)), exchange="routing.events",
                                                                 routing_key="grievance.assigned")
    assert exists(amqp_uri, NAME) == 1
    assert drain(amqp_uri, [RETIRED], lambda e: seen.append(e["data"]["seq"])) == 1
    assert seen == [1, 2] and exists(amqp_uri, NAME) is None and exists(amqp_uri, dead_letter_queue_name(NAME)) is None


def test_replicas_draining_at_once_hand_over_each_event_once_and_lose_none(rabbit_config):
    amqp_uri = rabbit_config["AMQP_URI"]
    retired_queue_with(amqp_uri, [event(n) for n in range(1, 31)])
    seen = []

    def slow(e):
        eventlet.sleep(0.02)  # a handler's store write: the others take messages meanwhile
        seen.append(e["data"]["seq"])

    handled = [t.wait() for t in [eventlet.spawn(drain, amqp_uri, [RETIRED], slow) for _ in range(3)]]
    assert sum(handled) == 30 and sorted(seen) == list(range(1, 31))
    drain(amqp_uri, [RETIRED], slow)  # whichever start comes last deletes it, if none of the three could
    assert exists(amqp_uri, NAME) is None and sorted(seen) == list(range(1, 31))
