"""One request to the console, and `page`, the decorator every route is declared with.

`page(method, url, signed_in=False)` wraps a route `handler(self, visit, **path_values)`:
- it finds the person's session from the cookie (`visit.session`, None when there is none or it ended);
- on every POST it checks the form's `csrf_token` against the session's (a 403 page otherwise);
- `signed_in=True`: someone without a live signed-in session is sent to sign in, and back here afterwards
  (the path is kept in the session, server-side); `rule="queue.read"` (a rule of shared.authz): the
  same, and a 403 page for a role the rule does not grant (the gateway still decides what the API allows);
- `visit.api(...)` calls the gateway with the person's access token, refreshing it when it has expired;
  a part of the platform that is down raises `PartUnavailable`: a route that can show the rest of its page
  catches it (`visit.try_api`), otherwise the whole answer is a 503 page naming the part;
- `visit.render(template, ...)` answers a page in the person's language with the CSRF token and the
  language switch, and `visit.finish` sets the session cookie (HttpOnly, SameSite=Lax, Secure in
  production, path /).
"""
import hmac
import logging
import time
from functools import wraps
from urllib.parse import urlsplit

from authlib.integrations.base_client.errors import OAuthError
from werkzeug.wrappers import Response

from services.web.gateway import PartUnavailable, SignInRequired
from services.web.i18n import language_of
from services.web.rendering import error_page, render
from services.web.server import LANGUAGE_COOKIE, ConsoleRequestHandler
from shared.authz import allowed

log = logging.getLogger(__name__)
SESSION_COOKIE = "sorasori_session"
REFRESH_MARGIN_SECONDS = 30
REFRESH_LEASE_SECONDS = 10  # at most as long as a refresh at the gateway may take (WEB_GATEWAY_TIMEOUT)
REFRESH_POLL_SECONDS = 0.05


class PageNotFound(Exception):
    pass


class PageForbidden(Exception):
    pass


class CsrfRefused(Exception):
    pass


def same_site_path(target, default="/"):
    """`target` if it is a path on this site (not `//host`, not a scheme, no backslash), else `default`."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


class Visit:
    def __init__(self, service, request):
        self.request = request
        self.store = service.sessions
        self.gateway = service.gateway
        self.settings = service.settings
        self.new_session_id = None
        self.clear_cookie = False
        self.session = self.store.find(request.cookies.get(SESSION_COOKIE))
        if self.session is not None:
            self.store.touch(self.session)
        self.language = language_of(
            request.cookies.get(LANGUAGE_COOKIE) or (self.session or {}).get("language"))
        self.unavailable = []  # parts of the page that could not be shown

    # --- the session ---

    @property
    def user(self):
        return (self.session or {}).get("user")

    def ensure_session(self):
        if self.session is None:
            self.new_session_id, self.session = self.store.create(self.language)
        return self.session

    def csrf_token(self):
        return self.ensure_session()["csrf"]

    def check_csrf(self):
        sent = self.request.form.get("csrf_token", "")
        if self.session is None or not sent or not hmac.compare_digest(sent, self.session["csrf"]):
            raise CsrfRefused()

    def require_user(self):
        if self.user is None:
            raise SignInRequired()

    def replace_session(self, session_id, document):
        self.new_session_id, self.session = session_id, document

    def end_session(self):
        if self.session is not None:
            self.store.delete(self.session)
        self.session, self.clear_cookie = None, True

    # --- the gateway, as the person ---

    def access_token(self):
        tokens = (self.session or {}).get("tokens")
        if not tokens:
            raise SignInRequired()
        if tokens.get("expires_at") and tokens["expires_at"] - REFRESH_MARGIN_SECONDS <= time.time():
            tokens = self.refresh(tokens)
        return tokens["access_token"]

    def refresh(self, tokens):
        """Fresh tokens for the session: this request refreshes them if it takes the session's refresh lease,
        otherwise it waits for the request that did."""
        old = tokens.get("refresh_token")
        if not old:
            raise SignInRequired()
        if self.store.claim_refresh(self.session, old, REFRESH_LEASE_SECONDS):
            try:
                fresh = keep_tokens(dict(self.gateway.refresh(old)))
            except OAuthError:
                self.store.release_refresh(self.session)
                raise SignInRequired() from None
            except PartUnavailable:
                self.store.release_refresh(self.session)
                raise
            return self.store.replace_tokens(self.session, old, fresh)
        deadline = time.monotonic() + REFRESH_LEASE_SECONDS
        while time.monotonic() < deadline:
            time.sleep(REFRESH_POLL_SECONDS)
            current = self.store.find_by_key(self.session["_id"])
            if current is None or not current.get("tokens"):
                raise SignInRequired()
            if current["tokens"].get("refresh_token") != old:
                self.session["tokens"] = current["tokens"]
                return current["tokens"]
            if current.get("refreshing_until") is None:  # the refresh failed: signed out
                raise SignInRequired()
        raise SignInRequired()

    def api(self, method, path, part, **kwargs):
        """The gateway's answer to a call as the signed-in person (refreshing the token once on a 401), with
        the person's language (the API's words, such as a status, come back in it)."""
        kwargs["headers"] = {"Accept-Language": self.language, "X-Forwarded-For": self.forwarded_for(),
                             **(kwargs.get("headers") or {})}
        answer = self.gateway.call(method, path, part, token=self.access_token(), **kwargs)
        if answer.status == 401:
            self.refresh(self.session["tokens"])
            answer = self.gateway.call(method, path, part, token=self.access_token(), **kwargs)
            if answer.status == 401:
                raise SignInRequired()
        return answer

    def forwarded_for(self):
        """The person's address chain for the gateway's per-address limits: what reached the console, then
        the console's own peer (the ingress controller). The gateway believes it only from TRUSTED_PROXIES,
        right to left, so what a browser writes there itself is never taken for its address."""
        chain = [hop for hop in (self.request.headers.get("X-Forwarded-For"), self.request.remote_addr) if hop]
        return ", ".join(chain)

    def try_api(self, method, path, part, **kwargs):
        """As `api`, but a part that is down is noted (the page says so) and None answered."""
        try:
            return self.api(method, path, part, **kwargs)
        except PartUnavailable as down:
            self.unavailable.append(down.part)
            return None

    # --- answers ---

    def here(self):
        return self.request.full_path.rstrip("?") if self.request.query_string else self.request.path

    def render(self, template, status=200, **context):
        return render(template, self.language, status=status, user=self.user,
                      csrf_token=self.csrf_token() if self.session is not None or self.user else "",
                      here=self.here(), unavailable=self.unavailable, **context)

    def form_page(self, template, status=200, **context):
        """A page with a form: it always has a session (for the CSRF token)."""
        self.ensure_session()
        return self.render(template, status=status, **context)

    def redirect(self, target, status=303):
        return Response("", status=status, headers={"Location": same_site_path(target)})

    def finish_redirect_to(self, url):
        """To another site (the gateway's sign-in page): only routes that built the URL themselves."""
        return Response("", status=303, headers={"Location": url})

    def to_sign_in(self):
        """Send the person to sign in, and back to this page afterwards (a GET page; a form's page for a POST)."""
        back = self.here() if self.request.method == "GET" else self.request.path
        self.store.set_fields(self.ensure_session(), return_to=same_site_path(back))
        return self.redirect("/sign-in")

    def error(self, status, part=None):
        return error_page(status, self.language, part=part, user=self.user, here=self.here())

    def finish(self, response):
        options = cookie_options(self.settings)
        if self.new_session_id:
            response.set_cookie(SESSION_COOKIE, self.new_session_id, max_age=self.settings.web_session_max_seconds,
                                **options)
        elif self.clear_cookie:
            response.delete_cookie(SESSION_COOKIE, **options)
        return response


def cookie_options(settings):
    """The session cookie: never readable by script, not sent on cross-site POSTs, https only in production."""
    return {"httponly": True, "samesite": "Lax", "secure": settings.sorasori_env == "production", "path": "/"}


def keep_tokens(token):
    """What the session keeps of a token answer."""
    expires_at = token.get("expires_at") or (time.time() + int(token.get("expires_in", 300)))
    return {"access_token": token["access_token"], "refresh_token": token.get("refresh_token"),
            "expires_at": int(expires_at)}


def page(method, url, signed_in=False, rule=None):
    """Declare a console route; see the module's docstring. `rule`: a shared.authz rule the person's role
    must be granted (signed in; anyone else gets a 403 page)."""
    register = ConsoleRequestHandler.decorator(method, url)

    def decorate(handler):
        @wraps(handler)
        def route(self, request, **values):
            visit = Visit(self, request)
            try:
                if request.method == "POST":
                    visit.check_csrf()
                if signed_in or rule:
                    visit.require_user()
                if rule and not allowed(visit.user, rule):
                    raise PageForbidden()
                response = handler(self, visit, **values)
            except CsrfRefused:
                log.info("a form without a valid CSRF token was refused", extra={"path": request.path})
                response = visit.error(403)
            except SignInRequired:
                response = visit.to_sign_in()
            except PageForbidden:
                response = visit.error(403)
            except PageNotFound:
                response = visit.error(404)
            except PartUnavailable as down:
                response = visit.error(503, part=down.part)
            except Exception:  # a bug: a plain page in the person's language, the details in the log only
                log.exception("unexpected error in a page", extra={"route": handler.__name__})
                response = visit.error(500)
            return visit.finish(response)
        return register(route)
    return decorate
