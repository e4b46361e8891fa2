"""What the capacity bench watches while it files: when each case was routed (intake's status change on the
bus), searchable (in the run's own index), and notified (the citizen's SMS in the development sink), and
how deep the broker's queues are. Times are wall-clock seconds (time.time()), as the services stamp them."""
import time
import uuid
from datetime import UTC, datetime, timedelta

import eventlet
import requests
from bson import ObjectId
from kombu import Connection, Exchange, Queue

from services.search.index import alias
from shared.vocabulary import Status


def wall(value):
    """A stored or enveloped time as epoch seconds (pymongo hands back naive UTC datetimes)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


class RoutedTimes:
    """When each case was routed, read off a queue of the bench's own bound to intake's status changes:
    `when(event)` says when; by default the `time` of the `grievance.status_changed` envelope (intake stamps
    it in the same write). `poll`: how long to wait on an empty queue."""

    def __init__(self, amqp_uri, when=lambda event: wall(event["time"]), poll=0.02):
        self.at, self.when, self.poll = {}, when, poll
        self.connection = Connection(amqp_uri)
        channel = self.connection.channel()
        exchange = Exchange("intake.events", type="topic", durable=True)(channel)
        exchange.declare()
        self.queue = Queue(f"bench-routed-{uuid.uuid4().hex[:8]}", exchange=exchange,
                           routing_key="grievance.status_changed", exclusive=True)(channel)
        self.queue.declare()
        self.running = True
        self.thread = eventlet.spawn(self._drain)

    def _drain(self):
        while self.running:
            message = self.queue.get(no_ack=True, accept=["json"])
            if message is None:
                eventlet.sleep(self.poll)
                continue
            event = message.payload
            if event["data"].get("to") == Status.ROUTED:
                self.at.setdefault(event["subject"], self.when(event))

    def close(self):
        self.running = False
        self.thread.wait()
        self.connection.release()


class IndexedTimes:
    """When a search in the run's index first found each case: polled every `every` seconds (the figure is
    late by at most that plus one search; Elasticsearch's 1 s refresh dominates it)."""

    def __init__(self, es, config, every=0.25, index=None):
        self.es, self.index, self.every = es, index or alias(config), every
        self.at, self.pending = {}, []
        self.running = True
        self.thread = eventlet.spawn(self._poll)

    def watch(self, tracking_id):
        self.pending.append(tracking_id)

    def _poll(self):
        while self.running:
            pending = [t for t in self.pending if t not in self.at][:1000]
            if pending:
                try:
                    found = self.es.search(index=self.index, query={"ids": {"values": pending}}, size=len(pending),
                                           _source=False)
                    now = time.time()
                    for hit in found["hits"]["hits"]:
                        self.at.setdefault(hit["_id"], now)
                except Exception:  # noqa: BLE001 (the index may not exist yet; the next poll tries again)
                    pass
                self.pending = [t for t in self.pending if t not in self.at]
            eventlet.sleep(self.every)

    def close(self):
        self.running = False
        self.thread.wait()


class NotifiedTimes:
    """When the notification service recorded each citizen's first SMS (the filing's) in the development
    sink: the sink's own `at`, read incrementally by `_id` from the notification service's database.

    The sender's concurrent sends can commit a document whose `_id` was made first after a later one was
    read, so each read goes back LOOKBACK_SECONDS before the newest `_id` seen, and `read(everything=True)`
    reads the whole sink (the last read of a rate: a document it finds still counts at its own `at`)."""

    LOOKBACK_SECONDS = 5

    def __init__(self, database):
        self.collection = database.sms_sink
        self.at = {}  # mobile -> epoch seconds
        self.newest = None  # the largest _id read

    def read(self, everything=False):
        query = {}
        if self.newest is not None and not everything:
            since = self.newest.generation_time - timedelta(seconds=self.LOOKBACK_SECONDS)
            query = {"_id": {"$gt": ObjectId.from_datetime(since)}}
        for document in self.collection.find(query, {"to": 1, "at": 1}):
            if self.newest is None or document["_id"] > self.newest:
                self.newest = document["_id"]
            at = wall(document["at"])
            if document["to"] not in self.at or at < self.at[document["to"]]:
                self.at[document["to"]] = at


class QueueDepths:
    """Messages ready in the run's vhost's queues (passive declares: exact at once, unlike the management
    API's statistics, which lag by seconds), dead-letter queues and the bench's own queues left out."""

    def __init__(self, api, vhost, amqp_uri):
        self.api, self.vhost = api, vhost
        self.connection = Connection(amqp_uri)
        self.channel = self.connection.channel()
        self.names = []

    def refresh_names(self):
        response = self.api.session.get(f"{self.api.base}/queues/{requests.utils.quote(self.vhost, safe='')}",
                                        params={"columns": "name"}, timeout=self.api.timeout)
        response.raise_for_status()
        self.names = sorted(q["name"] for q in response.json()
                            if not q["name"].startswith(("dlq.", "bench-")) and not q["name"].startswith("amq."))

    def depths(self):
        depths = {}
        for name in self.names:
            try:
                depths[name] = self.channel.queue_declare(queue=name, passive=True).message_count
            except Exception:  # noqa: BLE001 (an auto-delete queue went away; the channel must be reopened)
                self.channel = self.connection.channel()
        return depths

    def total(self, deepest=None):
        """All queues' ready messages; `deepest` (a dict) keeps each queue's largest depth seen."""
        depths = self.depths()
        if deepest is not None:
            for name, depth in depths.items():
                deepest[name] = max(deepest.get(name, 0), depth)
        return sum(depths.values())

    def close(self):
        self.connection.release()
