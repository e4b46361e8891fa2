from unittest.mock import Mock

import pytest
from nameko.containers import WorkerContext
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from shared.events import new_event
from shared.tracing import (
    CONTEXT_KEY,
    TraceContext,
    Tracing,
    current_traceparent,
    new_trace,
    parse_traceparent,
)

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = f"00-{TRACE}-00f067aa0ba902b7-01"


def worker_ctx(args=(), data=None):
    container = Mock(service_name="svc", config={})
    return WorkerContext(container, Mock(), Mock(method_name="m"), args=args, data=data)


@pytest.fixture(autouse=True)
def no_leftover_trace():
    yield
    Tracing().worker_teardown(None)


def test_a_valid_traceparent_parses():
    assert parse_traceparent(PARENT) == TraceContext(TRACE, "00f067aa0ba902b7", "01")
    assert parse_traceparent(f"00-{TRACE}-00f067aa0ba902b7-00").flags == "00"
    # a later version may append fields; version 00 may not
    assert parse_traceparent(f"01-{TRACE}-00f067aa0ba902b7-01-extra").trace_id == TRACE
    assert parse_traceparent(f"{PARENT}-extra") is None


@pytest.mark.parametrize("value", [
    None, "", "garbage", 42, f"ff-{TRACE}-00f067aa0ba902b7-01", f"00-{'0' * 32}-00f067aa0ba902b7-01",
    f"00-{TRACE}-{'0' * 16}-01", f"00-{TRACE.upper()}-00f067aa0ba902b7-01", f"00-{TRACE[:-1]}-00f067aa0ba902b7-01",
    f"00-{TRACE}-00f067aa0ba902b7-1", "00-" + "a" * 600,
])
def test_invalid_traceparents_are_refused(value):
    assert parse_traceparent(value) is None


def test_a_child_keeps_the_trace_and_takes_a_new_span():
    parent = parse_traceparent(PARENT)
    child = parent.child()
    assert child.trace_id == TRACE and child.flags == "01" and child.span_id != parent.span_id
    assert parse_traceparent(child.header()) == child


def test_a_worker_continues_the_callers_trace_and_sends_its_own_span_on():
    ctx = worker_ctx(data={CONTEXT_KEY: PARENT})
    trace = Tracing().get_dependency(ctx)
    assert trace.trace_id == TRACE and trace.span_id != "00f067aa0ba902b7"
    assert ctx.context_data[CONTEXT_KEY] == trace.header()  # nameko sends it as nameko.traceparent
    assert current_traceparent() == trace.header()
    Tracing().worker_teardown(ctx)
    assert current_traceparent() is None


def test_the_http_header_and_the_event_envelope_are_read_too():
    request = Request(EnvironBuilder(headers={"traceparent": PARENT}).get_environ())
    assert Tracing().get_dependency(worker_ctx(args=(request,))).trace_id == TRACE
    event = {"type": "grievance.filed", "traceparent": PARENT}
    assert Tracing().get_dependency(worker_ctx(args=(event,))).trace_id == TRACE


def test_without_a_usable_parent_a_new_trace_starts():
    ctx = worker_ctx(data={CONTEXT_KEY: "not-a-trace"})
    trace = Tracing().get_dependency(ctx)
    assert parse_traceparent(ctx.data[CONTEXT_KEY]) == trace
    assert trace.trace_id != Tracing().get_dependency(worker_ctx()).trace_id


def test_events_carry_the_current_trace():
    trace = Tracing().get_dependency(worker_ctx(data={CONTEXT_KEY: PARENT}))
    event = new_event("grievance.filed", "intake", {"x": 1})
    assert event["traceparent"] == trace.header()
    other = new_trace().header()
    assert new_event("grievance.filed", "intake", {}, traceparent=other)["traceparent"] == other
