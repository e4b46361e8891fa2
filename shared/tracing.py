"""W3C Trace Context (`traceparent`) beside the correlation ID, without an OpenTelemetry SDK.

The gateway takes a caller's `traceparent` header when it is valid (or starts a trace). Every worker gets its
own span id, a child of the span that called it, and stores its own `traceparent` in the worker's context
data: nameko sends every context key as a `nameko.<key>` header on RPC calls and event dispatches, and events
that go through the outbox carry it in the envelope (the CloudEvents distributed-tracing attribute
`traceparent`) and in the same header. Logs carry trace_id and span_id; the gateway answers with the trace.

Spans are not exported anywhere: the IDs join logs across services and let a proxy or client in front of
the gateway (which may run OpenTelemetry) stitch its spans to ours.
"""
import contextvars
import re
import secrets
from typing import NamedTuple

from nameko.extensions import DependencyProvider
from werkzeug.wrappers import Request

CONTEXT_KEY = "traceparent"
HTTP_HEADER = "traceparent"
RESPONSE_HEADER = "traceresponse"  # W3C Trace Context level 2: the trace this answer belongs to
ENVELOPE_ATTRIBUTE = "traceparent"  # CloudEvents distributed-tracing extension
SAMPLED = "01"

# version-traceid-parentid-flags; a future version may append fields after a dash (the spec's rule)
_FORMAT = re.compile(r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-[^\s]*)?$")
_INVALID_TRACE, _INVALID_SPAN = "0" * 32, "0" * 16

_current = contextvars.ContextVar("trace_context", default=None)


class TraceContext(NamedTuple):
    trace_id: str
    span_id: str
    flags: str = SAMPLED

    def header(self):
        return f"00-{self.trace_id}-{self.span_id}-{self.flags}"

    def child(self):
        """The context of work this span causes: the same trace, a new span."""
        return TraceContext(self.trace_id, new_span_id(), self.flags)


def new_span_id():
    return secrets.token_hex(8)


def new_trace():
    return TraceContext(secrets.token_hex(16), new_span_id())


def parse_traceparent(value):
    """A TraceContext from a `traceparent` value, or None when it is not a valid one."""
    if not isinstance(value, str) or len(value) > 512:
        return None
    match = _FORMAT.match(value.strip())
    if not match:
        return None
    version, trace_id, span_id, flags, rest = match.groups()
    if version == "ff" or (version == "00" and rest):
        return None
    if trace_id == _INVALID_TRACE or span_id == _INVALID_SPAN:
        return None
    return TraceContext(trace_id, span_id, flags)


def current_trace():
    return _current.get()


def current_traceparent():
    trace = _current.get()
    return trace.header() if trace else None


def incoming_trace(worker_ctx):
    """What called this worker: the message header, else the HTTP header, else the event envelope's
    attribute (an event relayed without the header)."""
    trace = parse_traceparent(worker_ctx.data.get(CONTEXT_KEY))
    if trace is None and worker_ctx.args:
        first = worker_ctx.args[0]
        if isinstance(first, Request):
            trace = parse_traceparent(first.headers.get(HTTP_HEADER))
        elif isinstance(first, dict):
            trace = parse_traceparent(first.get(ENVELOPE_ATTRIBUTE))
    return trace


class Tracing(DependencyProvider):
    """Gives each worker a span in the caller's trace (or a new trace) and sends it on with every RPC call
    and event this worker makes."""

    def get_dependency(self, worker_ctx):
        parent = incoming_trace(worker_ctx)
        trace = parent.child() if parent else new_trace()
        worker_ctx.data[CONTEXT_KEY] = trace.header()
        _current.set(trace)
        return trace

    def worker_teardown(self, worker_ctx):
        _current.set(None)
