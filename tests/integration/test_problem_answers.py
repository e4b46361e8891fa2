"""Every error the gateway answers is an RFC 9457 problem (`application/problem+json`: type, title, status,
detail, instance, and `errors` naming each bad field), for each status family, including what never reaches
a route (unknown paths, wrong methods, over-long URLs) and services that are not running."""
import json

import requests

from services.gateway.limits import PRINCIPAL, SEARCH, setting_name
from tests.integration.platform_client import CMO_CELL, citizen, drinking_water

MITA = citizen("9830012345")
EXCEPTION_NAMES = ("Error:", "Exception", "Traceback", "RemoteError", "PlatformError", "NotFound(")
DAY = 86400


def assert_problem(response, status, instance=None):
    assert response.status_code == status, f"{response.status_code}: {response.text[:300]}"
    assert response.headers["Content-Type"] == "application/problem+json", response.headers["Content-Type"]
    body = response.json()
    assert body["status"] == status and body["type"] == "about:blank"
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    text = json.dumps(body)
    assert not any(name in text for name in EXCEPTION_NAMES), text
    assert "None" not in text, text
    if instance is not None:
        assert body["instance"] == instance
    return body


def test_client_errors_are_problems_naming_the_fields(platform_with):
    platform = platform_with(**{setting_name(SEARCH, PRINCIPAL): f"1/{DAY}"})
    bad = assert_problem(platform.file(drinking_water(subject=""), MITA), 400, "/api/v1/grievances")
    assert "subject" in bad["errors"]

    assert_problem(platform.request("GET", "/api/v1/grievances/WB-2026-00000000"), 401)
    assert_problem(platform.request("GET", "/api/v1/admin/accounts", MITA), 403)
    assert_problem(platform.get("WB-2026-00000000", CMO_CELL), 404, "/api/v1/grievances/WB-2026-00000000")

    tracking_id = platform.ok(platform.file(drinking_water(), MITA), 201)["tracking_id"]
    assert_problem(platform.feedback(tracking_id, MITA, rating=5), 409)

    rina = citizen("9830012346")
    first = platform.request("POST", "/api/v1/grievances", rina, json=drinking_water(mobile="9830012346"),
                             headers={"Idempotency-Key": "problem-k"})
    assert first.status_code == 201, first.text
    again = platform.request("POST", "/api/v1/grievances", rina,
                             json=drinking_water(mobile="9830012346", subject="Something else entirely"),
                             headers={"Idempotency-Key": "problem-k"})
    assert "Idempotency-Key" in assert_problem(again, 422)["errors"]

    huge = platform.request("POST", "/api/v1/grievances", MITA, data="x" * 70_000,
                            headers={"Content-Type": "application/json"})
    assert_problem(huge, 413)
    plain = platform.request("POST", "/api/v1/grievances", MITA, data="subject=water",
                             headers={"Content-Type": "text/plain"})
    assert "Content-Type" in assert_problem(plain, 415)["errors"]

    assert platform.request("GET", "/api/v1/search", CMO_CELL).status_code == 200
    limited = assert_problem(platform.request("GET", "/api/v1/search", CMO_CELL), 429)
    assert limited["details"]["rule"] == SEARCH


def test_what_no_route_takes_is_a_problem_too(platform):
    unknown = assert_problem(platform.request("GET", "/api/v1/no-such-thing"), 404, "/api/v1/no-such-thing")
    assert "/api/v1/no-such-thing" in unknown["detail"]
    wrong = platform.request("DELETE", "/api/v1/grievances", MITA)
    assert_problem(wrong, 405, "/api/v1/grievances")
    assert wrong.headers["Allow"] and "POST" in wrong.headers["Allow"]
    long = requests.get(platform.base + "/api/v1/search?q=" + "x" * 9000, timeout=10)
    assert "query" in assert_problem(long, 414)["errors"]


def test_a_service_that_is_not_running_is_a_503_problem(platform_with):
    from services.gateway.service import GatewayService

    gateway = platform_with(directory=(), services=(GatewayService,))  # intake is not running
    answer = gateway.file(drinking_water(), MITA)
    down = assert_problem(answer, 503, "/api/v1/grievances")
    assert "intake" in down["detail"] and int(answer.headers["Retry-After"]) > 0
