"""The gateway's OpenAPI document: every route is documented, every documented answer has a schema, errors
are the one problem schema, and the document is valid OpenAPI 3.1."""
import pytest
from openapi_spec_validator import validate

from services.gateway import openapi
from services.gateway.http_server import http
from services.gateway.openapi import Operation
from services.gateway.service import GatewayService

NO_BODY = {"302", "204", "304"}


def undocumented(service_cls):
    return [f"{method} {rule}" for method, rule, entrypoint, _ in openapi.routes(service_cls)
            if openapi.operation_of(entrypoint) is None]


def without_schema(document):
    """(operation, status) of every answer that says nothing about its body."""
    missing = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if not operation["responses"]:
                missing.append((f"{method.upper()} {path}", "no responses"))
            for status, response in operation["responses"].items():
                if "$ref" in response:
                    name = response["$ref"].rsplit("/", 1)[-1]
                    response = document["components"]["responses"].get(name)
                    if response is None:
                        missing.append((f"{method.upper()} {path}", status))
                        continue
                if status in NO_BODY:
                    continue
                schemas = [media.get("schema") for media in response.get("content", {}).values()]
                if not schemas or not all(schemas):
                    missing.append((f"{method.upper()} {path}", status))
    return missing


@pytest.fixture(scope="module")
def document():
    return openapi.build(GatewayService)


def test_every_route_declares_its_operation():
    assert undocumented(GatewayService) == []


def test_every_documented_answer_has_a_schema(document):
    assert without_schema(document) == []


def test_every_route_is_in_the_document_and_nothing_else(document):
    in_code = {(method.lower(), openapi.openapi_path(rule)) for method, rule, _, _ in openapi.routes(GatewayService)}
    in_document = {(method, path) for path, operations in document["paths"].items() for method in operations}
    assert in_code == in_document and len(in_code) > 35


def test_the_checks_catch_an_undocumented_route_and_an_answer_without_schema():
    class Careless:
        @http("GET", "/api/v1/forgotten")
        def forgotten(self, request):
            return None

        @http("GET", "/api/v1/vague", doc=Operation("Vague", public=True, responses={200: {}}))
        def vague(self, request):
            return None

    assert undocumented(Careless) == ["GET /api/v1/forgotten"]
    assert without_schema(openapi.build(Careless)) == [("GET /api/v1/vague", "200")]


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_client_errors_are_the_one_problem_schema(document):
    problem_refs = {f"#/components/responses/Problem{status}" for status in range(400, 600)}
    for path, operations in document["paths"].items():
        if not path.startswith("/api/"):
            continue  # OAuth's endpoints answer in OAuth's format, the sign-in page in HTML
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400 and path != "/health":
                    assert response.get("$ref") in problem_refs, (method, path, status, response)
    for name, response in document["components"]["responses"].items():
        schema = response["content"]["application/problem+json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/Problem"}, name
    assert {"type", "title", "status", "detail", "instance", "errors"} <= set(
        document["components"]["schemas"]["Problem"]["properties"])


def test_actions_are_named_and_one_of_them_by_action(document):
    from services.intake.schemas import ACTION_SCHEMAS

    schemas = document["components"]["schemas"]
    union = schemas["ActionRequest"]
    assert set(union["discriminator"]["mapping"]) == set(ACTION_SCHEMAS)
    assert len(union["oneOf"]) == len(ACTION_SCHEMAS)
    for action, ref in union["discriminator"]["mapping"].items():
        named = schemas[ref.rsplit("/", 1)[-1]]
        assert named["properties"]["action"] == {"type": "string", "const": action}
        assert "action" in named["required"]
    body = document["paths"]["/api/v1/grievances/{tracking_id}/actions"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ActionRequest"}


# The operations machine clients may call and the scope each needs (shared.authz.require_route_scope); every
# other operation that needs a token refuses them. A route opened to machine clients is added here.
CLIENT_SCOPES_OF = {
    ("post", "/api/v1/grievances"): "grievances:file",
    ("get", "/api/v1/grievances/{tracking_id}"): "grievances:read",
    ("get", "/api/v1/search"): "grievances:read",
    ("get", "/api/v1/insights/{name}"): "insights:read",
    ("get", "/api/v1/subscribers"): "events:subscribe",
    ("post", "/api/v1/subscribers"): "events:subscribe",
    ("get", "/api/v1/subscribers/{subscriber_id}"): "events:subscribe",
    ("delete", "/api/v1/subscribers/{subscriber_id}"): "events:subscribe",
    ("get", "/api/v1/webhooks"): "events:subscribe",
    ("post", "/api/v1/webhooks"): "events:subscribe",
    ("patch", "/api/v1/webhooks/{subscription_id}"): "events:subscribe",
    ("delete", "/api/v1/webhooks/{subscription_id}"): "events:subscribe",
    ("post", "/api/v1/webhooks/{subscription_id}/rotate-secret"): "events:subscribe",
}


def test_security_schemes_and_roles_are_declared(document):
    from shared.vocabulary import CLIENT_SCOPES

    schemes = document["components"]["securitySchemes"]
    assert "authorizationCode" in schemes["oauth2"]["flows"]
    machine = schemes["clientCredentials"]["flows"]["clientCredentials"]
    assert machine["tokenUrl"] == "/oauth/token" and set(machine["scopes"]) == set(CLIENT_SCOPES)
    assert schemes["bearer"] == {**schemes["bearer"], "type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    queue = document["paths"]["/api/v1/officer/queue"]["get"]
    assert "officer" in queue["x-roles"] and {"bearer": []} in queue["security"]
    assert document["paths"]["/.well-known/jwks.json"]["get"]["security"] == []


def test_answers_are_dumped_through_their_documented_schema():
    from services.gateway import schemas
    from services.gateway.web import api

    class Routes:
        @http("GET", "/api/v1/queue", doc=Operation("Queue", public=True, responses={200: schemas.QueueSchema}))
        @api
        def queue(self, request):
            return 200, {"officer_id": "o-1", "count": 0, "items": [], "internal": "not for clients"}, {}

        @http("GET", "/api/v1/case", doc=Operation("Case", public=True,
                                                   responses={200: schemas.CaseForComplainantSchema}))
        @api
        def case(self, request):
            return 200, {"tracking_id": "WB-1", "status": "filed", "sla_deadline": "2026-12-01T00:00:00+00:00",
                         "timeline": [{"at": "2026-11-29T10:00:00+00:00", "kind": "status", "public": True,
                                       "by": {"role": "officer"}, "extra": 1}]}, {}

    import json

    queue = json.loads(Routes().queue(type("Request", (), {"path": "/api/v1/queue"})()).get_data())
    assert queue == {"officer_id": "o-1", "count": 0, "items": []}
    case = json.loads(Routes().case(type("Request", (), {"path": "/api/v1/case"})()).get_data())
    assert case["sla_deadline"] == "2026-12-01T00:00:00+00:00"  # open: what it does not name is kept
    assert case["timeline"][0] == {"at": "2026-11-29T10:00:00+00:00", "kind": "status", "public": True,
                                   "by": {"role": "officer"}, "extra": 1}


def test_an_answer_its_schema_does_not_describe_is_logged_and_passed_on_not_a_500(caplog):
    from services.gateway import schemas
    from services.gateway.web import dumped

    operation = Operation("Queue", public=True, responses={200: schemas.QueueSchema})
    assert dumped(operation, 200, {"officer_id": "o-1", "count": 1, "items": 5}) == {
        "officer_id": "o-1", "count": 1, "items": 5}
    assert "does not match its documented schema" in caplog.text
    assert dumped(operation, 201, {"anything": 1}) == {"anything": 1}  # no schema for 201: as it is


def test_each_operation_shows_the_scope_a_machine_client_needs(document):
    offered = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            scopes = [requirement["clientCredentials"] for requirement in operation["security"]
                      if "clientCredentials" in requirement]
            if scopes:
                offered[(method, path)] = scopes[0][0]
                assert len(scopes) == 1 and len(scopes[0]) == 1
                assert "client" in operation["x-roles"] and f"scope `{scopes[0][0]}`" in operation["description"]
            else:
                assert "client" not in operation.get("x-roles", []), (method, path)
    assert offered == CLIENT_SCOPES_OF


def test_the_insight_names_and_the_special_close_action_are_documented():
    document = openapi.build(GatewayService)
    insight = document["paths"]["/api/v1/insights/{name}"]["get"]
    name = next(p for p in insight["parameters"] if p["name"] == "name")
    assert "special-closes" in name["schema"]["enum"] and "escalations" in name["schema"]["enum"]
    assert "special_close" in str(document["components"]) and "reopen_special_close" in str(document["components"])
