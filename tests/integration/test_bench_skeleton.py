"""The capacity bench's skeleton of a filing (bench/skeleton.py) on the real servers: each filing goes through
all five of its services, leaves the stamps the bench reads its lags from, and costs the store exactly the
operations the skeleton claims (the bench's figure against the platform's)."""
import requests
from prometheus_client import REGISTRY, generate_latest

from bench import scrape, skeleton
from shared.config import database_name
from tests.integration.waiting import wait_for

FILINGS = 5


def skeleton_store_operations():
    counted = scrape.counters(generate_latest(REGISTRY).decode())
    return sum(value for (name, labels), value in counted.items()
               if name == scrape.STORE_OPERATIONS and dict(labels)["service"].startswith("bench_skeleton_"))


def test_each_skeleton_filing_goes_through_every_hop_at_the_store_operations_it_claims(
        platform_config, runner_factory, mongo_client, es):
    runner = runner_factory(platform_config, skeleton.SkeletonGateway, skeleton.SkeletonIntake,
                            skeleton.SkeletonRouting, skeleton.SkeletonNotification, skeleton.SkeletonSearch)
    runner.start()
    before = skeleton_store_operations()
    url = f"http://{platform_config['WEB_SERVER_ADDRESS']}/file"
    filed = [requests.post(url, json={"n": n}, timeout=10) for n in range(FILINGS)]
    assert [response.status_code for response in filed] == [201] * FILINGS
    ids = {response.json()["id"] for response in filed}

    def stamped(service, collection):
        database = mongo_client[database_name(platform_config, service)]
        return {d["_id"] for d in database[collection].find({"at": {"$gt": 0}}, {"_id": 1})}

    cases = mongo_client[database_name(platform_config, skeleton.INTAKE)].cases
    assignments = mongo_client[database_name(platform_config, skeleton.ROUTING)].assignments
    index = skeleton.index_name(platform_config)

    def indexed():
        return es.indices.exists(index=index) and es.count(index=index)["count"] == FILINGS

    wait_for(lambda: stamped(skeleton.ROUTING, "assignments") == ids
             and stamped(skeleton.NOTIFICATION, "sms_sink") == ids and indexed()
             and cases.count_documents({"version": 2, "outbox": []}) == FILINGS
             and assignments.count_documents({"outbox": []}) == FILINGS,  # every relay's clear done
             timeout=30, what="every skeleton filing through every hop")
    assert skeleton_store_operations() - before == skeleton.STORE_OPERATIONS_PER_FILING * FILINGS
