"""Queues a service no longer consumes: when a consumer is merged into another or renamed, its old durable
queue stays bound to the events exchange and fills forever. `drain` unbinds it (nothing new comes in), hands
what is left in it to the new handler, one message at a time, acknowledged only after the handler returned,
then deletes the queue, and its dead-letter queue if that is empty (dead letters wait for an administrator).
RabbitMQ refuses `if-empty` on a quorum queue's delete: the unbinding is what makes the delete safe.

A message that is not a valid event is rejected without requeue (the broker moves it to the queue's dead-letter
queue, which then stays); a handler that raises stops the drain with the message handed back, for the next try.
"""
import json
import logging
from typing import NamedTuple

from amqp.exceptions import NotFound
from kombu import Connection

from shared.consumers import dead_letter_queue_name
from shared.contracts import InvalidEventData, load_event_data
from shared.events import InvalidEvent, parse_event

log = logging.getLogger(__name__)

IDLE_SECONDS = 1.0  # no message for this long: the queue is empty, or held by another drainer


class RetiredQueue(NamedTuple):
    name: str
    exchange: str
    routing_key: str


def nameko_handler_queue(source_service, event_type, service, method):
    """The queue nameko's event handler `service.method` consumed `event_type` of `source_service` from, and
    its binding."""
    return RetiredQueue(f"evt-{source_service}-{event_type}--{service}.{method}", f"{source_service}.events",
                        event_type)


def drain(amqp_uri, queues, handle):
    """Hand every message left in the `queues` (RetiredQueue) to `handle(event)` and delete each emptied queue.
    Returns how many events were handled; a queue that does not exist is skipped."""
    handled = 0
    with Connection(amqp_uri, connect_timeout=5) as connection:
        for queue in queues:
            handled += _drain_one(connection, queue, handle)
    return handled


def _drain_one(connection, queue, handle):
    """Consume the queue (several replicas may drain it at once: each is a consumer, so none deletes it while
    another still holds a message), then delete it once it is empty and this drainer its only consumer."""
    name = queue.name
    channel = connection.channel()
    try:
        channel.queue_declare(name, passive=True)
    except NotFound:  # the broker closed the channel with the answer
        return 0
    taken = []
    try:
        channel.queue_unbind(name, queue.exchange, queue.routing_key)
        channel.basic_qos(0, 1, False)
        tag = channel.basic_consume(name, callback=taken.append, no_ack=False)
        handled = 0
        while True:
            try:
                connection.drain_events(timeout=IDLE_SECONDS)
            except TimeoutError:
                break
            while taken:
                handled += _hand_over(channel, name, taken.pop(0), handle)
        _, ready, consumers = channel.queue_declare(name, passive=True)
        channel.basic_cancel(tag)
        if ready == 0 and consumers <= 1:
            channel.queue_delete(name)
            _delete_if_empty(connection, dead_letter_queue_name(name))
            log.info("retired queue drained and deleted", extra={"queue": name, "events": handled})
        return handled
    finally:
        if channel.is_open:
            channel.close()  # anything taken and not acknowledged goes back to the queue


def _hand_over(channel, name, message, handle):
    try:
        event = parse_event(_json(message))
        event["data"] = load_event_data(event["type"], event["data"])
    except (InvalidEvent, InvalidEventData, ValueError) as error:
        log.error("dead-lettering an invalid event from a retired queue", extra={"queue": name, "error": repr(error)})
        channel.basic_reject(message.delivery_tag, requeue=False)
        return 0
    try:
        handle(event)
    except Exception:
        channel.basic_reject(message.delivery_tag, requeue=True)
        raise
    channel.basic_ack(message.delivery_tag)
    return 1


def _delete_if_empty(connection, name):
    channel = connection.channel()
    try:
        _, ready, _ = channel.queue_declare(name, passive=True)
        if ready == 0:
            channel.queue_delete(name, if_empty=True)
        else:
            log.warning("a retired queue's dead letters are kept for an administrator", extra={
                "queue": name, "messages": ready})
    except NotFound:
        pass
    finally:
        if channel.is_open:
            channel.close()


def _json(message):
    body = message.body
    return json.loads(body.decode("utf-8") if isinstance(body, bytes) else body)
