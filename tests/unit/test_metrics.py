import socket
from unittest.mock import Mock

import pytest
import requests
from nameko.containers import WorkerContext
from nameko.events import EventHandler
from nameko.rpc import Rpc
from nameko.web.handlers import HttpRequestHandler
from prometheus_client import REGISTRY
from werkzeug.wrappers import Response

from shared import metrics
from shared.errors import NotFound, Unauthenticated
from shared.metrics_server import DEFAULT_PORTS, MetricsListener, metrics_address


def value(name, **labels):
    return REGISTRY.get_sample_value(name, labels) or 0.0


def routed(seq, department="phe", district="Bankura", kind="grievance.routed", **data):
    return {"type": kind, "data": {"department": department, "district": district, "seq": seq, **data}}


def test_a_first_routing_counts_a_filing_by_department_and_district_a_transfer_does_not():
    before = value("sorasori_grievances_filed_total", department="phe", district="Bankura")
    metrics.count_published("routing", routed(1))
    metrics.count_published("routing", routed(3))  # routed again after a transfer
    assert value("sorasori_grievances_filed_total", department="phe", district="Bankura") == before + 1


def test_labels_outside_the_catalogue_are_counted_as_other():
    before = value("sorasori_grievances_filed_total", department="other", district="other")
    metrics.count_published("routing", routed(1, department="WB-2026-123", district="Atlantis"))
    assert value("sorasori_grievances_filed_total", department="other", district="other") == before + 1


def test_escalations_and_sla_breaches():
    esc = value("sorasori_grievance_escalations_total", department="phe", district="Malda", level="2")
    breach = value("sorasori_sla_breaches_total", department="phe", district="Malda")
    metrics.count_published("routing", routed(4, district="Malda", kind="grievance.escalated", level=2))
    metrics.count_published("routing", routed(5, district="Malda", kind="grievance.sla_breached", level=4))
    assert value("sorasori_grievance_escalations_total", department="phe", district="Malda", level="2") == esc + 1
    assert value("sorasori_sla_breaches_total", department="phe", district="Malda") == breach + 1


@pytest.mark.parametrize(("result", "exc_info", "status"), [
    (Response("x", status=204), None, 204),
    ((201, {}, {}), None, 201),
    ("text", None, 200),
    (None, (NotFound, NotFound("no such case"), None), 404),
    (None, (KeyError, KeyError("bug"), None), 500),
])
def test_http_status_of_a_routes_result(result, exc_info, status):
    assert metrics.http_status(result, exc_info) == status


def run_worker(entrypoint, args=(), result=None, exc_info=None, service="intake"):
    provider = metrics.EntrypointMetrics()
    provider.container = Mock(service_name=service)
    ctx = WorkerContext(provider.container, Mock(), entrypoint, args=args)
    provider.worker_setup(ctx)
    provider.worker_result(ctx, result, exc_info)
    provider.worker_teardown(ctx)


def test_rpc_outcomes_and_durations():
    rpc = Rpc(expected_exceptions=(NotFound,))
    rpc.method_name = "get_grievance"
    labels = {"service": "intake", "method": "get_grievance"}
    counts = {o: value("sorasori_rpc_handled_total", **labels, outcome=o) for o in ("ok", "rejected", "error")}
    timed = value("sorasori_rpc_handler_duration_seconds_count", **labels)
    run_worker(rpc)
    run_worker(rpc, exc_info=(NotFound, NotFound("x"), None))
    run_worker(rpc, exc_info=(KeyError, KeyError("x"), None))
    run_worker(rpc, exc_info=(Unauthenticated, Unauthenticated("no caller token"), None))  # refused by the bus
    assert value("sorasori_rpc_handled_total", **labels, outcome="ok") == counts["ok"] + 1
    assert value("sorasori_rpc_handled_total", **labels, outcome="rejected") == counts["rejected"] + 2
    assert value("sorasori_rpc_handled_total", **labels, outcome="error") == counts["error"] + 1
    assert value("sorasori_rpc_handler_duration_seconds_count", **labels) == timed + 4


def test_http_requests_by_route_template_never_by_path():
    handler = HttpRequestHandler("GET", "/api/v1/grievances/<string:tracking_id>")
    labels = {"route": "/api/v1/grievances/<string:tracking_id>", "method": "GET"}
    before = value("sorasori_http_requests_total", **labels, status="404")
    run_worker(handler, result=Response("{}", status=404), service="gateway")
    assert value("sorasori_http_requests_total", **labels, status="404") == before + 1


def test_event_handlers_by_the_envelopes_type_with_its_age():
    handler = EventHandler("intake", "grievance.#")
    event = {"type": "grievance.closed", "time": "2026-01-01T00:00:00+00:00"}
    labels = {"service": "search", "event_type": "grievance.closed"}
    before = value("sorasori_event_handled_total", **labels, outcome="error")
    aged = value("sorasori_event_age_seconds_count", **labels)
    run_worker(handler, args=(event,), exc_info=(KeyError, KeyError("x"), None), service="search")
    assert value("sorasori_event_handled_total", **labels, outcome="error") == before + 1
    assert value("sorasori_event_age_seconds_count", **labels) == aged + 1
    assert value("sorasori_event_age_seconds_bucket", **labels, le="3600.0") == aged  # months old: past the top


def test_a_failing_backlog_source_is_left_out_of_the_scrape():
    metrics.BACKLOG.add("good", lambda: [("sorasori_queue_messages", ("intake", "q"), 7)])
    metrics.BACKLOG.add("bad", Mock(side_effect=ConnectionError("broker down")))
    try:
        assert value("sorasori_queue_messages", service="intake", queue="q") == 7
    finally:
        metrics.BACKLOG.remove("good")
        metrics.BACKLOG.remove("bad")


def test_each_service_has_its_own_default_port_and_zero_turns_metrics_off():
    assert len(set(DEFAULT_PORTS.values())) == len(DEFAULT_PORTS) == 6
    assert metrics_address({"METRICS_PORT": ""}, "routing") == ("127.0.0.1", DEFAULT_PORTS["routing"])
    assert metrics_address({"METRICS_PORT": 9100, "METRICS_BIND": "0.0.0.0"}, "routing") == ("0.0.0.0", 9100)
    assert metrics_address({"METRICS_PORT": 0}, "routing") is None


def test_the_listener_serves_metrics_and_liveness():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    listener = MetricsListener(("127.0.0.1", port))
    container = Mock()
    container._died.ready.return_value = False
    listener.attach(container)
    try:
        scraped = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
        assert scraped.status_code == 200 and "sorasori_http_requests_total" in scraped.text
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).json() == {"status": "up"}
        container._died.ready.return_value = True
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 503
    finally:
        listener.detach(container)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/metrics", timeout=2)
