"""The backlog gauges read the real broker and store when Prometheus scrapes: a consumer's queue and its
dead-letter queue (passive declares), and an outbox's unsent events (through its hints)."""
from datetime import timedelta

from kombu import Connection, Exchange
from prometheus_client import REGISTRY

from shared.outbox import EventPublisher, OutboxRelay, insert_with_events
from tests.integration.messaging_services import (
    CONSUMER_QUEUE,
    PRODUCER,
    CaseCounter,
    recorded_event,
)
from tests.integration.waiting import wait_for


def scraped(name, **labels):
    return REGISTRY.get_sample_value(name, labels)  # collects every registered source, as a scrape does


def queue_labels():
    return {"service": CaseCounter.name, "queue": CONSUMER_QUEUE}


def test_an_invalid_event_shows_in_the_dead_letter_gauge_and_counter(platform_config, runner_factory):
    runner_factory(platform_config, CaseCounter).start()
    assert scraped("sorasori_queue_consumers", **queue_labels()) == 1
    assert scraped("sorasori_dead_letter_queue_messages", **queue_labels()) == 0
    invalid_before = scraped("sorasori_events_dead_lettered_total", **queue_labels(), reason="invalid") or 0

    with Connection(platform_config["AMQP_URI"]) as connection:
        connection.Producer(serializer="json").publish(
            {"type": "case.recorded", "data": "not an envelope"},
            exchange=Exchange(f"{PRODUCER}.events", type="topic", durable=True), routing_key="case.recorded")

    wait_for(lambda: scraped("sorasori_dead_letter_queue_messages", **queue_labels()) == 1,
             what="the dead letter in the gauge")
    assert scraped("sorasori_events_dead_lettered_total", **queue_labels(), reason="invalid") == invalid_before + 1
    assert scraped("sorasori_queue_messages", **queue_labels()) == 0


def test_a_poison_event_is_counted_when_it_is_handed_back_for_the_last_time(platform_config, runner_factory):
    platform_config["EVENT_DELIVERY_LIMIT"] = 2
    runner_factory(platform_config, CaseCounter).start()
    before = scraped("sorasori_events_dead_lettered_total", **queue_labels(), reason="delivery_limit") or 0
    EventPublisher(platform_config["AMQP_URI"], PRODUCER).publish(recorded_event("WB-POISON-M", poison=True))

    wait_for(lambda: scraped("sorasori_dead_letter_queue_messages", **queue_labels()) == 1, timeout=30,
             what="the poison event in the dead-letter queue")
    assert scraped("sorasori_events_dead_lettered_total", **queue_labels(), reason="delivery_limit") == before + 1


def test_outbox_backlog_counts_events_a_failed_relay_left_behind(platform_config, mongo_client):
    database = mongo_client[platform_config["MONGO_DB_PREFIX"] + "backlog"]

    def broker_down(event):
        raise ConnectionError("broker unreachable")

    relay = OutboxRelay(database.cases, broker_down, hints=database.hints)
    relay.SETTLE = timedelta(0)
    for case_id, events in (("WB-B-1", 2), ("WB-B-2", 1)):
        relay.mark(case_id)
        database.cases.insert_one(insert_with_events({"_id": case_id},
                                                     [recorded_event(case_id) for _ in range(events)]))
    database.cases.insert_one(insert_with_events({"_id": "WB-B-3"}, [recorded_event("WB-B-3")]))  # no hint
    pending, oldest = relay.backlog()
    assert pending == 3 and oldest >= 0  # what the hints name; an unhinted document is not looked for

    sent = []
    working = OutboxRelay(database.cases, sent.append, hints=database.hints)
    working.SETTLE = timedelta(0)
    assert working.relay_marked() == 3
    assert working.backlog() == (0, 0.0)
