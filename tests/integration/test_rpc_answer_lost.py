"""A service whose RPC answer the broker cannot take (RabbitMQ restarting: `make chaos` saw it) keeps running:
the answer is lost, the caller times out, the next call is answered. Before, nameko let the worker die with
the publish error and stopped the whole service."""
from unittest import mock

import pytest
from kombu.exceptions import OperationalError
from nameko.exceptions import RpcTimeout
from nameko.rpc import Responder
from nameko.standalone.rpc import ClusterRpcProxy

from shared.resilient_rpc import rpc


class EchoService:
    name = "echo"

    @rpc
    def echo(self, value):
        return value


def test_a_service_survives_an_answer_the_broker_refused(rabbit_config, runner_factory):
    runner = runner_factory(rabbit_config, EchoService)
    runner.start()
    container = next(iter(runner.containers))
    send = Responder.send_response
    failed_once = []

    def broker_gone_once(self, result, exc_info):
        if not failed_once:
            failed_once.append(True)
            raise OperationalError("[Errno 111] ECONNREFUSED")
        return send(self, result, exc_info)

    with mock.patch.object(Responder, "send_response", broker_gone_once), \
            ClusterRpcProxy(rabbit_config, timeout=3) as cluster:
        with pytest.raises(RpcTimeout):  # the answer was lost: the caller times out
            cluster.echo.echo("first")
        assert not container._died.ready(), "the service stopped"
        assert cluster.echo.echo("second") == "second"
