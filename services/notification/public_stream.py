"""The public event stream: other state systems' view of intake's and routing's events.

A relay of notification's own, not RabbitMQ's shovel or federation plugin: those copy messages verbatim, and
the internal events carry the complainant's name, mobile, address and exact location; they can neither
project an event (shared/public_events.py) nor re-key it by department and district.

Publish first, write only when it must. For each internal event that has a public type, the handler publishes
the projected CloudEvent to the topic exchange `sorasori.public` on the public vhost (structured mode,
persistent, with publisher confirms, message_id = the event's id) and returns; the reliable handler acks the
internal message only after that, so only after the broker confirmed. The normal case writes nothing: the
source of truth is the internal event in its durable quorum queue, not a state change of ours, so there is
nothing to keep once the public broker has the CloudEvent.

When the publish fails (the public broker or vhost away, no confirm), the handler falls back to the outbox
(shared/outbox.py): one document in `public_events`, keyed by the event's id, carrying the CloudEvent, and a
hint, so the sweep publishes it once the broker is back. If even that insert fails, the handler raises and the
internal event comes back (retried, then dead-lettered, as any reliable consumer's).

Delivery is at-least-once, as it always was: a redelivered internal event (a lost ack, a restart) is published
again under the same id, and a publish whose confirm was lost is published again by the sweep. A consumer
deduplicates by the CloudEvent's id.
"""
import json
import logging

from kombu import Exchange
from nameko.amqp.publish import Publisher
from pymongo.errors import DuplicateKeyError

from shared import public_events
from shared.broker_access import public_stream_uri
from shared.metrics import OUTBOX_RELAY_FAILURES
from shared.outbox import Outbox, RelaysOutbox, insert_with_events
from shared.settings import SettingsProvider

log = logging.getLogger(__name__)

COLLECTION = "public_events"


def outbox_entry(cloudevent, routing_key):
    """What the relay publishes: `id` is what the outbox pops by."""
    return {"id": cloudevent["id"], "routing_key": routing_key, "cloudevent": cloudevent}


def public_entry(event, schema_base_url):
    """The outbox entry for an internal event (its data loaded), or None when it has no public type."""
    cloudevent = public_events.to_cloudevent(event, schema_base_url)
    if cloudevent is None:
        return None
    return outbox_entry(cloudevent, public_events.routing_key(cloudevent["data"], event["type"]))


def kept_document(entry):
    """The store document that keeps an entry the broker did not take, for the sweep."""
    return insert_with_events({"_id": entry["id"], "type": entry["cloudevent"]["type"],
                               "routing_key": entry["routing_key"]}, [entry])


def stream_document(event, schema_base_url):
    """The store document for an internal event (its data loaded), or None when it has no public type."""
    entry = public_entry(event, schema_base_url)
    return kept_document(entry) if entry is not None else None


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
    """notification's outbox of public CloudEvents, relayed to the public vhost instead of its own exchange;
    used only for what the broker did not take at once."""

    def __init__(self):
        super().__init__(COLLECTION)

    def publisher(self, config, service):
        return PublicStreamPublisher(public_stream_uri(config)).publish

    def publish_or_keep(self, entry):
        """Publish the entry, confirmed; failing that, keep it in the store for the sweep. Raises only when it
        could do neither (the internal event then comes back)."""
        try:
            self._relay.publish(entry)
            return
        except Exception:
            OUTBOX_RELAY_FAILURES.labels(*self.labels).inc()
            log.warning("public event not published; kept for the sweep", extra={"event_id": entry["id"]},
                        exc_info=True)
        try:
            self._relay.collection.insert_one(kept_document(entry))
        except DuplicateKeyError:  # kept by an earlier delivery of the event: the hint below covers it too
            log.info("public event already kept", extra={"event_id": entry["id"]})
        try:
            self.mark(entry["id"])
        except Exception:
            self.scanned = False  # the document is kept but unhinted: the next sweep looks at every document
            log.exception("could not leave an outbox hint; the next sweep scans")


class PublicStream(RelaysOutbox):
    outbox = PublicStreamOutbox()
    settings = SettingsProvider()

    def _to_public_stream(self, event):
        """An internal grievance event's public projection, published (grievance_events.py takes the events)."""
        entry = public_entry(event, self.settings.oidc_issuer)
        if entry is not None:
            self.outbox.publish_or_keep(entry)
