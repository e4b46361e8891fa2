"""The gateway's "me too" lookup (a part of GatewayService): before filing, the open cases like the one about
to be filed in its district, so the citizen may support one instead of filing again. The search service
finds them and answers each as any citizen may see it."""
from services.gateway import schemas as answers
from services.gateway.base import GatewayPart
from services.gateway.clientaddr import ClientAddress
from services.gateway.http_server import http
from services.gateway.limits import SEARCH
from services.gateway.openapi import Operation
from services.gateway.responses import NO_STORE
from services.gateway.throttle import Throttle, throttled
from services.gateway.web import api, dumped_as, json_body
from services.intake.domain.status_words import DEFAULT_LANGUAGE, LANGUAGES, status_text
from services.search.similar import LookalikesSchema as LookalikesAskedSchema
from shared.actors import CITIZEN, CMO_CELL
from shared.authz import allowed
from shared.errors import Forbidden, NotFound
from shared.signed_rpc import SignedRpcProxy


class LookalikeRoutes(GatewayPart):
    client_address = ClientAddress()
    throttle = Throttle()
    search = SignedRpcProxy("search")
    intake = SignedRpcProxy("intake")

    @http("POST", "/api/v1/grievances/lookalikes", doc=Operation(
        "Open cases like the one about to be filed (me too)", tags=("Grievances",), request=LookalikesAskedSchema,
        roles=(CITIZEN, CMO_CELL), responses={200: answers.LookalikesFoundSchema},
        description="At most 5 open cases of the last 90 days in the same district, most alike first, each "
                    "with only its tracking id, subject, category, place (block or municipality), status, "
                    "supporters and filing date; a citizen's own cases are left out. `status_text` is the status "
                    "in plain words in `Accept-Language` (bn, en or hi; else bn). `POST /api/v1/grievances/{tracking_id}/support` joins one."))
    @throttled(SEARCH)
    @api
    def lookalikes(self, request):
        actor = self.authenticate(request)
        found = self._rpc("search", self.search.lookalikes, json_body(request), actor)
        if allowed(actor, "cases.act_as_citizen"):
            found = [case for case in found if not self._own_case(case["tracking_id"], actor)]
        language = next((tag.split("-")[0].lower() for tag, _ in request.accept_languages
                         if tag.split("-")[0].lower() in LANGUAGES), DEFAULT_LANGUAGE)
        found = [{**case, "status_text": status_text(case["status"], language)} for case in found]
        return 200, dumped_as(answers.LookalikesFoundSchema, {"lookalikes": found}), NO_STORE

    def _own_case(self, tracking_id, actor):
        """Whether the citizen filed this case (intake lets a citizen read only their own): nobody supports
        their own case, and one filed a moment ago (a double submit) is not offered back."""
        try:
            self._rpc("intake", self.intake.get_grievance, tracking_id, actor)
            return True
        except (Forbidden, NotFound):
            return False
