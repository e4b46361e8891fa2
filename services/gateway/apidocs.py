"""The API's own description, served by the gateway (a part of GatewayService): the OpenAPI document at
/api/v1/openapi.json, and a human docs page at /api/docs (Swagger UI, installed from npm by
`make docs-assets` into services/gateway/docs/node_modules and served from there: no CDN at run time)."""
from functools import cache
from pathlib import Path

from werkzeug.wrappers import Response

from services.gateway import openapi
from services.gateway.base import GatewayPart
from services.gateway.http_server import http
from services.gateway.openapi import HTML, Media, Operation
from services.gateway.problems import problem
from services.gateway.responses import json_response

HERE = Path(__file__).parent / "docs"
SWAGGER_UI = HERE / "node_modules" / "swagger-ui-dist"
# The only files served under /api/docs/: name -> (file, content type). Nothing else is reachable.
ASSETS = {
    "swagger-ui.css": (SWAGGER_UI / "swagger-ui.css", "text/css"),
    "swagger-ui-bundle.js": (SWAGGER_UI / "swagger-ui-bundle.js", "text/javascript"),
    "init.js": (HERE / "init.js", "text/javascript"),
}
# Swagger UI's stylesheet draws its icons from data: URIs; everything else comes from the gateway itself.
PAGE_POLICY = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'"
CACHED = {"Cache-Control": "public, max-age=3600"}


@cache
def document_of(service_cls):
    return openapi.build(service_cls)


@cache
def _read(path):
    return path.read_bytes()


class DocsRoutes(GatewayPart):
    @http("GET", "/api/v1/openapi.json", doc=Operation(
        "This API's OpenAPI 3.1 document", tags=("Docs",), public=True,
        responses={200: {"type": "object", "description": "an OpenAPI 3.1 document"}}))
    def openapi_document(self, request):
        return json_response(document_of(type(self)), headers={"Cache-Control": "public, max-age=300"})

    @http("GET", "/api/docs", doc=Operation(
        "This API's documentation, for people", tags=("Docs",), public=True, responses={200: HTML}))
    def docs_page(self, request):
        response = Response(_read(HERE / "index.html"), mimetype="text/html")
        response.headers["Content-Security-Policy"] = PAGE_POLICY
        response.headers["X-Frame-Options"] = "DENY"
        response.headers.update(CACHED)
        return response

    @http("GET", "/api/docs/<string:asset>", doc=Operation(
        "The documentation page's script and stylesheet", tags=("Docs",), public=True,
        responses={200: Media("text/javascript", "a script or stylesheet of the docs page")}))
    def docs_asset(self, request, asset):
        if asset not in ASSETS:
            return problem(404, f"no such file: {asset}", instance=request.path)
        path, content_type = ASSETS[asset]
        if not path.exists():
            return problem(503, "the docs page's files are not installed: run `make docs-assets`",
                           instance=request.path)
        return Response(_read(path), mimetype=content_type, headers=CACHED)
