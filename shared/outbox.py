"""Transactional outbox: an event is stored in the same single-document write as the state change it
describes, then relayed to RabbitMQ with publisher confirms and only then removed from the document.

MongoDB and FerretDB both make one document's update atomic, and FerretDB has no multi-document
transactions, so the outbox lives inside the document it belongs to: `outbox` (pending envelopes, oldest
first) and `outbox_pending` (their count, indexed).

Finding pending events: after each write the writer relays its own document, as it wrote it when it can
(`relay_written`: no read). A service's first sweep after it starts scans for `outbox_pending > 0` (what a
crash left behind). Later sweeps read only the hints in `<collection>_outbox_hints`: a relay that fails while
the service keeps running (the broker is away, say) marks its document there, so the sweep finds it without a
scan, which FerretDB could not do with an index; if even that mark cannot be written, the next sweep scans
again. No hint is written before a write (one store operation fewer per write): a crash between the write and
the relay is what the first sweep after the restart is for, and, for a replica that crashed and does not come
back, a full scan every FULL_SCAN_SECONDS by every running replica of the service. A hint is removed once its document has nothing
pending and the hint is old enough that no relay it announced can still be on its way.

A crash after the write and before the publish leaves the event in the document; the next sweep sends it.
A crash after the publish and before the removal sends it again: delivery is at-least-once, and every
consumer deduplicates by event id (shared.consumers) or by the version or sequence the event carries.
"""
import copy
import logging
import time
from datetime import datetime, timedelta, timezone

from eventlet.semaphore import Semaphore
from nameko.amqp.publish import Publisher
from nameko.standalone.events import get_event_exchange
from nameko.timer import Timer
from pymongo import ReturnDocument, UpdateOne

from shared.batching import Batcher
from shared.correlation import CONTEXT_KEY
from shared.events import CORRELATION_ATTRIBUTE, TRACE_ATTRIBUTE
from shared.metrics import BACKLOG, OUTBOX_RELAY_FAILURES, count_published
from shared.mongo import MongoClientProvider
from shared.settings import settings_of
from shared.tracing import CONTEXT_KEY as TRACE_CONTEXT_KEY

log = logging.getLogger(__name__)

OUTBOX, PENDING = "outbox", "outbox_pending"
FULL_SCAN_SECONDS = 60  # a scan of every pending document (not only the hinted ones), this often at most


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


def guarded_update(collection, guard, update, events, refused):
    """One update of the document `guard` matches (its `_id` and version), with `events` in the same write;
    raises `refused` when the guard no longer matches. With events, the document after the write (the same
    one operation answers it, for `Outbox.relay_written`: no read; the whole document, as FerretDB v1 does
    not implement a projection in findAndModify); without, None."""
    if not events:
        if collection.update_one(guard, update).matched_count == 0:
            raise refused
        return None
    written = collection.find_one_and_update(guard, update_with_events(update, events),
                                             return_document=ReturnDocument.AFTER)
    if written is None:
        raise refused
    return written


def clear_together(collection, statements):
    """The removals of sent events `statements` [(guard, update)] of several relays, in one command of
    single-document updates: [True] for each when they matched as many documents as there are statements (each
    guard names its own `_id`, one per document: `OutboxRelay.busy`), else [False] for each, as which ones did
    is not known (False is "not known to be made": a relay then pops its events one by one, guarded by their
    ids, and a writer makes its own change again; both are no-ops once made)."""
    matched = collection.bulk_write([UpdateOne(guard, update) for guard, update in statements],
                                    ordered=False).matched_count
    return [matched == len(statements)] * len(statements)


def ensure_outbox_index(collection):
    collection.create_index(PENDING)


class EventPublisher:
    """Publishes envelopes to `<service>.events` (nameko's event exchange), routing key = event type,
    persistent, with publisher confirms: `publish` returns only once the broker has the message."""

    def __init__(self, amqp_uri, service_name, config=None):
        self.service_name = service_name
        self.exchange = get_event_exchange(service_name, config or {})
        self.publisher = Publisher(amqp_uri, exchange=self.exchange, declare=[self.exchange],
                                   use_confirms=True, serializer="json")

    def publish(self, event):
        headers = {}
        if event.get(CORRELATION_ATTRIBUTE):
            headers[f"nameko.{CONTEXT_KEY}"] = event[CORRELATION_ATTRIBUTE]
        if event.get(TRACE_ATTRIBUTE):
            headers[f"nameko.{TRACE_CONTEXT_KEY}"] = event[TRACE_ATTRIBUTE]
        self.publisher.publish(event, routing_key=event["type"], headers=headers, retry=True,
                               retry_policy={"max_retries": 3, "interval_start": 0.2, "interval_step": 0.5})
        count_published(self.service_name, event)


class OutboxRelay:
    """Moves pending events from documents of one collection to the message bus."""

    SETTLE = timedelta(seconds=5)  # far longer than a write takes between its mark and its relay

    def __init__(self, collection, publish, hints=None, batch_size=200, clears=None):
        self.collection = collection
        self.publish = publish
        self.hints = hints
        self.batch_size = batch_size
        self.clears = clears  # the process's group commit of the removals of sent events (Batcher), or None
        self.busy = set()  # ids of documents being relayed (green threads switch only on I/O)
        # of those, the ones another writer added events to meanwhile: the document as it wrote it (its events
        # then pending), or None when two did (the relay reads it once done)
        self.again = {}

    def mark(self, document_id):
        """Call before writing events into a document."""
        if self.hints is not None:
            self.hints.replace_one({"_id": document_id}, {"_id": document_id, "at": _now()}, upsert=True)

    def relay_marked(self):
        """Relay what settled marks announced (a writer relays its own document at once, so a younger
        mark needs nothing from the sweep), then forget the marks whose documents have nothing pending."""
        sent = 0
        for hint in list(self.hints.find({"at": {"$lt": _now() - self.SETTLE}}).limit(self.batch_size)):
            sent += self.relay_document(hint["_id"])
            document = self.collection.find_one({"_id": hint["_id"]}, {PENDING: 1})
            if not (document or {}).get(PENDING):
                self.hints.delete_one({"_id": hint["_id"], "at": hint["at"]})
        return sent

    def relay_written(self, document):
        """Send the pending events of a document this process has just written, as written (no read)."""
        return self._send(document)

    def relay_written_and(self, document, guard, update):
        """`relay_written`, making `update` too in the same update that removes the sent events, if the
        document still holds exactly them and matches `guard` (one write for both). True when it was made;
        False when not (the events were removed on their own, or are left for the sweep): the caller then
        makes its change itself."""
        change = {"guard": guard, "update": update, "made": False}
        self._send(document, change)
        return change["made"]

    def relay_document(self, document_id):
        """Send the pending events of one document just written (a lookup by _id, no sweep)."""
        document = self.collection.find_one({"_id": document_id}, {OUTBOX: 1})
        return self._send(document) if document else 0

    def _send(self, document, change=None):
        document_id = document["_id"]
        if document_id in self.busy:
            # Another relay in this process is sending this document's events right now, maybe not these:
            # once done it sends what is still pending, from this document (no wait for a sweep, no read).
            self.again[document_id] = None if document_id in self.again else document
            return 0
        self.busy.add(document_id)
        try:
            sent_ids = {event["id"] for event in document.get(OUTBOX, [])}
            sent = self._send_events(document, change)
            while document_id in self.again:
                fresh = self.again.pop(document_id) or self.collection.find_one({"_id": document_id}, {OUTBOX: 1})
                if fresh:
                    # what it held then, less the events sent above (they left the head, or their removal failed
                    # and they were popped one by one)
                    pending = [event for event in fresh.get(OUTBOX, []) if event["id"] not in sent_ids]
                    sent_ids.update(event["id"] for event in pending)
                    sent += self._send_events({"_id": document_id, OUTBOX: pending})
            return sent
        finally:
            # If sending failed, the caller's failure handling leaves a hint for the whole document.
            self.busy.discard(document_id)
            self.again.pop(document_id, None)

    def _send_events(self, document, change=None):
        events = document.get(OUTBOX, [])
        for event in events:
            self.publish(event)
        if events and change is not None and self._clear_sent(document["_id"], events, change):
            change["made"] = True
            return len(events)
        if events and (len(events) > 1 or self.clears) and self._clear_sent(document["_id"], events):
            return len(events)
        for event in events:
            # Pop the head only if it is still this event (another relay may have sent it).
            # Not `$pull` with a condition: FerretDB v1 treats its condition as an exact value
            # and silently removes nothing.
            self.collection.update_one(
                {"_id": document["_id"], f"{OUTBOX}.0.id": event["id"]},
                {"$pop": {OUTBOX: -1}, "$inc": {PENDING: -1}},
            )
        return len(events)

    def _clear_sent(self, document_id, events, change=None):
        """Remove all the sent events in one update when the outbox holds exactly them: events leave only
        from the head and arrive only at the tail, so the same head and the same count mean the same events.
        False when it changed meanwhile (the caller pops them one by one). `change`: a writer's own guard
        and update to make in the same write (relay_written_and)."""
        guard = {"_id": document_id, f"{OUTBOX}.0.id": events[0]["id"], PENDING: len(events)}
        update = {"$set": {OUTBOX: [], PENDING: 0}}
        if change is not None:
            guard.update(change["guard"])
            for operator, fields in change["update"].items():
                update.setdefault(operator, {}).update(fields)
        if self.clears is not None:
            return self.clears.submit((guard, update))
        return self.collection.update_one(guard, update).matched_count == 1

    def backlog(self, sample=500):
        """(pending events, age in seconds of the oldest hint) over settled hints whose documents still hold
        events: what the writers failed to relay. Reads hints and looks documents up by _id (no scan);
        counts at most `sample` documents."""
        now = _now()
        pending, oldest = 0, 0.0
        for hint in self.hints.find({"at": {"$lt": now - self.SETTLE}}).limit(sample):
            document = self.collection.find_one({"_id": hint["_id"]}, {PENDING: 1})
            count = (document or {}).get(PENDING) or 0
            if count > 0:
                pending += count
                oldest = max(oldest, (now - hint["at"]).total_seconds())
        return pending, oldest

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


class Outbox(MongoClientProvider):
    """Gives a service the relay for one of its collections. `relay()` is cheap to call after every
    write; a timer entrypoint calls it too, so events left by a crash go out after restart."""

    def __init__(self, collection_name):
        self.collection_name = collection_name

    def setup(self):
        config = self.container.config
        service = self.container.service_name
        database = self.open_database()
        collection = database[self.collection_name]
        ensure_outbox_index(collection)
        # the removals of sent events that relays of this process make at about the same time go out together
        self.clears = Batcher(lambda statements: clear_together(collection, statements),
                              max_items=self.container.max_workers,
                              linger=settings_of(config).outbox_clear_linger_ms / 1000, name=f"{service}.outbox")
        self._relay = OutboxRelay(collection, self.publisher(config, service),
                                  hints=database[f"{self.collection_name}_outbox_hints"], clears=self.clears)
        # One sweep at a time per process: overlapping sweeps would send the same events twice.
        self.sweeping = Semaphore(1)
        self.scanned = False
        self.scanned_at = None  # monotonic time of the last full scan
        self.labels = (service, self.collection_name)
        BACKLOG.add(("outbox", id(self)), self.backlog_samples)

    def publisher(self, config, service):
        """The function that sends one event: to the service's own event exchange."""
        return EventPublisher(config["AMQP_URI"], service, config).publish

    def backlog_samples(self):
        pending, oldest = self._relay.backlog()
        return [("sorasori_outbox_pending_events", self.labels, pending),
                ("sorasori_outbox_oldest_pending_seconds", self.labels, oldest)]

    def start(self):
        self.container.spawn_managed_thread(self.clears.run, identifier=f"{self.collection_name}.outbox.clears")

    def stop(self):
        BACKLOG.remove(("outbox", id(self)))
        super().stop()  # kill calls stop too

    def mark(self, document_id):
        """Leave a hint for the sweep that this document holds events its writer did not relay."""
        self._relay.mark(document_id)

    def relay_written(self, document):
        """Relay the events of a document this process has just written, as written (`_id` and `outbox`;
        no read). Never raises: a failed relay leaves a hint for the sweep (or, failing that, a rescan)."""
        try:
            return self._relay.relay_written(document)
        except Exception:
            self._relay_failed(document["_id"])
            return 0

    def relay_written_and(self, document, guard, update):
        """`OutboxRelay.relay_written_and`; never raises (False: the caller makes its change itself)."""
        try:
            return self._relay.relay_written_and(document, guard, update)
        except Exception:
            self._relay_failed(document["_id"])
            return False

    def relay_later(self, document):
        """`relay_written` in a thread of its own, so the caller answers without waiting for the broker
        (a filing's 201 waits for the durable insert only). A crash before it runs leaves the events for
        the first sweep after the restart."""
        self.container.spawn_managed_thread(lambda: self.relay_written(document), identifier="outbox.relay")

    def _relay_failed(self, document_id):
        OUTBOX_RELAY_FAILURES.labels(*self.labels).inc()
        log.exception("outbox relay failed; pending events stay in the store for the next sweep")
        try:
            self._relay.mark(document_id)
        except Exception:
            self.scanned = False  # no hint could be left: the next sweep looks at every document again
            log.exception("could not leave an outbox hint; the next sweep scans")

    def relay(self, document_id=None):
        """Relay one document's events right after writing it, or, without an id, sweep: a full scan
        the first time (what a crash left), the marked documents after that.
        Failures are logged, never raised: the events stay in the store for the next sweep."""
        if document_id is not None:
            try:
                return self._relay.relay_document(document_id)
            except Exception:
                self._relay_failed(document_id)
                return 0
        try:
            if not self.sweeping.acquire(blocking=False):
                return 0  # a sweep is running already
            try:
                if not self.scanned or self._full_scan_due():
                    self.scanned, self.scanned_at = True, time.monotonic()  # first: a failing scan asks again
                    try:
                        return self._relay.relay_pending()
                    except Exception:
                        self.scanned = False
                        raise
                return self._relay.relay_marked()
            finally:
                self.sweeping.release()
        except Exception:
            OUTBOX_RELAY_FAILURES.labels(*self.labels).inc()
            log.exception("outbox relay failed; pending events stay in the store for the next sweep")
            return 0

    def _full_scan_due(self):
        return self.scanned_at is None or time.monotonic() - self.scanned_at >= FULL_SCAN_SECONDS

    def get_dependency(self, worker_ctx):
        return self


def _now():
    return datetime.now(timezone.utc)


class RelayTimer(Timer):
    """A timer firing every OUTBOX_RELAY_INTERVAL seconds (read when the container sets up)."""

    def setup(self):
        self.interval = settings_of(self.container.config).outbox_relay_interval
        super().setup()


class RelaysOutbox:
    """Service mixin: sweeps `self.outbox` every OUTBOX_RELAY_INTERVAL seconds, so events that a crash left
    in the store (written, not yet published) go out once the service runs again."""

    @RelayTimer.decorator(interval=None)
    def relay_outbox(self):
        self.outbox.relay()
