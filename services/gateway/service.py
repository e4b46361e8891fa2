"""Gateway: the platform's only HTTP face (web and mobile clients, officers, other state systems)."""
from nameko.dependency_providers import Config
from nameko.rpc import RpcProxy
from nameko.web.handlers import http

from services.gateway import health
from services.gateway.responses import json_response
from shared.correlation import CorrelationId
from shared.elastic import ElasticsearchClient
from shared.health import UP


class GatewayService:
    name = "gateway"
    config = Config()
    correlation_id = CorrelationId()
    es = ElasticsearchClient()  # only for the health probe; the search service owns the indices
    intake = RpcProxy("intake")
    routing = RpcProxy("routing")
    notification = RpcProxy("notification")
    search = RpcProxy("search")
    identity = RpcProxy("identity")

    @http("GET", "/health")
    def health(self, request):
        timeout = float(self.config.get("HEALTH_TIMEOUT", 2))
        checks = health.check_servers(self.config, self.es, timeout)
        for service in health.SERVICES[1:]:
            checks[service] = lambda proxy=getattr(self, service): health.ask_service(proxy, timeout)
        components = health.run_checks(checks)
        components["gateway"] = {"status": UP}
        status, body = health.aggregate(components)
        return json_response(body, status=status, headers={"Cache-Control": "no-store"})
