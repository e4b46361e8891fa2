"""What every part of the gateway's service class uses: the worker's authentication, and RPCs with a deadline."""
from nameko.dependency_providers import Config

from services.gateway.auth import Authenticator
from services.gateway.web import call


class GatewayPart:
    config = Config()
    authenticate = Authenticator()

    def _rpc(self, service, method, *args):
        return call(service, method, *args, timeout=float(self.config.get("GATEWAY_RPC_TIMEOUT", 10)))
