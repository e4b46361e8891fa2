"""The console's HTTP server: nameko's WebServer on its own address (WEB_BIND:WEB_PORT; nameko's
WEB_SERVER_ADDRESS is the gateway's), answering what no route takes with an HTML page in the person's
language, and an error a route lets escape with a plain 500 page (the log has the details, the person
never sees a stack trace).

Routes are declared with `services.web.visit.page`, which uses this module's handler class so that every
route of the console shares one server (nameko shares a SharedExtension by class)."""
import logging

from eventlet import wsgi
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import HttpOnlyProtocol, WebServer, WsgiApp
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect
from werkzeug.wrappers import Request, Response

from services.web.i18n import language_of
from services.web.rendering import error_page, secure
from shared.logging import PathOnlyLog
from shared.settings import settings_of

log = logging.getLogger(__name__)
LANGUAGE_COOKIE = "lang"


def cookie_language(request):
    return language_of(request.cookies.get(LANGUAGE_COOKIE))


class ConsoleWsgiApp(WsgiApp):
    def __call__(self, environ, start_response):
        issuer = settings_of(self.server.container.config).oidc_issuer
        return secure(self.answer(environ), issuer)(environ, start_response)

    def answer(self, environ):
        request = Request(environ, shallow=True)
        try:
            provider, values = self.url_map.bind_to_environ(environ).match()
        except NotFound:
            return error_page(404, cookie_language(request))
        except MethodNotAllowed as error:
            response = error_page(405, cookie_language(request))
            response.headers["Allow"] = ", ".join(sorted(error.valid_methods or ()))
            return response
        except RequestRedirect as redirect:
            return Response("", status=redirect.code, headers={"Location": redirect.new_url})
        request.path_values = values
        return provider.handle_request(request)


class ConsoleServer(WebServer):
    @property
    def bind_addr(self):
        settings = settings_of(self.container.config)
        return settings.web_bind, settings.web_port

    def get_wsgi_app(self):
        return ConsoleWsgiApp(self)

    def get_wsgi_server(self, sock, wsgi_app, protocol=HttpOnlyProtocol, debug=False):
        return wsgi.Server(sock, sock.getsockname(), wsgi_app, protocol=protocol, debug=debug,
                           log=PathOnlyLog(logging.getLogger("services.web.access")), url_length_limit=8 * 1024)


class ConsoleRequestHandler(HttpRequestHandler):
    server = ConsoleServer()

    def response_from_exception(self, exc):
        log.error("unexpected error in a page", exc_info=(type(exc), exc, exc.__traceback__))
        return error_page(500, "bn")
