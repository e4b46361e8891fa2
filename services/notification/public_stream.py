"""The public event stream: other state systems' view of intake's and routing's events.

A relay through notification's own outbox, not RabbitMQ's shovel or federation plugin: those copy messages
verbatim, and the internal events carry the complainant's name, mobile, address and exact location; they can
neither project an event (shared/public_events.py) nor re-key it by department and district.

Each internal event that has a public type becomes one document in `public_events`, keyed by the event's id
and carrying the CloudEvent in its outbox (shared/outbox.py): the insert is the only write, so a redelivered
event writes nothing new, and the internal message is acked only after it. The relay publishes the
CloudEvent to the topic exchange `sorasori.public` on the public vhost (structured mode, persistent, with
publisher confirms, message_id = the event's id) and pops it from the document; a timer sweeps what a crash
or a broker outage left behind. Delivery is at-least-once: a consumer deduplicates by the CloudEvent's id.
"""
import json
import logging

from kombu import Exchange
from nameko.amqp.publish import Publisher
from pymongo.errors import DuplicateKeyError

from shared import public_events
from shared.broker_access import public_stream_uri
from shared.consumers import reliable_event_handler
from shared.metrics import OUTBOX_RELAY_FAILURES
from shared.outbox import Outbox, RelaysOutbox, insert_with_events
from shared.settings import SettingsProvider

log = logging.getLogger(__name__)

COLLECTION = "public_events"


def outbox_entry(cloudevent, routing_key):
    """What the relay publishes: `id` is what the outbox pops by."""
    return {"id": cloudevent["id"], "routing_key": routing_key, "cloudevent": cloudevent}


def stream_document(event, schema_base_url):
    """The store document for an internal event (its data loaded), or None when it has no public type."""
    cloudevent = public_events.to_cloudevent(event, schema_base_url)
    if cloudevent is None:
        return None
    key = public_events.routing_key(cloudevent["data"], event["type"])
    return insert_with_events({"_id": cloudevent["id"], "type": cloudevent["type"], "routing_key": key},
                              [outbox_entry(cloudevent, key)])


class PublicStreamPublisher:
    """Publishes outbox entries to the public exchange: structured CloudEvents, persistent, confirmed."""

    def __init__(self, amqp_uri):
        exchange = Exchange(public_events.EXCHANGE, type="topic", durable=True)
        self.publisher = Publisher(amqp_uri, exchange=exchange, declare=[exchange], use_confirms=True)

    def publish(self, entry):
        body = json.dumps(entry["cloudevent"], ensure_ascii=False, separators=(",", ":"))
        self.publisher.publish(body, routing_key=entry["routing_key"], content_type=public_events.CONTENT_TYPE,
                               content_encoding="utf-8", message_id=entry["id"], type=entry["cloudevent"]["type"],
                               retry=True, retry_policy={"max_retries": 3, "interval_start": 0.2,
                                                         "interval_step": 0.5})


class PublicStreamOutbox(Outbox):
    """notification's outbox of public CloudEvents, relayed to the public vhost instead of its own exchange."""

    def __init__(self):
        super().__init__(COLLECTION)

    def publisher(self, config, service):
        return PublicStreamPublisher(public_stream_uri(config)).publish

    def record(self, document):
        """Insert the event's document (once: a redelivery finds it) and relay it at once. No hint is written
        before (one write fewer per event): a crash before the relay leaves the document for the first sweep
        after the restart, which scans; a relay that fails while the process runs (the broker is away) writes
        the hint then, and if that fails too the handler fails and the internal event comes back."""
        try:
            self._relay.collection.insert_one(document)
            written = True
        except DuplicateKeyError:
            log.info("public event already recorded", extra={"event_id": document["_id"]})
            written = False
        try:
            if written:
                self._relay.relay_written(document)
            else:
                self._relay.relay_document(document["_id"])
        except Exception:
            OUTBOX_RELAY_FAILURES.labels(*self.labels).inc()
            log.warning("public event not relayed yet; the sweep will", extra={"event_id": document["_id"]},
                        exc_info=True)
            self.mark(document["_id"])


class PublicStream(RelaysOutbox):
    outbox = PublicStreamOutbox()
    settings = SettingsProvider()

    @reliable_event_handler("intake", "grievance.#")
    def publish_intake_event(self, event):
        self._to_public_stream(event)

    @reliable_event_handler("routing", "grievance.#")
    def publish_routing_event(self, event):
        self._to_public_stream(event)

    def _to_public_stream(self, event):
        document = stream_document(event, self.settings.oidc_issuer)
        if document is not None:
            self.outbox.record(document)
