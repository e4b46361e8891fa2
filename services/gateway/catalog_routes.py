"""GET /api/v1/catalog (a mixin of GatewayService): the districts (with their blocks and urban local
bodies), departments and categories with their names in English, Bengali and Hindi, for clients' pickers. The same for everyone and changed only by a
release, so it is served from shared/catalog.py without a service call, with an ETag from its content
(If-None-Match answers 304); client_http makes it publicly cacheable."""
import hashlib
import json
from functools import lru_cache

from werkzeug.wrappers import Response

from services.gateway.http_server import http
from services.gateway.list_schemas import CatalogSchema
from services.gateway.openapi import Media, Operation
from services.gateway.responses import with_correlation_id
from shared.catalog import public_catalog


@lru_cache(maxsize=1)
def catalog_document():
    """The catalogue's JSON and a hash of those bytes for its ETag."""
    body = json.dumps(public_catalog(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return body, hashlib.sha256(body).hexdigest()[:32]


class CatalogRoutes:
    @http("GET", "/api/v1/catalog", doc=Operation(
        "Districts with their blocks and municipalities, departments and categories, named in bn, en and hi", tags=("Catalogue",),
        public=True, request_headers=("If-None-Match",), answer_headers=("ETag",),
        responses={200: CatalogSchema, 304: Media(None, "not modified: the ETag still matches", ("ETag",))},
        description="Build pickers from it; cache it (`ETag`, `Cache-Control: public`)."))
    def catalog(self, request):
        body, etag = catalog_document()
        if request.if_none_match.contains_weak(etag):
            response = Response(status=304)
        else:
            response = Response(body, status=200, mimetype="application/json")
        response.set_etag(etag, weak=True)  # weak: the gzipped and plain copies are the same content
        return with_correlation_id(response)
