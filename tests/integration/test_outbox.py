"""The outbox never loses an event between the store write and the publish."""
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
