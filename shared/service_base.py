"""What every store-backed service has: its own database, a correlation ID and trace, metrics, callers verified
on every RPC (shared/signed_rpc.py), and a `health` RPC."""
from nameko.dependency_providers import Config

from shared.contracts.rpc import RpcContracts
from shared.correlation import CorrelationId
from shared.health import check_database, service_report
from shared.metrics import EntrypointMetrics
from shared.mongo import MongoDatabase
from shared.resilient_rpc import rpc
from shared.settings import SettingsProvider
from shared.signed_rpc import VerifiedCaller
from shared.tracing import Tracing


class StoreBackedService:
    name = None  # each service sets its own
    config = Config()
    settings = SettingsProvider()  # checks every setting at start-up (shared/settings.py)
    correlation_id = CorrelationId()
    trace = Tracing()  # W3C traceparent across RPC and events (shared/tracing.py)
    metrics = EntrypointMetrics()  # times every entrypoint; serves /metrics on METRICS_PORT
    verified_caller = VerifiedCaller()  # refuses an RPC before its method runs unless a signed caller made it
    contracts = RpcContracts()  # loads each RPC's arguments (the caller's identity included) through its contract
    db = MongoDatabase()

    def health_components(self):
        timeout = self.settings.health_timeout
        return {"mongodb": check_database(self.db, timeout)}

    @rpc
    def health(self):
        """This service's view of its own store (and index); the broker is up if this answered at all."""
        return service_report(self.name, **self.health_components())
