"""The public relay's decision, with an in-memory stand-in of its store and broker: publish, and keep the event
for the sweep only when the publish fails; fail (so the internal event comes back) only when it can do neither."""
import pytest
from pymongo.errors import DuplicateKeyError

from services.notification.public_stream import PublicStreamOutbox, kept_document, public_entry

FILED = {"id": "9f2c0b6e4d1a4f7e8a3b5c6d7e8f9a0b", "type": "grievance.filed", "time": "2026-11-30T06:00:00+00:00",
         "data": {"case": {"tracking_id": "WB-2026-12345674", "kind": "complaint", "category": "drinking_water",
                           "department": "phe", "place": {"district": "Bankura", "block": "Onda"}, "status": "filed",
                           "level": 1, "sla_deadline": None, "created_at": "2026-11-30T06:00:00+00:00",
                           "feedback": [], "supporters": 0}}}


class Refused(Exception):
    pass


class Documents:
    def __init__(self, refuse=False):
        self.documents, self.refuse = {}, refuse

    def insert_one(self, document):
        if self.refuse:
            raise Refused("store away")
        if document["_id"] in self.documents:
            raise DuplicateKeyError("taken")
        self.documents[document["_id"]] = document


class Relay:
    """What PublicStreamOutbox uses of shared.outbox.OutboxRelay: publish, the collection, the hints."""

    def __init__(self, broker_up=True, store_up=True, hints_up=True):
        self.published, self.hints = [], []
        self.broker_up, self.hints_up = broker_up, hints_up
        self.collection = Documents(refuse=not store_up)

    def publish(self, entry):
        if not self.broker_up:
            raise Refused("no confirm")
        self.published.append(entry)

    def mark(self, document_id):
        if not self.hints_up:
            raise Refused("store away")
        self.hints.append(document_id)


def relay_outbox(relay):
    outbox = PublicStreamOutbox()
    outbox._relay, outbox.labels, outbox.scanned = relay, ("notification", "public_events"), True
    return outbox


@pytest.fixture
def entry():
    return public_entry(FILED, "http://127.0.0.1:8000")


def test_a_confirmed_publish_writes_nothing(entry):
    relay = Relay()
    relay_outbox(relay).publish_or_keep(entry)
    assert relay.published == [entry] and relay.collection.documents == {} and relay.hints == []
    assert entry["id"] == FILED["id"] and entry["routing_key"] == "phe.bankura.grievance.filed.v1"


def test_a_refused_publish_keeps_the_event_and_hints_the_sweep(entry):
    relay = Relay(broker_up=False)
    relay_outbox(relay).publish_or_keep(entry)
    assert relay.collection.documents == {entry["id"]: kept_document(entry)}
    assert kept_document(entry)["outbox"] == [entry] and kept_document(entry)["outbox_pending"] == 1
    assert relay.hints == [entry["id"]]


def test_an_event_kept_before_is_hinted_again_without_failing(entry):
    relay = Relay(broker_up=False)
    outbox = relay_outbox(relay)
    outbox.publish_or_keep(entry)
    outbox.publish_or_keep(entry)  # the internal event delivered again while the broker is still away
    assert list(relay.collection.documents) == [entry["id"]] and relay.hints == [entry["id"], entry["id"]]


def test_without_a_hint_the_next_sweep_scans(entry):
    relay = Relay(broker_up=False, hints_up=False)
    outbox = relay_outbox(relay)
    outbox.publish_or_keep(entry)
    assert list(relay.collection.documents) == [entry["id"]] and outbox.scanned is False


def test_neither_published_nor_kept_raises_so_the_internal_event_comes_back(entry):
    relay = Relay(broker_up=False, store_up=False)
    with pytest.raises(Refused):
        relay_outbox(relay).publish_or_keep(entry)
    assert relay.hints == []
