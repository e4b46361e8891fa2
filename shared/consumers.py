"""Reliable event consumption: validated envelopes, ack only after the work is durable, each event
processed once per consumer, poison messages dead-lettered instead of looping.

Queues are RabbitMQ quorum queues with a delivery limit: a handler that fails is retried with a
backoff, and after EVENT_DELIVERY_LIMIT deliveries the broker moves the message to the consumer's
dead-letter queue `dlq.<queue>` (via the `sorasori.dlx` exchange). A message that is not a valid envelope,
or whose data breaks its type's contract (shared.contracts), can never succeed, so it goes there at once.
"""
import logging
from datetime import datetime, timezone

from kombu import Connection, Exchange, Queue, binding
from nameko.events import SERVICE_POOL, EventHandler
from pymongo.errors import DuplicateKeyError

from shared.contracts import EVENT_SCHEMAS, InvalidEventData, load_event_data
from shared.events import InvalidEvent, parse_event
from shared.metrics import BACKLOG, EVENTS_DEAD_LETTERED
from shared.mongo import MongoClientProvider
from shared.settings import settings_of
from shared.shutdown import pause

log = logging.getLogger(__name__)

DEAD_LETTER_EXCHANGE = "sorasori.dlx"
DEFAULT_DELIVERY_LIMIT = 5
MAX_BACKOFF_SECONDS = 10.0


def dead_letter_queue_name(queue_name):
    return f"dlq.{queue_name}"


def retry_backoff(previous_deliveries):
    """Seconds to wait before handing a failed message back: 0.5, 1, 2, 4 ... capped."""
    return min(0.5 * 2 ** previous_deliveries, MAX_BACKOFF_SECONDS)


def declare_dead_letter_queue(amqp_uri, queue_name):
    exchange = Exchange(DEAD_LETTER_EXCHANGE, type="direct", durable=True)
    queue = Queue(dead_letter_queue_name(queue_name), exchange=exchange, routing_key=queue_name, durable=True)
    with Connection(amqp_uri) as connection:
        queue(connection.default_channel).declare()


def quorum_queue_arguments(queue_name, delivery_limit):
    """A reliable consumer's queue: quorum, dead-lettered to `dlq.<queue>` after `delivery_limit` deliveries."""
    return {"x-queue-type": "quorum", "x-delivery-limit": delivery_limit,
            "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE, "x-dead-letter-routing-key": queue_name}


def topic_matches(pattern, routing_key):
    """AMQP topic matching: `*` is one word, `#` zero or more."""
    return _words_match(pattern.split("."), routing_key.split("."))


def _words_match(pattern, words):
    if not pattern:
        return not words
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        return any(_words_match(rest, words[i:]) for i in range(len(words) + 1))
    return bool(words) and head in ("*", words[0]) and _words_match(rest, words[1:])


class ReliableEventHandler(EventHandler):
    """nameko's SERVICE_POOL event handler on a quorum queue with a dead-letter queue.

    The service method receives the validated envelope (a dict), its `data` loaded through its contract.

    `only` narrows a pattern (`grievance.#`) to the event types the handler acts on: the queue keeps the
    pattern's name (a deployment's queue and what waits in it carry over) but is bound to each type instead,
    so the broker never delivers the others; the pattern's binding, and any type's of the pattern left out
    of `only`, are removed when the service starts.
    """

    def __init__(self, source_service, event_type, only=None, **kwargs):
        super().__init__(source_service, event_type, handler_type=SERVICE_POOL, reliable_delivery=True, **kwargs)
        self.only = tuple(sorted(only)) if only is not None else None

    def setup(self):
        super().setup()  # names the queue and finds nameko's event exchange
        config = self.container.config
        limit = settings_of(config).event_delivery_limit
        name, exchange = self.queue.name, self.queue.exchange
        arguments = quorum_queue_arguments(name, limit)
        declare_dead_letter_queue(config["AMQP_URI"], name)
        if self.only is None:
            self.queue = Queue(name, exchange=exchange, routing_key=self.event_type, durable=True,
                               queue_arguments=arguments)
        else:
            self.queue = Queue(name, bindings=[binding(exchange, routing_key=key) for key in self.only],
                               durable=True, queue_arguments=arguments)
            self._unbind_the_rest(config["AMQP_URI"], exchange)
        self.delivery_limit = limit
        self.service_name = self.container.service_name
        QUEUE_DEPTHS.watch(config["AMQP_URI"], self.service_name, name)

    def _unbind_the_rest(self, amqp_uri, exchange):
        """The queue declared with its bindings (as the consumer will), then the pattern's binding and any
        declared type's the pattern covers but `only` leaves out removed (unbinding what is not bound is a
        no-op for RabbitMQ)."""
        left_out = [t for t in EVENT_SCHEMAS if topic_matches(self.event_type, t) and t not in self.only]
        with Connection(amqp_uri) as connection:
            channel = connection.default_channel
            self.queue(channel).declare()
            for key in [self.event_type] + left_out:
                channel.queue_unbind(self.queue.name, exchange.name, key)

    def stop(self):
        QUEUE_DEPTHS.unwatch(self.container.config["AMQP_URI"], self.container.service_name, self.queue.name)
        super().stop()

    def kill(self):
        QUEUE_DEPTHS.unwatch(self.container.config["AMQP_URI"], self.container.service_name, self.queue.name)
        super().kill()

    def handle_message(self, body, message):
        try:
            event = parse_event(body)
            event["data"] = load_event_data(event["type"], event["data"])
        except (InvalidEvent, InvalidEventData) as error:
            log.error("dead-lettering an invalid event", extra={"queue": self.queue.name, "errors": error.errors,
                                                                "type": body.get("type") if isinstance(body, dict)
                                                                else None})
            EVENTS_DEAD_LETTERED.labels(self.service_name, self.queue.name, "invalid").inc()
            self._reject(message)
            return
        super().handle_message(event, message)

    def handle_message_processed(self, message, result=None, exc_info=None):
        if exc_info is None:
            self.queue_consumer.ack_message(message)
            return
        deliveries = int(message.headers.get("x-delivery-count") or 0)
        if isinstance(exc_info[1], AlreadyInProgress):
            # Another worker holds the event, or one that died did: wait until its claim could be stale,
            # so the retry takes it over instead of using up the delivery limit. A stopping process
            # hands it back at once.
            pause(exc_info[1].retry_after)
            self.queue_consumer.requeue_message(message)
            return
        log.warning("event handler failed; handing the event back for another try",
                    extra={"queue": self.queue.name, "deliveries": deliveries + 1, "error": repr(exc_info[1])},
                    exc_info=exc_info)
        # the broker counts returns: the one that takes x-delivery-count past the limit dead-letters it
        if deliveries >= self.delivery_limit:
            EVENTS_DEAD_LETTERED.labels(self.service_name, self.queue.name, "delivery_limit").inc()
        pause(retry_backoff(deliveries))  # cut short when the process stops: the message goes back now
        self.queue_consumer.requeue_message(message)

    def _reject(self, message):
        if message.channel.connection:
            message.reject(requeue=False)


reliable_event_handler = ReliableEventHandler.decorator


class QueueDepths:
    """Scrape-time gauges of the consumers' queues: ready messages, consumers and dead letters, read with a
    passive declare over one broker connection per service (no management API credentials needed)."""

    def __init__(self):
        self.queues = {}  # (amqp_uri, service) -> set of queue names

    def watch(self, amqp_uri, service, queue):
        key = (amqp_uri, service)
        if key not in self.queues:
            self.queues[key] = set()
            BACKLOG.add(self._source_key(key), lambda: self.samples(key))
        self.queues[key].add(queue)

    def unwatch(self, amqp_uri, service, queue):
        key = (amqp_uri, service)
        self.queues.get(key, set()).discard(queue)
        if not self.queues.get(key):
            self.queues.pop(key, None)
            BACKLOG.remove(self._source_key(key))

    @staticmethod
    def _source_key(key):
        amqp_uri, service = key
        return ("queues", service, hash(amqp_uri))  # never the URI itself: it holds the password (logged on failure)

    def samples(self, key):
        amqp_uri, service = key
        samples = []
        with Connection(amqp_uri, connect_timeout=2) as connection:
            channel = connection.default_channel
            for queue in sorted(self.queues.get(key, ())):
                _, ready, consumers = channel.queue_declare(queue, passive=True)
                _, dead, _ = channel.queue_declare(dead_letter_queue_name(queue), passive=True)
                samples += [("sorasori_queue_messages", (service, queue), ready),
                            ("sorasori_queue_consumers", (service, queue), consumers),
                            ("sorasori_dead_letter_queue_messages", (service, queue), dead)]
        return samples


QUEUE_DEPTHS = QueueDepths()


class AlreadyInProgress(Exception):
    """Another worker holds this event right now; the message is handed back and retried later."""

    def __init__(self, key, retry_after):
        super().__init__(key, retry_after)
        self.retry_after = retry_after


class ProcessedEvents(MongoClientProvider):
    """Dedupe by event id, per consumer: `process_once(event, work)` runs `work()` unless this consumer
    already finished the event, and records it as done only after `work()` returned (its writes are
    durable), so a crash mid-way means the event is processed again, never lost.

    Markers live in the service's own database, collection `processed_events`, key `<consumer>:<event id>`.
    """

    # A handler's work takes well under a second; a claim this old belongs to a worker that died.
    STALE_CLAIM_SECONDS = 10

    def __init__(self, consumer_name=None):
        self.consumer_name = consumer_name

    def setup(self):
        service = self.container.service_name
        self.collection = self.open_database()["processed_events"]
        self.prefix = self.consumer_name or service

    def get_dependency(self, worker_ctx):
        return EventInbox(self.collection, self.prefix, self.STALE_CLAIM_SECONDS)


class EventInbox:
    def __init__(self, collection, prefix, stale_after):
        self.collection = collection
        self.prefix = prefix
        self.stale_after = stale_after

    def process_once(self, event, work):
        """Return True when `work` ran for this event, False when it had already been processed."""
        key = f"{self.prefix}:{event['id']}"
        now = datetime.now(timezone.utc)
        try:
            self.collection.insert_one({"_id": key, "state": "processing", "claimed_at": now, "type": event["type"]})
        except DuplicateKeyError:
            existing = self.collection.find_one({"_id": key}) or {}
            if existing.get("state") == "done":
                log.info("event already processed; skipping", extra={"event_id": event["id"], "consumer": self.prefix})
                return False
            age = (now - existing.get("claimed_at", now)).total_seconds()
            if age < self.stale_after:
                # A fresh claim is most likely a duplicate delivery being handled right now: look again
                # soon. One that outlives a short wait belongs to a worker that probably died: wait until
                # it is stale, then take it over.
                raise AlreadyInProgress(key, retry_after=0.5 if age < 1 else self.stale_after - age + 0.5)
            log.warning("taking over a stale claim", extra={"event_id": event["id"], "consumer": self.prefix})
        try:
            work()
        except Exception:
            self.collection.delete_one({"_id": key, "state": "processing"})
            raise
        self.collection.update_one({"_id": key}, {"$set": {"state": "done", "done_at": datetime.now(timezone.utc)}})
        return True
