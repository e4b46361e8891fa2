"""The outbox with fewer store operations per write (no hint before a write, the relay from the document as
written, the sent events removed in one update) still loses no event: against the real store."""
import time

import eventlet
from eventlet.semaphore import Semaphore

from shared.batching import Batcher
from shared.outbox import (
    FULL_SCAN_SECONDS,
    Outbox,
    OutboxRelay,
    clear_together,
    insert_with_events,
    update_with_events,
)
from tests.integration.messaging_services import recorded_event


class CountingCollection:
    """The real collection, counting the single updates, the bulk writes and the single reads sent to it."""

    def __init__(self, collection):
        self.collection, self.updates, self.bulk_writes, self.reads = collection, 0, 0, 0

    def update_one(self, *args, **kwargs):
        self.updates += 1
        return self.collection.update_one(*args, **kwargs)

    def bulk_write(self, *args, **kwargs):
        self.bulk_writes += 1
        return self.collection.bulk_write(*args, **kwargs)

    def find_one(self, *args, **kwargs):
        self.reads += 1
        return self.collection.find_one(*args, **kwargs)

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


def relays_at_once(relay, documents):
    """Each document relayed by a green thread of its own, all at about the same time: their counts."""
    pool = eventlet.GreenPool(len(documents))
    return list(pool.imap(relay.relay_written, documents))


def test_relays_at_about_the_same_time_remove_their_sent_events_in_one_command(platform_config, mongo_client):
    database = database_of(mongo_client, platform_config, "clear_batches")
    documents = [insert_with_events({"_id": f"WB-GROUP-{n}"}, [recorded_event(f"WB-GROUP-{n}") for _ in range(1 + n % 3)])
                 for n in range(8)]
    database.cases.insert_many([dict(d) for d in documents])
    cases = CountingCollection(database.cases)
    clears = Batcher(lambda statements: clear_together(cases, statements), max_items=10, linger=0.2)
    flusher = eventlet.spawn(clears.run)
    published = []
    try:
        assert relays_at_once(OutboxRelay(cases, published.append, clears=clears), documents) == \
            [1 + n % 3 for n in range(8)]
    finally:
        flusher.kill()
    assert len(published) == sum(1 + n % 3 for n in range(8))
    assert (cases.bulk_writes, cases.updates, clears.batches) == (1, 0, 1)  # one command for the eight relays
    for stored in database.cases.find({"_id": {"$in": [d["_id"] for d in documents]}}):
        assert stored["outbox"] == [] and stored["outbox_pending"] == 0
    # a document with nothing left to send (a sweep's hint outliving its events) costs no command and no error
    assert OutboxRelay(cases, published.append, clears=clears).relay_document(documents[0]["_id"]) == 0
    assert (cases.bulk_writes, cases.updates, clears.batches) == (1, 0, 1)


def test_a_batch_with_a_document_changed_meanwhile_still_removes_exactly_what_was_sent(platform_config, mongo_client):
    """One document gains an event between its read and the batch's removal: the batch matches one document
    fewer than it holds, which ones is not known, so every relay pops its own events by id; the late event stays
    pending and nothing is published twice."""
    database = database_of(mongo_client, platform_config, "clear_batches")
    documents = [insert_with_events({"_id": f"WB-MOVED-{n}"}, [recorded_event(f"WB-MOVED-{n}") for _ in range(2)])
                 for n in range(4)]
    database.cases.insert_many([dict(d) for d in documents])
    late = recorded_event("WB-MOVED-0")
    published = []

    def publish(event):
        published.append(event["id"])
        if event["id"] == documents[0]["outbox"][-1]["id"]:  # after its last event, before the removal
            database.cases.update_one({"_id": "WB-MOVED-0"}, update_with_events({"$set": {"x": 1}}, [late]))

    cases = CountingCollection(database.cases)
    clears = Batcher(lambda statements: clear_together(cases, statements), max_items=4, linger=0.2)
    flusher = eventlet.spawn(clears.run)
    try:
        assert relays_at_once(OutboxRelay(cases, publish, clears=clears), documents) == [2, 2, 2, 2]
    finally:
        flusher.kill()
    assert cases.bulk_writes == 1 and cases.updates == 8  # the batch, then each event's guarded pop
    assert sorted(published) == sorted(e["id"] for d in documents for e in d["outbox"])
    stored = {s["_id"]: s for s in database.cases.find({"_id": {"$in": [d["_id"] for d in documents]}})}
    assert [e["id"] for e in stored["WB-MOVED-0"]["outbox"]] == [late["id"]]
    assert stored["WB-MOVED-0"]["outbox_pending"] == 1
    for n in range(1, 4):
        assert stored[f"WB-MOVED-{n}"]["outbox"] == [] and stored[f"WB-MOVED-{n}"]["outbox_pending"] == 0


def test_a_writers_change_goes_with_the_batched_removal(platform_config, mongo_client):
    database = database_of(mongo_client, platform_config, "clear_batches")
    documents = [insert_with_events({"_id": f"WB-CHANGE-{n}", "rev": 1, "pending": True},
                                    [recorded_event(f"WB-CHANGE-{n}")]) for n in range(3)]
    database.cases.insert_many([dict(d) for d in documents])
    clears = Batcher(lambda statements: clear_together(database.cases, statements), max_items=3, linger=0.2)
    flusher = eventlet.spawn(clears.run)
    relay = OutboxRelay(database.cases, lambda event: None, clears=clears)
    try:
        made = list(eventlet.GreenPool(3).imap(
            lambda document: relay.relay_written_and(document, {"rev": 1}, {"$unset": {"pending": ""}}), documents))
    finally:
        flusher.kill()
    assert made == [True, True, True] and clears.batches == 1
    for stored in database.cases.find({"_id": {"$in": [d["_id"] for d in documents]}}):
        assert "pending" not in stored and stored["outbox"] == [] and stored["outbox_pending"] == 0


def test_a_writer_meeting_a_busy_relay_hands_it_the_document_as_written(platform_config, mongo_client):
    """The relay in progress sends a later writer's events from that writer's document (no read), skipping its
    own; with two later writers it reads the document once instead."""
    database = database_of(mongo_client, platform_config, "handed")
    for writes in ([2], [2, 1]):  # the events each later writer adds
        case_id = f"WB-HAND-{len(writes)}"
        first = recorded_event(case_id)
        database.cases.insert_one(insert_with_events({"_id": case_id}, [first]))
        cases = CountingCollection(database.cases)
        added, published = [], []

        def publish(event, case_id=case_id, first=first, writes=writes, cases=cases, added=added,
                    published=published):
            published.append(event["id"])
            if event["id"] != first["id"]:
                return
            for count in writes:  # while the relay publishes its first event
                events = [recorded_event(case_id) for _ in range(count)]
                added.extend(e["id"] for e in events)
                written = database.cases.find_one_and_update({"_id": case_id},
                                                             update_with_events({"$set": {"x": 1}}, events),
                                                             return_document=True)
                assert relay.relay_written(written) == 0  # busy: handed over

        relay = OutboxRelay(cases, publish)
        assert relay.relay_written(database.cases.find_one({"_id": case_id})) == 1 + sum(writes)
        assert published == [first["id"], *added]
        assert cases.reads == len(writes) - 1
        stored = database.cases.find_one({"_id": case_id})
        assert stored["outbox"] == [] and stored["outbox_pending"] == 0
