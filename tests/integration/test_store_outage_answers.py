"""A request that meets a store outage is answered 503 (try again), not 500: `make chaos` saw two filings
answered 500 while FerretDB was down."""

from tests.integration.platform_client import citizen, drinking_water


def test_a_filing_during_a_store_outage_is_answered_503(private_mongo, platform):
    platform.ok(platform.file(drinking_water(mobile="9830091111"), citizen("9830091111")), 201)
    private_mongo.stop()
    answer = platform.file(drinking_water(mobile="9830091112"), citizen("9830091112"))
    assert answer.status_code == 503, answer.text
    assert "try again" in answer.json()["error"]
