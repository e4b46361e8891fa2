from unittest.mock import Mock

import pytest
from nameko.containers import WorkerContext
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from shared.correlation import CONTEXT_KEY, CorrelationId, current_correlation_id


def worker_ctx(args=(), data=None):
    container = Mock(service_name="svc", config={})
    return WorkerContext(container, Mock(), Mock(method_name="m"), args=args, data=data)


@pytest.fixture(autouse=True)
def no_leftover_id():
    yield
    CorrelationId().worker_teardown(None)  # the ID must not leak into the next test


def provider():
    dependency = CorrelationId()
    dependency.container = Mock()
    return dependency


def test_incoming_message_id_is_kept_and_propagated():
    ctx = worker_ctx(data={CONTEXT_KEY: "from-upstream"})
    dependency = provider()
    assert dependency.get_dependency(ctx) == "from-upstream"
    assert current_correlation_id() == "from-upstream"
    assert ctx.context_data[CONTEXT_KEY] == "from-upstream"  # becomes nameko.correlation_id on the way out
    dependency.worker_teardown(ctx)
    assert current_correlation_id() is None


def test_http_header_is_used():
    request = Request(EnvironBuilder(headers={"X-Correlation-ID": "web-7"}).get_environ())
    ctx = worker_ctx(args=(request,))
    provider().get_dependency(ctx)
    assert ctx.data[CONTEXT_KEY] == "web-7"


def test_a_new_id_is_made_when_none_arrives_or_it_is_unusable():
    ctx = worker_ctx(data={CONTEXT_KEY: "x" * 500})
    provider().get_dependency(ctx)
    assert len(ctx.data[CONTEXT_KEY]) == 32
    other = worker_ctx()
    provider().get_dependency(other)
    assert other.data[CONTEXT_KEY] != ctx.data[CONTEXT_KEY]
