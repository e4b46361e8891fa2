"""A W3C traceparent sent to the gateway follows the grievance through intake's RPC and the events it causes
(routing's consumer and the events it publishes), shows in their log lines, and comes back to the caller."""
import json
import logging

import pytest

from shared.logging import JsonFormatter
from shared.tracing import parse_traceparent
from tests.integration.platform_client import citizen, drinking_water
from tests.integration.waiting import wait_for

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
INCOMING = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


class JsonLines(logging.Handler):
    """The JSON lines the services would print, formatted as each record is emitted (in its worker)."""

    def __init__(self):
        super().__init__(level=logging.INFO)
        self.setFormatter(JsonFormatter(service="test"))
        self.lines = []

    def emit(self, record):
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def json_logs():
    handler, root = JsonLines(), logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield handler.lines
    root.removeHandler(handler)
    root.setLevel(level)


def test_a_callers_trace_reaches_intake_and_the_event_consumers(platform, event_log, json_logs):
    response = platform.request(
        "POST", "/api/v1/grievances", citizen("9830099002"), json=drinking_water(mobile="9830099002"),
        headers={"traceparent": INCOMING})
    assert response.status_code == 201, response.text
    answered = parse_traceparent(response.headers["traceresponse"])
    assert answered.trace_id == TRACE_ID and answered.span_id != "00f067aa0ba902b7"  # the gateway's own span
    tracking_id = response.json()["tracking_id"]

    def events():
        found = {e["type"]: e for e in event_log.drain() if e.get("subject") == tracking_id}
        return found if {"grievance.filed", "grievance.routed"} <= set(found) else None

    found = wait_for(events, timeout=20, what="the filed and routed events")
    filed, routed = (parse_traceparent(found[kind]["traceparent"]) for kind in ("grievance.filed", "grievance.routed"))
    assert filed.trace_id == TRACE_ID  # made in intake's RPC worker
    assert routed.trace_id == TRACE_ID  # made in routing's grievance.filed consumer
    assert len({answered.span_id, filed.span_id, routed.span_id}) == 3  # each hop its own span

    def line(message):
        return next((entry for entry in json_logs if entry["message"] == message
                     and entry.get("tracking_id") == tracking_id), None)

    intake_line = wait_for(lambda: line("grievance filed"), what="intake's log line")
    routing_line = wait_for(lambda: line("grievance routed"), what="routing's log line")
    assert intake_line["trace_id"] == routing_line["trace_id"] == TRACE_ID
    assert intake_line["span_id"] == filed.span_id and routing_line["span_id"] == routed.span_id


def test_an_invalid_traceparent_starts_a_new_trace(platform):
    response = platform.request("GET", "/api/v1/grievances/WB-0000-0000000", citizen("9830099003"),
                                headers={"traceparent": f"00-{'0' * 32}-00f067aa0ba902b7-01"})
    started = parse_traceparent(response.headers["traceresponse"])
    assert started is not None and started.trace_id != "0" * 32


def test_a_request_no_route_takes_still_answers_with_the_trace(platform):
    response = platform.request("GET", "/api/v1/no-such-thing", headers={"traceparent": INCOMING})
    assert response.status_code == 404
    assert parse_traceparent(response.headers["traceresponse"]).trace_id == TRACE_ID
