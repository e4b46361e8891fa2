"""GET /api/v1/me/grievances (a mixin of GatewayService): a citizen's own cases, newest first, a page at a
time, with a `next` link while there are more. Intake serves it from its own store; the gateway picks the
language of the status words: Accept-Language (bn, en or hi), else the language the citizen chose in their
notification preferences, else each case's own."""
from urllib.parse import urlencode

from services.gateway.base import GatewayPart
from services.gateway.clientaddr import ClientAddress
from services.gateway.http_server import http
from services.gateway.limits import CASE_LOOKUP
from services.gateway.list_schemas import MyGrievancesQuerySchema, MyGrievancesSchema
from services.gateway.openapi import Operation
from services.gateway.responses import NO_STORE
from services.gateway.throttle import Throttle, throttled
from services.gateway.web import api
from shared.authz import allowed
from shared.errors import PlatformError
from shared.signed_rpc import SignedRpcProxy
from shared.vocabulary import Role

MY_GRIEVANCES = "/api/v1/me/grievances"
STATUS_LANGUAGES = ("bn", "en", "hi")


def next_link(path, params, cursor):
    """The URL of a list's next page (same `limit`), or None at its end."""
    if not cursor:
        return None
    return f"{path}?{urlencode({**({'limit': params['limit']} if 'limit' in params else {}), 'cursor': cursor})}"


class MeRoutes(GatewayPart):
    throttle = Throttle()
    client_address = ClientAddress()
    intake = SignedRpcProxy("intake")
    notification = SignedRpcProxy("notification")

    @http("GET", MY_GRIEVANCES, doc=Operation(
        "The citizen's own cases, newest first, a page at a time", tags=("Grievances",), roles=(Role.CITIZEN,),
        query=MyGrievancesQuerySchema, responses={200: MyGrievancesSchema},
        description="`status_text` is the status in plain words in `Accept-Language` (bn, en or hi), else the "
                    "citizen's notification language, else the case's. Follow `next` for the next page."))
    @throttled(CASE_LOOKUP)
    @api
    def my_grievances(self, request):
        actor = self.authenticate(request)
        params = {name: value for name, value in request.args.items() if name in ("limit", "cursor")}
        language = self._status_language(request, actor)
        if language:
            params["language"] = language
        page = self._rpc("intake", self.intake.my_grievances, params, actor)
        page["next"] = next_link(MY_GRIEVANCES, params, page["next"])
        page["language"] = language
        return 200, page, NO_STORE

    def _status_language(self, request, actor):
        for tag, quality in request.accept_languages:  # highest quality first; hi-IN means hi
            primary = tag.split("-")[0].lower()
            if quality > 0 and primary in STATUS_LANGUAGES:
                return primary
        if not allowed(actor, "cases.act_as_citizen"):
            return None  # intake refuses the request anyway
        try:
            return self._rpc("notification", self.notification.preferences, actor).get("language")
        except PlatformError:
            return None  # the preference only picks words: the list does not wait for it
