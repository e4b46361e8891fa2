"""A request that meets a store outage is answered 503 (try again), not 500: `make chaos` saw two filings
answered 500 while FerretDB was down."""

from tests.integration.platform_client import citizen, drinking_water


def test_a_filing_during_a_store_outage_is_answered_503(private_mongo, platform):
    platform.ok(platform.file(drinking_water(mobile="9830091111"), citizen("9830091111")), 201)
    private_mongo.stop()
    answer = platform.file(drinking_water(mobile="9830091112"), citizen("9830091112"))
    assert answer.status_code == 503, answer.text
    assert "try again" in answer.json()["error"]


def test_a_keyed_request_during_a_store_outage_is_answered_503_and_its_retry_files_once(private_mongo, platform):
    mobile = "9830091113"
    body, headers = drinking_water(mobile=mobile), {"Idempotency-Key": "outage-retry"}
    platform.ok(platform.file(drinking_water(mobile="9830091114"), citizen("9830091114")), 201)
    private_mongo.stop()
    answer = platform.request("POST", "/api/v1/grievances", citizen(mobile), json=body, headers=headers)
    assert answer.status_code == 503, answer.text
    assert "try again" in answer.json()["error"]
    private_mongo.start()
    first = platform.request("POST", "/api/v1/grievances", citizen(mobile), json=body, headers=headers)
    again = platform.request("POST", "/api/v1/grievances", citizen(mobile), json=body, headers=headers)
    assert first.status_code == again.status_code == 201, (first.text, again.text)
    assert again.text == first.text and again.headers["Idempotent-Replayed"] == "true"
