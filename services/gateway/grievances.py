"""The gateway's case endpoints (a part of GatewayService): filing, reading, acting on, supporting and
rating a grievance, its personal-data access log, and reassignment."""
from services.gateway.base import GatewayPart
from services.gateway.clientaddr import ClientAddress
from services.gateway.http_server import http
from services.gateway.limits import CASE_LOOKUP, FILING
from services.gateway.responses import NO_STORE
from services.gateway.throttle import Throttle, throttled
from services.gateway.web import BadRequest, api, json_body
from shared.signed_rpc import SignedRpcProxy
from shared.validators import IDEMPOTENCY_KEY_RULE, is_idempotency_key

TRACKING = "/api/v1/grievances/<string:tracking_id>"


class GrievanceRoutes(GatewayPart):
    client_address = ClientAddress()
    throttle = Throttle()
    intake = SignedRpcProxy("intake")
    routing = SignedRpcProxy("routing")
    notification = SignedRpcProxy("notification")

    @http("POST", "/api/v1/grievances")
    @throttled(FILING)
    @api
    def file_grievance(self, request):
        actor = self.authenticate(request)
        key = request.headers.get("Idempotency-Key")
        if key is not None and not is_idempotency_key(key):
            raise BadRequest("the Idempotency-Key header is not valid", {"Idempotency-Key": [IDEMPOTENCY_KEY_RULE]})
        args = (json_body(request), actor) + ((key,) if key is not None else ())
        result = self._rpc("intake", self.intake.file_grievance, *args)
        status = 200 if result["duplicate"] else 201
        return status, result, {"Location": f"/api/v1/grievances/{result['tracking_id']}"}

    @http("GET", TRACKING)
    @throttled(CASE_LOOKUP)
    @api
    def get_grievance(self, request, tracking_id):
        actor = self.authenticate(request)
        return 200, self._rpc("intake", self.intake.get_grievance, tracking_id, actor), NO_STORE

    @http("POST", TRACKING + "/actions")
    @throttled(CASE_LOOKUP)
    @api
    def act(self, request, tracking_id):
        return self._post_to_case(request, self.intake.act, tracking_id)

    @http("POST", TRACKING + "/feedback")
    @throttled(CASE_LOOKUP)
    @api
    def feedback(self, request, tracking_id):
        return self._post_to_case(request, self.intake.give_feedback, tracking_id)

    @http("POST", TRACKING + "/support")
    @throttled(CASE_LOOKUP)
    @api
    def support(self, request, tracking_id):
        return self._post_to_case(request, self.intake.support, tracking_id)

    @http("GET", TRACKING + "/access-log")
    @throttled(CASE_LOOKUP)
    @api
    def personal_data_reads(self, request, tracking_id):
        actor = self.authenticate(request)
        reads = self._rpc("intake", self.intake.personal_data_reads, tracking_id, actor)  # refuses first
        reads += self._rpc("notification", self.notification.personal_data_reads, tracking_id, actor)
        return 200, {"reads": sorted(reads, key=lambda read: read["at"])}, NO_STORE

    @http("POST", TRACKING + "/assignment")
    @throttled(CASE_LOOKUP)
    @api
    def reassign(self, request, tracking_id):
        actor = self.authenticate(request)
        return 200, self._rpc("routing", self.routing.reassign, tracking_id, json_body(request), actor), {}

    def _post_to_case(self, request, method, tracking_id):
        actor = self.authenticate(request)
        return 200, self._rpc("intake", method, tracking_id, json_body(request), actor), {}
