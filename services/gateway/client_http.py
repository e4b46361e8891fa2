"""What browsers and mobile clients need from every answer, applied once to all of them by the gateway's WSGI
app (http_server.py): CORS for an allow-list of origins (preflights answered before routing), the
Cache-Control policy, and gzip for larger JSON answers."""
import gzip

from werkzeug.http import parse_accept_header
from werkzeug.wrappers import Response

from shared.settings import settings_of

CORS_MAX_AGE = 600  # seconds a browser may reuse a preflight's answer
ALLOWED_HEADERS = ("Authorization", "Content-Type", "Accept-Language", "Idempotency-Key", "If-Match",
                   "If-None-Match", "X-Correlation-ID", "traceparent")
GZIP_TAG = "-gzip"  # the strong ETag of a gzipped answer: "7-gzip" (as Apache httpd does)
EXPOSED_HEADERS = ("ETag", "Location", "Retry-After", "Link", "Deprecation", "Sunset", "Content-Disposition",
                   "X-Correlation-ID", "traceresponse")
# The only answers a shared cache may keep: the same for every caller, and never personal (seconds).
PUBLIC_MAX_AGE = {
    "/.well-known/openid-configuration": 300,
    "/.well-known/jwks.json": 60,  # short: a rotated key must reach relying parties quickly
    "/api/v1/catalog": 3600,
    "/api/v1/openapi.json": 300,
    "/api/docs": 300,
}
GZIP_MIN_BYTES = 1024  # below this the gzip header and a round of CPU cost more than they save
GZIP_LEVEL = 6


def allowed_origins(config):
    """`CORS_ORIGINS`: comma-separated origins (`https://app.example`); empty: no cross-origin access."""
    raw = settings_of(config).cors_origins or ""
    return frozenset(origin.strip().rstrip("/") for origin in raw.split(",") if origin.strip())


class ClientHeaders:
    def __init__(self, config):
        self.origins = allowed_origins(config)

    def preflight(self, environ, methods_for_path):
        """The answer to a CORS preflight, or None for any other request (routed as usual). `methods_for_path`
        gives the methods the path's routes take (empty: no such path, which routing answers with its 404)."""
        if environ.get("REQUEST_METHOD") != "OPTIONS" or "HTTP_ACCESS_CONTROL_REQUEST_METHOD" not in environ:
            return None
        origin = environ.get("HTTP_ORIGIN")
        if not origin:
            return None
        methods = sorted(set(methods_for_path(environ.get("PATH_INFO", ""))) - {"OPTIONS"})
        if not methods:
            return None
        response = Response(status=204)
        if origin in self.origins:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Methods"] = ", ".join(methods)
            response.headers["Access-Control-Allow-Headers"] = ", ".join(ALLOWED_HEADERS)
            response.headers["Access-Control-Max-Age"] = str(CORS_MAX_AGE)
        # an origin not on the list gets no Access-Control-* header: the browser refuses the real request
        return response

    def finish(self, environ, response):
        self._cors(environ, response)
        self._cache_control(environ, response)
        return compress(environ, response)

    def _cors(self, environ, response):
        response.vary.add("Origin")  # caches must not hand one origin's answer to another
        origin = environ.get("HTTP_ORIGIN")
        if origin and origin in self.origins:
            response.headers["Access-Control-Allow-Origin"] = origin
            if environ.get("REQUEST_METHOD") != "OPTIONS":
                response.headers["Access-Control-Expose-Headers"] = ", ".join(EXPOSED_HEADERS)

    @staticmethod
    def _cache_control(environ, response):
        """Public only for the few documents that are the same for everyone; no-store for everything else
        (personal data, answers to a token, errors): a new route cannot forget it."""
        max_age = PUBLIC_MAX_AGE.get(environ.get("PATH_INFO", ""))
        readable = environ.get("REQUEST_METHOD") in ("GET", "HEAD") and response.status_code in (200, 304)
        if max_age is not None and readable:
            response.headers["Cache-Control"] = f"public, max-age={max_age}"
        else:
            response.headers["Cache-Control"] = "no-store"


def accepts_gzip(environ):
    return parse_accept_header(environ.get("HTTP_ACCEPT_ENCODING", "")).quality("gzip") > 0


def compress(environ, response):
    """gzip a JSON answer over GZIP_MIN_BYTES when the client takes gzip. A compressed answer's bytes differ
    from the plain one's, so its strong ETag gets the `GZIP_TAG` suffix: still strong (If-Match on a case
    needs a strong tag), and services/gateway/conditional.py reads both as the same version."""
    if not (response.mimetype or "").endswith("json") or response.is_streamed:
        return response
    if response.status_code in (204, 304) or "Content-Encoding" in response.headers:
        return response
    response.vary.add("Accept-Encoding")
    body = response.get_data()
    if len(body) <= GZIP_MIN_BYTES or not accepts_gzip(environ):
        return response
    response.set_data(gzip.compress(body, compresslevel=GZIP_LEVEL))
    response.headers["Content-Encoding"] = "gzip"
    etag = response.headers.get("ETag")
    if etag and not etag.startswith("W/") and etag.endswith('"'):
        response.headers["ETag"] = etag[:-1] + GZIP_TAG + '"'
    return response
