"""Each service, run as its own process as `make run` and Kubernetes do, serves /metrics and /healthz on its
own port; one filing through the gateway shows up in every service's metrics."""
import re
import time

import pytest
import requests

from services.launcher import ServiceProcess
from services.registry import SERVICES
from tests.integration.conftest import free_port
from tests.integration.directory import seed_directory
from tests.integration.platform_client import Gateway, citizen, drinking_water
from tests.integration.waiting import wait_for

ADMIN = {"sub": "admin-1", "role": "admin"}


def sample(text, name, **labels):
    """The value of the series `name{labels...}` (labels given must match; others may be present), or None."""
    for line in text.splitlines():
        match = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(2) or ""))
        if all(found.get(key) == str(value) for key, value in labels.items()):
            return float(match.group(3))
    return None


@pytest.fixture
def platform_processes(platform_config, tmp_path):
    # no quiet hours: the filing's SMS goes out whatever the time of day
    platform_config.update(AUTH_MODE="development", NOTIFY_QUIET_START_HOUR=0, NOTIFY_QUIET_END_HOUR=0)
    ports = {name: free_port() for name in SERVICES}
    processes = []
    for name in SERVICES:  # the gateway last, once the others listen
        process = ServiceProcess(name, {**platform_config, "METRICS_PORT": ports[name]}, tmp_path)
        process.start()
        processes.append(process)
    try:
        yield ports
    finally:
        for process in processes:
            process.stop()


def scrape(port, path="/metrics"):
    return requests.get(f"http://127.0.0.1:{port}{path}", timeout=5)


def test_each_service_counts_a_filing_in_its_own_metrics(platform_processes, platform_config):
    ports = platform_processes
    gateway = Gateway(f"http://{platform_config['WEB_SERVER_ADDRESS']}")

    def all_up():
        try:
            return gateway.request("GET", "/health", ADMIN).json()["status"] == "up"
        except requests.RequestException:
            return False

    wait_for(all_up, timeout=60, interval=0.5, what="the six services to start")
    seed_directory(platform_config)  # routing's pools come from identity's directory only
    for name, port in ports.items():
        health = scrape(port, "/healthz")
        assert health.status_code == 200 and health.json() == {"status": "up"}, name

    filed = gateway.ok(gateway.file(drinking_water(mobile="9830099001", district="Bankura"),
                                    citizen("9830099001")), 201)
    gateway.wait_case(filed["tracking_id"], lambda case: case.get("status") == "routed", "the case to be routed")

    def metrics_of(name, series):
        def showing_all():
            text = scrape(ports[name]).text
            return text if all(sample(text, metric, **labels) for metric, labels in series) else None

        return wait_for(showing_all, timeout=20, what=f"{name}'s metrics: {series}")

    gateway_metrics = metrics_of("gateway", [
        ("sorasori_http_requests_total", {"route": "/api/v1/grievances", "method": "POST", "status": "201"}),
        ("sorasori_http_request_duration_seconds_count", {"route": "/api/v1/grievances", "method": "POST"}),
    ])
    assert "sorasori_intake" not in gateway_metrics  # each process serves its own registry
    metrics_of("intake", [
        ("sorasori_rpc_handler_duration_seconds_count", {"service": "intake", "method": "file_grievance"}),
        ("sorasori_rpc_handled_total", {"service": "intake", "method": "file_grievance", "outcome": "ok"}),
        ("sorasori_events_published_total", {"service": "intake", "event_type": "grievance.filed"}),
        ("sorasori_event_handler_duration_seconds_count", {"service": "intake", "event_type": "grievance.routed"}),
    ])
    routing = metrics_of("routing", [
        ("sorasori_event_handler_duration_seconds_count", {"service": "routing", "event_type": "grievance.filed"}),
        ("sorasori_event_age_seconds_count", {"service": "routing", "event_type": "grievance.filed"}),
        ("sorasori_grievances_filed_total", {"department": "phe", "district": "Bankura"}),
    ])
    assert sample(routing, "sorasori_grievances_filed_total", department="phe", district="Bankura") == 1
    assert sample(routing, "sorasori_queue_messages", service="routing") is not None  # read at scrape time
    assert sample(routing, "sorasori_outbox_pending_events", service="routing", collection="assignments") == 0
    metrics_of("search", [
        ("sorasori_event_handler_duration_seconds_count", {"service": "search", "event_type": "grievance.filed"}),
    ])
    metrics_of("notification", [
        ("sorasori_event_handler_duration_seconds_count",
         {"service": "notification", "event_type": "grievance.filed"}),
        ("sorasori_notification_deliveries_total", {"channel": "sms"}),
    ])
    metrics_of("identity", [
        ("sorasori_rpc_handler_duration_seconds_count", {"service": "identity", "method": "health"}),
    ])

    # a scrape reads the outbox hints and passive-declares each consumer queue: it must stay cheap
    for name in ("intake", "routing", "search"):
        started = time.perf_counter()
        assert scrape(ports[name]).status_code == 200
        elapsed = time.perf_counter() - started
        print(f"scrape of {name}: {elapsed * 1000:.0f} ms")
        assert elapsed < 2


def test_requests_no_route_takes_are_counted_with_bounded_labels(platform):
    from prometheus_client import REGISTRY

    def count(method, status):
        return REGISTRY.get_sample_value("sorasori_http_requests_total",
                                         {"route": "unmatched", "method": method, "status": status}) or 0

    before_get, before_other = count("GET", "404"), count("other", "404")
    assert platform.request("GET", "/api/v1/no-such-thing/WB-2026-00000001").status_code == 404
    assert platform.request("BREW", "/api/v1/no-such-thing").status_code == 404  # any token is a method
    assert count("GET", "404") == before_get + 1
    assert count("other", "404") == before_other + 1
    assert REGISTRY.get_sample_value("sorasori_http_requests_total", {
        "route": "unmatched", "method": "BREW", "status": "404"}) is None


def test_escalations_and_sla_breaches_are_counted_by_department_and_district(platform, platform_config):
    from datetime import datetime, timedelta

    from prometheus_client import REGISTRY

    from shared.signed_rpc import SignedClusterRpcProxy

    def count(name, **labels):
        return REGISTRY.get_sample_value(name, labels) or 0

    place = {"department": "phe", "district": "Nadia"}
    escalated = {level: count("sorasori_grievance_escalations_total", **place, level=level) for level in "234"}
    breached = count("sorasori_sla_breaches_total", **place)
    filed = count("sorasori_grievances_filed_total", **place)

    tracking_id = platform.ok(platform.file(drinking_water(mobile="9830099004", district="Nadia"),
                                            citizen("9830099004")), 201)["tracking_id"]
    case = platform.wait_case(tracking_id, lambda c: c.get("officer_id"), "assignment")
    with SignedClusterRpcProxy(platform_config, issuer="test") as cluster:
        for level in (2, 3, 4):
            deadline = datetime.fromisoformat(case["sla_deadline"])
            assert cluster.routing.check_clocks({"now": (deadline + timedelta(seconds=1)).isoformat()})[
                "escalated"] == 1
            case = platform.wait_case(tracking_id, lambda c, n=level: c["level"] == n, f"level {level}")
        top = datetime.fromisoformat(case["sla_deadline"])
        assert cluster.routing.check_clocks({"now": (top + timedelta(days=1)).isoformat()})["breached"] == 1

    wait_for(lambda: count("sorasori_sla_breaches_total", **place) == breached + 1, what="the breach counted")
    assert count("sorasori_grievances_filed_total", **place) == filed + 1
    for level in "234":
        assert count("sorasori_grievance_escalations_total", **place, level=level) == escalated[level] + 1


def test_concurrent_requests_are_each_counted_once(platform):
    import eventlet
    from prometheus_client import REGISTRY

    route = "/api/v1/grievances/<string:tracking_id>"

    def count(status):
        return REGISTRY.get_sample_value("sorasori_http_requests_total",
                                         {"route": route, "method": "GET", "status": status}) or 0

    def timed():
        return REGISTRY.get_sample_value("sorasori_http_request_duration_seconds_count",
                                         {"route": route, "method": "GET"}) or 0

    before, before_timed = count("404"), timed()
    pool = eventlet.GreenPool(40)
    statuses = list(pool.imap(lambda n: platform.get(f"WB-2026-{n:08d}", citizen("9830099005")).status_code,
                              range(40)))
    assert statuses == [404] * 40
    assert count("404") == before + 40
    assert timed() == before_timed + 40
