"""Gateway: the platform's only HTTP face (web and mobile clients, officers, other state systems)."""
from nameko.dependency_providers import Config
from nameko.rpc import RpcProxy
from nameko.web.handlers import http

from services.gateway import health
from services.gateway.auth import Authenticator
from services.gateway.web import api, call, json_body
from services.gateway.responses import json_response
from shared.correlation import CorrelationId
from shared.elastic import ElasticsearchClient
from shared.health import UP

TRACKING = "/api/v1/grievances/<string:tracking_id>"


class GatewayService:
    name = "gateway"
    config = Config()
    correlation_id = CorrelationId()
    authenticate = Authenticator()
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

    # --- grievances ---------------------------------------------------------------------------

    @http("POST", "/api/v1/grievances")
    @api
    def file_grievance(self, request):
        actor = self.authenticate(request)
        result = self._rpc("intake", self.intake.file_grievance, json_body(request), actor)
        status = 200 if result["duplicate"] else 201
        return status, result, {"Location": f"/api/v1/grievances/{result['tracking_id']}"}

    @http("GET", TRACKING)
    @api
    def get_grievance(self, request, tracking_id):
        actor = self.authenticate(request)
        return 200, self._rpc("intake", self.intake.get_grievance, tracking_id, actor), {"Cache-Control": "no-store"}

    @http("POST", TRACKING + "/actions")
    @api
    def act(self, request, tracking_id):
        actor = self.authenticate(request)
        return 200, self._rpc("intake", self.intake.act, tracking_id, json_body(request), actor), {}

    @http("POST", TRACKING + "/feedback")
    @api
    def feedback(self, request, tracking_id):
        actor = self.authenticate(request)
        return 200, self._rpc("intake", self.intake.give_feedback, tracking_id, json_body(request), actor), {}

    @http("POST", TRACKING + "/support")
    @api
    def support(self, request, tracking_id):
        actor = self.authenticate(request)
        return 200, self._rpc("intake", self.intake.support, tracking_id, json_body(request), actor), {}

    @http("POST", TRACKING + "/assignment")
    @api
    def reassign(self, request, tracking_id):
        actor = self.authenticate(request)
        return 200, self._rpc("routing", self.routing.reassign, tracking_id, json_body(request), actor), {}

    # --- officers -------------------------------------------------------------------------------

    @http("GET", "/api/v1/officer/queue")
    @api
    def officer_queue(self, request):
        actor = self.authenticate(request)
        return 200, self._rpc("routing", self.routing.officer_queue, actor), {"Cache-Control": "no-store"}

    def _rpc(self, service, method, *args):
        return call(service, method, *args, timeout=float(self.config.get("GATEWAY_RPC_TIMEOUT", 10)))
