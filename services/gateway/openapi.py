"""The gateway's OpenAPI 3.1 document, generated from its routes: each route declares its operation next
to its code, `@http("GET", "/path", doc=Operation(...))`, with marshmallow schemas for what it takes and
answers; this module turns them into the document served at /api/v1/openapi.json.

Each operation gets the problem answers its route can give without listing them: 400 when it reads a body,
a query or an Idempotency-Key, 401 and 403 when it needs a token, 404 when its path names something, 413
and 415 when it reads JSON, 429 when it is throttled, 414 (a URL too long) and 503 (a service that does not
answer) always. `errors` adds the others (409, 422).
"""
import re
from dataclasses import dataclass, field
from http import HTTPStatus

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from services.gateway import schemas
from services.gateway.problems import MEDIA_TYPE as PROBLEM
from shared.validators import IDEMPOTENCY_KEY as IDEMPOTENCY_KEY_PATTERN
from shared.vocabulary import SCOPE_DESCRIPTIONS

TITLE = "Sorasori API"
VERSION = "1"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
BEARER = "bearer"
OAUTH = "oauth2"
CLIENTS = "clientCredentials"  # machine clients: the route's `scope` (shared.vocabulary.Scope)
DEFAULT_SCOPES = ["openid", "grievances"]


@dataclass(frozen=True)
class Media:
    """An answer that is not JSON: a CSV export, an HTML page, a redirect (no body)."""
    content_type: str | None
    description: str
    headers: tuple = ()


@dataclass(frozen=True)
class Negotiated:
    """An answer whose media type the request chooses (Open311's `.json`/`.xml` suffix): `schema` (a JSON
    Schema) describes the JSON; the other media types carry the same document as text."""
    schema: dict
    description: str
    others: tuple = ()
    headers: tuple = ()


CSV = Media("text/csv", "the table as CSV (UTF-8 with a byte-order mark), streamed")
HTML = Media("text/html", "an HTML page")
REDIRECT = Media(None, "a redirect to the client's redirect URI (or the next sign-in step)", ("Location",))


@dataclass(frozen=True)
class Operation:
    """One route's contract. `responses`: {status: a schema class (JSON), a dict JSON Schema, or a Media}.
    `roles`: who may call (the services decide in the end; `x-roles` says who is meant to). `public`: no
    token is needed. `body`: the request's media type, JSON (the default) or FORM. `scope`: what a machine
    client's token must hold to call the route (None: machine clients may not; shared.authz)."""
    summary: str
    responses: dict
    request: object = None
    query: type | None = None
    roles: tuple = ()
    public: bool = False
    errors: tuple = ()
    body: str = JSON
    description: str = ""
    tags: tuple = field(default=())
    request_headers: tuple = ()  # optional request headers the route reads (If-Match, If-None-Match)
    answer_headers: tuple = ()  # headers on its JSON answers (ETag)
    exports: tuple = ()  # Media its 200 answer may take instead of JSON (CSV, when the query asks for it)
    path: dict = field(default_factory=dict)  # a path parameter's JSON Schema, where a plain string says too little
    scope: str | None = None


def operation_of(entrypoint):
    return getattr(entrypoint, "doc", None)


def routes(service_cls):
    """(method, werkzeug rule, entrypoint, handler) of every HTTP route of the service class."""
    from services.gateway.http_server import JsonHttpRequestHandler

    found = []
    for name in dir(service_cls):
        for entrypoint in getattr(getattr(service_cls, name), "nameko_entrypoints", ()):
            if isinstance(entrypoint, JsonHttpRequestHandler):
                found.append((entrypoint.method, entrypoint.url, entrypoint, getattr(service_cls, name)))
    return sorted(found, key=lambda route: (route[1], route[0]))


def openapi_path(rule):
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def path_parameters(rule):
    return re.findall(r"<(?:\w+:)?(\w+)>", rule)


def build(service_cls):
    spec = APISpec(title=TITLE, version=VERSION, openapi_version="3.1.0", plugins=[MarshmallowPlugin()],
                   info={"description": "The Sorasori grievance platform's HTTP API, for web and mobile clients, "
                                        "officers and other state systems. Errors are RFC 9457 problem details."})
    _security_schemes(spec)
    spec.components.schema("Problem", schema=schemas.ProblemSchema)
    for view in (schemas.CaseForComplainantSchema, schemas.CaseForStaffSchema):  # named in a oneOf by reference
        spec.components.schema(view.__name__.removesuffix("Schema"), schema=view)
    for status in (400, 401, 403, 404, 405, 409, 411, 412, 413, 414, 415, 422, 429, 503):
        spec.components.response(_problem_name(status), _problem_response(status))
    actions = _action_schemas(spec)
    found = routes(service_cls)
    methods_of = {}
    for method, _, _, handler in found:
        methods_of.setdefault(handler.__name__, []).append(method)
    for method, rule, entrypoint, handler in found:
        doc = operation_of(entrypoint)
        if doc is None:
            continue  # tests/unit/test_openapi.py fails for it
        operation = _operation(doc, rule, actions, handler)
        operation["operationId"] = _operation_id(handler.__name__, method, methods_of)
        spec.path(path=openapi_path(rule), operations={method.lower(): operation})
    document = spec.to_dict()
    _open_ended(document)
    return document


def _operation_id(name, method, methods_of):
    """The route's function name (what generated clients call the operation: `file_grievance`), with its
    method in front when one function answers several methods (`get_userinfo`, `post_userinfo`)."""
    return f"{method.lower()}_{name}" if len(methods_of[name]) > 1 else name


def _security_schemes(spec):
    spec.components.security_scheme(OAUTH, {
        "type": "oauth2",
        "description": "Citizens sign in with the authorization code flow and PKCE (S256) by a code sent by SMS.",
        "flows": {
            "authorizationCode": {"authorizationUrl": "/oauth/authorize", "tokenUrl": "/oauth/token",
                                  "refreshUrl": "/oauth/token",
                                  "scopes": {"openid": "who you are", "grievances": "file and follow grievances"}},
        }})
    spec.components.security_scheme(CLIENTS, {
        "type": "oauth2",
        "description": "Other state systems: machine clients an administrator registered, with client credentials "
                       "(HTTP Basic at the token endpoint). A token holds some of the client's scopes (ask with "
                       "`scope`; none: all of them) and the client's departments and districts; each operation "
                       "open to machine clients names the one scope it needs.",
        "flows": {"clientCredentials": {"tokenUrl": "/oauth/token",
                                        "scopes": {str(scope): text for scope, text in SCOPE_DESCRIPTIONS.items()}}}})
    spec.components.security_scheme(BEARER, {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                                             "description": "an access token the identity service signed"})


def _problem_name(status):
    return "Problem" + str(status)


def _problem_response(status):
    response = {"description": HTTPStatus(status).phrase,
                "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    header = {405: "Allow", 429: "Retry-After", 503: "Retry-After"}.get(status)
    if header:
        response["headers"] = {header: {"schema": {"type": "string"}}}
    return response


def _action_schemas(spec):
    """Intake's per-action schemas, named, and one request that is any of them by its `action`."""
    from services.intake.schemas import ACTION_SCHEMAS

    mapping = {}
    for action, schema in sorted(ACTION_SCHEMAS.items()):
        name = "".join(part.title() for part in action.split("_")) + "Action"
        spec.components.schema(name, schema=schema)
        spec.components.schemas[name]["properties"]["action"] = {"type": "string", "const": action}
        mapping[action] = f"#/components/schemas/{name}"
    spec.components.schema("ActionRequest", component={
        "oneOf": [{"$ref": ref} for ref in mapping.values()],
        "discriminator": {"propertyName": "action", "mapping": mapping}})
    return {"$ref": "#/components/schemas/ActionRequest"}


IDEMPOTENCY_KEY = {"in": "header", "name": "Idempotency-Key", "required": False,
                   "description": "Retry safely: the same key with the same body answers the first answer again "
                                  "(with `Idempotent-Replayed: true`); with another body, 422; while the first "
                                  "is in flight, 409. Keys are kept 24 hours per caller.",
                   "schema": {"type": "string", "minLength": 1, "maxLength": 255,
                              "pattern": IDEMPOTENCY_KEY_PATTERN.pattern}}


def _operation(doc, rule, actions, handler):
    throttled = getattr(handler, "throttled", False)
    idempotent = getattr(handler, "idempotent", False)
    roles = list(doc.roles)
    described = doc.description + (f"\n\nFor: {', '.join(roles)}." if roles else "")
    operation = {"summary": doc.summary, "description": described.strip(), "responses": {}}
    if doc.tags:
        operation["tags"] = list(doc.tags)
    if roles:
        operation["x-roles"] = roles
    operation["security"] = [] if doc.public else [{BEARER: []}, {OAUTH: DEFAULT_SCOPES}] + (
        [{CLIENTS: [str(doc.scope)]}] if doc.scope else [])
    if doc.scope:
        described += f"\n\nMachine clients: scope `{doc.scope}`."
        operation["description"] = described.strip()
    parameters = [{"in": "path", "name": name, "required": True, "schema": doc.path.get(name, {"type": "string"})}
                  for name in path_parameters(rule)]
    if doc.query is not None:
        parameters.append({"in": "query", "schema": doc.query})
    parameters += [{"in": "header", "name": name, "required": False, "schema": {"type": "string"}}
                   for name in doc.request_headers]
    if idempotent:
        parameters.append(IDEMPOTENCY_KEY)
    if parameters:
        operation["parameters"] = parameters
    if doc.request is not None:
        request = actions if doc.request == "actions" else doc.request
        operation["requestBody"] = {"required": True,
                                    "content": {doc.body: {"schema": request}}}
    answer_headers = doc.answer_headers + (("Idempotent-Replayed",) if idempotent else ())
    for status, answer in doc.responses.items():
        operation["responses"][str(status)] = _response(status, answer)
        if answer_headers and 200 <= status < 300 and not isinstance(answer, (Media, Negotiated)):
            operation["responses"][str(status)]["headers"] = {name: {"schema": {"type": "string"}}
                                                              for name in answer_headers}
    for media in doc.exports:
        operation["responses"]["200"]["content"][media.content_type] = {"schema": {"type": "string"}}
    for status in _problems(doc, rule, throttled) + ([400, 409, 422] if idempotent else []):  # 400: a bad key
        operation["responses"].setdefault(str(status), {"$ref": f"#/components/responses/{_problem_name(status)}"})
    return operation


def _response(status, answer):
    description = HTTPStatus(status).phrase
    if isinstance(answer, Negotiated):
        content = {JSON: {"schema": answer.schema}, **{media: {"schema": {"type": "string"}} for media in answer.others}}
        response = {"description": answer.description, "content": content}
        if answer.headers:
            response["headers"] = {name: {"schema": {"type": "string"}} for name in answer.headers}
        return response
    if isinstance(answer, Media):
        response = {"description": answer.description}
        if answer.content_type:
            response["content"] = {answer.content_type: {"schema": {"type": "string"}}}
        if answer.headers:
            response["headers"] = {name: {"schema": {"type": "string"}} for name in answer.headers}
        return response
    return {"description": description, "content": {JSON: {"schema": answer}}}


def _problems(doc, rule, throttled):
    found = {414, 503}  # any URL may be too long
    if doc.request is not None or doc.query is not None:
        found.add(400)
    if doc.request is not None and doc.body == JSON:
        found |= {413, 415}
    if not doc.public:
        found |= {401, 403}
    if path_parameters(rule):
        found.add(404)
    if throttled:
        found.add(429)
    return sorted(found | set(doc.errors))


def _open_ended(document):
    """Schemas of answers that carry more than they name say so (schemas.Open), and which fields they never
    carry (so that a case for its complainant and a case for staff are told apart)."""
    open_schemas = {cls.__name__.removesuffix("Schema"): cls for cls in _subclasses(schemas.Open)}
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        if name in open_schemas:
            schema["additionalProperties"] = True
            absent = open_schemas[name].never_carries
            if absent:
                schema["not"] = {"anyOf": [{"required": [field]} for field in absent]}


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)
