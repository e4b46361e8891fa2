"""The outbox with fewer store operations per write (no hint before a write, the relay from the document as
written, the sent events removed in one update) still loses no event: against the real store."""
import time

from eventlet.semaphore import Semaphore

from shared.outbox import FULL_SCAN_SECONDS, Outbox, OutboxRelay, insert_with_events, update_with_events
from tests.integration.messaging_services import recorded_event


class CountingCollection:
    """The real collection, counting the updates the relay sends."""

    def __init__(self, collection):
        self.collection, self.updates = collection, 0

    def update_one(self, *args, **kwargs):
        self.updates += 1
        return self.collection.update_one(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.collection, name)


def database_of(mongo_client, config, name):
    return mongo_client[config["MONGO_DB_PREFIX"] + name]


def test_sent_events_leave_the_document_in_one_update(platform_config, mongo_client):
    database = database_of(mongo_client, platform_config, "clearing")
    events = [recorded_event("WB-CLEAR-1"), recorded_event("WB-CLEAR-1"), recorded_event("WB-CLEAR-1")]
    document = insert_with_events({"_id": "WB-CLEAR-1"}, events)
    database.cases.insert_one(document)
    published = []
    cases = CountingCollection(database.cases)
    assert OutboxRelay(cases, published.append).relay_written(document) == 3
    assert [e["id"] for e in published] == [e["id"] for e in events]
    assert cases.updates == 1  # not one pop per event
    stored = database.cases.find_one({"_id": "WB-CLEAR-1"})
    assert stored["outbox"] == [] and stored["outbox_pending"] == 0


def test_an_event_written_while_the_relay_publishes_stays_pending(platform_config, mongo_client):
    database = database_of(mongo_client, platform_config, "clearing")
    events = [recorded_event("WB-CLEAR-2"), recorded_event("WB-CLEAR-2")]
    document = insert_with_events({"_id": "WB-CLEAR-2"}, events)
    database.cases.insert_one(document)
    late = recorded_event("WB-CLEAR-2")

    def publish(event):  # another writer appends an event between our read and our removal
        if event["id"] == events[0]["id"]:
            database.cases.update_one({"_id": "WB-CLEAR-2"}, update_with_events({"$set": {"x": 1}}, [late]))

    assert OutboxRelay(database.cases, publish).relay_written(document) == 2
    stored = database.cases.find_one({"_id": "WB-CLEAR-2"})
    assert [e["id"] for e in stored["outbox"]] == [late["id"]] and stored["outbox_pending"] == 1


def outbox_over(relay):
    """An Outbox provider around `relay`, as its setup would leave it (no container needed for these calls)."""
    outbox = Outbox("cases")
    outbox._relay, outbox.labels, outbox.scanned, outbox.sweeping = relay, ("test", "cases"), True, Semaphore(1)
    outbox.scanned_at = time.monotonic()
    return outbox


def broker_down(event):
    raise ConnectionError("broker unreachable")


class BrokenHints:
    def replace_one(self, *args, **kwargs):
        raise ConnectionError("store unreachable")


def test_a_relay_that_fails_leaves_a_hint_or_else_asks_for_a_scan(platform_config, mongo_client):
    database = database_of(mongo_client, platform_config, "failing")
    first = insert_with_events({"_id": "WB-FAIL-1"}, [recorded_event("WB-FAIL-1")])
    database.cases.insert_one(first)
    outbox = outbox_over(OutboxRelay(database.cases, broker_down, hints=database.hints))
    assert outbox.relay_written(first) == 0  # never raises: the writer already answered
    assert database.hints.find_one({"_id": "WB-FAIL-1"}) is not None  # the sweep finds it without a scan

    second = insert_with_events({"_id": "WB-FAIL-2"}, [recorded_event("WB-FAIL-2")])
    database.cases.insert_one(second)
    outbox._relay.hints = BrokenHints()
    assert outbox.relay_written(second) == 0
    assert outbox.scanned is False  # no hint could be left: the next sweep scans

    published = []
    outbox._relay.publish, outbox._relay.hints = published.append, database.hints
    assert outbox.relay() == 2  # the scan: both documents
    assert sorted(e["subject"] for e in published) == ["WB-FAIL-1", "WB-FAIL-2"]
    assert outbox.scanned is True


def test_events_written_while_a_relay_sends_the_same_document_go_out_with_it(platform_config, mongo_client):
    database = database_of(mongo_client, platform_config, "busy")
    first = recorded_event("WB-BUSY-1")
    database.cases.insert_one(insert_with_events({"_id": "WB-BUSY-1"}, [first]))
    second = recorded_event("WB-BUSY-1")
    published = []

    def publish(event):  # while the first relay publishes, another writer adds an event and relays its copy
        published.append(event["id"])
        if event["id"] == first["id"]:
            written = database.cases.find_one_and_update({"_id": "WB-BUSY-1"},
                                                         update_with_events({"$set": {"x": 1}}, [second]),
                                                         return_document=True)
            assert relay.relay_written(written) == 0  # busy: left to the relay in progress

    relay = OutboxRelay(database.cases, publish, hints=database.hints)
    assert relay.relay_document("WB-BUSY-1") == 2  # its own event, then the one added meanwhile
    assert published == [first["id"], second["id"]]
    stored = database.cases.find_one({"_id": "WB-BUSY-1"})
    assert stored["outbox"] == [] and stored["outbox_pending"] == 0
    assert database.hints.count_documents({}) == 0  # no sweep needed


def test_events_another_replica_left_unrelayed_go_out_with_the_next_periodic_scan(platform_config, mongo_client):
    """A replica that wrote events and died before relaying them (no hint: none is written before a write)
    and does not come back: the running replicas find them with their periodic full scan."""
    database = database_of(mongo_client, platform_config, "orphans")
    published = []
    outbox = outbox_over(OutboxRelay(database.cases, published.append, hints=database.hints))
    database.cases.insert_one(insert_with_events({"_id": "WB-ORPHAN-1"}, [recorded_event("WB-ORPHAN-1")]))
    assert outbox.relay() == 0 and published == []  # scanned a moment ago: only hints are read
    outbox.scanned_at -= FULL_SCAN_SECONDS
    assert outbox.relay() == 1 and [e["subject"] for e in published] == ["WB-ORPHAN-1"]
    assert outbox.relay() == 0  # the scan's clock starts again
