"""The outbox never loses an event between the store write and the publish."""
import json
import subprocess
import sys
import textwrap

from nameko.standalone.rpc import ClusterRpcProxy

from shared.config import database_name
from tests.integration.messaging_services import PRODUCER, CaseCounter, CaseStore
from tests.integration.waiting import wait_for

CRASHING_WRITER = textwrap.dedent("""
    import os, sys
    from shared.mongo import connect
    from shared.outbox import insert_with_events
    from tests.integration.messaging_services import recorded_event
    uri, database, case_id = sys.argv[1:4]
    connect(uri)[database].cases.insert_one(insert_with_events({"_id": case_id}, [recorded_event(case_id)]))
    os._exit(137)  # the process dies after the write, before any relay could publish
""")


def counts(mongo_client, config):
    return mongo_client[database_name(config, "casecounter")].counts


def test_event_written_before_a_crash_is_published_after_restart(platform_config, mongo_client, runner_factory):
    store = mongo_client[database_name(platform_config, PRODUCER)]
    crashed = subprocess.run([sys.executable, "-c", CRASHING_WRITER, platform_config["MONGO_URI"],
                              store.name, "WB-CRASH-1"], capture_output=True, text=True)
    assert crashed.returncode == 137, crashed.stderr
    assert store.cases.find_one({"_id": "WB-CRASH-1"})["outbox_pending"] == 1  # written, never published

    runner = runner_factory(platform_config, CaseStore, CaseCounter)
    runner.start()  # the restarted producer's timer sweeps the outbox

    seen = wait_for(lambda: counts(mongo_client, platform_config).find_one({"_id": "WB-CRASH-1"}),
                    what="the event left behind by the crash to be consumed")
    assert seen["seen"] == 1
    wait_for(lambda: store.cases.find_one({"_id": "WB-CRASH-1"})["outbox_pending"] == 0,
             what="the outbox to be emptied")
    assert store.cases.find_one({"_id": "WB-CRASH-1"})["outbox"] == []


def test_events_carry_the_correlation_id_from_rpc_through_the_outbox(platform_config, mongo_client, runner_factory):
    runner = runner_factory(platform_config, CaseStore, CaseCounter)
    runner.start()
    with ClusterRpcProxy(platform_config, context_data={"correlation_id": "req-123"}) as cluster:
        cluster.casestore.record("WB-CORR-1")
    seen = wait_for(lambda: counts(mongo_client, platform_config).find_one({"_id": "WB-CORR-1"}),
                    what="the event to be consumed")
    assert seen["correlation_id"] == "req-123"


def test_a_failed_relay_is_found_again_through_its_hint(platform_config, mongo_client, rabbit_config,
                                                        get_message_from_queue):
    from datetime import timedelta

    from kombu import Connection, Exchange, Queue

    from shared.outbox import EventPublisher, OutboxRelay, insert_with_events
    from tests.integration.messaging_services import recorded_event

    database = mongo_client[platform_config["MONGO_DB_PREFIX"] + "hints"]
    exchange = Exchange("hinted.events", type="topic", durable=True)
    with Connection(platform_config["AMQP_URI"]) as connection:
        Queue("hinted-probe", exchange=exchange, routing_key="#", durable=True)(connection.default_channel).declare()

    def broker_down(event):
        raise ConnectionError("broker unreachable")

    failing = OutboxRelay(database.cases, broker_down, hints=database.hints)
    event = recorded_event("WB-HINT-1")
    failing.mark("WB-HINT-1")
    database.cases.insert_one(insert_with_events({"_id": "WB-HINT-1"}, [event]))
    try:
        failing.relay_document("WB-HINT-1")
    except ConnectionError:
        pass
    assert database.cases.find_one({"_id": "WB-HINT-1"})["outbox_pending"] == 1

    working = OutboxRelay(database.cases, EventPublisher(platform_config["AMQP_URI"], "hinted").publish,
                          hints=database.hints)
    assert working.relay_marked() == 0  # a fresh mark: its writer may still be relaying
    working.SETTLE = timedelta(0)
    assert working.relay_marked() == 1  # found through the hint, no scan
    assert json.loads(get_message_from_queue("hinted-probe").body)["id"] == event["id"]
    assert database.hints.count_documents({}) == 0  # nothing pending: the mark is gone
