"""The gateway's HTTP server: nameko's, with JSON answers for what never reaches a route (unknown paths,
wrong methods, oversized request lines and Host headers) and for errors a route lets escape, and the
headers every answer carries.

nameko routes with a werkzeug Map inside `WsgiApp` and answers a miss with werkzeug's HTML page; its
entrypoint answers an escaped exception with `Error: <class>: <message>` as text. Every gateway route is
declared with this module's `http` so that all of them share `JsonWebServer` (a SharedExtension is shared
by class: a route declared with nameko's own `http` would start a second server on the same port).
"""
import logging

from eventlet import wsgi
from nameko.exceptions import BadRequest as NamekoBadRequest
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import HttpOnlyProtocol, WebServer, WsgiApp
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect
from werkzeug.wrappers import Request

from services.gateway.client_http import ClientHeaders
from services.gateway.problems import from_error, problem
from shared.correlation import HTTP_HEADER, clean_correlation_id, new_correlation_id
from shared.errors import PlatformError
from shared.logging import PathOnlyLog
from shared.metrics import HTTP_REQUESTS
from shared.tracing import RESPONSE_HEADER as TRACE_RESPONSE_HEADER
from shared.tracing import new_trace, parse_traceparent

log = logging.getLogger(__name__)

MAX_TARGET = 8 * 1024  # the request line's path and query string
READ_LINE_LIMIT = 64 * 1024  # longer request lines get eventlet's own bare 414 (it never reaches the app)
MAX_HOST = 261  # a DNS name (253) and a port
ROUTED = "sorasori.routed"
UNMATCHED = "unmatched"  # the route label of requests no route took (unknown paths, wrong methods)
KNOWN_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}  # any other: "other" (bounded)


def secure_headers(response):
    """Every answer: no MIME sniffing (Cache-Control, CORS and gzip: client_http.ClientHeaders)."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def error_answer(status, message, fields=None, headers=None, environ=None):
    instance = environ.get("PATH_INFO") if environ is not None and status != 414 else None  # 414: too long to echo
    response = problem(status, message, errors=fields, instance=instance, headers=headers)
    if environ is not None and HTTP_HEADER not in response.headers:
        cid = clean_correlation_id(environ.get("HTTP_" + HTTP_HEADER.upper().replace("-", "_"))) or new_correlation_id()
        response.headers[HTTP_HEADER] = cid
    if environ is not None and TRACE_RESPONSE_HEADER not in response.headers:  # no worker took a span
        parent = parse_traceparent(environ.get("HTTP_TRACEPARENT"))
        response.headers[TRACE_RESPONSE_HEADER] = (parent.child() if parent else new_trace()).header()
    return response


def request_problem(environ):
    """An answer for a request no route should see, or None."""
    target = len(environ.get("PATH_INFO", "")) + len(environ.get("QUERY_STRING", ""))
    if target > MAX_TARGET:
        return error_answer(414, f"the URL (path and query string) may be at most {MAX_TARGET} characters",
                            {"query": [f"At most {MAX_TARGET} characters."]}, environ=environ)
    if len(environ.get("HTTP_HOST", "")) > MAX_HOST:
        return error_answer(400, "the Host header is too long", {"Host": [f"At most {MAX_HOST} characters."]},
                            environ=environ)
    return None


class JsonWsgiApp(WsgiApp):
    def __init__(self, server):
        super().__init__(server)
        self.client_headers = ClientHeaders(server.container.config)

    def __call__(self, environ, start_response):
        response = self.answer(environ)
        if not environ.get(ROUTED):  # a routed request is counted by its entrypoint (shared.metrics)
            method = environ.get("REQUEST_METHOD", "")
            HTTP_REQUESTS.labels(UNMATCHED, method if method in KNOWN_METHODS else "other",
                                 str(response.status_code)).inc()
        return self.client_headers.finish(environ, secure_headers(response))(environ, start_response)

    def methods_for_path(self, path):
        return self.url_map.bind("localhost").allowed_methods(path)

    def answer(self, environ):
        problem = request_problem(environ)
        if problem is not None:
            return problem
        preflight = self.client_headers.preflight(environ, self.methods_for_path)  # CORS: before routing
        if preflight is not None:
            return preflight
        request = Request(environ, shallow=True)  # as nameko's: the body is read by the route only
        try:
            provider, values = self.url_map.bind_to_environ(environ).match()
        except NotFound:
            return error_answer(404, f"no such resource: {request.path}", environ=environ)
        except MethodNotAllowed as error:
            allowed = ", ".join(sorted(error.valid_methods or ()))
            return error_answer(405, f"{request.method} is not allowed here; use {allowed}",
                                headers={"Allow": allowed}, environ=environ)
        except RequestRedirect as redirect:
            return error_answer(redirect.code, "this resource lives at another URL",
                                headers={"Location": redirect.new_url}, environ=environ)
        except HTTPException as error:
            return error_answer(error.code or 400, error.description or "the request could not be read",
                                environ=environ)
        request.path_values = values
        environ[ROUTED] = True
        return provider.handle_request(request)


class JsonWebServer(WebServer):
    def get_wsgi_app(self):
        return JsonWsgiApp(self)

    def get_wsgi_server(self, sock, wsgi_app, protocol=HttpOnlyProtocol, debug=False):
        return wsgi.Server(sock, sock.getsockname(), wsgi_app, protocol=protocol, debug=debug,
                           log=PathOnlyLog(logging.getLogger("nameko.web.server")), url_length_limit=READ_LINE_LIMIT)


class JsonHttpRequestHandler(HttpRequestHandler):
    """`http(method, url, doc=Operation(...))`: the route and its documented operation (services/gateway/openapi.py)."""
    server = JsonWebServer()

    def __init__(self, method, url, expected_exceptions=(), doc=None):
        super().__init__(method, url, expected_exceptions=expected_exceptions)
        self.doc = doc

    def response_from_exception(self, exc):
        """What a route let escape: a platform error keeps its status, anything else is a 500 that names no
        exception (the log has it)."""
        if isinstance(exc, PlatformError):
            return from_error(exc)
        if isinstance(exc, NamekoBadRequest):
            return problem(400, "the request could not be read")
        log.error("unexpected error in an HTTP route", exc_info=(type(exc), exc, exc.__traceback__))
        return problem(500, "something went wrong on our side; it has been logged")


def http(method, url, doc=None, **kwargs):
    """Declare a gateway route and its documented operation. The handler and every wrapper under it learn
    the operation (`operation`), so `web.api` dumps each answer through its documented schema."""
    register = JsonHttpRequestHandler.decorator(method, url, doc=doc, **kwargs)

    def decorate(handler):
        wrapped = handler
        while wrapped is not None:
            wrapped.operation = doc
            wrapped = getattr(wrapped, "__wrapped__", None)
        return register(handler)
    return decorate
