"""A correlation ID follows one citizen request across HTTP, RPC calls and events.

nameko copies every key of a worker's context data into `nameko.<key>` message headers on RPC calls and
event dispatches, and back into context data on the receiving side, so storing the ID there carries it
across services. The HTTP gateway takes it from the X-Correlation-ID header (or makes one).
"""
import contextvars
import uuid

from nameko.extensions import DependencyProvider
from werkzeug.wrappers import Request

CONTEXT_KEY = "correlation_id"
HTTP_HEADER = "X-Correlation-ID"
MAX_LENGTH = 64

_current = contextvars.ContextVar("correlation_id", default=None)


def current_correlation_id():
    return _current.get()


def new_correlation_id():
    return uuid.uuid4().hex


def clean_correlation_id(value):
    if isinstance(value, str) and 0 < len(value) <= MAX_LENGTH and value.isprintable():
        return value
    return None


class CorrelationId(DependencyProvider):
    """Gives the worker its correlation ID and makes it visible to logging and outgoing messages."""

    # nameko injects dependencies before it calls worker_setup, so the ID is settled here.
    def get_dependency(self, worker_ctx):
        cid = clean_correlation_id(worker_ctx.data.get(CONTEXT_KEY))
        if cid is None and worker_ctx.args and isinstance(worker_ctx.args[0], Request):
            cid = clean_correlation_id(worker_ctx.args[0].headers.get(HTTP_HEADER))
        cid = cid or new_correlation_id()
        worker_ctx.data[CONTEXT_KEY] = cid
        _current.set(cid)
        return cid

    def worker_teardown(self, worker_ctx):
        _current.set(None)
