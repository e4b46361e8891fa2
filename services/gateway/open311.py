"""Open311 GeoReport v2 at /open311/v2/ (a part of GatewayService): what civic clients (FixMyStreet and the
like) speak. Every endpoint answers JSON or XML by its `.json`/`.xml` suffix; errors are the spec's list of
{code, description} with 400, 403 or 404 (429 and 503 when throttled or a service is down).

Reads are public, as the spec has them: the search service's public projection of cases (no complainant,
no description, no coordinates). A POSTed request is filed through intake as any grievance, by the machine
client its `api_key` (`<client_id>:<client_secret>`) names: the gateway exchanges it with identity for a
client-credentials token, verifies that token as any other and acts as that client. The mapping between
the spec and the platform is services/gateway/open311_mapping.py.
"""
import base64
import json
import logging
from datetime import UTC, datetime
from functools import wraps

from nameko.exceptions import RemoteError
from pymongo.errors import PyMongoError
from werkzeug.wrappers import Response

from services.gateway import idempotency
from services.gateway import open311_mapping as spec
from services.gateway.base import GatewayPart
from services.gateway.clientaddr import ClientAddress
from services.gateway.http_server import http
from services.gateway.idempotency import Idempotency
from services.gateway.limits import CASE_LOOKUP, FILING, SEARCH, TOKEN
from services.gateway.openapi import FORM, Negotiated, Operation
from services.gateway.responses import with_correlation_id
from services.gateway.throttle import Throttle
from services.gateway.web import MAX_BODY_BYTES, OUTAGE_ERRORS
from shared.errors import PlatformError
from shared.settings import settings_of
from shared.signed_rpc import SignedRpcProxy
from shared.validators import IDEMPOTENCY_KEY_RULE, is_idempotency_key
from shared.vocabulary import Scope

log = logging.getLogger(__name__)

PREFIX = "/open311/v2"
TAGS = ("Open311 GeoReport v2",)
FORMAT = {"type": "string", "enum": [spec.JSON, spec.XML], "description": "the answer's format"}
XML_MEDIA = ("text/xml",)

# The documents' JSON Schemas (the XML carries the same fields: a root element, one element per item)
_TEXT = {"type": ["string", "null"]}
_ERRORS = {"type": "array", "items": {"type": "object", "required": ["code", "description"],
                                      "properties": {"code": {"type": "integer"}, "description": {"type": "string"}}}}
_SERVICE = {"type": "object", "required": ["service_code", "service_name", "metadata", "type"], "properties": {
    "service_code": {"type": "string"}, "service_name": {"type": "string"}, "description": _TEXT,
    "metadata": {"type": "boolean"}, "type": {"enum": ["realtime", "batch", "blackbox"]},
    "keywords": _TEXT, "group": _TEXT}}
_ATTRIBUTE = {"type": "object", "required": ["variable", "code", "datatype", "required", "order"], "properties": {
    "variable": {"type": "boolean"}, "code": {"type": "string"},
    "datatype": {"enum": ["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]},
    "required": {"type": "boolean"}, "datatype_description": _TEXT, "order": {"type": "integer"},
    "description": _TEXT,
    "values": {"type": "array", "items": {"type": "object", "properties": {"key": {"type": "string"},
                                                                           "name": {"type": "string"}}}}}}
_DEFINITION = {"type": "object", "required": ["service_code", "attributes"], "properties": {
    "service_code": {"type": "string"}, "attributes": {"type": "array", "items": _ATTRIBUTE}}}
_REQUEST = {"type": "object", "required": ["service_request_id", "status", "requested_datetime", "updated_datetime"],
            "properties": {"service_request_id": {"type": "string"}, "status": {"enum": [spec.OPEN, spec.CLOSED]},
                           **{name: _TEXT for name in (
                               "status_notes", "service_name", "service_code", "description", "agency_responsible",
                               "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
                               "address")}}}
_CREATED = {"type": "array", "items": {"type": "object", "required": ["service_request_id"], "properties": {
    "service_request_id": {"type": "string"}, "service_notice": _TEXT, "account_id": _TEXT}}}
_TOKEN = {"type": "array", "items": {"type": "object", "required": ["service_request_id", "token"], "properties": {
    "service_request_id": {"type": "string"}, "token": {"type": "string"}}}}
_DISCOVERY = {"type": "object", "required": ["changeset", "contact", "key_service", "endpoints"], "properties": {
    "changeset": {"type": "string"}, "contact": {"type": "string"}, "key_service": {"type": "string"},
    "endpoints": {"type": "array", "items": {"type": "object", "properties": {
        "specification": {"type": "string"}, "url": {"type": "string"}, "changeset": {"type": "string"},
        "type": {"enum": ["production", "test"]}, "formats": {"type": "array", "items": {"type": "string"}}}}}}}


def _errors_documented(*statuses):
    said = {400: "the request is invalid (each error names the argument)", 403: "api_key missing or invalid",
            404: "no such service, request, token or format", 429: "too many requests; see Retry-After",
            409: "a request with this Idempotency-Key is still running; try again (Retry-After)",
            422: "this Idempotency-Key was sent before with another request",
            503: "a service did not answer; try again (Retry-After)"}
    return {status: Negotiated(_ERRORS, f"GeoReport v2 errors: {said[status]}", XML_MEDIA,
                               ("Retry-After",) if status in (409, 429, 503) else ()) for status in statuses}


def _operation(summary, answer, description, errors=(400, 404, 429, 503), **kwargs):
    return Operation(summary, tags=TAGS, public=True, path={"format": FORMAT},
                     responses={200: Negotiated(answer, "JSON (`.json`) or XML (`.xml`)", XML_MEDIA),
                                **_errors_documented(*errors)},
                     description=description, **kwargs)


def open311(root):
    """The handler's data (or (status, data)) in the format its path names, and every failure in the spec's
    error format: never a problem document, never a 5xx for what the client sent."""
    def decorate(handler):
        @wraps(handler)
        def wrapper(self, request, format, **values):
            fmt = format if format in spec.CONTENT_TYPES else spec.JSON
            try:
                if format not in spec.CONTENT_TYPES:
                    raise spec.Open311Error(404, [f"format {format!r} is not served: use .json or .xml"])
                answer = handler(self, request, fmt, **values)
                if isinstance(answer, Response):
                    return answer
                status, data = answer if isinstance(answer, tuple) else (200, answer)
                return _rendered(fmt, root, data, status)
            except spec.Open311Error as error:
                return _error_answer(fmt, error)
            except PlatformError as error:
                return _error_answer(fmt, _from_platform(error))
            except RemoteError as error:
                if error.exc_type in OUTAGE_ERRORS:
                    return _error_answer(fmt, spec.Open311Error(503, ["a store is unavailable; try again in a "
                                                                      "minute"], {"Retry-After": "60"}))
                log.error("unexpected error from a service", extra={"error": str(error)})
                return _error_answer(fmt, spec.Open311Error(500, ["something went wrong on our side; it has "
                                                                  "been logged"]))
        return wrapper
    return decorate


def _rendered(fmt, root, data, status=200, headers=None):
    response = Response(spec.render(fmt, root, data), status=status, content_type=spec.CONTENT_TYPES[fmt])
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return with_correlation_id(response)


def _error_answer(fmt, error):
    return _rendered(fmt, "errors", error.body(), error.status, error.headers)


def _from_platform(error):
    """A platform error (the gateway's own, or a service's) in the spec's terms: 403 for who the caller is,
    404 for what does not exist, 429 and 503 as they are, 409 and 422 as they are (only an Idempotency-Key,
    not in the spec, gives them), 400 for the rest of what the client sent."""
    status = {401: 403, 403: 403, 404: 404, 409: 409, 422: 422, 429: 429, 503: 503}.get(error.status, 400)
    descriptions = [error.message]
    if isinstance(error.details, dict) and error.status in (400, 422):
        descriptions += spec.field_errors(error.details)
    return spec.Open311Error(status, descriptions, getattr(error, "headers", None))


class _BearerRequest:
    """What the gateway's Authenticator reads of a request: its Authorization header."""

    def __init__(self, token):
        self.headers = {"Authorization": f"Bearer {token}"}


def _claims(token):
    """The payload of a token the Authenticator has verified already."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


class Open311Routes(GatewayPart):
    client_address = ClientAddress()
    throttle = Throttle()
    idempotency = Idempotency()
    intake = SignedRpcProxy("intake")
    search = SignedRpcProxy("search")
    identity = SignedRpcProxy("identity")

    @http("GET", PREFIX + "/discovery.<format>", doc=_operation(
        "Open311 service discovery", _DISCOVERY, "The endpoints, their formats, and how to get an api_key.", errors=(404,)))
    @open311("discovery")
    def open311_discovery(self, request, fmt):
        settings = settings_of(self.config)
        return spec.discovery(settings.oidc_issuer.rstrip("/") + PREFIX, settings.sorasori_env == "production")

    @http("GET", PREFIX + "/services.<format>", doc=_operation(
        "Open311 services: the catalogue's categories", {"type": "array", "items": _SERVICE},
        "Each category is a service (`service_code` = the category's code, `group` = its department); every one "
        "has attributes (`metadata: true`): the district where it happened, and optional block, municipality "
        "and ward.", errors=(404,)))
    @open311("services")
    def open311_services(self, request, fmt):
        return spec.services()

    @http("GET", PREFIX + "/services/<service_code>.<format>", doc=_operation(
        "Open311 service definition: the attributes a service asks for", _DEFINITION,
        "`district` is a list of the 23 districts, required unless the category is handled statewide.",
        errors=(404,)))
    @open311("service_definition")
    def open311_service_definition(self, request, fmt, service_code):
        return spec.service_definition(service_code)

    @http("POST", PREFIX + "/requests.<format>", doc=_operation(
        "Open311: file a service request (a grievance, channel open311)", _CREATED,
        "`api_key` is a machine client's `<client_id>:<client_secret>`; the client needs the scope "
        "`open311`. A location is required: `lat` and `long`, or `address_string`. "
        "`attribute[district]` (and optional `attribute[block]`, `attribute[municipality]`, `attribute[ward]`) "
        "as the service definition says; `first_name` or `last_name`; `phone` an Indian mobile. `media_url` and "
        "`address_id` are refused. The request is filed at once (`realtime`). Not in the spec: an "
        "`Idempotency-Key` header makes a retry answer the first answer and file nothing more.",
        errors=(400, 403, 404, 409, 422, 429, 503), request=spec.RequestFormSchema, body=FORM, scope=Scope.OPEN311))
    @open311("service_requests")
    def open311_create_request(self, request, fmt):
        if request.content_length and request.content_length > MAX_BODY_BYTES:
            raise spec.Open311Error(400, [f"the body may be at most {MAX_BODY_BYTES} bytes"])
        arguments, attributes = spec.split_form(request.form)
        key = request.headers.get(idempotency.HEADER)
        if key is not None and not is_idempotency_key(key):
            raise spec.Open311Error(400, [f"{idempotency.HEADER}: {IDEMPOTENCY_KEY_RULE}"])
        address = self.client_address(request)
        self.throttle.admit(TOKEN, address)  # every api_key tried is a client secret tried
        actor = self._client_for(spec.api_key_parts(arguments.get("api_key")))
        self.throttle.admit(FILING, address, principal=actor["sub"])
        grievance = spec.grievance_from(arguments, attributes)

        def file():
            filed = self._rpc("intake", self.intake.file_grievance, grievance, actor, *([key] if key else []))
            return _rendered(fmt, "service_requests", spec.created_answer(filed["tracking_id"], grievance["category"]))

        if key is None:
            return file()
        sent = {"arguments": {k: v for k, v in arguments.items() if k != "api_key"}, "attributes": attributes}
        try:  # the same key and form again answer the first answer (in its format), and file nothing more
            return self.idempotency.run(idempotency.key_id(actor, key),
                                        idempotency.fingerprint(request.method, request.path, sent), file)
        except PyMongoError as error:
            log.error("the idempotency store failed", extra={"error": str(error)})
            raise spec.Open311Error(503, ["retries cannot be made safe right now; try again in a minute"],
                                    {"Retry-After": "60"}) from None

    open311_create_request.idempotent = True  # Idempotency-Key, as on every state-changing POST (OpenAPI, tests)

    @http("GET", PREFIX + "/requests.<format>", doc=_operation(
        "Open311: service requests, newest first", {"type": "array", "items": _REQUEST},
        "Filters as the spec has them: `service_request_id` (comma-separated, overrides the others), "
        "`service_code` (comma-separated), `start_date`/`end_date` on the filing time (w3 format; the most "
        "recent 90 days by default, never wider), `status` (`open`, `closed`). At most 1000. Public data only: "
        "no person, no description (the subject, its numbers masked, stands in), the place at block level.",
        query=spec.RequestsQuerySchema))
    @open311("service_requests")
    def open311_requests(self, request, fmt):
        self.throttle.admit(SEARCH, self.client_address(request))
        params = spec.requests_filter(request.args.to_dict(), datetime.now(UTC))
        return [spec.service_request(case) for case in self._public_cases(params)]

    @http("GET", PREFIX + "/requests/<service_request_id>.<format>", doc=_operation(
        "Open311: one service request", {"type": "array", "items": _REQUEST},
        "The request by its id (the tracking ID), in the same public projection as the list. A request just "
        "filed shows here once the search index has it (within a second or so)."))
    @open311("service_requests")
    def open311_request(self, request, fmt, service_request_id):
        return [spec.service_request(case) for case in self._one(request, service_request_id)]

    @http("GET", PREFIX + "/tokens/<token>.<format>", doc=_operation(
        "Open311: the service_request_id of a token", _TOKEN,
        "Requests are filed at once (`realtime`), so a request's token is its service_request_id; this "
        "answers for clients that ask anyway."))
    @open311("service_requests")
    def open311_token(self, request, fmt, token):
        return spec.token_answer(self._one(request, token)[0]["tracking_id"])

    def _one(self, request, tracking_id):
        self.throttle.admit(CASE_LOOKUP, self.client_address(request))
        found = self._public_cases({"tracking_ids": [tracking_id], "size": 1}) if len(tracking_id) <= 20 else []
        if not found:
            raise spec.Open311Error(404, [f"service request {tracking_id} was not found"])
        return found

    def _public_cases(self, params):
        return [] if params is None else self._rpc("search", self.search.public_cases, params)

    def _client_for(self, key):
        """The machine client an api_key names, as the gateway's authentication knows it (a verified
        client-credentials token from identity); Open311Error(403) otherwise."""
        client_id, secret = key
        basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        issuer = settings_of(self.config).oidc_issuer.rstrip("/")
        answer = self._rpc("identity", self.identity.token, {
            "method": "POST", "url": issuer + "/oauth/token", "args": {},
            "headers": {"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
            "form": {"grant_type": "client_credentials"}})
        token = json.loads(answer["body"]).get("access_token") if answer["status"] == 200 else None
        if not token:
            raise spec.Open311Error(403, ["api_key is invalid: no machine client has this id and secret"])
        actor = self.authenticate(_BearerRequest(token))  # a machine client's: identity made it for client credentials
        if not spec.may_file(_claims(token).get("scope")):
            raise spec.Open311Error(403, ["this api_key's client may not file through Open311 (scope open311)"])
        return actor
