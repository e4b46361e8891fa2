"""nameko's RPC entrypoint, except that an answer the broker cannot take does not stop the service.

nameko 2.14 publishes a worker's answer from inside the worker; when the broker is unreachable (restarting)
the publish raises, the worker dies with the error and nameko stops the whole container: under `make chaos`
every service that was answering a call when RabbitMQ was killed exited for good. The answer is lost either
way: the caller times out (the gateway answers 503; a filing retried with its Idempotency-Key gets the first
answer), and the request, never acknowledged, is delivered again once the consumer has reconnected.

It also checks each answer against the method's contract (shared/contracts/rpc.py) before sending it: an
answer its contract does not describe goes back as an error, not as data the caller would misread.
"""
import logging
import sys

from kombu.exceptions import OperationalError
from nameko.rpc import Rpc, RpcConsumer

from shared.contracts.rpc import ContractBroken, check_answer

log = logging.getLogger(__name__)


class ResilientRpcConsumer(RpcConsumer):
    def handle_result(self, message, result, exc_info):
        try:
            return super().handle_result(message, result, exc_info)
        except (OperationalError, OSError) as error:
            log.warning("an RPC answer was lost: the broker is unreachable", extra={"error": str(error)})
            return result, exc_info


class ResilientRpc(Rpc):
    rpc_consumer = ResilientRpcConsumer()

    def handle_result(self, message, worker_ctx, result, exc_info):
        if exc_info is None:
            try:
                check_answer(self.container.service_name, self.method_name, result)
            except ContractBroken:
                log.exception("an RPC answer broke its contract")
                result, exc_info = None, sys.exc_info()
        return super().handle_result(message, worker_ctx, result, exc_info)


rpc = ResilientRpc.decorator
