"""The gateway's officer endpoints (a part of GatewayService): the officer's queue, an office's load per
officer, and one reply resolving a cluster of similar cases."""
from services.gateway import schemas as answers
from services.gateway.base import GatewayPart
from services.gateway.http_server import http
from services.gateway.idempotency import Idempotency, idempotent
from services.gateway.me_routes import next_link
from services.gateway.openapi import Operation
from services.gateway.responses import NO_STORE
from services.gateway.web import api, json_body
from services.intake.schemas import ClusterResolutionSchema
from services.routing.schemas import QueuePageSchema
from shared.actors import ADMIN, CMO_CELL, OFFICER, SUPERVISOR
from shared.signed_rpc import SignedRpcProxy


class OfficerRoutes(GatewayPart):
    idempotency = Idempotency()
    intake = SignedRpcProxy("intake")
    routing = SignedRpcProxy("routing")

    @http("GET", "/api/v1/officer/queue", doc=Operation(
        "The caller's open cases, most urgent first", tags=("Officers",),
        roles=(OFFICER, SUPERVISOR, CMO_CELL), query=QueuePageSchema, responses={200: answers.QueueSchema},
        description="A page at a time: `limit` (1-200, 50 by default) and the opaque `cursor` of the `next` link; "
                    "paging while cases arrive neither skips nor repeats one. `count` is every open case."))
    @api
    def officer_queue(self, request):
        actor = self.authenticate(request)
        params = {name: value for name, value in request.args.items() if name in ("limit", "cursor")}
        queue = self._rpc("routing", self.routing.officer_queue, actor, params)
        queue["next"] = next_link("/api/v1/officer/queue", params, queue["next"])
        return 200, queue, NO_STORE

    @http("GET", "/api/v1/offices/<string:department>/<string:district>/load", doc=Operation(
        "An office's load per officer", tags=("Officers",), roles=(SUPERVISOR, CMO_CELL, ADMIN),
        responses={200: answers.OfficeLoadSchema},
        description="Each officer of the office (a department in a district; `state` for state-level offices) "
                    "with the open cases they hold, how many are overdue (past the SLA deadline, clock running) and "
                    "escalated (above level 1), officers with nothing included, busiest first; `totals` counts every "
                    "open case of the office. A supervisor reads their own office's; the CMO cell and administrators "
                    "any. An unknown office is a 404."))
    @api
    def office_load(self, request, department, district):
        actor = self.authenticate(request)
        return 200, self._rpc("routing", self.routing.office_load, department[:80], district[:80], actor), NO_STORE

    @http("POST", "/api/v1/grievances/resolve-together", doc=Operation(
        "Resolve a cluster of similar cases with one reply", tags=("Officers",),
        request=ClusterResolutionSchema, roles=(OFFICER, SUPERVISOR, CMO_CELL),
        responses={200: answers.ClusterResolvedSchema}))
    @idempotent
    @api
    def resolve_together(self, request):
        """One reply resolving a cluster of similar cases; each case is resolved on its own timeline."""
        actor = self.authenticate(request)
        return 200, self._rpc("intake", self.intake.resolve_together, json_body(request), actor), {}
