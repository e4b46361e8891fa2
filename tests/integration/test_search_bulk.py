"""Bulk writes against the real cluster: each case gets its own outcome, a case that cannot be indexed
fails alone, and a target that is no longer an alias is never created as an index."""
from prometheus_client import REGISTRY

from services.search.bulk import BulkItemError, bulk_write
from services.search.index import alias, building_alias, ensure_index
from tests.integration.test_search_index import indexed


def case(tid, version, **fields):
    return {"tracking_id": tid, "version": version, "status": "routed", "subject": "No water", **fields}


def test_each_case_gets_its_own_outcome_and_a_bad_one_fails_alone(platform_config, es):
    ensure_index(es, platform_config)
    target = (alias(platform_config),)
    assert bulk_write(es, [case("WB-1", 3)], target, refresh="wait_for") == [True]
    outcomes = bulk_write(es, [case("WB-1", 2, status="filed"),     # older than what is there
                               {"tracking_id": "WB-2"},              # no version: can never be indexed
                               case("WB-3", 1, level="not a number"),  # refused by the mapping
                               case("WB-4", 1)], target, refresh="wait_for")
    assert outcomes[0] is False and isinstance(outcomes[1], KeyError)
    assert isinstance(outcomes[2], BulkItemError) and outcomes[2].status == 400 and outcomes[3] is True
    assert indexed(es, platform_config, "WB-1")["status"] == "routed" and indexed(es, platform_config, "WB-4")


def test_a_building_alias_that_is_gone_is_skipped_never_created(platform_config, es):
    ensure_index(es, platform_config)
    building = building_alias(platform_config)
    assert bulk_write(es, [case("WB-5", 1)], (alias(platform_config), building)) == [True]
    assert not es.indices.exists(index=building)  # require_alias: no index made by that name
    assert bulk_write(es, [case("WB-5", 1)], (building,))[0].status == 404  # alone, it is an error


class CountingClient:
    """The real client, counting the documents each `_bulk` request carries."""

    def __init__(self, es):
        self.es, self.sent = es, []

    def bulk(self, operations, **kwargs):
        self.sent.append(len(operations) // 2)
        return self.es.bulk(operations=operations, **kwargs)

VERSIONS = "sorasori_search_case_versions_total"


def test_a_batch_sends_only_the_newest_version_of_each_case(platform_config, es):
    ensure_index(es, platform_config)
    target = (alias(platform_config),)
    counting = CountingClient(es)
    counted_before = {o: REGISTRY.get_sample_value(VERSIONS, {"outcome": o}) or 0 for o in ("sent", "coalesced")}
    outcomes = bulk_write(counting, [case("WB-6", 2, status="filed"), case("WB-6", 4, status="assigned"),
                                     case("WB-7", 1), case("WB-6", 3, status="routed")], target, refresh="wait_for",
                          counted=True)
    assert counting.sent == [2]  # WB-6 once (its version 4), WB-7 once
    assert {o: REGISTRY.get_sample_value(VERSIONS, {"outcome": o}) - counted_before[o]
            for o in ("sent", "coalesced")} == {"sent": 2, "coalesced": 2}  # what the capacity bench reports
    assert outcomes == [False, True, True, False]  # the older versions are done: the index has a newer one
    found = es.get(index=alias(platform_config), id="WB-6")
    assert found["_version"] == 4 and found["_source"]["status"] == "assigned"
    # a later batch with an older version never overwrites the newer one
    assert bulk_write(es, [case("WB-6", 3, status="routed")], target, refresh="wait_for") == [False]
    assert indexed(es, platform_config, "WB-6")["status"] == "assigned"


def test_an_older_version_shares_the_error_of_the_newer_one_that_stands_for_it(platform_config, es):
    ensure_index(es, platform_config)
    outcomes = bulk_write(es, [case("WB-8", 1), case("WB-8", 2, level="not a number")], (alias(platform_config),))
    assert all(isinstance(outcome, BulkItemError) and outcome.status == 400 for outcome in outcomes)
