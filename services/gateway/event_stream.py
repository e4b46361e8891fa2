"""The public event stream's contract, served by the gateway (a part of GatewayService): the JSON Schema of each
public type's data at /api/v1/events/schemas/{type}.json (every event's `dataschema` points there) and the
AsyncAPI 3.0 document at /api/v1/asyncapi.json, both built from shared/public_events.py."""
from functools import cache

from services.gateway.base import GatewayPart
from services.gateway.http_server import http
from services.gateway.openapi import Operation
from services.gateway.problems import problem
from services.gateway.responses import json_response
from shared import asyncapi, public_events
from shared.broker_access import public_vhost

CACHED = {"Cache-Control": "public, max-age=300"}
SUFFIX = ".json"


@cache
def asyncapi_document(base_url, host, vhost):
    return asyncapi.build(base_url, host, vhost)


class EventStreamRoutes(GatewayPart):
    @http("GET", "/api/v1/events/schemas/<string:event_type>", doc=Operation(
        "The JSON Schema (2020-12) of one public event type's data", tags=("Event stream",), public=True,
        responses={200: {"type": "object", "description": "a JSON Schema whose `$id` is this URL"}},
        description="`event_type` is the CloudEvent's type and `.json`, e.g. "
                    "`in.gov.wb.sorasori.grievance.filed.v1.json`: what each event's `dataschema` names."))
    def event_schema(self, request, event_type):
        kind = event_type.removesuffix(SUFFIX)
        if not event_type.endswith(SUFFIX) or kind not in public_events.PUBLIC_TYPES:
            return problem(404, f"no public event type {kind}", instance=request.path)
        return json_response(public_events.data_schema(kind, self.settings.oidc_issuer), headers=CACHED)

    @http("GET", "/api/v1/asyncapi.json", doc=Operation(
        "The public event stream's AsyncAPI 3.0 document", tags=("Event stream",), public=True,
        responses={200: {"type": "object", "description": "an AsyncAPI 3.0 document"}},
        description="Channels (routing-key patterns with department and district), one CloudEvent message per "
                    "public type, the AMQP server and the subscribers' security scheme."))
    def asyncapi_document(self, request):
        # the broker as subscribers reach it (PUBLIC_BROKER_URL, the address their credentials name)
        host = self.settings.public_broker_url.rstrip("/").split("://", 1)[-1]
        document = asyncapi_document(self.settings.oidc_issuer, host, public_vhost(self.config))
        return json_response(document, headers=CACHED)
