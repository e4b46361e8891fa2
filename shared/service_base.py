"""What every store-backed service has: its own database, a correlation ID, callers verified on every RPC
(shared/signed_rpc.py), and a `health` RPC."""
from nameko.dependency_providers import Config
from shared.resilient_rpc import rpc

from shared.correlation import CorrelationId
from shared.health import check_database, service_report
from shared.mongo import MongoDatabase
from shared.signed_rpc import VerifiedCaller


class StoreBackedService:
    name = None  # each service sets its own
    config = Config()
    correlation_id = CorrelationId()
    verified_caller = VerifiedCaller()  # refuses an RPC before its method runs unless a signed caller made it
    db = MongoDatabase()

    def health_components(self):
        timeout = float(self.config.get("HEALTH_TIMEOUT", 2))
        return {"mongodb": check_database(self.db, timeout)}

    @rpc
    def health(self):
        """This service's view of its own store (and index); the broker is up if this answered at all."""
        return service_report(self.name, **self.health_components())
