"""What every part of the gateway's service class uses: the worker's authentication, and RPCs with a deadline."""
from nameko.dependency_providers import Config

from services.gateway.auth import Authenticator
from services.gateway.web import call
from shared.settings import SettingsProvider


class GatewayPart:
    config = Config()
    settings = SettingsProvider()
    authenticate = Authenticator()

    def _rpc(self, service, method, *args):
        return call(service, method, *args, timeout=self.settings.gateway_rpc_timeout)
