"""Gateway: the platform's only HTTP face (web and mobile clients, officers, other state systems)."""
import logging
from urllib.parse import urlencode

from nameko.dependency_providers import Config
from nameko.exceptions import RemoteError
from werkzeug.wrappers import Response

from services.gateway import health
from services.gateway.auth import Authenticator
from services.gateway.clientaddr import ClientAddress
from services.gateway.export import csv_export
from services.gateway.http_server import http
from services.gateway.limits import CASE_LOOKUP, FILING, OTP_VERIFY, SIGN_IN, TOKEN
from services.gateway.notifications import NotificationRoutes
from services.gateway.pages import oauth_params, page
from services.gateway.responses import NO_STORE, json_response
from services.gateway.throttle import Throttle, form_mobile, otp_attempt, search_or_export, throttled
from services.gateway.web import BadRequest, api, call, json_body
from shared.correlation import CorrelationId
from shared.elastic import ElasticsearchClient
from shared.errors import PlatformError
from shared.health import UP
from shared.metrics import EntrypointMetrics
from shared.settings import SettingsProvider
from shared.signed_rpc import SignedRpcProxy
from shared.tracing import Tracing
from shared.validators import IDEMPOTENCY_KEY_RULE, is_idempotency_key

log = logging.getLogger(__name__)

TRACKING = "/api/v1/grievances/<string:tracking_id>"
LIST_PARAMS = ("status", "department", "district", "block", "municipality", "category", "channel", "kind", "level")
SEARCH_COLUMNS = ["tracking_id", "created_at", "kind", "status", "category", "department", "place.district",
                  "place.block", "channel", "level", "urgent", "supporters", "sla_deadline", "resolved_at",
                  "rating", "subject"]
EXPORT_PAGE = 100


def _field(case, path):
    for part in path.split("."):
        case = (case or {}).get(part)
    return case



class GatewayService(NotificationRoutes):
    name = "gateway"
    config = Config()
    settings = SettingsProvider()
    correlation_id = CorrelationId()
    trace = Tracing()
    metrics = EntrypointMetrics()
    authenticate = Authenticator()
    client_address = ClientAddress()
    throttle = Throttle()
    es = ElasticsearchClient()  # only for the health probe; the search service owns the indices
    intake = SignedRpcProxy("intake")
    routing = SignedRpcProxy("routing")
    notification = SignedRpcProxy("notification")
    search = SignedRpcProxy("search")
    identity = SignedRpcProxy("identity")

    @http("GET", "/health")
    def health(self, request):
        timeout = self.settings.health_timeout
        checks = health.check_servers(self.config, self.es, timeout)
        for service in health.SERVICES[1:]:
            checks[service] = lambda proxy=getattr(self, service): health.ask_service(proxy, timeout)
        components = health.run_checks(checks)
        components["gateway"] = {"status": UP}
        status, body = health.aggregate(components)
        if not health.may_see_details(request, self.config, self.authenticate):
            body = health.public(body)
        return json_response(body, status=status, headers=NO_STORE)

    # --- grievances ---------------------------------------------------------------------------

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

    # --- identity: OpenID Connect discovery, keys, tokens --------------------------------------

    @http("GET", "/.well-known/openid-configuration")
    @api
    def openid_configuration(self, request):
        return 200, self._rpc("identity", self.identity.openid_configuration), {"Cache-Control": "max-age=300"}

    @http("GET", "/.well-known/jwks.json")
    @api
    def jwks(self, request):
        return 200, self._rpc("identity", self.identity.jwks), {"Cache-Control": "max-age=60"}

    @http("POST", "/oauth/otp")
    @api
    def request_otp(self, request):
        """A citizen asks for a sign-in code by SMS."""
        return 200, self._rpc("identity", self.identity.request_otp, json_body(request), self.client_address(request)), {}

    @http("GET", "/oauth/authorize")
    @throttled(SIGN_IN)
    def authorization_page(self, request):
        """The code flow starts here: a sign-in page for a valid authorization request."""
        params = oauth_params(request.args)
        checked = self._rpc("identity", self.identity.authorization_page, self._forward(request, args=params))
        if not checked["ok"]:
            return page("sign_in.html", status=400, params={}, mobile="", code_sent=False,
                        error=f"This sign-in link is not valid ({checked['error']}: {checked['description']}).")
        sso = f"/oauth/sso/start?{urlencode(params)}" if checked["sso"] else None
        return page("sign_in.html", params=params, mobile="", code_sent=False, error=None, note=None, sso=sso)

    @http("GET", "/oauth/sso/start")
    def sso_start(self, request):
        return self._sign_in_step(self.identity.sso_start, self._forward(request, args=oauth_params(request.args)))

    @http("GET", "/oauth/sso/callback")
    def sso_callback(self, request):
        return self._sign_in_step(self.identity.sso_callback, request.args.to_dict())

    def _sign_in_step(self, method, *args):
        try:
            answer = self._rpc("identity", method, *args)
        except (PlatformError, RemoteError):
            log.exception("a sign-in step failed")
            answer = {"ok": False, "error": "server_error", "description": "please try again"}
        return self._redirect_or_error(answer)

    @http("POST", "/oauth/authorize")
    @throttled(SIGN_IN)
    @throttled(OTP_VERIFY, applies=otp_attempt, mobile=form_mobile)
    def authorize(self, request):
        form = request.form
        params, mobile = oauth_params(form), form.get("mobile", "")
        forwarded = self._forward(request, args=params, form={})
        if form.get("step") == "send_code":
            try:
                self._rpc("identity", self.identity.request_otp, {"mobile": mobile}, self.client_address(request))
            except PlatformError as error:
                return page("sign_in.html", status=error.status, params=params, mobile=mobile, code_sent=False,
                            error=error.message if error.status != 400 else "That is not a mobile number.")
            return page("sign_in.html", params=params, mobile=mobile, code_sent=True, error=None,
                        note="We sent a code by SMS. / এসএমএস-এ কোড পাঠানো হয়েছে।")
        answer = self._rpc("identity", self.identity.authorize, forwarded, mobile, form.get("code", ""))
        if not answer["ok"]:
            return page("sign_in.html", status=400, params=params, mobile=mobile, code_sent=True,
                        error=answer["description"])
        return self._redirect_or_error(answer)

    @staticmethod
    def _redirect_or_error(answer):
        if not answer["ok"]:
            return page("sign_in.html", status=400, params={}, mobile="", code_sent=False,
                        error=f"Sign-in did not work ({answer['error']}): {answer['description']}")
        if "redirect" in answer:
            return Response("", status=302, headers={"Location": answer["redirect"]})
        response = Response("", status=answer["status"])
        for name, value in answer["headers"].items():
            response.headers[name] = value
        return response

    @http("POST", "/oauth/token")
    @throttled(TOKEN)
    @throttled(OTP_VERIFY, applies=otp_attempt, mobile=form_mobile)
    def token(self, request):
        return self._oauth(request, self.identity.token)

    @http("POST", "/oauth/revoke")
    def revoke(self, request):
        return self._oauth(request, self.identity.revoke)

    @http("POST", "/api/v1/admin/signing-keys/rotate")
    @api
    def rotate_signing_key(self, request):
        actor = self.authenticate(request)
        return 200, self._rpc("identity", self.identity.rotate_signing_key, actor), {}

    @http("POST", "/api/v1/admin/clients")
    @api
    def register_client(self, request):
        actor = self.authenticate(request)
        return 201, self._rpc("identity", self.identity.register_machine_client, json_body(request), actor), {}

    @http("POST", "/api/v1/admin/accounts")
    @api
    def put_staff_account(self, request):
        actor = self.authenticate(request)
        return 200, self._rpc("identity", self.identity.put_staff_account, json_body(request), actor), {}

    @http("GET", "/api/v1/admin/accounts")
    @api
    def staff_accounts(self, request):
        actor = self.authenticate(request)
        return 200, {"accounts": self._rpc("identity", self.identity.staff_accounts, actor)}, {}

    @http("GET", "/api/v1/admin/audit")
    @api
    def audit_log(self, request):
        actor = self.authenticate(request)
        entries = self._rpc("identity", self.identity.audit_log, actor, request.args.get("kind"))
        return 200, {"entries": entries}, NO_STORE

    # --- officers -------------------------------------------------------------------------------

    @http("GET", "/api/v1/search")
    @throttled(search_or_export)
    @api
    def search_grievances(self, request):
        """Officers' search; `format=csv` streams every matching case (no row cap)."""
        actor = self.authenticate(request)
        params = {}
        for name, values in request.args.lists():
            params[name] = values if name in LIST_PARAMS else values[-1]
        if params.pop("format", None) != "csv":
            return 200, self._rpc("search", self.search.search, params, actor), NO_STORE
        params["size"] = EXPORT_PAGE

        def page(after=None):
            found = self._rpc("search", self.search.search, {**params, **({"after": after} if after else {})}, actor)
            return [[_field(case, column) for column in SEARCH_COLUMNS] for case in found["results"]], found["next"]

        return csv_export("grievances.csv", SEARCH_COLUMNS, page)

    @http("GET", "/api/v1/insights/<string:name>")
    @throttled(search_or_export)
    @api
    def insight(self, request, name):
        """The CMO cell's insights as tables; `format=csv` streams one."""
        actor = self.authenticate(request)
        params = request.args.to_dict()
        as_csv = params.pop("format", None) == "csv"
        first = self._rpc("search", self.search.insight, name, params, actor)
        if not as_csv:
            return 200, first, NO_STORE

        def page(after=None):
            found = first if after is None else self._rpc("search", self.search.insight, name,
                                                          {**params, "after": after}, actor)
            return found["rows"], found["next"]

        return csv_export(f"{name}.csv", first["columns"], page)

    @http("GET", TRACKING + "/similar")
    @throttled(CASE_LOOKUP)
    @api
    def similar_cases(self, request, tracking_id):
        actor = self.authenticate(request)
        similar = self._rpc("search", self.search.similar, tracking_id, actor, request.args.get("size", 10))
        return 200, {"tracking_id": tracking_id, "similar": similar}, NO_STORE

    @http("POST", "/api/v1/grievances/resolve-together")
    @api
    def resolve_together(self, request):
        """One reply resolving a cluster of similar cases; each case is resolved on its own timeline."""
        actor = self.authenticate(request)
        return 200, self._rpc("intake", self.intake.resolve_together, json_body(request), actor), {}

    @http("GET", "/api/v1/officer/queue")
    @api
    def officer_queue(self, request):
        actor = self.authenticate(request)
        return 200, self._rpc("routing", self.routing.officer_queue, actor), NO_STORE

    def _post_to_case(self, request, method, tracking_id):
        actor = self.authenticate(request)
        return 200, self._rpc("intake", method, tracking_id, json_body(request), actor), {}

    @staticmethod
    def _forward(request, args=None, form=None):
        """The parts of an HTTP request the OAuth server needs (no cookies, no other headers)."""
        return {"method": request.method, "url": request.base_url,
                "headers": {k: v for k, v in request.headers.items() if k.lower() in ("authorization", "content-type")},
                "args": request.args.to_dict() if args is None else args,
                "form": request.form.to_dict() if form is None else form}

    def _oauth(self, request, endpoint):
        """OAuth endpoints answer in OAuth's own format (RFC 6749 section 5), made by authlib in identity."""
        forwarded = self._forward(request)
        try:
            answer = self._rpc("identity", endpoint, forwarded)
        except PlatformError as error:
            return json_response(error.body(), status=error.status)
        except RemoteError:
            log.exception("the token endpoint failed")
            return json_response({"error": "server_error"}, status=500)
        response = Response(answer["body"], status=answer["status"], mimetype="application/json")
        for name, value in answer["headers"].items():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    def _rpc(self, service, method, *args):
        return call(service, method, *args, timeout=self.settings.gateway_rpc_timeout)
