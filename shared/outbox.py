"""Transactional outbox: an event is stored in the same single-document write as the state change it
describes, then relayed to RabbitMQ with publisher confirms and only then removed from the document.

MongoDB and FerretDB both make one document's update atomic, and FerretDB has no multi-document
transactions, so the outbox lives inside the document it belongs to: `outbox` (pending envelopes, oldest
first) and `outbox_pending` (their count, indexed, so the relay finds work without scanning).

A crash after the write and before the publish leaves the event in the document; the next sweep sends it.
A crash after the publish and before the removal sends it again: delivery is at-least-once, and every
consumer deduplicates by event id (shared.consumers).
"""
import copy
import logging

from eventlet.semaphore import Semaphore
from nameko.amqp.publish import Publisher
from nameko.standalone.events import get_event_exchange
from nameko.timer import timer

from shared.config import database_name
from shared.correlation import CONTEXT_KEY
from shared.events import CORRELATION_ATTRIBUTE
from shared.mongo import connect
from shared.providers import ClientProvider

log = logging.getLogger(__name__)

OUTBOX, PENDING = "outbox", "outbox_pending"


def insert_with_events(document, events):
    """A new document that carries its first events."""
    document = dict(document)
    document[OUTBOX] = list(events)
    document[PENDING] = len(events)
    return document


def update_with_events(update, events):
    """Extend a MongoDB update so the same atomic write also appends `events` to the outbox."""
    update = copy.deepcopy(update)
    if events:
        update.setdefault("$push", {})[OUTBOX] = {"$each": list(events)}
        update.setdefault("$inc", {})[PENDING] = len(events)
    return update


def ensure_outbox_index(collection):
    collection.create_index(PENDING)


class EventPublisher:
    """Publishes envelopes to `<service>.events` (nameko's event exchange), routing key = event type,
    persistent, with publisher confirms: `publish` returns only once the broker has the message."""

    def __init__(self, amqp_uri, service_name, config=None):
        self.exchange = get_event_exchange(service_name, config or {})
        self.publisher = Publisher(amqp_uri, exchange=self.exchange, declare=[self.exchange],
                                   use_confirms=True, serializer="json")

    def publish(self, event):
        headers = {}
        if event.get(CORRELATION_ATTRIBUTE):
            headers[f"nameko.{CONTEXT_KEY}"] = event[CORRELATION_ATTRIBUTE]
        self.publisher.publish(event, routing_key=event["type"], headers=headers, retry=True,
                               retry_policy={"max_retries": 3, "interval_start": 0.2, "interval_step": 0.5})


class OutboxRelay:
    """Moves pending events from documents of one collection to the message bus."""

    def __init__(self, collection, publish, batch_size=200):
        self.collection = collection
        self.publish = publish
        self.batch_size = batch_size

    def relay_document(self, document_id):
        """Send the pending events of one document just written (a lookup by _id, no sweep)."""
        document = self.collection.find_one({"_id": document_id}, {OUTBOX: 1})
        return self._send(document) if document else 0

    def _send(self, document):
        events = document.get(OUTBOX, [])
        for event in events:
            self.publish(event)
            # Pop the head only if it is still this event (another relay may have sent it).
            # Not `$pull` with a condition: FerretDB v1 treats its condition as an exact value
            # and silently removes nothing.
            self.collection.update_one(
                {"_id": document["_id"], f"{OUTBOX}.0.id": event["id"]},
                {"$pop": {OUTBOX: -1}, "$inc": {PENDING: -1}},
            )
        return len(events)

    def relay_pending(self):
        """Send every pending event, oldest first within each document; return how many were sent.
        A publish failure stops the sweep (the event stays pending for the next one)."""
        sent = 0
        while True:
            documents = list(self.collection.find({PENDING: {"$gt": 0}}, {OUTBOX: 1}).limit(self.batch_size))
            sent_now = 0
            for document in documents:
                if not document.get(OUTBOX):  # the count drifted (say, a hand edit): repair it so the sweep ends
                    self.collection.update_one({"_id": document["_id"], OUTBOX: []}, {"$set": {PENDING: 0}})
                sent_now += self._send(document)
            sent += sent_now
            if len(documents) < self.batch_size or not sent_now:
                return sent


class Outbox(ClientProvider):
    """Gives a service the relay for one of its collections. `relay()` is cheap to call after every
    write; a timer entrypoint calls it too, so events left by a crash go out after restart."""

    def __init__(self, collection_name):
        self.collection_name = collection_name

    def setup(self):
        config = self.container.config
        service = self.container.service_name
        self.client = connect(config["MONGO_URI"], app_name=f"{service}-outbox")
        collection = self.client[database_name(config, service)][self.collection_name]
        ensure_outbox_index(collection)
        self._relay = OutboxRelay(collection, EventPublisher(config["AMQP_URI"], service, config).publish)
        # One sweep at a time per process: overlapping sweeps would send the same events twice.
        self.sweeping = Semaphore(1)

    def relay(self, document_id=None):
        """Relay one document's events right after writing it, or, without an id, sweep them all.
        Failures are logged, never raised: the events stay in the store for the next sweep."""
        try:
            if document_id is not None:
                return self._relay.relay_document(document_id)
            if not self.sweeping.acquire(blocking=False):
                return 0  # a sweep is running already
            try:
                return self._relay.relay_pending()
            finally:
                self.sweeping.release()
        except Exception:
            log.exception("outbox relay failed; pending events stay in the store for the next sweep")
            return 0

    def get_dependency(self, worker_ctx):
        return self


class RelaysOutbox:
    """Service mixin: sweeps `self.outbox` every second, so events that a crash left in the store (written,
    not yet published) go out once the service runs again."""

    @timer(interval=1)
    def relay_outbox(self):
        self.outbox.relay()
