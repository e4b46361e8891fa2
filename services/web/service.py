"""Web console: server-rendered pages for the programme's people, a client of the gateway's public HTTP
API and nothing else (no RPC to another service, no other service's store). Its routes are declared by
area in the parts this class is made of (services/web/README.md: how to add a page)."""
import mimetypes
from pathlib import Path

from nameko.timer import timer
from werkzeug.wrappers import Response

from services.web.admin_pages import AdminPages
from services.web.auth_pages import AuthPages
from services.web.citizen_pages import CitizenPages
from services.web.dash_pages import DashboardPages
from services.web.directory_pages import DirectoryPages
from services.web.gateway import GatewayClient
from services.web.i18n import LANGUAGES
from services.web.phone_filing import PhoneFilingPages
from services.web.server import LANGUAGE_COOKIE, ConsoleRequestHandler
from services.web.sessions import Sessions
from services.web.staff_pages import StaffPages
from services.web.visit import page, same_site_path
from shared.settings import SettingsProvider

STATIC = Path(__file__).parent / "static"
SWEEP_SECONDS = 300


class WebService(AuthPages, CitizenPages, StaffPages, PhoneFilingPages, DashboardPages, AdminPages,
                 DirectoryPages):
    name = "web"
    sessions = Sessions()
    gateway = GatewayClient()
    settings = SettingsProvider()

    @page("GET", "/")
    def home(self, visit):
        return visit.render("home.html")

    @page("GET", "/language/<string:language>")
    def switch_language(self, visit, language):
        """The language switch on every page: a cookie (and the session's), then back to the same page."""
        if language not in LANGUAGES:
            return visit.error(404)
        response = visit.redirect(same_site_path(visit.request.args.get("next")))
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 86400, path="/", samesite="Lax",
                            httponly=True, secure=self.settings.sorasori_env == "production")
        if visit.session is not None:
            visit.store.set_fields(visit.session, language=language)
        return response

    @ConsoleRequestHandler.decorator("GET", "/static/<string:name>")
    def static(self, request, name):
        path = STATIC / name
        if "/" in name or name.startswith(".") or not path.is_file():
            return Response("", status=404)
        response = Response(path.read_bytes(), mimetype=mimetypes.guess_type(name)[0] or "application/octet-stream")
        response.headers["Cache-Control"] = "public, max-age=86400"
        return response

    @ConsoleRequestHandler.decorator("GET", "/health")
    def health(self, request):
        return Response('{"status": "up"}', mimetype="application/json", headers={"Cache-Control": "no-store"})

    @timer(interval=SWEEP_SECONDS)
    def sweep_sessions(self):
        """Ended sessions (FerretDB has no TTL index)."""
        self.sessions.sweep()
